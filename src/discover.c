/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "counter.h"
#include "decide.h"
#include "discover-internal.h"
#include "hist.h"
#include "sessionview.h"

#define CHAN_SLOTS 16384		/* requests (and results) in flight per packet thread */
#define BATCH 64
#define EXITED_GRACE_NS 5000000000ull	/* an exited process is remembered 5 s */
#define TICK_NS 1000000000ull		/* rates, budgets and housekeeping each second */
/* Process events wake the thread at most this often: most processes
 * never open a socket, and a session's owner lookup reads what is
 * waiting first. */
#define CN_WAKE_NS 50000000ull
/* Connection events (a TCP connection has half a dozen) likewise, but
 * read at once when they wake it: the first of a connection the kernel
 * decided is when its owner can still be found (discover-kernel.c). What
 * needs them sooner reads them itself (budgets, before deciding). */
#define CT_WAKE_NS 10000000ull
#define DUMP_COST_SHARE 20		/* conntrack listings take at most 1/20 of the time */
/* A session conntrack has not listed for this long is gone (its first
 * packet was dropped after qpod's verdict, or its end event was lost);
 * long enough for a connection to be confirmed after the verdict. */
#define SESSION_UNLISTED_NS 3000000000ull
#ifndef DISCOVER_SPIN_NS
#define DISCOVER_SPIN_NS RING_SPIN_NS
#endif
/* After a reload, sessions it moved that were decided this recently may
 * still be marked by their packet thread with the class they had
 * (FLOW_DRAIN_MAX_NS): they are marked again once it is past. */
#define REMARK_WINDOW_NS (FLOW_DRAIN_MAX_NS + 100000000ull)

/* ---- the policy ----------------------------------------------------------- */

struct recount {
	struct discover *d;
	const struct qp_policy *old;
	uint64_t now_real;	/* CLOCK_REALTIME, as sessions' start_ns */
	uint64_t moved;
};

/* Sets the mark bits of connection K: found by its original tuple, or by
 * its reply tuple when its destination was translated before qpod saw its
 * first packet. */
static int mark_connection(struct discover *d, const struct tuple *k, uint32_t mark)
{
	uint32_t mask = d->snap->marks.mask;
	int r = ctnl_set_mark_tuple(d->ct, k, false, mark, mask);

	return r == -ENOENT ? ctnl_set_mark_tuple(d->ct, k, true, mark, mask) : r;
}

/* After a reload every session is decided again (decide_again()), keeping
 * its application by name (budget_recount()); one whose class changed
 * gets the new class's mark in its connection at once. */
static void recount_one(const struct session *s, void *arg)
{
	struct recount *rc = arg;
	struct discover *d = rc->d;
	const struct qp_policy *p = d->snap->policy;
	struct session n = *s;
	const struct qp_class *cls;
	uint32_t mark;
	int r;

	budget_recount(&d->budget, rc->old, p, &n);
	if (decide_again(p, &n, &cls) &&
	    (mark = marks_class(&d->snap->marks, cls->index)) != n.mark) {
		r = mark_connection(d, &n.key, mark);
		if (r < 0 && r != -ENOENT && log_ratelimit_ok(&d->rl))
			log_error("discovery: giving a session its new class: %s", strerror(-r));
		n.mark = mark;
		n.class_index = (uint16_t)cls->index;
		n.remark = rc->now_real - n.start_ns < REMARK_WINDOW_NS;
		/* A connection gone (-ENOENT) moved nowhere: its end is near. */
		if (r == 0)
			rc->moved++;
	}
	if (memcmp(&n, s, sizeof(n)) != 0)
		sessiontab_put(d->sessions, &n);
}

/* A session moved by a reload just after it was decided may have been
 * marked by its packet thread since, with the class it had: mark it again
 * once the packet threads are done with it. */
static void remark_one(const struct session *s, void *arg)
{
	struct discover *d = arg;
	struct session n = *s;
	int r;

	if (!s->remark)
		return;
	r = mark_connection(d, &n.key, n.mark);
	/* A connection gone (-ENOENT) needs no mark. */
	if (r < 0 && r != -ENOENT && log_ratelimit_ok(&d->rl))
		log_error("discovery: giving a session its new class: %s", strerror(-r));
	n.remark = 0;
	sessiontab_put(d->sessions, &n);
}

