/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SHAPER_H
#define QPOD_SHAPER_H

#include <stdbool.h>
#include <stdint.h>

#include "marks.h"
#include "policy.h"

/* Queueing on the policy's interfaces (ALTQ's lesson on today's Linux):
 * a root HFSC (or HTB) qdisc per interface, one class per policy class
 * under a root class, and a leaf queue (fifo, RED, fq_codel) per class,
 * built over rtnetlink. Packets reach their class by skb->priority, which
 * the class chains of the ruleset set to marks_tc_classid(): no filter.
 * The root qdisc an interface had is put back when qpod stops. */

struct shaper;

/** Opens rtnetlink sockets: one for requests, one for link events. */
int shaper_new(struct shaper **ret);
void shaper_free(struct shaper *s);

/** Builds, or changes in place, the hierarchy of every interface P lists
 * that exists now, and remembers the rest for when they appear. Returns
 * 0, or the first negative errno after logging why (say, an interface
 * whose fallback is off needs HFSC or RED the kernel lacks); an interface
 * that could not be built has its own root qdisc back. */
int shaper_apply(struct shaper *s, const struct qp_policy *p, const struct marks *m);

/** Gives every interface back the root qdisc it had. */
void shaper_restore(struct shaper *s);

/** The socket that reports links appearing and vanishing, and what to do
 * when it is readable: build the hierarchy of a listed interface that
 * appeared, forget one that vanished. */
int shaper_link_fd(const struct shaper *s);
void shaper_link_events(struct shaper *s, const struct qp_policy *p, const struct marks *m);

/* One class's counters, as the kernel keeps them. */
struct shaper_class_stats {
	char ifname[16];
	uint32_t classid;
	int class_index;	/* in the policy, -1 for the root class */
	uint64_t bytes;
	uint64_t packets;
	uint32_t drops;
	uint32_t overlimits;
	uint32_t backlog;	/* bytes queued */
	uint32_t qlen;		/* packets queued */
	uint32_t red_early;	/* RED: dropped early */
	uint32_t red_marked;	/* RED: ECN-marked instead */
};

/** Calls CB with the counters of every qpod class on every interface. */
int shaper_read_stats(struct shaper *s, const struct marks *m,
		      void (*cb)(const struct shaper_class_stats *, void *), void *arg);

#endif
