/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SESSIONTAB_H
#define QPOD_SESSIONTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuple.h"

/* The live sessions qpod decided (the Q-Pod paper's Session Table).
 * One thread writes (the discovery thread); any thread may read at any
 * time without locks: each slot carries a sequence counter, odd while it
 * is being written, and a reader retries until it copies a slot whose
 * counter did not move.
 *
 * The paper hashes a key up to four ways into single slots and fills its
 * table to 90%. Here a key has SESSIONTAB_CHOICES buckets of
 * SESSIONTAB_BUCKET slots and goes to the emptiest: the table fills to
 * about 93% before the first refusal, nothing ever moves, a removal leaves
 * no tombstone, and a lookup compares 32-bit tags before it copies a
 * slot. When a key's buckets are all full the insert fails and the
 * session is decided without being tracked. */

#define SESSIONTAB_BUCKET 16
#define SESSIONTAB_CHOICES 3

enum session_reason {
	SESSION_BY_RULE,		/* a session rule */
	SESSION_BY_APP,			/* the application's class */
	SESSION_OVER_BUDGET,		/* the application's over-budget target */
	SESSION_DEFAULT,		/* owner known, no rule or application */
	SESSION_NO_SOCKET,		/* no local socket: closed, or not ours */
	SESSION_NO_PROCESS,		/* a socket no process could be found for */
	SESSION_UNDISCOVERED,		/* discovery unavailable or too late */
};

/* session.rule of a session decided by a rule of a policy since reloaded. */
#define SESSION_RULE_EARLIER (-2)

/* 128 bytes: sixteen words. */
struct session {
	struct tuple key;		/* 40 */
	uint64_t start_ns;		/* CLOCK_REALTIME */
	uint32_t pid;			/* 0: unknown */
	uint32_t uid;			/* UINT32_MAX: unknown */
	uint32_t mark;			/* qpod's bits of the mark; 0 for drop */
	int16_t app;			/* index in the policy, -1: none */
	int16_t rule;			/* session rule index, -1: none */
	uint16_t class_index;
	uint8_t direction;		/* enum qp_direction */
	uint8_t reason;			/* enum session_reason */
	uint8_t drop : 1;
	uint8_t admitted : 1;		/* counted against its application's budget */
	uint8_t closing : 1;		/* TCP closing: no longer counted */
	uint8_t remark : 1;		/* moved by a reload: its mark is set once more */
	uint8_t adopted : 1;		/* older than this qpodd: found at its start */
	uint8_t kernel : 1;		/* decided by the kernel alone, recorded after */
	uint64_t bytes;			/* both directions, from conntrack */
	uint64_t rate_bps;		/* smoothed */
	uint64_t hold_ns;		/* how long its first packet waited */
	uint64_t seen_ns;		/* CLOCK_MONOTONIC: decided, or last listed by conntrack */
	uint64_t bytes_orig;		/* of bytes, in its first packet's direction */
	uint64_t packets_orig;		/* packets that way */
	uint64_t packets_reply;		/* and the other */
};

struct sessiontab;

/** Takes conntrack's byte count BYTES (both directions), read DT_NS after
 * S's last one, into S's smoothed rate. */
void session_meter(struct session *s, uint64_t bytes, uint64_t dt_ns);

/** Makes a table of CAPACITY slots (rounded up to a power of two): 0, or
 * -ENOMEM. */
int sessiontab_new(uint32_t capacity, struct sessiontab **ret);
void sessiontab_free(struct sessiontab *t);

/** Writer: inserts S, or replaces the session with its key. Returns 0, or
 * -ENOSPC when no slot is free within reach. */
int sessiontab_put(struct sessiontab *t, const struct session *s);

/** Writer: removes the session KEY names, copying it to *RET_OLD (if not
 * NULL). False if there was none. */
bool sessiontab_del(struct sessiontab *t, const struct tuple *key, struct session *ret_old);

/** Any thread: copies the session KEY names. False if there is none. */
bool sessiontab_get(const struct sessiontab *t, const struct tuple *key,
		    struct session *ret);

/** Any thread: calls CB with a consistent copy of each session. The
 * writer's CB may replace or delete the session it is given. */
void sessiontab_foreach(const struct sessiontab *t, void (*cb)(const struct session *, void *),
			void *arg);

/** Sessions in the table (a snapshot), and slots in all. */
size_t sessiontab_count(const struct sessiontab *t);
size_t sessiontab_capacity(const struct sessiontab *t);

#endif
