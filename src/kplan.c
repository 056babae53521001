/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "kplan.h"

/* An application the kernel can tell apart: matched by user alone, its
 * sessions counted against no budget, sent to a class. */
static bool app_tellable(const struct qp_app *a)
{
	const struct qp_app_match *m = &a->match;

	return m->has_uid && !m->exe && !m->comm && !m->cmdline && !m->unit &&
	       !a->max_sessions && !a->max_rate_bps && a->target.kind == QP_TARGET_CLASS;
}

static struct kchain *chain_new(struct kplan *kp, const char *name, enum qp_direction dir,
				size_t cap, unsigned *ret)
{
	struct kchain *c;

	if (kp->n_chains == KPLAN_CHAINS_MAX)
		return NULL;
	c = &kp->chains[kp->n_chains];
	c->steps = calloc(cap ? cap : 1, sizeof(*c->steps));
	if (!c->steps)
		return NULL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->dir = dir;
	if (ret)
		*ret = (unsigned)kp->n_chains;
	kp->n_chains++;
	return c;
}

static struct kstep *step(struct kchain *c)
{
	struct kstep *s = &c->steps[c->n_steps++];

	memset(s, 0, sizeof(*s));
	s->rule = -1;
	return s;
}

/* A session rule's step: its class, or qpodd when it drops. */
static void rule_step(struct kchain *c, const struct qp_policy *p, size_t i, bool *decided)
{
	const struct qp_session_rule *r = &p->sessions[i];
	struct kstep *s = step(c);

	s->flow = &r->match;
	s->rule = (int)i;
	if (r->target.kind == QP_TARGET_CLASS) {
		s->kind = KSTEP_CLASS;
		s->cls = r->target.cls;
		decided[i] = true;
	} else {
		s->kind = KSTEP_QUEUE;
	}
}

static void end_step(struct kchain *c, const struct qp_target *t)
{
	struct kstep *s = step(c);

	s->kind = t->kind == QP_TARGET_CLASS ? KSTEP_CLASS : KSTEP_QUEUE;
	s->cls = t->kind == QP_TARGET_CLASS ? t->cls : NULL;
}

/* The owner is application APP (told apart): the session rules for any
 * application or for APP, in order, then APP's class. */
static int app_chain(struct kplan *kp, const struct qp_policy *p, const struct qp_app *app,
		     bool *decided, unsigned *ret)
{
	char name[48];
	struct kchain *c;

	snprintf(name, sizeof(name), "kernel_app_%s", app->name);
	c = chain_new(kp, name, QP_DIR_OUT, p->n_sessions + 1, ret);
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_sessions; i++)
		if (!p->sessions[i].app_name || p->sessions[i].app == app)
			rule_step(c, p, i, decided);
	end_step(c, &app->target);
	return 0;
}

/* The owner is none of the applications before FIRST, and may be any
 * from FIRST on, or none: a rule naming one of those sends the session
 * to qpodd, the others decide; at the end, the default class if every
 * possible application's class is that too. Nothing is decided when a
 * possible owner has a budget: it could be over it. */
static int unknown_chain(struct kplan *kp, const struct qp_policy *p, size_t first,
			 enum qp_direction dir, bool *decided, unsigned *ret)
{
	bool budget = false, same = p->default_class.kind == QP_TARGET_CLASS;
	char name[48];
	struct kchain *c;

	snprintf(name, sizeof(name), "kernel_%s_from_app_%zu", dir == QP_DIR_IN ? "in" : "out",
		 first);
	c = chain_new(kp, name, dir, p->n_sessions + 1, ret);
	if (!c)
		return -ENOMEM;
	for (size_t a = first; a < p->n_apps; a++) {
		budget |= p->apps[a].max_sessions || p->apps[a].max_rate_bps;
		same &= p->apps[a].target.kind == QP_TARGET_CLASS &&
			p->apps[a].target.cls == p->default_class.cls;
	}
	if (budget)
		return 0;	/* empty: qpodd decides */
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct qp_session_rule *r = &p->sessions[i];

		if (!r->app_name) {
			rule_step(c, p, i, decided);
		} else if (r->app->index >= first) {
			struct kstep *s = step(c);

			s->flow = &r->match;
			s->kind = KSTEP_QUEUE;
		}
	}
	if (same)
		end_step(c, &p->default_class);
	return 0;
}

