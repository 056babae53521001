/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DISCOVER_INTERNAL_H
#define QPOD_DISCOVER_INTERNAL_H

/* The discovery thread's state, shared by discover.c (new sessions,
 * reloads, conntrack's news) and discover-adopt.c (sessions older than
 * qpodd). */

#include <pthread.h>
#include <stdatomic.h>

#include "adopt.h"
#include "appmatch.h"
#include "budget.h"
#include "ctnl.h"
#include "discover.h"
#include "flowtab.h"
#include "log.h"
#include "procmap.h"
#include "sessionlog.h"
#include "sockdiag.h"
#include "paced.h"

#define SESSIONS_MAX 65536		/* the session table's capacity */

/* An adoption (adopt.h) under way: the connections found, and what became
 * of them. */
struct adoption {
	enum adopt_scope scope;
	struct ct_entry *cts;
	size_t n, next;
	size_t too_many;	/* connections past ADOPT_MAX */
	struct local_addrs locals;
	struct adopt_run *runs;
	size_t n_runs;
	uint64_t kept;		/* marked by an earlier qpodd with the class they get */
	uint64_t given;		/* unmarked (or pending) until now */
	uint64_t moved;		/* marked with another class */
	uint64_t not_cut;	/* the policy would drop: left alone */
	uint64_t in_runs;	/* of a qpod-ctl run, with its class already */
	uint64_t run_moved;	/* of a qpod-ctl run, given its class */
	uint64_t no_socket;	/* no local socket found: closed, or not ours */
	uint64_t unmanaged;	/* filtered */
};

/* An adoption asked for by the main thread, under adopt_lock. */
struct adoption_ask {
	bool asked;
	enum adopt_scope scope;
	struct adopt_run *runs;
	size_t n_runs;
};

struct discover {
	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct waker waker;
	int epoll_fd;
	int timer_fd;
	struct discover_chan *chans;
	unsigned n_chans;
	_Atomic(struct snapshot *) *current;
	struct snapshot *snap;
	atomic_uint_fast64_t seen_gen;
	atomic_uint_fast64_t moved;	/* sessions the last reload gave another class */
	uint64_t remark_at;	/* when to mark those again (0: no need) */
	struct sockdiag *sd;
	struct procmap pm;
	struct cnproc *cn;
	struct paced cn_pace;	/* process events */
	struct ctnl *ct;
	struct ctnl_events *ev;
	struct paced ev_pace;	/* connection events */
	struct sessiontab *sessions;
	struct sessionlog *slog;	/* ended sessions' records */
	struct budget budget;	/* by application of snap->policy */
	uint64_t last_tick;
	uint64_t last_work;
	uint64_t last_dump;	/* when conntrack was last listed */
	uint64_t next_dump;	/* not before: listing a large table is costly */
	bool ct_lost;		/* end events were lost: list conntrack soon */
	uint64_t lost_ns;	/* when, last */
	/* Asked by the control socket: counters each tick until then, and
	 * a listing soon (within what DUMP_COST_SHARE allows). Each ask gets
	 * a ticket; a listing serves the tickets handed out before it began. */
	atomic_uint_fast64_t counters_until;
	atomic_uint_fast64_t list_asked;	/* tickets handed out */
	atomic_uint_fast64_t list_done;		/* tickets served */
	uint64_t last_metered;	/* when counters were last read */
	/* Timings, read by the main thread for logs: under the lock. */
	pthread_mutex_t hist_lock;
	struct hist wait;	/* pushed -> picked up */
	struct hist lookup;	/* picked up -> decided */
	struct discover_stats stats;
	struct log_ratelimit rl;
	pthread_mutex_t adopt_lock;
	struct adoption_ask adopt_ask;	/* by discover_adopt() */
	bool adopting;
	struct adoption adopt;
};

/* discover-kernel.c, for discover.c */

/** Records the session of connection CT if the kernel decided it alone
 * and nothing has yet. */
void discover_record_kernel(struct discover *d, const struct ct_entry *ct);

/* discover.c, for discover-adopt.c and discover-kernel.c */

/** The process that owns socket SOCK (NULL: none was found), which
 * existed at SINCE (clock_mono_ns), into S (its pid and uid, and the
 * reason if it has no owner) and VIEW (what applications are matched
 * against). Returns it, or NULL. */
const struct proc_info *discover_find_owner(struct discover *d, const struct sock_found *sock,
					    uint64_t since, uint64_t now, struct session *s,
					    struct proc_view *view);

/** Takes into S the byte and packet counts conntrack gave CT, if any. */
void discover_take_counts(struct session *s, const struct ct_entry *ct);

/** Reads the process events waiting, if there are any to be had.
 * Returns how many there were (lost ones count as one). */
int discover_drain_process_events(struct discover *d, uint64_t now);

/** discover_find_owner(), among the likeliest processes only if QUICK. */
const struct proc_info *discover_find_owner_in(struct discover *d, const struct sock_found *sock,
					       uint64_t since, uint64_t now, bool quick,
					       struct session *s, struct proc_view *view);

/** Puts decided session S in the session table and counts it against its
 * application's budget; a full table leaves it untracked (and, in S, not
 * admitted). */
void discover_track(struct discover *d, struct session *s);

/** The session of connection CT, if there is one. */
bool discover_session_of(struct discover *d, const struct ct_entry *ct, struct session *ret);

/** Applies waiting process and connection events, without blocking. */
void discover_drain_events(struct discover *d, uint64_t now);

/* discover-adopt.c */

/** Starts the adoption asked for, if any and none is under way. */
void discover_adopt_begin(struct discover *d);

/** Adopts the next few connections; ends the adoption after the last. */
void discover_adopt_some(struct discover *d);

/** Drops an adoption under way, and one asked for. */
void discover_adopt_clear(struct discover *d);

#endif
