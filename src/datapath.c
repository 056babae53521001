/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The packet thread: every packet NFQUEUE holds gets a verdict, in the
 * order it arrived, with the mark of the class its session was given.
 *
 * A new session is pending while the discovery thread finds its owner
 * and decides its class: its first packet, and any that follow, are held
 * (the kernel keeps them; we keep their ids) and all are released
 * together, in order, when the decision comes back through the ring.
 *
 * A TCP SYN's mark is saved into its connection by the kernel (the save
 * chains). Any other new session (UDP, TCP picked up mid-stream) may have
 * more packets queued behind its first: were the connection marked at
 * once, its next packets would skip the queue and overtake those still
 * held. So such a session stays "draining" - each packet released with the
 * class's packet mark, in order - until its packets stop arriving for
 * FLOW_QUIET_NS, and only then does qpodd set the connection's mark over
 * ctnetlink, after which the kernel alone handles it. */
#include <errno.h>
#include <linux/netfilter.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "counter.h"
#include "ctnl.h"
#include "datapath.h"
#include "decide.h"
#include "discover.h"
#include "flowtab.h"
#include "hist.h"
#include "log.h"
#include "packet.h"
#include "sessionview.h"

#define FLOWTAB_CAPACITY 16384		/* sessions remembered per queue */

struct datapath {
	pthread_t thread;
	bool started;
	int wake_fd;
	int timer_fd;
	int epoll_fd;
	atomic_bool stop;
	atomic_bool want_stats;
	_Atomic uint64_t seen_gen;
	_Atomic(struct snapshot *) *current;
	struct snapshot *snap;	/* the thread's own view */
	struct nfq_sock *q;
	struct ctnl *ctnl;
	struct flowtab *flows;
	struct discover *disc;	/* NULL: decide by the packet alone */
	struct discover_chan *chan;
	bool kick;		/* requests pushed, discovery not kicked yet */
	uint32_t pending;	/* sessions waiting for discovery */
	uint64_t last_work;	/* when a packet or a decision last came */
	uint16_t queue_num;
	bool ct_in_verdict;	/* a SYN's verdict marks its connection */
	uint64_t now;		/* of the current batch */
	uint64_t cycle_start;	/* when the current drain cycle began reading */
	struct held_pool held;	/* packets of pending sessions */
	struct hist hold;	/* a session's first packet: read -> released */
	struct hist back;	/* a decision: pushed back -> taken */
	struct datapath_stats stats;
	struct log_ratelimit rl_parse, rl_overrun, rl_io, rl_evict;
};

static void log_decision(const struct tuple *t, enum qp_direction dir, const struct decision *d)
{
	char fs[128];

	tuple_format(t, fs, sizeof(fs));
	log_debug("%s %s: %s (%s)", dir == QP_DIR_IN ? "in" : "out", fs,
		  d->target->kind == QP_TARGET_DROP ? "drop" : d->target->cls->name,
		  session_reason_name(d->rule >= 0 ? SESSION_BY_RULE : SESSION_DEFAULT));
}

/* Only qpod's bits of a packet's mark change. A TCP SYN's verdict also
 * marks its connection where the kernel takes that in the verdict;
 * elsewhere the save chains copy the packet mark. */
static void verdict(struct datapath *dp, uint32_t id, uint32_t pkt_mark, bool drop,
		    uint32_t class_mark, bool syn)
{
	uint32_t mask = dp->snap->marks.mask;
	struct nfq_verdict_marks vm = {
		.set_mark = true,
		.mark = (pkt_mark & ~mask) | class_mark,
	};
	int r;

	if (drop) {
		r = nfq_sock_verdict(dp->q, id, NF_DROP, NULL);
		counter_inc(&dp->stats.dropped);
	} else {
		if (syn && dp->ct_in_verdict) {
			vm.ct_mask = mask;
			vm.ct_mark = class_mark;
		}
		r = nfq_sock_verdict(dp->q, id, NF_ACCEPT, &vm);
		counter_inc(&dp->stats.accepted);
	}
	/* A full batch went out first and failed: those packets stay queued
	 * until the queue is unbound. */
	if (r < 0 && log_ratelimit_ok(&dp->rl_io))
		log_error("queue %u: sending verdicts: %s", dp->queue_num, strerror(-r));
}

