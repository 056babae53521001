/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpodd's answers on the control socket: what runs, the live sessions,
 * applications and classes, and reloads. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "daemon-internal.h"
#include "daemon.h"
#include "discover.h"
#include "dscp.h"
#include "log.h"
#include "sessiontab.h"
#include "shaper.h"

/* How long counters stay fresh after a request (a listing each second):
 * long enough for `qpod-ctl sessions --watch`. */
#define COUNTERS_HOLD_NS (10 * 1000000000ull)
#define LISTING_WAIT_NS (500 * 1000000ull)

static const char *const reason_names[] = {
	[SESSION_BY_RULE] = "rule",
	[SESSION_BY_APP] = "application",
	[SESSION_OVER_BUDGET] = "over-budget",
	[SESSION_DEFAULT] = "default",
	[SESSION_NO_SOCKET] = "no-socket",
	[SESSION_NO_PROCESS] = "no-process",
	[SESSION_UNDISCOVERED] = "undiscovered",
};

/* The class a session's mark names now (classes keep their values across
 * reloads), or NULL. */
static const struct qp_class *class_of(const struct snapshot *snap, const struct session *s)
{
	int i = s->mark ? marks_class_of_value(&snap->marks, marks_value(&snap->marks, s->mark)) : -1;

	return i >= 0 && (size_t)i < snap->policy->n_classes ? &snap->policy->classes[i] : NULL;
}

static const struct qp_app *app_of(const struct snapshot *snap, const struct session *s)
{
	return s->app >= 0 && (size_t)s->app < snap->policy->n_apps ? &snap->policy->apps[s->app]
								     : NULL;
}

/* "198.18.0.1:80" or "[2001:db8::1]:80". */
static void endpoint(const struct session_key *k, bool src, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family, src ? k->saddr : k->daddr, a, sizeof(a));
	snprintf(buf, len, k->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 src ? k->sport : k->dport);
}

static void put_proto(struct jsonw *w, uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		jsonw_str(w, "protocol", "tcp");
	else if (proto == IPPROTO_UDP)
		jsonw_str(w, "protocol", "udp");
	else
		jsonw_u64(w, "protocol", proto);
}

/* ---- sessions ----------------------------------------------------------- */

struct session_walk {
	const struct snapshot *snap;
	struct jsonw *w;
	uint64_t now_real;
};

static void put_session(const struct session *s, void *arg)
{
	struct session_walk *sw = arg;
	struct jsonw *w = sw->w;
	const struct qp_class *cls = class_of(sw->snap, s);
	const struct qp_app *app = app_of(sw->snap, s);
	bool out = s->direction != QP_DIR_IN;
	uint64_t bytes_reply = s->bytes > s->bytes_orig ? s->bytes - s->bytes_orig : 0;
	char local[64], remote[64], path[64], exe[4096];
	ssize_t n = -1;

	/* The first packet's source is this host's end of an outgoing session. */
	endpoint(&s->key, out, local, sizeof(local));
	endpoint(&s->key, !out, remote, sizeof(remote));
	jsonw_object(w, NULL);
	put_proto(w, s->key.proto);
	jsonw_str(w, "family", s->key.family == AF_INET6 ? "ipv6" : "ipv4");
	jsonw_str(w, "direction", out ? "out" : "in");
	jsonw_str(w, "local", local);
	jsonw_str(w, "remote", remote);
	if (s->pid) {
		jsonw_u64(w, "pid", s->pid);
		snprintf(path, sizeof(path), "/proc/%u/exe", s->pid);
		n = readlink(path, exe, sizeof(exe) - 1);
	} else {
		jsonw_null(w, "pid");
	}
	if (n > 0) {
		exe[n] = '\0';
		jsonw_str(w, "exe", exe);
	} else {
		jsonw_null(w, "exe");	/* unknown, or the process is gone */
	}
	if (s->uid != UINT32_MAX)
		jsonw_u64(w, "uid", s->uid);
	else
		jsonw_null(w, "uid");
	if (app)
		jsonw_str(w, "application", app->name);
	else
		jsonw_null(w, "application");
	if (s->drop) {
		jsonw_null(w, "class");
		jsonw_null(w, "dscp");
	} else if (cls) {
		jsonw_str(w, "class", cls->name);
		jsonw_str(w, "dscp", dscp_name(cls->dscp));
	} else {
		jsonw_null(w, "class");	/* a class a reload removed */
		jsonw_null(w, "dscp");
	}
	jsonw_bool(w, "dropped", s->drop);
	jsonw_str(w, "decided_by", s->reason < sizeof(reason_names) / sizeof(reason_names[0])
					   ? reason_names[s->reason]
					   : "?");
	if (s->rule >= 0)
		jsonw_u64(w, "rule", (uint64_t)s->rule + 1);
	else
		jsonw_null(w, "rule");
	jsonw_u64(w, "started", s->start_ns / 1000000000u);
	jsonw_u64(w, "age_ms",
		  sw->now_real > s->start_ns ? (sw->now_real - s->start_ns) / 1000000u : 0);
	jsonw_u64(w, "bytes_out", out ? s->bytes_orig : bytes_reply);
	jsonw_u64(w, "bytes_in", out ? bytes_reply : s->bytes_orig);
	jsonw_u64(w, "packets_out", out ? s->packets_orig : s->packets_reply);
	jsonw_u64(w, "packets_in", out ? s->packets_reply : s->packets_orig);
	jsonw_u64(w, "rate_bps", s->rate_bps);
	jsonw_u64(w, "hold_us", s->hold_ns / 1000u);
	jsonw_end_object(w);
}

