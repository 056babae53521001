/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "clock.h"
#include "run-scope.h"
#include "sdbus.h"

#define JOB_TIMEOUT_US (10 * 1000000ull)

struct job_wait {
	const char *path;	/* the job's object path, once known */
	bool done;
	char result[32];
};

static int on_job_removed(sd_bus_message *m, void *arg, sd_bus_error *e)
{
	struct job_wait *jw = arg;
	const char *path, *unit, *result;
	uint32_t id;

	(void)e;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (jw->path && strcmp(path, jw->path) == 0) {
		jw->done = true;
		snprintf(jw->result, sizeof(jw->result), "%s", result);
	}
	return 0;
}

/* StartTransientUnit(name, "fail", properties, no auxiliary units). */
static int start_scope(sd_bus *bus, const char *name, const char *desc, sd_bus_error *e,
		       sd_bus_message **reply)
{
	sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, "org.freedesktop.systemd1",
					   "/org/freedesktop/systemd1",
					   "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", name, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)getpid());
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "Description", "s", desc);
	/* Gone once its processes are, failed or not. */
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, JOB_TIMEOUT_US, e, reply);
	sd_bus_message_unref(m);
	return r;
}

int run_scope_enter(const char *cls, const char *command, char *why, size_t whylen)
{
	struct job_wait jw = { 0 };
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *bus = NULL;
	char name[64], desc[256];
	const char *job;
	uint64_t deadline;
	int r;

	why[0] = '\0';
	if (sd_booted() <= 0)
		return -1;
	r = sdbus_open_manager(&bus);
	if (r < 0) {
		snprintf(why, whylen, "%s: %s",
			 geteuid() == 0 ? "systemd and the system bus" : "the user's bus", strerror(-r));
		return -1;
	}
	snprintf(name, sizeof(name), "qpod-run-%d.scope", (int)getpid());
	snprintf(desc, sizeof(desc), "qpod-ctl run --class %s %s", cls, command);
	/* Listening before asking: the job may end before the call returns. */
	r = sd_bus_match_signal(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				"org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed,
				&jw);
	if (r >= 0)
		r = start_scope(bus, name, desc, &e, &reply);
	if (r < 0) {
		snprintf(why, whylen, "%s", sd_bus_error_is_set(&e) ? e.message : strerror(-r));
		goto out;
	}
	r = sd_bus_message_read(reply, "o", &job);
	if (r < 0) {
		snprintf(why, whylen, "systemd's answer: %s", strerror(-r));
		goto out;
	}
	jw.path = job;
	deadline = clock_mono_ns() / 1000 + JOB_TIMEOUT_US;
	while (!jw.done && clock_mono_ns() / 1000 < deadline) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			break;
		if (r == 0)
			r = sd_bus_wait(bus, deadline - clock_mono_ns() / 1000);
		if (r < 0)
			break;
	}
	if (!jw.done)
		snprintf(why, whylen, "starting %s: %s", name, r < 0 ? strerror(-r) : "no answer");
	else if (strcmp(jw.result, "done") != 0)
		snprintf(why, whylen, "starting %s: %s", name, jw.result);
	r = jw.done && strcmp(jw.result, "done") == 0 ? 0 : -1;
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? -1 : 0;
}