/* Decides by the packet alone: the session rules without an owner. */
static void decide_here(struct datapath *dp, const struct tuple *t, enum qp_direction dir,
			bool parsed, bool *ret_drop, uint32_t *ret_mark)
{
	const struct qp_policy *p = dp->snap->policy;
	struct decision d = { &p->default_class, -1, NULL };

	if (parsed)
		decide_session(p, t, dir, NULL, &d);
	if (parsed && log_enabled(LOG_DEBUG))
		log_decision(t, dir, &d);
	*ret_drop = d.target->kind == QP_TARGET_DROP;
	*ret_mark = *ret_drop ? 0 : marks_class(&dp->snap->marks, d.target->cls->index);
}

struct release_ctx {
	struct datapath *dp;
	bool drop, syn;
	uint32_t mark;
};

static void release_one(uint32_t id, uint32_t pkt_mark, void *arg)
{
	const struct release_ctx *c = arg;

	verdict(c->dp, id, pkt_mark, c->drop, c->mark, c->syn);
}

/* Gives a pending session its decision and lets its held packets go, in
 * the order they came. */
static void release(struct datapath *dp, struct flow_entry *e, bool drop, uint32_t mark)
{
	struct release_ctx c = { dp, drop, e->syn, mark };
	size_t n = held_release(&dp->held, &e->held, release_one, &c);

	if (e->state == FLOW_PENDING && dp->pending)
		dp->pending--;
	hist_add(&dp->hold, clock_mono_ns() - e->first_ns);
	flowtab_release(dp->flows, e, drop, mark, n, dp->now);
}

/* Starts a session: asks discovery, or decides at once without it (or
 * when its ring is full). */
static void start_session(struct datapath *dp, struct flow_entry *e, enum qp_direction dir)
{
	struct discover_request rq = {
		.entry = flowtab_index(dp->flows, e),
		.gen = e->gen,
		.tuple = e->tuple,
		.dir = (uint8_t)dir,
		.first_ns = e->first_ns,
		.queued_ns = clock_mono_ns(),
	};
	bool drop;
	uint32_t mark;

	counter_inc(&dp->stats.sessions);
	flowtab_set_state(dp->flows, e, FLOW_PENDING);
	if (dp->chan && ring_push(dp->chan->req, &rq)) {
		dp->kick = true;
		dp->pending++;
		return;
	}
	if (dp->chan)
		counter_inc(&dp->stats.undiscovered);
	decide_here(dp, &e->tuple, dir, true, &drop, &mark);
	release(dp, e, drop, mark);
}