/* Fresh counters: the discovery thread lists conntrack once now (and
 * each second for a while), and we wait a little for that listing. */
static void refresh_counters(struct daemon *d)
{
	uint64_t before = discover_want_counters(d->disc, COUNTERS_HOLD_NS);
	uint64_t deadline = clock_mono_ns() + LISTING_WAIT_NS;
	struct timespec ms = { 0, 1000000 };

	while (discover_listings(d->disc) == before && clock_mono_ns() < deadline)
		nanosleep(&ms, NULL);
}

static void answer_sessions(struct daemon *d, const struct snapshot *snap, struct jsonw *w)
{
	struct session_walk sw = { snap, w, clock_real_ns() };

	refresh_counters(d);
	jsonw_bool(w, "ok", true);
	jsonw_array(w, "sessions");
	sessiontab_foreach(discover_sessions(d->disc), put_session, &sw);
	jsonw_end_array(w);
}

/* ---- applications and classes ------------------------------------------- */

struct totals {
	const struct snapshot *snap;
	uint64_t *sessions, *bytes, *rate;	/* by application or class index */
	bool by_app;
};

static void add_session(const struct session *s, void *arg)
{
	struct totals *t = arg;
	const struct qp_class *cls = class_of(t->snap, s);
	const struct qp_app *app = app_of(t->snap, s);
	size_t i;

	if (t->by_app ? !app : !cls)
		return;
	i = t->by_app ? app->index : cls->index;
	t->sessions[i]++;
	t->bytes[i] += s->bytes;
	t->rate[i] += s->rate_bps;
}

static int totals_of(struct daemon *d, const struct snapshot *snap, bool by_app, size_t n,
		     struct totals *t)
{
	t->snap = snap;
	t->by_app = by_app;
	t->sessions = calloc(n ? n : 1, sizeof(uint64_t));
	t->bytes = calloc(n ? n : 1, sizeof(uint64_t));
	t->rate = calloc(n ? n : 1, sizeof(uint64_t));
	if (!t->sessions || !t->bytes || !t->rate) {
		free(t->sessions);
		free(t->bytes);
		free(t->rate);
		return -ENOMEM;
	}
	refresh_counters(d);
	sessiontab_foreach(discover_sessions(d->disc), add_session, t);
	return 0;
}

static void totals_free(struct totals *t)
{
	free(t->sessions);
	free(t->bytes);
	free(t->rate);
}