static void take_snapshot(struct discover *d)
{
	struct snapshot *s = atomic_load_explicit(d->current, memory_order_acquire);
	const struct qp_policy *old = d->snap ? d->snap->policy : NULL;
	struct recount rc = { d, old, clock_real_ns(), 0 };

	if (s != d->snap) {
		if (budget_reset(&d->budget, s->policy->n_apps) == 0) {
			d->snap = s;
			procmap_want(&d->pm, appmatch_needs(s->policy));
			sessiontab_foreach(d->sessions, recount_one, &rc);
			atomic_store_explicit(&d->moved, rc.moved, memory_order_relaxed);
			d->remark_at = clock_mono_ns() + REMARK_WINDOW_NS;
			/* A reload reopens the file: logrotate's postrotate. */
			sessionlog_apply(d->slog, s->policy);
		} else {
			log_error("discovery: out of memory taking the new policy");
		}
	}
	atomic_store_explicit(&d->seen_gen, d->snap->gen, memory_order_release);
}

/* Returns how many events there were (lost ones count as one). */
int discover_drain_process_events(struct discover *d, uint64_t now)
{
	int n = cnproc_read(d->cn, &d->pm, now);

	if (n == -ENOBUFS) {
		counter_inc(&d->stats.lost_events);
		if (log_ratelimit_ok(&d->rl))
			log_warning("discovery: process events were lost; reading /proc again");
		procmap_load_all(&d->pm, now);
		return 1;
	}
	return n;
}

/* ---- deciding ----------------------------------------------------------- */

const struct proc_info *discover_find_owner(struct discover *d, const struct sock_found *sock,
					    uint64_t since, uint64_t now, struct session *s,
					    struct proc_view *view)
{
	return discover_find_owner_in(d, sock, since, now, false, s, view);
}

const struct proc_info *discover_find_owner_in(struct discover *d, const struct sock_found *sock,
					       uint64_t since, uint64_t now, bool quick,
					       struct session *s, struct proc_view *view)
{
	const struct proc_info *owner = NULL;

	s->uid = UINT32_MAX;
	if (sock) {
		s->uid = sock->uid;
		owner = quick ? procmap_owner_quick(&d->pm, sock->inode, sock->uid, now)
			      : procmap_owner(&d->pm, sock->inode, sock->uid, since, now);
		if (!owner) {
			s->reason = SESSION_NO_PROCESS;
			counter_inc(&d->stats.no_process);
		}
	} else {
		s->reason = SESSION_NO_SOCKET;
		counter_inc(&d->stats.no_socket);
	}
	if (owner) {
		view->exe = owner->exe[0] ? owner->exe : NULL;
		view->comm = owner->comm;
		view->cmdline = owner->cmdline;
		view->cgroup = owner->cgroup[0] ? owner->cgroup : NULL;
		s->pid = owner->pid;
	}
	/* The socket's owner is the user for matching; the process's if the
	 * socket is gone. */
	if (s->uid != UINT32_MAX) {
		view->has_uid = true;
		view->uid = s->uid;
	} else if (owner && owner->has_uid) {
		view->has_uid = true;
		view->uid = owner->uid;
		s->uid = owner->uid;
	}
	return owner;
}

void discover_track(struct discover *d, struct session *s)
{
	if (sessiontab_put(d->sessions, s) < 0) {
		counter_inc(&d->stats.untracked);
		s->admitted = 0;
	} else {
		budget_count(&d->budget, s);
	}
}

/* Finds the owner of the session RQ asks about, has decide.c give it its
 * class, counts it against its budget and records it. */
static void serve_one(struct discover *d, const struct discover_request *rq,
		      struct discover_result *res)
{
	const struct qp_policy *p = d->snap->policy;
	enum qp_direction dir = (enum qp_direction)rq->dir;
	struct session s = { 0 }, old;
	const struct proc_info *owner;
	struct proc_view view = { 0 };
	struct sock_found sock;
	struct decision dec;
	uint64_t now = clock_mono_ns();
	bool redecided;