int kplan_build(const struct qp_policy *p, struct kplan *ret)
{
	struct kplan kp = { 0 };
	struct kchain *out, *in;
	bool *decided;
	unsigned idx;
	size_t a;
	int r = -ENOMEM;

	kp.app_told = calloc(p->n_apps + 1, sizeof(*kp.app_told));
	kp.rule_decided = decided = calloc(p->n_sessions + 1, sizeof(*decided));
	if (!decided || !kp.app_told)
		goto out;
	out = chain_new(&kp, "kernel_out", QP_DIR_OUT, p->n_apps + 1, NULL);
	in = chain_new(&kp, "kernel_in", QP_DIR_IN, 1, NULL);
	if (!out || !in)
		goto out;
	/* In: the owner's user is not known in the kernel. */
	if (unknown_chain(&kp, p, 0, QP_DIR_IN, decided, &idx) < 0)
		goto out;
	in = &kp.chains[KPLAN_IN];
	step(in)->kind = KSTEP_GOTO;
	in->steps[0].chain = idx;

	/* Out: applications in order, told apart by their user while they
	 * can be; one matched by user among other things only rules its
	 * user's sessions out; any other leaves the owner unknown. */
	for (a = 0; a < p->n_apps; a++) {
		const struct qp_app *app = &p->apps[a];
		struct kstep *s;

		if (app_tellable(app)) {
			if (kp.n_chains + 3 > KPLAN_CHAINS_MAX)
				break;
			if (app_chain(&kp, p, app, decided, &idx) < 0)
				goto out;
			kp.app_told[a] = true;
			s = step(&kp.chains[KPLAN_OUT]);
			s->has_uid = true;
			s->uid = app->match.uid;
			s->kind = KSTEP_GOTO;
			s->chain = idx;
		} else if (app->match.has_uid) {
			s = step(&kp.chains[KPLAN_OUT]);
			s->has_uid = true;
			s->uid = app->match.uid;
			s->kind = KSTEP_QUEUE;
		} else {
			break;
		}
	}
	if (a == p->n_apps) {
		/* The owner is no application: as decide_session without one. */
		struct kchain *c = chain_new(&kp, "kernel_no_app", QP_DIR_OUT, p->n_sessions + 1, &idx);

		if (!c)
			goto out;
		for (size_t i = 0; i < p->n_sessions; i++)
			if (!p->sessions[i].app_name)
				rule_step(c, p, i, decided);
		end_step(c, &p->default_class);
	} else if (unknown_chain(&kp, p, a, QP_DIR_OUT, decided, &idx) < 0) {
		goto out;
	}
	step(&kp.chains[KPLAN_OUT])->kind = KSTEP_GOTO;
	kp.chains[KPLAN_OUT].steps[kp.chains[KPLAN_OUT].n_steps - 1].chain = idx;
	*ret = kp;
	memset(&kp, 0, sizeof(kp));
	r = 0;
out:
	kplan_free(&kp);
	return r;
}

void kplan_free(struct kplan *kp)
{
	for (size_t i = 0; i < kp->n_chains; i++)
		free(kp->chains[i].steps);
	free(kp->app_told);
	free(kp->rule_decided);
	memset(kp, 0, sizeof(*kp));
}

const struct qp_class *kplan_eval(const struct kplan *kp, const struct tuple *t,
				  enum qp_direction dir, bool has_uid, uint32_t uid)
{
	const struct kchain *c = &kp->chains[dir == QP_DIR_IN ? KPLAN_IN : KPLAN_OUT];
	unsigned hops = 0;

	for (size_t i = 0; i < c->n_steps; i++) {
		const struct kstep *s = &c->steps[i];

		if (s->flow && !decide_flow_matches(s->flow, t, dir))
			continue;
		if (s->has_uid && (!has_uid || uid != s->uid))
			continue;
		if (s->kind == KSTEP_CLASS)
			return s->cls;
		if (s->kind == KSTEP_QUEUE || ++hops > KPLAN_CHAINS_MAX)
			return NULL;
		c = &kp->chains[s->chain];
		i = (size_t)-1;
	}
	return NULL;
}

bool kplan_app_told(const struct kplan *kp, const struct qp_app *app)
{
	return kp->app_told && kp->app_told[app->index];
}

/* Appends to BUF at *AT, as snprintf would, keeping BUF terminated. */
__attribute__((format(printf, 4, 5)))
static void put(char *buf, size_t len, size_t *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at += (size_t)n;
}

void kplan_describe(const struct kplan *kp, const struct qp_policy *p, char *buf, size_t len)
{
	size_t at = 0, rules = 0, apps = 0, r = 0, a = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_sessions; i++)
		rules += kp->rule_decided[i];
	for (size_t i = 0; i < p->n_apps; i++)
		apps += kp->app_told[i];
	if (!rules && !apps) {
		put(buf, len, &at, "no session rule or application");
		return;
	}
	if (rules)
		put(buf, len, &at, rules == 1 ? "session rule at line" : "session rules at lines");
	for (size_t i = 0; i < p->n_sessions; i++)
		if (kp->rule_decided[i])
			put(buf, len, &at, "%s %u", r++ ? "," : "", p->sessions[i].loc.line);
	if (apps)
		put(buf, len, &at, "%s%s", rules ? "; " : "",
		    apps == 1 ? "application" : "applications");
	for (size_t i = 0; i < p->n_apps; i++)
		if (kp->app_told[i])
			put(buf, len, &at, "%s %s", a++ ? "," : "", p->apps[i].name);
	if (apps)
		put(buf, len, &at, " (by user, for sessions this host opens)");
}
