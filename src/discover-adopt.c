/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The discovery thread's adoptions (adopt.h): at start, the sessions older
 * than qpodd; after a reload that removed classes, the connections still
 * carrying one of them that no listed session stands for. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "counter.h"
#include "decide.h"
#include "discover-internal.h"

#define ADOPT_MAX SESSIONS_MAX		/* connections adoption looks at */
#define ADOPT_BATCH 64			/* adopted between two turns at new sessions */
#define ADOPT_DUMP_TRIES 3		/* listings the table changed under */

static void collect_one(const struct ct_entry *ct, void *arg)
{
	struct discover *d = arg;
	struct adoption *a = &d->adopt;
	const struct marks *m = &d->snap->marks;

	if (!adopt_wanted(ct, m))
		return;
	if (a->scope == ADOPT_RETIRED && !marks_is_retired(m, marks_value(m, ct->mark)))
		return;
	/* The kernel decided it: a class's value, or a removed class's (not
	 * one qpodd is deciding now). */
	if (a->scope == ADOPT_KERNEL &&
	    (marks_value(m, ct->mark) == 0 || (ct->mark & m->mask) == marks_pending(m)))
		return;
	if (a->n == ADOPT_MAX) {
		a->too_many++;
		return;
	}
	a->cts[a->n++] = *ct;
}

/* Ends the adoption under way (not one asked for meanwhile). */
static void adoption_done(struct discover *d)
{
	struct adoption *a = &d->adopt;

	free(a->cts);
	free(a->runs);
	local_addrs_clear(&a->locals);
	memset(a, 0, sizeof(*a));
	d->adopting = false;
}

void discover_adopt_clear(struct discover *d)
{
	adoption_done(d);
	pthread_mutex_lock(&d->adopt_lock);
	free(d->adopt_ask.runs);
	memset(&d->adopt_ask, 0, sizeof(d->adopt_ask));
	pthread_mutex_unlock(&d->adopt_lock);
}

static const char *scope_name(enum adopt_scope scope)
{
	return scope == ADOPT_ALL	 ? "adopting the sessions older than qpodd"
	       : scope == ADOPT_KERNEL ? "deciding again the sessions decided in the kernel"
				       : "giving the connections of removed classes a class";
}

/* Takes the adoption asked for, if any, and lists the connections there
 * are; discover_adopt_some() takes them from there. */
void discover_adopt_begin(struct discover *d)
{
	struct adoption *a = &d->adopt;
	const char *what = "room for the connections";
	int r = -ENOMEM;

	if (d->adopting)
		return;
	pthread_mutex_lock(&d->adopt_lock);
	if (!d->adopt_ask.asked) {
		pthread_mutex_unlock(&d->adopt_lock);
		return;
	}
	a->scope = d->adopt_ask.scope;
	a->runs = d->adopt_ask.runs;
	a->n_runs = d->adopt_ask.n_runs;
	memset(&d->adopt_ask, 0, sizeof(d->adopt_ask));
	pthread_mutex_unlock(&d->adopt_lock);

	a->cts = calloc(ADOPT_MAX, sizeof(*a->cts));
	if (!a->cts)
		goto fail;
	what = "this host's addresses";
	if ((r = local_addrs_load(&a->locals)) < 0)
		goto fail;
	/* A listing the table changed under may miss some: listed again. */
	what = "listing connections";
	r = -EINTR;
	for (int i = 0; i < ADOPT_DUMP_TRIES && r == -EINTR; i++) {
		a->n = a->too_many = 0;
		r = ctnl_dump(d->ct, collect_one, d);
	}
	if (r < 0 && r != -EINTR)
		goto fail;
	d->adopting = true;
	return;
fail:
	log_error("%s: %s%s%s", scope_name(a->scope), what, r < 0 ? ": " : "",
		  r < 0 ? strerror(-r) : "");
	adoption_done(d);
}

/* A run's connection gets the run's class. */
static void adopt_run_one(struct discover *d, const struct ct_entry *ct,
			  const struct adopt_run *run)
{
	struct adoption *a = &d->adopt;
	uint32_t mask = d->snap->marks.mask;
	int r;

	if ((ct->mark & mask) == run->mark) {
		a->in_runs++;
		return;
	}
	r = ctnl_set_mark_tuple(d->ct, &ct->orig, false, run->mark, mask);
	if (r == 0)
		a->run_moved++;
	else if (r != -ENOENT && log_ratelimit_ok(&d->rl))
		log_error("discovery: marking a connection of a run: %s", strerror(-r));
}

/* Decides connection CT as if its first packet were being decided now,
 * and marks it, unless it has the class's mark already. */
