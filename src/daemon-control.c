/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpodd's answers on the control socket: what runs, the live sessions,
 * applications and classes, and reloads. */
#include <errno.h>
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
#include "sessionview.h"
#include "shaper.h"

/* How long counters stay fresh after a request (a listing each second):
 * long enough for `qpod-ctl sessions --watch`. */
#define COUNTERS_HOLD_NS (10 * 1000000000ull)
#define LISTING_WAIT_NS (1000 * 1000000ull)

/* ---- sessions ----------------------------------------------------------- */

struct session_walk {
	const struct snapshot *snap;
	struct jsonw *w;
	uint64_t now_real;
};

static void put_session(const struct session *s, void *arg)
{
	struct session_walk *sw = arg;

	jsonw_object(sw->w, NULL);
	session_json(sw->w, sw->snap, s, sw->now_real, false);
	jsonw_end_object(sw->w);
}

/* Fresh counters: the first try asks the discovery thread for a listing
 * of conntrack (and one each second for a while); later tries see whether
 * it is done. Past LISTING_WAIT_NS the answer goes with what there is. */
static bool counters_ready(struct daemon *d, struct control_pending *p)
{
	uint64_t now = clock_mono_ns();

	if (!p->ticket) {
		p->ticket = discover_want_counters(d->disc, COUNTERS_HOLD_NS);
		p->deadline_ns = now + LISTING_WAIT_NS;
	}
	return discover_counters_ready(d->disc, p->ticket) || now >= p->deadline_ns;
}

static void answer_sessions(struct daemon *d, const struct snapshot *snap, struct jsonw *w)
{
	struct session_walk sw = { snap, w, clock_real_ns() };

	jsonw_bool(w, "ok", true);
	jsonw_array(w, "sessions");
	sessiontab_foreach(discover_sessions(d->disc), put_session, &sw);
	jsonw_end_array(w);
}

/* ---- explain -------------------------------------------------------------- */

/* "file:line", where the policy says it. */
static void where(const struct qp_loc *loc, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u", loc->file ? loc->file : "?", loc->line);
}

/* Why S got its class, in a sentence. */
static void why(const struct snapshot *snap, const struct session *s, char *buf, size_t len)
{
	const struct qp_policy *p = snap->policy;
	const struct qp_class *cls = session_class(snap, s);
	const struct qp_app *app = session_app(snap, s);
	const char *to = s->drop ? "drop" : cls ? cls->name : "(a class since removed)";
	char at[300], m[512];

	switch (s->reason) {
	case SESSION_BY_RULE:
		if (s->rule >= 0 && (size_t)s->rule < p->n_sessions) {
			const struct qp_session_rule *r = &p->sessions[s->rule];

			where(&r->loc, at, sizeof(at));
			policy_format_flow_match(&r->match, m, sizeof(m));
			snprintf(buf, len, "session rule %d (%s: %s%s%s) gives %s", s->rule + 1, at, m,
				 r->app_name ? ", application " : "", r->app_name ? r->app_name : "",
				 to);
		} else {
			snprintf(buf, len, "a session rule of an earlier policy gave %s", to);
		}
		return;
	case SESSION_BY_APP:
	case SESSION_OVER_BUDGET:
		if (!app) {
			snprintf(buf, len, "an application of an earlier policy gave %s", to);
			return;
		}
		where(&app->loc, at, sizeof(at));
		policy_format_app_match(&app->match, m, sizeof(m));
		if (s->reason == SESSION_BY_APP)
			snprintf(buf, len, "application '%s' (%s: %s) gives %s", app->name, at, m, to);
		else
			snprintf(buf, len,
				 "application '%s' (%s: %s) was over its budget (%s), so over-budget "
				 "gave %s",
				 app->name, at, m,
				 app->max_sessions && app->max_rate_bps ? "max-sessions, max-rate"
				 : app->max_sessions			 ? "max-sessions"
									 : "max-rate",
				 to);
		return;
	case SESSION_DEFAULT:
		snprintf(buf, len, "its owner (pid %u) matches no application and the session no "
				   "rule: the default class, %s",
			 s->pid, to);
		return;
	case SESSION_NO_SOCKET:
		snprintf(buf, len, "no socket of this host had it when qpodd looked (closed, or not "
				   "a local program's): %s",
			 to);
		return;
	case SESSION_NO_PROCESS:
		snprintf(buf, len, "its socket belonged to no process qpodd could find: %s", to);
		return;
	default:
		snprintf(buf, len, "qpodd could not look for its owner in time: %s", to);
	}
}

struct explain_walk {
	const struct snapshot *snap;
	const struct ctl_request *req;
	struct jsonw *w;
	uint64_t now_real;
};

static void put_explained(const struct session *s, void *arg)
{
	struct explain_walk *ew = arg;
	char local[80], remote[80], because[1536];

	if (ew->req->pid && s->pid != ew->req->pid)
		return;
	if (ew->req->endpoint[0]) {
		/* Either end, as qpod-ctl sessions writes them. */
		session_endpoints(s, local, sizeof(local), remote, sizeof(remote));
		if (strcmp(local, ew->req->endpoint) != 0 && strcmp(remote, ew->req->endpoint) != 0)
			return;
	}
	why(ew->snap, s, because, sizeof(because));
	jsonw_object(ew->w, NULL);
	session_json(ew->w, ew->snap, s, ew->now_real, false);
	jsonw_str(ew->w, "why", because);
	jsonw_end_object(ew->w);
}