static void on_packet(const struct nfq_packet *pkt, void *data)
{
	struct datapath *dp = data;
	enum qp_direction dir = pkt->hook == NF_INET_LOCAL_IN ? QP_DIR_IN : QP_DIR_OUT;
	uint8_t built[FLOW_KEY_MAX];
	const uint8_t *key;
	size_t key_len;
	struct flow_entry *e;
	struct tuple t = { 0 };
	uint8_t tcp_flags = 0;
	bool syn, evicted, drop, parsed;
	uint32_t mark;

	counter_inc(&dp->stats.packets);
	parsed = packet_parse(pkt->data, pkt->len, &t, &tcp_flags) == 0;
	syn = packet_opens(tcp_flags);
	if (!parsed) {
		if (log_ratelimit_ok(&dp->rl_parse))
			log_warning("queue %u: a packet too short or malformed to read "
				    "(%zu bytes) gets the default class",
				    dp->queue_num, pkt->len);
		counter_inc(&dp->stats.unparsable);
	}
	/* The connection's name: as the kernel sent it, or from the headers. */
	if (pkt->ct_key_len) {
		key = pkt->ct_key;
		key_len = pkt->ct_key_len;
	} else {
		key_len = parsed ? ctnl_tuple_put(&t, false, built, sizeof(built)) : 0;
		key = built;
	}
	e = key_len ? flowtab_find(dp->flows, key, key_len) : NULL;
	if (!e && key_len && !held_pool_full(&dp->held)) {
		e = flowtab_insert(dp->flows, key, key_len, dp->now, &evicted);
		if (e && evicted) {
			counter_inc(&dp->stats.evicted);
			if (log_ratelimit_ok(&dp->rl_evict))
				log_warning("queue %u: more than %zu new sessions at once: "
					    "forgetting the oldest",
					    dp->queue_num, flowtab_capacity(dp->flows));
		}
		if (e) {
			e->tuple = t;
			e->syn = syn;
			e->dir = (uint8_t)dir;
			(void)held_push(&dp->held, &e->held, pkt->id, pkt->mark);	/* not full */
			start_session(dp, e, dir);
			return;
		}
	}
	if (!e) {
		/* Never leave a packet without a verdict: what cannot be tracked
		 * is decided by itself. */
		decide_here(dp, &t, dir, parsed, &drop, &mark);
		verdict(dp, pkt->id, pkt->mark, drop, mark, syn);
		return;
	}
	if (e->state == FLOW_PENDING) {
		flowtab_touch(dp->flows, e, dp->now);
		if (held_push(&dp->held, &e->held, pkt->id, pkt->mark))
			return;
		/* Held-packet room ran out (more than the queue's length): decide
		 * this session now so its packets keep their order. */
		decide_here(dp, &e->tuple, dir, true, &drop, &mark);
		counter_inc(&dp->stats.undiscovered);
		release(dp, e, drop, mark);
	}
	flowtab_seen(dp->flows, e, dp->now, syn);
	verdict(dp, pkt->id, pkt->mark, e->drop, e->mark, syn);
}

/* Takes the decisions discovery sent back; returns how many sessions it
 * released (work: their packets leave at the next flush). */
static int take_results(struct datapath *dp)
{
	struct discover_result res[64];
	size_t n;
	int released = 0;

	if (!dp->chan)
		return 0;
	while ((n = ring_pop(dp->chan->res, res, 64)) > 0) {
		dp->now = clock_mono_ns();
		dp->last_work = dp->now;
		for (size_t i = 0; i < n; i++) {
			struct flow_entry *e = flowtab_at(dp->flows, res[i].entry);

			/* Decided meanwhile (timed out, out of room): too late. */
			if (!e || e->gen != res[i].gen || e->state != FLOW_PENDING)
				continue;
			counter_inc(&dp->stats.sessions_discovered);
			hist_add(&dp->back, dp->now - res[i].decided_ns);
			release(dp, e, res[i].drop, res[i].mark);
			released++;
		}
	}
	return released;
}

/* Sets the connection's mark: by the key it was found by, or, if no
 * connection has that original tuple (the destination was translated
 * before qpod saw the packet), by its reply tuple. */
static int settle(struct datapath *dp, struct flow_entry *e, uint32_t mask)
{
	int r = -ENOENT;

	if (!e->reply_key)
		r = ctnl_set_mark(dp->ctnl, e->tuple.family, e->key, e->key_len, e->mark, mask);
	if (r != -ENOENT)
		return r;
	r = ctnl_set_mark_tuple(dp->ctnl, &e->tuple, true, e->mark, mask);
	if (r == 0)
		e->reply_key = true;
	return r;
}

/* Marks the connections of sessions that have gone quiet, and decides
 * sessions whose owner did not come back in time; returns when the next
 * of these will be due (0: none). */