	s.key = rq->tuple;
	/* Decided before (the packet thread forgot it, or its connection was
	 * never confirmed): that one is over, and must not count twice. */
	redecided = sessiontab_get(d->sessions, &s.key, &old);
	if (redecided)
		budget_uncount(&d->budget, &old, true);
	owner = discover_find_owner(d, sockdiag_lookup(d->sd, &rq->tuple, dir, &sock) == 0 ? &sock : NULL,
				    rq->first_ns, now, &s, &view);
	decide_session(p, &rq->tuple, dir, owner ? appmatch_find(p, &view) : NULL, &dec);
	if (dec.rule >= 0)
		s.reason = SESSION_BY_RULE;
	else if (dec.app)
		s.reason = SESSION_BY_APP;
	else if (owner)
		s.reason = SESSION_DEFAULT;
	if (dec.app) {
		if (budget_over(&d->budget, dec.app)) {
			dec.target = &dec.app->over_budget;
			s.reason = SESSION_OVER_BUDGET;
			counter_inc(&d->stats.over_budget);
		} else {
			s.admitted = 1;
		}
	}
	s.app = dec.app ? (int16_t)dec.app->index : -1;
	s.rule = (int16_t)dec.rule;
	s.direction = (uint8_t)dir;
	s.drop = dec.target->kind == QP_TARGET_DROP;
	if (!s.drop) {
		s.class_index = (uint16_t)dec.target->cls->index;
		s.mark = marks_class(&d->snap->marks, s.class_index);
	}
	s.start_ns = clock_real_ns();
	s.seen_ns = now;
	s.hold_ns = now - rq->first_ns;
	/* A dropped session never gets a connection to end: not tracked. */
	if (!s.drop) {
		discover_track(d, &s);
	} else if (redecided) {
		sessiontab_del(d->sessions, &s.key, NULL);
	}
	counter_inc(&d->stats.decided);
	if (log_enabled(LOG_DEBUG)) {
		char fs[128];

		tuple_format(&rq->tuple, fs, sizeof(fs));
		log_debug("%s %s: pid %u (%s) app %s -> %s (%s)", dir == QP_DIR_IN ? "in" : "out",
			  fs, s.pid, owner ? owner->comm : "?", dec.app ? dec.app->name : "-",
			  s.drop ? "drop" : dec.target->cls->name, session_reason_name(s.reason));
	}
	res->entry = rq->entry;
	res->gen = rq->gen;
	res->drop = s.drop;
	res->mark = s.mark;
	res->decided_ns = clock_mono_ns();
	pthread_mutex_lock(&d->hist_lock);
	hist_add(&d->wait, now - rq->queued_ns);
	hist_add(&d->lookup, res->decided_ns - now);
	pthread_mutex_unlock(&d->hist_lock);
}

void discover_take_counts(struct session *s, const struct ct_entry *ct)
{
	if (!ct->has_counters)
		return;
	s->bytes = ct->bytes;
	s->bytes_orig = ct->orig_counters[0];
	s->packets_orig = ct->orig_counters[1];
	s->packets_reply = ct->reply_counters[1];
}

static int drain_connection_events(struct discover *d, uint64_t now);

/* Serves each channel; returns true if there was work. */
static bool serve(struct discover *d)
{
	bool worked = false;
	uint64_t now;

	for (unsigned c = 0; c < d->n_chans; c++) {
		struct discover_chan *ch = &d->chans[c];
		struct discover_request rq[BATCH];
		bool pushed = false;
		size_t n;

		/* Take no more than the result ring has room for. */
		size_t room = CHAN_SLOTS - ring_count(ch->res);

		n = ring_pop(ch->req, rq, room < BATCH ? room : BATCH);
		if (!n)
			continue;
		/* Events after the requests: what an owner did before sending
		 * (started, exec'd; or the pid's last process exited) is known
		 * when its session is decided, so a cached process is current.
		 * Sessions that ended only matter to a budget that counts them;
		 * otherwise they are taken after, off the held packets' time. */
		now = clock_mono_ns();
		if (d->cn)
			(void)discover_drain_process_events(d, now);
		if (budget_sessions_counted(&d->budget, d->snap->policy))
			drain_connection_events(d, now);
		for (size_t i = 0; i < n; i++) {
			struct discover_result res;

			serve_one(d, &rq[i], &res);
			ring_push(ch->res, &res);
			pushed = true;
		}
		if (pushed) {
			waker_kick(&ch->res_waker);
			worked = true;
		}
	}
	return worked;
}

static bool all_empty(void *arg)
{
	struct discover *d = arg;

	for (unsigned c = 0; c < d->n_chans; c++)
		if (ring_count(d->chans[c].req))
			return false;
	return true;
}

