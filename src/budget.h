/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_BUDGET_H
#define QPOD_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "sessiontab.h"

/* What each application of the policy uses of its budget (max-sessions,
 * max-rate): its admitted live sessions and their rate. A session counts
 * while it is admitted and not closing; the discovery thread alone
 * changes these. */
struct app_usage {
	uint32_t sessions;
	uint64_t rate_bps;
};

struct budget {
	struct app_usage *apps;	/* by application index */
	size_t n;
};

/** Starts afresh for a policy of N_APPS applications: 0, or -ENOMEM with
 * B as it was. */
int budget_reset(struct budget *b, size_t n_apps);
void budget_clear(struct budget *b);

/** Whether APP has no room for another session. */
bool budget_over(const struct budget *b, const struct qp_app *app);

/** S (admitted, not closing) counts against its application now: one
 * session, and its rate. */
void budget_count(struct budget *b, const struct session *s);

/** S no longer counts; with RATE its rate leaves the application's too
 * (not while a conntrack listing is adding the rates up afresh). */
void budget_uncount(struct budget *b, const struct session *s, bool rate);

/** A conntrack listing adds S's rate to its application's. */
void budget_add_rate(struct budget *b, const struct session *s);
/** A conntrack listing is about to add the rates up afresh. */
void budget_clear_rates(struct budget *b);

/** Whether some application of P has a max-sessions and sessions that
 * count against it (a listing is needed to notice their ends). */
bool budget_sessions_counted(const struct budget *b, const struct qp_policy *p);

/** After a reload from OLD to P (B reset for P): S keeps its application
 * by name, or none (and is no longer admitted) if P has no such one; a
 * session rule of OLD is no longer named by number. Counts S against its
 * application. Returns true if S changed. */
bool budget_recount(struct budget *b, const struct qp_policy *old, const struct qp_policy *p,
		    struct session *s);

#endif
