/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "budget.h"

int budget_reset(struct budget *b, size_t n_apps)
{
	struct app_usage *u = calloc(n_apps ? n_apps : 1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	free(b->apps);
	b->apps = u;
	b->n = n_apps;
	return 0;
}

void budget_clear(struct budget *b)
{
	free(b->apps);
	b->apps = NULL;
	b->n = 0;
}

bool budget_over(const struct budget *b, const struct qp_app *app)
{
	const struct app_usage *u;

	if (app->index >= b->n)
		return false;
	u = &b->apps[app->index];
	return (app->max_sessions && u->sessions >= app->max_sessions) ||
	       (app->max_rate_bps && u->rate_bps > app->max_rate_bps);
}

/* The usage S counts against, or NULL if it counts against none. */
static struct app_usage *usage_of(struct budget *b, const struct session *s)
{
	if (!s->admitted || s->closing || s->app < 0 || (size_t)s->app >= b->n)
		return NULL;
	return &b->apps[s->app];
}

void budget_count(struct budget *b, const struct session *s)
{
	struct app_usage *u = usage_of(b, s);

	if (u) {
		u->sessions++;
		u->rate_bps += s->rate_bps;
	}
}

void budget_uncount(struct budget *b, const struct session *s, bool rate)
{
	struct app_usage *u = usage_of(b, s);

	if (!u)
		return;
	if (u->sessions)
		u->sessions--;
	if (rate)
		u->rate_bps = u->rate_bps > s->rate_bps ? u->rate_bps - s->rate_bps : 0;
}

void budget_add_rate(struct budget *b, const struct session *s)
{
	struct app_usage *u = usage_of(b, s);

	if (u)
		u->rate_bps += s->rate_bps;
}

void budget_clear_rates(struct budget *b)
{
	for (size_t i = 0; i < b->n; i++)
		b->apps[i].rate_bps = 0;
}

bool budget_sessions_counted(const struct budget *b, const struct qp_policy *p)
{
	for (size_t i = 0; i < p->n_apps && i < b->n; i++)
		if (p->apps[i].max_sessions && b->apps[i].sessions)
			return true;
	return false;
}

bool budget_recount(struct budget *b, const struct qp_policy *old, const struct qp_policy *p,
		    struct session *s)
{
	struct session n = *s;
	const struct qp_app *app = NULL;
	bool changed;

	if (s->app >= 0 && old && (size_t)s->app < old->n_apps)
		app = policy_app_find(p, old->apps[s->app].name);
	n.app = app ? (int16_t)app->index : -1;
	if (!app)
		n.admitted = 0;
	/* Session rules have no names to follow. */
	if (n.rule >= 0)
		n.rule = SESSION_RULE_EARLIER;
	changed = n.app != s->app || n.admitted != s->admitted || n.rule != s->rule;
	*s = n;
	budget_count(b, s);
	return changed;
}