/* ---- connections' ends, rates ------------------------------------------- */

static void log_session(const struct tuple *k, const char *what)
{
	char fs[128];

	if (!log_enabled(LOG_DEBUG))
		return;
	tuple_format(k, fs, sizeof(fs));
	log_debug("session %s: %s", fs, what);
}

/* By its original tuple, or by what qpod saw of a first packet whose
 * destination was translated before (an incoming session redirected in
 * prerouting). */
bool discover_session_of(struct discover *d, const struct ct_entry *ct, struct session *ret)
{
	struct tuple nat;

	if (sessiontab_get(d->sessions, &ct->orig, ret))
		return true;
	if (!ct->reply.family)
		return false;
	tuple_translated(&ct->orig, &ct->reply, &nat);
	return memcmp(&nat, &ct->orig, sizeof(nat)) != 0 && sessiontab_get(d->sessions, &nat, ret);
}

static bool tcp_closing(const struct ct_entry *ct)
{
	return ct->tcp_state >= TCP_CONNTRACK_FIN_WAIT && ct->tcp_state <= TCP_CONNTRACK_CLOSE;
}

/* A connection changed or ended: a TCP session that closes stops counting
 * (conntrack keeps it minutes in TIME_WAIT); an ended one is forgotten. */
static void session_event(const struct ct_entry *ct, void *arg)
{
	struct discover *d = arg;
	struct session s;

	if (!discover_session_of(d, ct, &s)) {
		discover_record_kernel(d, ct);
		return;
	}
	if (ct->destroyed) {
		sessiontab_del(d->sessions, &s.key, NULL);
		budget_uncount(&d->budget, &s, true);
		log_session(&s.key, "ended");
		/* The end event carries the final counts. */
		discover_take_counts(&s, ct);
		sessionlog_write(d->slog, d->snap, &s, clock_real_ns(), true);
		return;
	}
	if (!tcp_closing(ct) || s.closing)
		return;
	budget_uncount(&d->budget, &s, true);
	s.closing = 1;
	sessiontab_put(d->sessions, &s);
	log_session(&s.key, "closing, no longer counted");
}

/* Returns the events read (1 if some were lost). */
static int drain_connection_events(struct discover *d, uint64_t now)
{
	int n = d->ev ? ctnl_events_read(d->ev, session_event, d) : 0;

	if (n == -ENOBUFS) {
		counter_inc(&d->stats.lost_events);
		d->ct_lost = true;
		d->lost_ns = now;
		if (log_ratelimit_ok(&d->rl))
			log_warning("discovery: connection end events were lost; listing "
				    "connections to find the sessions that ended");
		return 1;
	}
	return n;
}

/* A listing of conntrack: rates, and which sessions are still there. */
struct listing {
	struct discover *d;
	uint64_t start_ns;
	uint64_t dt_ns;		/* since counters were last read */
	uint64_t now_real;	/* CLOCK_REALTIME, for sessions read the first time */
	bool metered;		/* the rates are being added up afresh */
};

static void list_one(const struct ct_entry *ct, void *arg)
{
	struct listing *l = arg;
	struct discover *d = l->d;
	struct session s;

	if (!discover_session_of(d, ct, &s))
		return;
	s.seen_ns = l->start_ns;
	/* Its update event was lost. */
	if (tcp_closing(ct) && !s.closing) {
		budget_uncount(&d->budget, &s, false);
		s.closing = 1;
		log_session(&s.key, "closing, no longer counted");
	}
	if (l->metered && ct->has_counters && (ct->mark & d->snap->marks.mask)) {
		/* Read the first time: its bytes came since it started. */
		session_meter(&s, ct->bytes,
			      s.bytes ? l->dt_ns
				      : (l->now_real > s.start_ns ? l->now_real - s.start_ns : 0));
		s.bytes_orig = ct->orig_counters[0];
		s.packets_orig = ct->orig_counters[1];
		s.packets_reply = ct->reply_counters[1];
		budget_add_rate(&d->budget, &s);
	}
	sessiontab_put(d->sessions, &s);
}

/* After a listing: a session conntrack has not had for a while will get
 * no end event. */
