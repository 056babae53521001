/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CONFIG_INTERNAL_H
#define QPOD_CONFIG_INTERNAL_H

/* Shared by the policy walker (config.c) and its cross-checks
 * (config-validate.c); not for the rest of qpod. */

#include "arena.h"
#include "diag.h"
#include "policy.h"

struct cfg {
	struct arena *arena;	/* the policy's */
	struct diag_list *diags;
	struct qp_policy *p;
	size_t cap_interfaces, cap_classes, cap_filtered, cap_apps, cap_sessions;
	bool default_class_set;
};

#define cfg_error(c, loc, ...) diag_add((c)->diags, DIAG_ERROR, (loc), __VA_ARGS__)
#define cfg_warn(c, loc, ...) diag_add((c)->diags, DIAG_WARNING, (loc), __VA_ARGS__)

/** Resolves names, computes defaults that depend on the whole policy and
 * checks what no single key shows. Reports every problem to c->diags. */
void config_validate(struct cfg *c);

#endif
