/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DECIDE_H
#define QPOD_DECIDE_H

#include <stdbool.h>

#include "tuple.h"
#include "policy.h"
#include "sessiontab.h"

/* Which rule decided a session, and what it decided. */
struct decision {
	const struct qp_target *target;	/* a class, or drop */
	int rule;			/* index in policy->sessions; -1: none */
	const struct qp_app *app;	/* the owner's application, or NULL */
};

/** True if M's conditions hold for the session of tuple T, whose first
 * packet travels in direction DIR (QP_DIR_OUT or QP_DIR_IN). */
bool decide_flow_matches(const struct qp_flow_match *m, const struct tuple *t,
			 enum qp_direction dir);

/** Decides a new session of application APP (NULL: none, or not known):
 * the first session rule that matches (a rule naming an application
 * matches only that application's sessions), else the application's
 * class, else the default class. Admission limits are the caller's. */
void decide_session(const struct qp_policy *p, const struct tuple *t, enum qp_direction dir,
		    const struct qp_app *app, struct decision *ret);

/** Decides live session S again under P, after a reload: its tuple,
 * direction, application (S->app, an index in P) and admission stay; the
 * session rules and classes are applied anew, and S's rule and reason
 * follow. Returns the class it now gets in *RET_CLASS, or false, leaving
 * S as it was, when P would drop it: a live connection is not cut. The
 * caller gives S the class's mark. */
bool decide_again(const struct qp_policy *p, struct session *s,
		  const struct qp_class **ret_class);

#endif