static void forget_unlisted(const struct session *s, void *arg)
{
	struct listing *l = arg;

	if (s->seen_ns + SESSION_UNLISTED_NS >= l->start_ns)
		return;
	sessiontab_del(l->d->sessions, &s->key, NULL);
	budget_uncount(&l->d->budget, s, false);
	counter_inc(&l->d->stats.unlisted);
	log_session(&s->key, "no connection, no longer counted");
	/* Its end event was lost: recorded now, with the last counts seen. */
	sessionlog_write(l->d->slog, l->d->snap, s, clock_real_ns(), false);
}

/* Whether the control socket waits for a listing. */
static bool listing_asked(const struct discover *d)
{
	return atomic_load_explicit(&d->list_asked, memory_order_acquire) >
	       atomic_load_explicit(&d->list_done, memory_order_relaxed);
}

/* Whether conntrack is to be listed now: each tick for rates, and for
 * sessions against max-sessions (or after lost end events) at most as
 * often as the listing's cost allows. */
static bool want_listing(struct discover *d, uint64_t now, bool metered)
{
	const struct qp_policy *p = d->snap->policy;

	if (now < d->next_dump)
		return false;
	if (metered || listing_asked(d))
		return true;
	if ((d->ct_lost || !d->ev) && sessiontab_count(d->sessions))
		return true;
	return budget_sessions_counted(&d->budget, p);
}

static void tick(struct discover *d, uint64_t now)
{
	/* Tickets first, then counters_until: an ask stores it before its
	 * ticket, so this listing meters if any ask it serves wanted it. */
	uint64_t serving = atomic_load_explicit(&d->list_asked, memory_order_acquire);
	struct listing l = { d, now, now - d->last_metered, clock_real_ns(), false };
	uint64_t cost;
	int r;

	procmap_expire(&d->pm, now, EXITED_GRACE_NS);
	sessionlog_flush(d->slog);
	if (d->remark_at && now >= d->remark_at) {
		d->remark_at = 0;
		sessiontab_foreach(d->sessions, remark_one, d);
	}
	for (size_t i = 0; i < d->snap->policy->n_apps; i++)
		if (d->snap->policy->apps[i].max_rate_bps)
			l.metered = true;
	if (now < atomic_load(&d->counters_until))
		l.metered = true;
	d->last_tick = now;
	if (!want_listing(d, now, l.metered))
		return;
	if (l.metered)
		budget_clear_rates(&d->budget);
	/* Ends already told are taken first: with their final counts, not
	 * found missing by the listing. */
	discover_drain_events(d, now);
	r = ctnl_dump(d->ct, list_one, &l);
	if (r < 0) {
		/* An interrupted listing is not whole: the next one is. */
		if (r != -EINTR && log_ratelimit_ok(&d->rl))
			log_error("discovery: listing connections: %s", strerror(-r));
	} else {
		/* Only a whole listing tells which sessions are gone. */
		sessiontab_foreach(d->sessions, forget_unlisted, &l);
		/* A session seen just before the loss is spared by this listing
		 * (SESSION_UNLISTED_NS): listings go on until one is late enough. */
		if (now >= d->lost_ns + SESSION_UNLISTED_NS)
			d->ct_lost = false;
		atomic_store_explicit(&d->list_done, serving, memory_order_release);
		if (l.metered)
			d->last_metered = now;
	}
	cost = clock_mono_ns() - now;
	d->next_dump = now + cost * DUMP_COST_SHARE;
	d->last_dump = now;
}

/* ---- the thread ---------------------------------------------------------- */

static int drain_process_paced(void *d, uint64_t now)
{
	return discover_drain_process_events(d, now);
}

static int drain_connection_paced(void *d, uint64_t now)
{
	return drain_connection_events(d, now);
}

void discover_drain_events(struct discover *d, uint64_t now)
{
	if (d->cn)
		(void)discover_drain_process_events(d, now);
	drain_connection_events(d, now);
}

