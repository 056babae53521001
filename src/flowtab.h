/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_FLOWTAB_H
#define QPOD_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "held.h"
#include "tuple.h"

/* The sessions a packet thread has decided and still watches, keyed by
 * the bytes that name their conntrack entry (zone and original tuple, as
 * the kernel serialises them, or as ctnl_tuple_put writes them): these
 * are what the kernel takes back to set the mark, and they tell apart
 * what a struct tuple does not (zones, ICMP ids). Fixed capacity, no allocation after
 * creation; when full, the least recently seen session is forgotten.
 * Entries never move, so pointers stay valid until removal. */

#define FLOW_KEY_MAX 128

#define FLOW_QUIET_NS 500000ull		/* no packet for 0.5 ms: mark the connection */
/* After a release of many held packets, a sender that blocked on its
 * socket's memory resumes when they leave, which on a busy machine can
 * take longer than FLOW_QUIET_NS: marking the connection before it sends
 * again would let its next packets overtake the one it is queueing. */
#define FLOW_QUIET_BURST_NS 5000000ull
#define FLOW_BURST_HELD 32
/* A session that never pauses is marked anyway after this long, which may
 * let its next packets overtake the few still queued: long enough for a
 * burst of a few hundred packets on a slow machine to drain first. */
#define FLOW_DRAIN_MAX_NS 250000000ull
#define FLOW_PENDING_MAX_NS 1000000000ull	/* no owner found in 1 s: default class */
#define FLOW_LINGER_NS 5000000000ull	/* forget settled sessions unseen for 5 s */

enum flow_state {
	FLOW_DRAINING,	/* released with the class's packet mark; ct mark not set yet */
	FLOW_SETTLED,	/* the kernel marks it now; kept to answer stragglers */
	FLOW_PENDING,	/* its packets are held while its owner is looked up */
};

struct flow_entry {
	uint8_t key[FLOW_KEY_MAX];
	uint16_t key_len;
	uint8_t state;		/* enum flow_state */
	bool drop;		/* the decision: drop, or the class below */
	uint16_t class_index;
	uint32_t mark;		/* the class's bits of the mark */
	bool reply_key;		/* no connection by the key: use the reply tuple */
	bool syn;		/* its first packet was a TCP SYN */
	bool burst;		/* many packets were held: its sender may be stalled */
	uint8_t dir;		/* enum qp_direction of its first packet */
	uint32_t gen;		/* tells this session from the slot's next one */
	struct tuple tuple;	/* the first packet's, for the reply tuple */
	struct held_list held;	/* packets held while pending */
	uint64_t first_ns;	/* first packet seen */
	uint64_t last_ns;	/* last packet seen */
	/* internal links (indices; -1 for none) */
	int32_t hnext;
	int32_t lru_prev, lru_next;
	int32_t drain_prev, drain_next;
};

/** When E's next step is due (CLOCK_MONOTONIC ns): a pending session is
 * decided without its owner; a draining one gets its connection marked
 * once it has been quiet, or has drained for long enough. */
uint64_t flow_due(const struct flow_entry *e);

struct flowtab;

/** Makes a table for CAPACITY sessions (rounded up to a power of two):
 * 0, or -ENOMEM. */
int flowtab_new(uint32_t capacity, struct flowtab **ret);
void flowtab_free(struct flowtab *t);

/** The entry for KEY, or NULL. */
struct flow_entry *flowtab_find(struct flowtab *t, const void *key, size_t len);

/** A new entry for KEY (which must not be present) in state FLOW_DRAINING
 * with first_ns = last_ns = NOW, at the recent end of the LRU order. When
 * the table is full the least recently seen entry that is not pending is
 * removed first, and *EVICTED (if not NULL) is set. NULL if LEN exceeds
 * FLOW_KEY_MAX, or if every entry near the old end is pending. */
struct flow_entry *flowtab_insert(struct flowtab *t, const void *key, size_t len, uint64_t now,
				  bool *evicted);

/** The entry at INDEX (as flowtab_index gives), whatever its state. */
struct flow_entry *flowtab_at(struct flowtab *t, uint32_t index);
uint32_t flowtab_index(const struct flowtab *t, const struct flow_entry *e);

/** Records a packet at NOW: last_ns, and the recent end of the LRU order. */
void flowtab_touch(struct flowtab *t, struct flow_entry *e, uint64_t now);

/** Sets the state; draining and pending entries are on the draining list. */
void flowtab_set_state(struct flowtab *t, struct flow_entry *e, enum flow_state s);

/** Gives E its decision, DROP or the class's MARK, once N_HELD of its
 * packets were let go at NOW. It drains until its connection is marked, unless it
 * needs no mark: a dropped session gets no connection, and a SYN's
 * connection takes its mark from the kernel. */
void flowtab_release(struct flowtab *t, struct flow_entry *e, bool drop, uint32_t mark,
		     size_t n_held, uint64_t now);

/** Records a packet of E at NOW; SYN if it opens a connection. A packet of
 * a settled session still reaching the queue means its connection's mark
 * did not take (the connection was made anew): it drains again, to be
 * marked again. */
void flowtab_seen(struct flowtab *t, struct flow_entry *e, uint64_t now, bool syn);

/** Forgets settled sessions not seen for FLOW_LINGER_NS before NOW, from
 * the least recently seen on; it stops at the first that is not (or is
 * not settled), and the next call goes on from there. */
void flowtab_expire(struct flowtab *t, uint64_t now);

void flowtab_remove(struct flowtab *t, struct flow_entry *e);

/** The least recently seen entry, or NULL. */
struct flow_entry *flowtab_oldest(struct flowtab *t);

/** Iterates the draining and pending entries: first, then next (NULL at the end).
 * The current entry may be moved off the list while iterating if NEXT was
 * taken before. */
struct flow_entry *flowtab_draining_first(struct flowtab *t);
struct flow_entry *flowtab_draining_next(struct flowtab *t, const struct flow_entry *e);

size_t flowtab_count(const struct flowtab *t);
size_t flowtab_capacity(const struct flowtab *t);

#endif