static uint64_t settle_quiet(struct datapath *dp)
{
	uint32_t mask = dp->snap->marks.mask;
	struct flow_entry *e, *next;
	uint64_t due = 0;
	int r;

	for (e = flowtab_draining_first(dp->flows); e; e = next) {
		uint64_t at;

		next = flowtab_draining_next(dp->flows, e);
		at = flow_due(e);
		if (e->state == FLOW_PENDING) {
			if (at <= dp->now) {
				bool drop;
				uint32_t mark;

				decide_here(dp, &e->tuple, (enum qp_direction)e->dir, true, &drop,
					    &mark);
				counter_inc(&dp->stats.undiscovered);
				if (log_ratelimit_ok(&dp->rl_io))
					log_warning("queue %u: a session's owner was not found in "
						    "time: decided by its packets alone",
						    dp->queue_num);
				release(dp, e, drop, mark);
			} else if (!due || at < due) {
				due = at;
			}
			continue;
		}
		if (at > dp->now) {
			if (!due || at < due)
				due = at;
			continue;
		}
		r = settle(dp, e, mask);
		if (r < 0 && r != -ENOENT) {
			counter_inc(&dp->stats.settle_errors);
			if (log_ratelimit_ok(&dp->rl_io))
				log_error("queue %u: setting a connection's mark: %s",
					  dp->queue_num, strerror(-r));
		} else if (r == 0) {
			counter_inc(&dp->stats.settled);
		}
		log_debug("queue %u: session quiet %lluus after %lluus: connection marked (%s)",
			  dp->queue_num, (unsigned long long)((dp->now - e->last_ns) / 1000),
			  (unsigned long long)((e->last_ns - e->first_ns) / 1000),
			  r == 0 ? "ok" : strerror(-r));
		/* A connection that is gone (-ENOENT) needs nothing more; one
		 * that comes back is queued and found again. */
		flowtab_set_state(dp->flows, e, FLOW_SETTLED);
	}
	return due;
}

