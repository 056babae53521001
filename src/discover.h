/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DISCOVER_H
#define QPOD_DISCOVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "adopt.h"
#include "cnproc.h"
#include "snapshot.h"
#include "hist.h"
#include "ring.h"
#include "sessiontab.h"

/* Session discovery (the Q-Pod paper's SDM thread): finds the process
 * that owns each new session and decides the session's class by the
 * policy's applications, their budgets and the session rules. Packet
 * threads hand it sessions through lock-free rings and get decisions back
 * the same way; it never touches a packet, and they never wait on /proc. */

/* A packet thread asks: whose is this session? */
struct discover_request {
	uint32_t entry;		/* the packet thread's handle for the session */
	uint32_t gen;
	struct tuple tuple;	/* of its first packet */
	uint8_t dir;		/* enum qp_direction */
	uint64_t first_ns;	/* when its first packet was read */
	uint64_t queued_ns;	/* when it was pushed */
};

/* ...and gets a decision. */
struct discover_result {
	uint32_t entry;
	uint32_t gen;
	bool drop;
	uint32_t mark;		/* qpod's bits for the session's packets */
	uint64_t decided_ns;	/* when it was pushed back */
};

/* The two rings between one packet thread and the discovery thread. */
struct discover_chan {
	struct ring *req;
	struct ring *res;
	struct waker res_waker;	/* the packet thread sleeps on it */
};

struct discover_stats {
	_Atomic uint64_t decided;
	_Atomic uint64_t no_socket;
	_Atomic uint64_t no_process;
	_Atomic uint64_t over_budget;
	_Atomic uint64_t untracked;	/* the session table was full */
	_Atomic uint64_t lost_events;	/* proc connector or conntrack overruns */
	_Atomic uint64_t unlisted;	/* sessions conntrack dropped without an end event */
	_Atomic uint64_t adopted;	/* older than qpodd, found at its start */
	_Atomic uint64_t kernel;	/* decided by the kernel alone, recorded after */
};

struct discover;

/** Starts the discovery thread with one channel per packet thread. CN is
 * the proc connector, opened beforehand (NULL: none to be had); it must
 * outlive the thread. */
int discover_start(_Atomic(struct snapshot *) *current, unsigned n_chans, struct cnproc *cn,
		   struct discover **ret);

/** Stops and joins the thread; accepts NULL. */
void discover_stop(struct discover *d);

struct discover_chan *discover_chan(struct discover *d, unsigned i);

/** Packet thread, after pushing requests: wakes the discovery thread if it
 * sleeps. */
void discover_kick(struct discover *d);

/** Wakes the thread to take the current snapshot; the generation it last took. */
void discover_wake(struct discover *d);
uint64_t discover_seen_gen(const struct discover *d);

/** Main thread, with the ruleset in place: has the thread adopt the
 * connections of SCOPE that conntrack has (adopt.h), those of the N RUNS
 * getting their run's class. Returns 0 or -ENOMEM. */
int discover_adopt(struct discover *d, enum adopt_scope scope, const struct adopt_run *runs,
		   size_t n);

/** How many sessions the last policy taken moved to another class (read
 * once discover_seen_gen() has reached its generation). */
uint64_t discover_reload_moved(const struct discover *d);

/** Any thread: asks for every session's counters and rate (a listing of
 * conntrack each second) for the next HOLD_NS, and for a listing soon.
 * Returns a ticket: discover_counters_ready() says when the session table
 * has the counters of a listing that began after the ask. */
uint64_t discover_want_counters(struct discover *d, uint64_t hold_ns);
bool discover_counters_ready(const struct discover *d, uint64_t ticket);

/** Any thread: records the session log has written, and lost. */
void discover_log_counts(const struct discover *d, uint64_t *ret_written, uint64_t *ret_failed);

/** The live sessions (readable from any thread). */
const struct sessiontab *discover_sessions(const struct discover *d);

const struct discover_stats *discover_stats(const struct discover *d);

/** Logs lookups, cache hits, scans and what could not be found, and how
 * long requests waited for the thread and took to decide. */
void discover_log_stats(struct discover *d);

#endif