static void *thread_main(void *arg)
{
	struct discover *d = arg;
	uint64_t now = clock_mono_ns();

	procmap_load_all(&d->pm, now);
	d->last_tick = d->last_dump = d->last_metered = now;
	while (!atomic_load(&d->stop)) {
		struct epoll_event ev[4];
		uint64_t v;
		int n, timeout;

		now = clock_mono_ns();
		take_snapshot(d);
		if (now - d->last_tick >= TICK_NS || (listing_asked(d) && now >= d->next_dump))
			tick(d, now);
		if (serve(d)) {
			d->last_work = clock_mono_ns();
			continue;
		}
		discover_adopt_begin(d);
		if (d->adopting) {
			discover_adopt_some(d);
			continue;
		}
		/* Sessions come in bursts: after work, spin a little first. */
		if (now - d->last_work < DISCOVER_SPIN_NS) {
			while (all_empty(d) && clock_mono_ns() - now < DISCOVER_SPIN_NS)
				ring_spin_pause();
			if (!all_empty(d))
				continue;
		}
		/* Process and connection events: read in batches. */
		now = clock_mono_ns();
		timeout = paced_sleep_min(paced_poll(&d->cn_pace, now),
					  paced_poll(&d->ev_pace, now));
		if (!waker_prepare_sleep(&d->waker, all_empty, d))
			continue;
		n = epoll_wait(d->epoll_fd, ev, 4, timeout);
		waker_woken(&d->waker);
		now = clock_mono_ns();
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == d->timer_fd && read(d->timer_fd, &v, sizeof(v)) < 0)
				v = 0;
			paced_woken(&d->cn_pace, ev[i].data.fd, now);
			paced_woken(&d->ev_pace, ev[i].data.fd, now);
		}
	}
	return NULL;
}

static int watch(struct discover *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int discover_start(_Atomic(struct snapshot *) *current, unsigned n_chans, struct cnproc *cn,
		   struct discover **ret)
{
	struct discover *d = calloc(1, sizeof(*d));
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t all, old;
	int r = -ENOMEM;

	if (!d)
		return -ENOMEM;
	d->cn = cn;
	d->waker.fd = d->epoll_fd = d->timer_fd = d->cn_pace.fd = d->ev_pace.fd = -1;
	pthread_mutex_init(&d->hist_lock, NULL);
	pthread_mutex_init(&d->adopt_lock, NULL);
	d->current = current;
	procmap_init(&d->pm, "/proc");
	d->chans = calloc(n_chans, sizeof(*d->chans));
	if (!d->chans || sessiontab_new(SESSIONS_MAX, &d->sessions) < 0 ||
	    sessionlog_new(&d->slog) < 0)
		goto fail;
	d->n_chans = n_chans;
	/* All before any: a failure midway closes no fd 0. */
	for (unsigned i = 0; i < n_chans; i++)
		d->chans[i].res_waker.fd = -1;
	for (unsigned i = 0; i < n_chans; i++) {
		if ((r = ring_new(CHAN_SLOTS, sizeof(struct discover_request),
				  &d->chans[i].req)) < 0 ||
		    (r = ring_new(CHAN_SLOTS, sizeof(struct discover_result),
				  &d->chans[i].res)) < 0)
			goto fail;
		if ((r = waker_init(&d->chans[i].res_waker)) < 0)
			goto fail;
	}
	take_snapshot(d);
	if ((r = sockdiag_new(&d->sd)) < 0) {
		log_error("discovery: sock_diag: %s", strerror(-r));
		goto fail;
	}
	if ((r = ctnl_new(&d->ct)) < 0)
		goto fail;
	if ((r = ctnl_events_new(&d->ev)) < 0) {
		log_warning("discovery: no connection end events (%s): sessions that end are "
			    "found by listing connections, seconds late",
			    strerror(-r));
		d->ev = NULL;
	}
	if ((r = waker_init(&d->waker)) < 0)
		goto fail;
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->epoll_fd < 0 || d->timer_fd < 0) {
		r = -errno;
		goto fail;
	}
	/* Fails only for a bad descriptor or value, neither possible here. */
	(void)timerfd_settime(d->timer_fd, 0, &its, NULL);
	if ((r = watch(d, d->waker.fd)) < 0 || (r = watch(d, d->timer_fd)) < 0 ||
	    (d->cn && (r = paced_watch(&d->cn_pace, d->epoll_fd, cnproc_fd(d->cn), CN_WAKE_NS,
				       false, drain_process_paced, d)) < 0) ||
	    (d->ev && (r = paced_watch(&d->ev_pace, d->epoll_fd, ctnl_events_fd(d->ev),
				       CT_WAKE_NS, true, drain_connection_paced, d)) < 0))
		goto fail;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&d->thread, NULL, thread_main, d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	d->started = true;
	*ret = d;
	return 0;
fail:
	discover_stop(d);
	return r;
}