static void arm_timer(struct datapath *dp, uint64_t due)
{
	struct itimerspec its = { 0 };

	/* With nothing draining, wake now and then to forget old sessions. */
	if (!due)
		due = dp->now + FLOW_LINGER_NS;
	its.it_value.tv_sec = (time_t)(due / 1000000000ull);
	its.it_value.tv_nsec = (long)(due % 1000000000ull);
	/* Fails only for a bad descriptor or value, neither possible here. */
	(void)timerfd_settime(dp->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Reads and handles everything waiting on the queue, and sends the
 * verdicts. Returns how many packets it read and sessions it released. */
static int drain_once(struct datapath *dp)
{
	int n, total = 0;

	do {
		dp->now = clock_mono_ns();
		n = nfq_sock_receive(dp->q, on_packet, dp);
		if (n > 0) {
			total += n;
			dp->last_work = dp->now;
		}
		if (n == -ENOBUFS) {
			counter_inc(&dp->stats.overruns);
			if (log_ratelimit_ok(&dp->rl_overrun))
				log_warning("queue %u: socket overrun: the kernel %s packets it "
					    "could not pass to qpodd",
					    dp->queue_num,
					    dp->snap->policy->queue.fail == QP_FAIL_OPEN
						    ? "accepted (unmarked)"
						    : "dropped");
			n = 1;
		} else if (n < 0 && log_ratelimit_ok(&dp->rl_io)) {
			log_error("queue %u: reading packets: %s", dp->queue_num, strerror(-n));
		}
	} while (n > 0);
	if (dp->kick) {
		discover_kick(dp->disc);
		dp->kick = false;
	}
	total += take_results(dp);
	n = nfq_sock_flush(dp->q);
	if (n < 0 && log_ratelimit_ok(&dp->rl_io))
		log_error("queue %u: sending verdicts: %s", dp->queue_num, strerror(-n));
	return total;
}

/* Drains until a look after the verdicts finds the queue empty. The kernel
 * sends released packets on inside the verdict's sendmsg(), which can take
 * a millisecond for a large batch, and a sender blocked on its socket's
 * memory resumes only then: a session counts as seen until its last packet
 * has left, not when it was read. */
static void drain(struct datapath *dp)
{
	while (drain_once(dp) > 0) {
		uint64_t sent = clock_mono_ns();
		struct flow_entry *e;

		for (e = flowtab_draining_first(dp->flows); e; e = flowtab_draining_next(dp->flows, e))
			if (e->state == FLOW_DRAINING && e->last_ns >= dp->cycle_start)
				e->last_ns = sent;
		dp->cycle_start = sent;
	}
}

static void take_snapshot(struct datapath *dp)
{
	dp->snap = atomic_load_explicit(dp->current, memory_order_acquire);
	atomic_store_explicit(&dp->seen_gen, dp->snap->gen, memory_order_release);
}

static void log_stats(struct datapath *dp)
{
	const struct datapath_stats *s = &dp->stats;

	log_info("queue %u: %llu packets, %llu sessions (%llu through discovery, %llu without), "
		 "%llu accepted, %llu dropped, %llu connections marked, %llu overruns, %llu "
		 "unreadable; first-packet hold: n=%llu p50=%.1fus p90=%.1fus p99=%.1fus "
		 "max=%.1fus; decisions taken back p50=%.1fus p99=%.1fus",
		 dp->queue_num, (unsigned long long)s->packets, (unsigned long long)s->sessions,
		 (unsigned long long)s->sessions_discovered, (unsigned long long)s->undiscovered,
		 (unsigned long long)s->accepted, (unsigned long long)s->dropped,
		 (unsigned long long)s->settled, (unsigned long long)s->overruns,
		 (unsigned long long)s->unparsable, (unsigned long long)dp->hold.count,
		 (double)hist_quantile(&dp->hold, 0.5) / 1000,
		 (double)hist_quantile(&dp->hold, 0.9) / 1000,
		 (double)hist_quantile(&dp->hold, 0.99) / 1000, (double)dp->hold.max / 1000,
		 (double)hist_quantile(&dp->back, 0.5) / 1000,
		 (double)hist_quantile(&dp->back, 0.99) / 1000);
}

static bool results_empty(void *arg)
{
	struct datapath *dp = arg;

	return ring_count(dp->chan->res) == 0;
}

/* Polls the queue and the decisions until one has something or the spin
 * window since the last work closes. True if there is work. */
static bool busy_poll(struct datapath *dp)
{
	struct pollfd pfd = { .fd = nfq_sock_fd(dp->q), .events = POLLIN };

	while (clock_mono_ns() - dp->last_work < RING_SPIN_NS) {
		if (dp->chan && !results_empty(dp))
			return true;
		if (poll(&pfd, 1, 0) > 0)
			return true;
		ring_spin_pause();
	}
	return false;
}

static void *thread_main(void *arg)
{
	struct datapath *dp = arg;
	int r;

	for (;;) {
		struct epoll_event ev[4];
		int n;
		uint64_t v;

		take_snapshot(dp);
		dp->cycle_start = clock_mono_ns();
		drain(dp);
		dp->now = clock_mono_ns();
		arm_timer(dp, settle_quiet(dp));
		flowtab_expire(dp->flows, dp->now);
		if (atomic_exchange(&dp->want_stats, false))
			log_stats(dp);
		if (atomic_load(&dp->stop))
			break;
		/* Awake for a while after work: the next session's first packet,
		 * or the decision for this one, is likely microseconds away. */
		if (dp->now - dp->last_work < RING_SPIN_NS && busy_poll(dp))
			continue;
		if (dp->chan && !waker_prepare_sleep(&dp->chan->res_waker, results_empty, dp))
			continue;
		n = epoll_wait(dp->epoll_fd, ev, 4, -1);
		if (n < 0 && errno != EINTR) {
			log_error("queue %u: epoll_wait: %s", dp->queue_num, strerror(errno));
			break;
		}
		if (dp->chan)
			waker_woken(&dp->chan->res_waker);
		for (int i = 0; i < n; i++)
			if ((ev[i].data.fd == dp->wake_fd || ev[i].data.fd == dp->timer_fd) &&
			    read(ev[i].data.fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				log_error("queue %u: read: %s", dp->queue_num, strerror(errno));
	}
	/* The ruleset is gone: whatever is still queued gets its verdict. Wait
	 * a little for decisions already asked for, then decide the rest here. */
	for (int i = 0; i < 100 && dp->chan && ring_count(dp->chan->req); i++) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	dp->cycle_start = clock_mono_ns();
	drain(dp);
	for (struct flow_entry *e = flowtab_draining_first(dp->flows), *next; e; e = next) {
		next = flowtab_draining_next(dp->flows, e);
		if (e->state == FLOW_PENDING) {
			bool drop;
			uint32_t mark;

			decide_here(dp, &e->tuple, (enum qp_direction)e->dir, true, &drop, &mark);
			release(dp, e, drop, mark);
		}
	}
	r = nfq_sock_flush(dp->q);
	if (r < 0)
		log_error("queue %u: sending the last verdicts: %s", dp->queue_num, strerror(-r));
	/* Every packet has its verdict: the connections not marked yet are
	 * marked now, so that a table left for the next qpodd (a restart)
	 * keeps classing them meanwhile. */
	for (struct flow_entry *e = flowtab_draining_first(dp->flows); e;
	     e = flowtab_draining_next(dp->flows, e))
		if (e->state == FLOW_DRAINING && !e->drop)
			(void)settle(dp, e, dp->snap->marks.mask);
	log_stats(dp);
	return NULL;
}

static int watch(struct datapath *dp, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(dp->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int datapath_start(_Atomic(struct snapshot *) *current, const struct nfq_sock_config *cfg,
		   struct discover *disc, unsigned chan, struct datapath **ret)
{
	struct datapath *dp = calloc(1, sizeof(*dp));
	sigset_t all, old;
	int r;

	if (!dp)
		return -ENOMEM;
	dp->wake_fd = dp->timer_fd = dp->epoll_fd = -1;
	dp->current = current;
	dp->queue_num = cfg->queue_num;
	dp->disc = disc;
	dp->chan = disc ? discover_chan(disc, chan) : NULL;
	held_pool_init(&dp->held);
	take_snapshot(dp);
	r = flowtab_new(FLOWTAB_CAPACITY, &dp->flows);
	if (r < 0)
		goto fail;
	r = ctnl_new(&dp->ctnl);
	if (r < 0)
		goto fail;
	r = nfq_sock_new(cfg, &dp->q);
	if (r < 0)
		goto fail;
	dp->ct_in_verdict = nfq_sock_has_conntrack(dp->q);
	dp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	dp->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	dp->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (dp->wake_fd < 0 || dp->timer_fd < 0 || dp->epoll_fd < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = watch(dp, dp->wake_fd)) < 0 || (r = watch(dp, dp->timer_fd)) < 0 ||
	    (r = watch(dp, nfq_sock_fd(dp->q))) < 0 ||
	    (dp->chan && (r = watch(dp, dp->chan->res_waker.fd)) < 0))
		goto fail;
	/* Signals are the main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = -pthread_create(&dp->thread, NULL, thread_main, dp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		goto fail;
	dp->started = true;
	*ret = dp;
	return 0;
fail:
	datapath_stop(dp);
	return r;
}

void datapath_wake(struct datapath *dp)
{
	uint64_t one = 1;

	if (write(dp->wake_fd, &one, sizeof(one)) < 0)
		log_error("queue %u: cannot wake the packet thread: %s", dp->queue_num,
			  strerror(errno));
}

void datapath_request_stats(struct datapath *dp)
{
	atomic_store(&dp->want_stats, true);
	datapath_wake(dp);
}

uint64_t datapath_seen_gen(const struct datapath *dp)
{
	return atomic_load_explicit(&dp->seen_gen, memory_order_acquire);
}

void datapath_stop(struct datapath *dp)
{
	if (!dp)
		return;
	if (dp->started) {
		atomic_store(&dp->stop, true);
		datapath_wake(dp);
		pthread_join(dp->thread, NULL);
	}
	nfq_sock_free(dp->q);
	ctnl_free(dp->ctnl);
	flowtab_free(dp->flows);
	if (dp->wake_fd >= 0)
		close(dp->wake_fd);
	if (dp->timer_fd >= 0)
		close(dp->timer_fd);
	if (dp->epoll_fd >= 0)
		close(dp->epoll_fd);
	free(dp);
}

bool datapath_ct_in_verdict(const struct datapath *dp)
{
	return dp->ct_in_verdict;
}

const struct datapath_stats *datapath_stats(const struct datapath *dp)
{
	return &dp->stats;
}
