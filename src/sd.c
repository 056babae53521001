/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-login.h>
#include <time.h>

#include "sd.h"
#include "sdbus.h"

#define MANAGER "org.freedesktop.systemd1"

void sd_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void sd_reloading(void)
{
	struct timespec ts;

	/* Type=notify-reload wants the time the reload began. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
}

void sd_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

bool sd_restarting(void)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *unit = NULL, *unit_path = NULL, *type = NULL;
	const char *job_path = NULL;
	sd_bus *bus = NULL;
	uint32_t job = 0;
	bool restart = false;
	int r;

	/* Not a service of systemd's: no one to start the next qpodd. */
	if (!getenv("INVOCATION_ID") || sd_pid_get_unit(0, &unit) < 0)
		return false;
	r = sdbus_open_manager(&bus);
	if (r >= 0)
		r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &unit_path);
	/* The unit's job while it stops: a restart's, until the stop is done. */
	if (r >= 0)
		r = sd_bus_get_property(bus, MANAGER, unit_path, MANAGER ".Unit", "Job", &e, &reply,
					"(uo)");
	if (r >= 0)
		r = sd_bus_message_read(reply, "(uo)", &job, &job_path);
	if (r >= 0 && job)
		r = sd_bus_get_property_string(bus, MANAGER, job_path, MANAGER ".Job", "JobType", &e,
					       &type);
	if (r >= 0 && type)
		restart = strcmp(type, "restart") == 0 || strcmp(type, "try-restart") == 0;
	free(type);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	free(unit_path);
	free(unit);
	sd_bus_flush_close_unref(bus);
	return restart;
}

uint64_t sd_watchdog_interval_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec / 2 : 0;
}

void sd_watchdog_ping(void)
{
	sd_notify(0, "WATCHDOG=1");
}

int sd_journal_record(const char *message, char *const *fields, size_t n)
{
	static char priority[] = "PRIORITY=6";
	struct iovec iov[64];
	char *msg = NULL;
	size_t k = 0;
	int r;

	if (asprintf(&msg, "MESSAGE=%s", message) < 0)
		return -ENOMEM;
	iov[k++] = (struct iovec){ msg, strlen(msg) };
	iov[k++] = (struct iovec){ priority, strlen(priority) };
	for (size_t i = 0; i < n && k < sizeof(iov) / sizeof(iov[0]); i++)
		iov[k++] = (struct iovec){ fields[i], strlen(fields[i]) };
	r = sd_journal_sendv(iov, (int)k);
	free(msg);
	return r;
}