static void adopt_one(struct discover *d, const struct ct_entry *ct, uint64_t now)
{
	struct adoption *a = &d->adopt;
	const struct qp_policy *p = d->snap->policy;
	uint32_t mask = d->snap->marks.mask, mark;
	struct session s = { 0 }, known;
	struct proc_view view = { 0 };
	const struct proc_info *owner;
	const struct adopt_run *run;
	const struct qp_app *app;
	const struct qp_class *cls;
	struct sock_found sock;
	struct decision dec;
	enum qp_direction dir;
	int had, r;

	if (!adopt_direction(ct, &a->locals, &dir, &s.key) || discover_session_of(d, ct, &known))
		return;		/* forwarded or loopback; or decided by now */
	for (size_t i = 0; i < p->n_filtered; i++) {
		if (decide_flow_matches(&p->filtered[i].match, &s.key, dir)) {
			a->unmanaged++;
			return;
		}
	}
	/* Had it no socket when its first packet went, it was decided without
	 * one; with none now, it is closed, or not a local program's. */
	if (sockdiag_lookup(d->sd, &s.key, dir, &sock) < 0) {
		a->no_socket++;
		return;
	}
	/* Its socket is older than the listing of /proc at start. */
	owner = discover_find_owner(d, &sock, 0, now, &s, &view);
	run = adopt_in_run(a->runs, a->n_runs, sock.cgroup_id, owner ? owner->cgroup : NULL);
	if (run) {
		adopt_run_one(d, ct, run);
		return;
	}
	app = owner ? appmatch_find(p, &view) : NULL;
	decide_session(p, &s.key, dir, app, &dec);
	had = marks_class_of_value(&d->snap->marks, marks_value(&d->snap->marks, ct->mark));
	s.app = app ? (int16_t)app->index : -1;
	s.direction = (uint8_t)dir;
	if (app)
		s.admitted = adopt_admitted(app, dec.target, had, !budget_over(&d->budget, app));
	if (!decide_again(p, &s, &cls)) {
		/* The policy drops it; a live connection is not cut. */
		if (had < 0) {
			a->not_cut++;
			return;
		}
		cls = &p->classes[had];
		s.rule = -1;
	}
	mark = marks_class(&d->snap->marks, cls->index);
	if ((ct->mark & mask) != mark) {
		r = ctnl_set_mark_tuple(d->ct, &ct->orig, false, mark, mask);
		if (r < 0) {
			/* -ENOENT: ended since the listing. */
			if (r != -ENOENT && log_ratelimit_ok(&d->rl))
				log_error("discovery: marking an adopted session: %s", strerror(-r));
			return;
		}
		if (had < 0)
			a->given++;
		else
			a->moved++;
	} else {
		a->kept++;
	}
	s.mark = mark;
	s.class_index = (uint16_t)cls->index;
	/* After a reload, a session the kernel decided, listed at last. */
	if (a->scope == ADOPT_KERNEL)
		s.kernel = 1;
	else
		s.adopted = 1;
	s.start_ns = clock_real_ns();
	s.seen_ns = now;
	/* Counted from here: the rate is of what comes next. */
	discover_take_counts(&s, ct);
	discover_track(d, &s);
	counter_inc(&d->stats.adopted);
	if (log_enabled(LOG_DEBUG)) {
		char fs[128];

		tuple_format(&s.key, fs, sizeof(fs));
		log_debug("adopted %s %s: pid %u (%s) app %s -> %s", dir == QP_DIR_IN ? "in" : "out",
			  fs, s.pid, owner ? owner->comm : "?", app ? app->name : "-", cls->name);
	}
}

static void adopt_end(struct discover *d)
{
	struct adoption *a = &d->adopt;
	unsigned long long n = a->kept + a->given + a->moved;

	if (a->scope == ADOPT_ALL)
		log_info("adopted %llu sessions older than this qpodd: %llu kept the class their "
			 "connection had, %llu got one, %llu moved to another; of qpod-ctl runs "
			 "(decided in the kernel, not listed): %llu had their run's class, %llu "
			 "got it; left alone: %llu the policy would drop (a live connection is "
			 "not cut), %llu filtered, %llu with no local socket",
			 n, (unsigned long long)a->kept, (unsigned long long)a->given,
			 (unsigned long long)a->moved, (unsigned long long)a->in_runs,
			 (unsigned long long)a->run_moved, (unsigned long long)a->not_cut,
			 (unsigned long long)a->unmanaged, (unsigned long long)a->no_socket);
	else if (a->scope == ADOPT_KERNEL)
		log_info("decided again %llu connections decided in the kernel and not listed: "
			 "%llu kept their class, %llu moved to another, %llu of qpod-ctl runs got "
			 "their run's class; left alone: %llu the policy would drop, %llu with no "
			 "local socket",
			 n, (unsigned long long)a->kept, (unsigned long long)(a->moved + a->given),
			 (unsigned long long)a->run_moved, (unsigned long long)a->not_cut,
			 (unsigned long long)a->no_socket);
	else
		log_info("%llu connections of removed classes got a class anew, %llu of them of "
			 "qpod-ctl runs; left alone: %llu the policy would drop, %llu with no "
			 "local socket",
			 n + a->run_moved, (unsigned long long)a->run_moved,
			 (unsigned long long)a->not_cut, (unsigned long long)a->no_socket);
	if (a->too_many)
		log_warning("%s: %zu connections more were not looked at (%d at most)",
			    scope_name(a->scope), a->too_many, ADOPT_MAX);
	adoption_done(d);
}

void discover_adopt_some(struct discover *d)
{
	struct adoption *a = &d->adopt;
	uint64_t now = clock_mono_ns();

	/* What their owners did until now is known. */
	discover_drain_events(d, now);
	for (size_t end = a->next + ADOPT_BATCH; a->next < a->n && a->next < end; a->next++)
		adopt_one(d, &a->cts[a->next], now);
	if (a->next == a->n)
		adopt_end(d);
}

int discover_adopt(struct discover *d, enum adopt_scope scope, const struct adopt_run *runs,
		   size_t n)
{
	struct adopt_run *copy = n ? calloc(n, sizeof(*copy)) : NULL;

	if (n && !copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, runs, n * sizeof(*copy));
	pthread_mutex_lock(&d->adopt_lock);
	/* Asked again before the thread took it: the newer runs, and the
	 * wider scope. */
	free(d->adopt_ask.runs);
	if (d->adopt_ask.asked && d->adopt_ask.scope < scope)
		scope = d->adopt_ask.scope;
	d->adopt_ask = (struct adoption_ask){ true, scope, copy, n };
	pthread_mutex_unlock(&d->adopt_lock);
	discover_wake(d);
	return 0;
}