static void answer_explain(struct daemon *d, const struct snapshot *snap,
			   const struct ctl_request *req, struct jsonw *w)
{
	struct explain_walk ew = { snap, req, w, clock_real_ns() };

	jsonw_bool(w, "ok", true);
	jsonw_array(w, "sessions");
	sessiontab_foreach(discover_sessions(d->disc), put_explained, &ew);
	jsonw_end_array(w);
}

/* ---- applications and classes ------------------------------------------- */

struct totals {
	const struct snapshot *snap;
	uint64_t *sessions, *bytes, *rate;	/* by application or class index */
	uint64_t *counted;	/* sessions counted against max-sessions */
	bool by_app;
};

static void add_session(const struct session *s, void *arg)
{
	struct totals *t = arg;
	const struct qp_class *cls = session_class(t->snap, s);
	const struct qp_app *app = session_app(t->snap, s);
	size_t i;

	if (t->by_app ? !app : !cls)
		return;
	i = t->by_app ? app->index : cls->index;
	t->sessions[i]++;
	t->counted[i] += s->admitted && !s->closing;
	t->bytes[i] += s->bytes;
	t->rate[i] += s->rate_bps;
}

static void totals_free(struct totals *t)
{
	free(t->sessions);
	free(t->bytes);
	free(t->rate);
	free(t->counted);
}

static int totals_of(struct daemon *d, const struct snapshot *snap, bool by_app, size_t n,
		     struct totals *t)
{
	t->snap = snap;
	t->by_app = by_app;
	t->sessions = calloc(n ? n : 1, sizeof(uint64_t));
	t->bytes = calloc(n ? n : 1, sizeof(uint64_t));
	t->rate = calloc(n ? n : 1, sizeof(uint64_t));
	t->counted = calloc(n ? n : 1, sizeof(uint64_t));
	if (!t->sessions || !t->bytes || !t->rate || !t->counted) {
		totals_free(t);
		return -ENOMEM;
	}
	sessiontab_foreach(discover_sessions(d->disc), add_session, t);
	return 0;
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
		jsonw_u64(w, "counted", t.counted[i]);
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
	const struct sessiontab *t = discover_sessions(d->disc);
	uint64_t written, failed;
	char summary[256];

	policy_summary(p, summary, sizeof(summary));
	jsonw_bool(w, "ok", true);
	jsonw_str(w, "qpodd", PACKAGE_VERSION);
	jsonw_u64(w, "pid", (uint64_t)getpid());
	jsonw_u64(w, "started", d->started_ns / 1000000000u);
	jsonw_u64(w, "uptime_s", (clock_mono_ns() - d->started_mono_ns) / 1000000000u);
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
	discover_log_counts(d->disc, &written, &failed);
	jsonw_object(w, "session_log");
	if (p->log.kind == QP_LOG_FILE)
		jsonw_str(w, "to", p->log.path);
	else
		jsonw_str(w, "to", p->log.kind == QP_LOG_JOURNAL ? "journal" : "off");
	jsonw_u64(w, "records", written);
	jsonw_u64(w, "lost", failed);
	/* Conntrack or process events the kernel dropped: sessions that ended
	 * unseen are still recorded, found by a listing. */
	jsonw_u64(w, "lost_events", atomic_load(&discover_stats(d->disc)->lost_events));
	jsonw_u64(w, "ended_unseen", atomic_load(&discover_stats(d->disc)->unlisted));
	jsonw_end_object(w);
	jsonw_object(w, "queue");
	jsonw_u64(w, "num", p->queue.num);
	jsonw_u64(w, "threads", p->queue.threads);
	jsonw_str(w, "fail", p->queue.fail == QP_FAIL_OPEN ? "open" : "closed");
	jsonw_str(w, "path", d->queue_kind == RULESET_QUEUE_NATIVE ? "nft queue" : "xtables NFQUEUE");
	jsonw_bool(w, "ct_mark_in_verdict", d->ct_in_verdict);
	jsonw_end_object(w);
	daemon_runs_json(d, snap, w);
}

static void answer_reload(struct daemon *d, struct jsonw *w)
{
	struct diag_list diags;
	char why[256], line[1024];
	int r;

	diag_list_init(&diags);
	r = daemon_reload(d, &diags, why, sizeof(why));
	if (r < 0) {
		control_fail(w, "%s; the running policy stays", why);
	} else {
		jsonw_bool(w, "ok", true);
		jsonw_u64(w, "moved", d->reload_moved);
	}
	jsonw_array(w, "diagnostics");
	for (size_t i = 0; i < diags.n; i++) {
		diag_format(&diags.items[i], line, sizeof(line));
		jsonw_str(w, NULL, line);
	}
	jsonw_end_array(w);
	diag_list_clear(&diags);
}

enum control_answer daemon_answer(void *arg, const struct ctl_request *req,
				  struct control_pending *pending, struct jsonw *w)
{
	struct daemon *d = arg;
	/* The main thread is the only one that replaces the snapshot. */
	const struct snapshot *snap = atomic_load(&d->current);

	if ((req->command == CTL_SESSIONS || req->command == CTL_APPS ||
	     req->command == CTL_CLASSES || req->command == CTL_EXPLAIN) &&
	    !counters_ready(d, pending))
		return CONTROL_LATER;

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
	case CTL_EXPLAIN:
		answer_explain(d, snap, req, w);
		break;
	case CTL_RUN:
		daemon_answer_run(d, snap, req, w);
		break;
	default:
		control_fail(w, "unknown command");
	}
	return CONTROL_DONE;
}
