/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_APPMATCH_H
#define QPOD_APPMATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/* What is known of the process that owns a session. */
struct proc_view {
	const char *exe;	/* NULL: unknown */
	const char *comm;
	const char *cmdline;
	const char *cgroup;	/* cgroup v2 path */
	bool has_uid;
	uint32_t uid;
};

/** True if every condition of M holds for P; an unknown property fails
 * the condition on it. */
bool appmatch(const struct qp_app_match *m, const struct proc_view *p);

/** What of a process (PROC_READ_*) POL's applications match on. */
uint8_t appmatch_needs(const struct qp_policy *pol);

/** The first application of the policy that P is, or NULL. */
const struct qp_app *appmatch_find(const struct qp_policy *pol, const struct proc_view *p);

#endif
