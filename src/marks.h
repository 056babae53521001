/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_MARKS_H
#define QPOD_MARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* The values classes take in qpod's bits of the packet and conntrack
 * marks. Value 0 is "undecided", the mask's largest value is "decided,
 * unmanaged", the one below it "pending" (queued, its class not yet in
 * the connection), and classes take values in between.
 *
 * A class keeps its value for as long as it exists, across reloads and,
 * through a state file (marks-file.c), restarts: live connections carry
 * the value in their conntrack mark, and the value must go on meaning the
 * same class. A removed class's value is retired: no other class gets it
 * while any value was never used, and the class gets it back if it
 * returns. */
struct marks {
	uint32_t mask;
	unsigned shift;
	uint32_t max;		/* largest value: unmanaged */
	size_t n;		/* classes of the current policy */
	char **names;		/* by class index */
	uint32_t *values;	/* by class index, unshifted */
	size_t n_retired;	/* classes removed, oldest first */
	char **retired_names;
	uint32_t *retired_values;
};

/** Gives every class of P a value: the value M knew the class by (unless
 * the mask changed), else one never used, else the value retired first.
 * Returns 0, -ENOMEM or -ENOSPC, leaving M as it was on failure. M starts
 * zeroed. */
int marks_assign(struct marks *m, const struct qp_policy *p);

/** Makes room in M (zeroed but for mask, shift and max) for N classes and
 * R retired ones: 0 or -ENOMEM. marks_clear() frees what there is. */
int marks_reserve(struct marks *m, size_t n, size_t r);

/** Appends class NAME with VALUE to M's classes, or with RETIRED to its
 * retired ones, within the room marks_reserve() made: 0 or -ENOMEM. */
int marks_add(struct marks *m, const char *name, uint32_t value, bool retired);

/** Copies SRC to *RET (zeroed): 0 or -ENOMEM. */
int marks_copy(const struct marks *src, struct marks *ret);

/** Frees what marks_assign allocated. */
void marks_clear(struct marks *m);

/** The mark bits (within the mask) of class INDEX, of "unmanaged" and of
 * "pending". */
uint32_t marks_class(const struct marks *m, unsigned index);
uint32_t marks_unmanaged(const struct marks *m);
uint32_t marks_pending(const struct marks *m);

/** The class value that mark bits MARK carry (0: undecided). */
uint32_t marks_value(const struct marks *m, uint32_t mark);

/** Whether VALUE is that of a class a reload removed. */
bool marks_is_retired(const struct marks *m, uint32_t value);

/** The index of the class whose value is VALUE, or -1. */
int marks_class_of_value(const struct marks *m, uint32_t value);

/* qpod's root qdisc handle on shaped interfaces: a major of its own, so
 * that a hierarchy a dead qpodd left is told from an administrator's. */
#define MARKS_TC_MAJOR 0x7a0u

/** The tc class id (MARKS_TC_MAJOR:minor) a class's packets get as
 * skb->priority. */
uint32_t marks_tc_classid(const struct marks *m, unsigned index);

#endif