static void answer_apps(struct daemon *d, const struct snapshot *snap, struct jsonw *w)
{
	const struct qp_policy *p = snap->policy;
	struct totals t;

	if (totals_of(d, snap, true, p->n_apps, &t) < 0) {
		control_fail(w, "out of memory");
		return;
	}
	jsonw_bool(w, "ok", true);
	jsonw_array(w, "applications");
	for (size_t i = 0; i < p->n_apps; i++) {
		const struct qp_app *a = &p->apps[i];

		jsonw_object(w, NULL);
		jsonw_str(w, "name", a->name);
		if (a->target.kind == QP_TARGET_CLASS && a->target.cls)
			jsonw_str(w, "class", a->target.cls->name);
		else
			jsonw_null(w, "class");
		jsonw_u64(w, "sessions", t.sessions[i]);
		jsonw_u64(w, "bytes", t.bytes[i]);
		jsonw_u64(w, "rate_bps", t.rate[i]);
		if (a->max_sessions)
			jsonw_u64(w, "max_sessions", a->max_sessions);
		else
			jsonw_null(w, "max_sessions");
		if (a->max_rate_bps)
			jsonw_u64(w, "max_rate_bps", a->max_rate_bps);
		else
			jsonw_null(w, "max_rate_bps");
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	totals_free(&t);
}

struct class_queues {
	struct jsonw *w;
	int index;
};

static void put_queue(const struct shaper_class_stats *cs, void *arg)
{
	struct class_queues *cq = arg;
	struct jsonw *w = cq->w;
	char id[16];

	if (cs->class_index != cq->index)
		return;
	snprintf(id, sizeof(id), "%x:%x", cs->classid >> 16, cs->classid & 0xffff);
	jsonw_object(w, NULL);
	jsonw_str(w, "interface", cs->ifname);
	jsonw_str(w, "tc_class", id);
	jsonw_u64(w, "bytes", cs->bytes);
	jsonw_u64(w, "packets", cs->packets);
	jsonw_u64(w, "drops", cs->drops);
	jsonw_u64(w, "overlimits", cs->overlimits);
	jsonw_u64(w, "backlog_bytes", cs->backlog);
	jsonw_u64(w, "backlog_packets", cs->qlen);
	jsonw_u64(w, "red_early", cs->red_early);
	jsonw_u64(w, "red_marked", cs->red_marked);
	jsonw_end_object(w);
}

static void answer_classes(struct daemon *d, const struct snapshot *snap, struct jsonw *w)
{
	const struct qp_policy *p = snap->policy;
	struct totals t;

	if (totals_of(d, snap, false, p->n_classes, &t) < 0) {
		control_fail(w, "out of memory");
		return;
	}
	jsonw_bool(w, "ok", true);
	jsonw_array(w, "classes");
	for (size_t i = 0; i < p->n_classes; i++) {
		const struct qp_class *c = &p->classes[i];
		struct class_queues cq = { w, (int)i };

		jsonw_object(w, NULL);
		jsonw_str(w, "name", c->name);
		jsonw_str(w, "dscp", dscp_name(c->dscp));
		jsonw_bool(w, "default", p->default_class.cls == c);
		jsonw_u64(w, "sessions", t.sessions[i]);
		jsonw_u64(w, "bytes", t.bytes[i]);
		jsonw_u64(w, "rate_bps", t.rate[i]);
		/* tc's counters, on each interface qpodd queues on. */
		jsonw_array(w, "queues");
		if (shaper_read_stats(d->shaper, &snap->marks, put_queue, &cq) < 0 && i == 0)
			log_warning("control: the queueing classes' counters could not be read");
		jsonw_end_array(w);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
	totals_free(&t);
}

/* ---- status and reload -------------------------------------------------- */

static void answer_status(struct daemon *d, const struct snapshot *snap, struct jsonw *w)
{
	const struct qp_policy *p = snap->policy;
	uint64_t now = clock_real_ns();
	const struct sessiontab *t = discover_sessions(d->disc);
	char summary[256];

	policy_summary(p, summary, sizeof(summary));
	jsonw_bool(w, "ok", true);
	jsonw_str(w, "qpodd", PACKAGE_VERSION);
	jsonw_u64(w, "pid", (uint64_t)getpid());
	jsonw_u64(w, "started", d->started_ns / 1000000000u);
	jsonw_u64(w, "uptime_s", (now - d->started_ns) / 1000000000u);
	if (d->reloaded_ns)
		jsonw_u64(w, "reloaded", d->reloaded_ns / 1000000000u);
	else
		jsonw_null(w, "reloaded");
	jsonw_str(w, "config", d->opts->config_file);
	jsonw_str(w, "policy", summary);
	jsonw_u64(w, "classes", p->n_classes);
	jsonw_u64(w, "applications", p->n_apps);
	jsonw_u64(w, "session_rules", p->n_sessions);
	jsonw_str(w, "default_class", p->default_class.cls->name);
	jsonw_u64(w, "sessions", sessiontab_count(t));
	jsonw_u64(w, "session_capacity", sessiontab_capacity(t));
	jsonw_object(w, "queue");
	jsonw_u64(w, "num", p->queue.num);
	jsonw_u64(w, "threads", p->queue.threads);
	jsonw_str(w, "fail", p->queue.fail == QP_FAIL_OPEN ? "open" : "closed");
	jsonw_str(w, "path", d->queue_kind == RULESET_QUEUE_NATIVE ? "nft queue" : "xtables NFQUEUE");
	jsonw_bool(w, "ct_mark_in_verdict", d->ct_in_verdict);
	jsonw_end_object(w);
}

static void answer_reload(struct daemon *d, struct jsonw *w)
{
	struct diag_list diags;
	char why[256], line[1024];
	int r;

	diag_list_init(&diags);
	r = daemon_reload(d, &diags, why, sizeof(why));
	if (r < 0)
		control_fail(w, "%s; the running policy stays", why);
	else
		jsonw_bool(w, "ok", true);
	jsonw_array(w, "diagnostics");
	for (size_t i = 0; i < diags.n; i++) {
		diag_format(&diags.items[i], line, sizeof(line));
		jsonw_str(w, NULL, line);
	}
	jsonw_end_array(w);
	diag_list_clear(&diags);
}

void daemon_answer(void *arg, const struct ctl_request *req, struct jsonw *w)
{
	struct daemon *d = arg;
	/* The main thread is the only one that replaces the snapshot. */
	const struct snapshot *snap = atomic_load(&d->current);

	switch (req->command) {
	case CTL_STATUS:
		answer_status(d, snap, w);
		break;
	case CTL_SESSIONS:
		answer_sessions(d, snap, w);
		break;
	case CTL_APPS:
		answer_apps(d, snap, w);
		break;
	case CTL_CLASSES:
		answer_classes(d, snap, w);
		break;
	case CTL_RELOAD:
		answer_reload(d, w);
		break;
	default:
		control_fail(w, "unknown command");
	}
}
