/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SNAPSHOT_H
#define QPOD_SNAPSHOT_H

#include <stdint.h>

#include "marks.h"
#include "policy.h"

/* What every thread decides and reports by: a policy and the marks of its
 * classes. A reload publishes a new snapshot; the old one is freed once
 * every thread has moved past it. */
struct snapshot {
	struct qp_policy *policy;
	struct marks marks;
	uint64_t gen;
};

/** Makes the snapshot of generation GEN for policy P, which it then owns
 * (also on failure). Classes of PREV (the running snapshot's marks, those
 * an earlier qpodd kept, or NULL) keep their mark values; new classes get
 * free ones (marks_assign). */
int snapshot_new(struct qp_policy *p, const struct marks *prev, uint64_t gen,
		 struct snapshot **ret);
/** Frees S and its policy; accepts NULL. */
void snapshot_free(struct snapshot *s);

#endif