void discover_stop(struct discover *d)
{
	if (!d)
		return;
	if (d->started) {
		atomic_store(&d->stop, true);
		discover_wake(d);
		pthread_join(d->thread, NULL);
	}
	for (unsigned i = 0; d->chans && i < d->n_chans; i++) {
		ring_free(d->chans[i].req);
		ring_free(d->chans[i].res);
		waker_close(&d->chans[i].res_waker);
	}
	free(d->chans);
	discover_adopt_clear(d);
	pthread_mutex_destroy(&d->adopt_lock);
	sockdiag_free(d->sd);
	ctnl_free(d->ct);
	ctnl_events_free(d->ev);
	procmap_clear(&d->pm);
	sessiontab_free(d->sessions);
	sessionlog_free(d->slog);
	budget_clear(&d->budget);
	pthread_mutex_destroy(&d->hist_lock);
	waker_close(&d->waker);
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	free(d);
}

struct discover_chan *discover_chan(struct discover *d, unsigned i)
{
	return &d->chans[i];
}

void discover_kick(struct discover *d)
{
	waker_kick(&d->waker);
}

void discover_wake(struct discover *d)
{
	uint64_t one = 1;

	if (write(d->waker.fd, &one, sizeof(one)) < 0)
		log_error("discovery: cannot wake the thread: %s", strerror(errno));
}

uint64_t discover_want_counters(struct discover *d, uint64_t hold_ns)
{
	uint64_t ticket;

	atomic_store(&d->counters_until, clock_mono_ns() + hold_ns);
	ticket = atomic_fetch_add_explicit(&d->list_asked, 1, memory_order_release) + 1;
	discover_wake(d);
	return ticket;
}

bool discover_counters_ready(const struct discover *d, uint64_t ticket)
{
	return atomic_load_explicit(&d->list_done, memory_order_acquire) >= ticket;
}

void discover_log_counts(const struct discover *d, uint64_t *ret_written, uint64_t *ret_failed)
{
	*ret_written = sessionlog_written(d->slog);
	*ret_failed = sessionlog_failed(d->slog);
}

uint64_t discover_reload_moved(const struct discover *d)
{
	return atomic_load_explicit(&d->moved, memory_order_relaxed);
}

uint64_t discover_seen_gen(const struct discover *d)
{
	return atomic_load_explicit(&d->seen_gen, memory_order_acquire);
}

const struct sessiontab *discover_sessions(const struct discover *d)
{
	return d->sessions;
}

const struct discover_stats *discover_stats(const struct discover *d)
{
	return &d->stats;
}

void discover_log_stats(struct discover *d)
{
	const struct procmap_stats *ps = &d->pm.stats;

	log_info("discovery: %llu sessions decided, %llu decided by the kernel and recorded after, "
		 "%zu alive; owner lookups %llu, cache hits %llu, "
		 "found at the last fd %llu, processes scanned %llu (%llu fds); no socket %llu, no process %llu, over budget "
		 "%llu, untracked %llu, gone without an end event %llu; process events %s",
		 (unsigned long long)atomic_load(&d->stats.decided),
		 (unsigned long long)atomic_load(&d->stats.kernel), sessiontab_count(d->sessions),
		 (unsigned long long)atomic_load(&ps->lookups), (unsigned long long)atomic_load(&ps->hits),
		 (unsigned long long)atomic_load(&ps->fd_guesses),
		 (unsigned long long)atomic_load(&ps->scans), (unsigned long long)atomic_load(&ps->fds_read),
		 (unsigned long long)atomic_load(&d->stats.no_socket),
		 (unsigned long long)atomic_load(&d->stats.no_process),
		 (unsigned long long)atomic_load(&d->stats.over_budget),
		 (unsigned long long)atomic_load(&d->stats.untracked),
		 (unsigned long long)atomic_load(&d->stats.unlisted),
		 d->cn ? "on" : "off (reading /proc instead)");
	pthread_mutex_lock(&d->hist_lock);
	log_info("discovery: waiting for the thread p50=%.1fus p99=%.1fus; finding the owner and "
		 "deciding p50=%.1fus p99=%.1fus",
		 (double)hist_quantile(&d->wait, 0.5) / 1000, (double)hist_quantile(&d->wait, 0.99) / 1000,
		 (double)hist_quantile(&d->lookup, 0.5) / 1000,
		 (double)hist_quantile(&d->lookup, 0.99) / 1000);
	pthread_mutex_unlock(&d->hist_lock);
}
