/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checks that need the whole policy: names that refer to each other,
 * shares and guarantees that must add up, marks that must fit. */
#include "config.h"

#include <string.h>

#include "config-internal.h"
#include "suggest.h"
#include "tcparams.h"
#include "units.h"

static void class_names(const struct qp_policy *p, const char **names, size_t max)
{
	size_t n = p->n_classes < max - 1 ? p->n_classes : max - 1;

	for (size_t i = 0; i < n; i++)
		names[i] = p->classes[i].name;
	names[n] = NULL;
}

static bool resolve_target(struct cfg *c, struct qp_target *t, const char *what)
{
	const char *names[64];
	const char *s;

	if (t->kind == QP_TARGET_DROP)
		return true;
	t->cls = policy_class_find(c->p, t->name);
	if (t->cls)
		return true;
	class_names(c->p, names, sizeof(names) / sizeof(names[0]));
	s = suggest_closest(t->name, names);
	if (s)
		cfg_error(c, &t->loc, "%s: class '%s' is not defined; did you mean '%s'?", what,
			  t->name, s);
	else
		cfg_error(c, &t->loc, "%s: class '%s' is not defined", what, t->name);
	return false;
}

static void validate_default_class(struct cfg *c)
{
	struct qp_target *t = &c->p->default_class;
	struct qp_loc floc = { c->p->n_files ? c->p->files[0] : NULL, 0, 0 };

	if (t->kind == QP_TARGET_DROP) {
		cfg_error(c, &t->loc, "default-class: must be a class, not drop");
		return;
	}
	if (c->default_class_set) {
		resolve_target(c, t, "default-class");
		return;
	}
	t->cls = policy_class_find(c->p, t->name);
	if (!t->cls)
		cfg_error(c, &floc,
			  "default-class is not set and there is no class named '%s': set "
			  "default-class to the class unmatched sessions get",
			  QP_DEFAULT_CLASS_NAME);
}

static uint64_t bw_resolve(const struct qp_bw *bw, uint64_t link_bps)
{
	switch (bw->kind) {
	case QP_BW_RATE:
		return bw->bps;
	case QP_BW_PERCENT:
		return link_bps / 1000000 * bw->ppm + link_bps % 1000000 * bw->ppm / 1000000;
	default:
		return 0;
	}
}

static void validate_class(struct cfg *c, struct qp_class *cls)
{
	char a[32], b[32];

	if (cls->delay_usec && cls->guarantee.kind == QP_BW_UNSET)
		cfg_error(c, &cls->loc,
			  "classes.%s: 'delay' needs a 'guarantee' (the rate the delay bound "
			  "applies to)",
			  cls->name);
	if (cls->guarantee.kind != QP_BW_UNSET && cls->limit.kind == cls->guarantee.kind &&
	    bw_resolve(&cls->limit, 1000000) < bw_resolve(&cls->guarantee, 1000000)) {
		if (cls->limit.kind == QP_BW_RATE) {
			units_format_rate(cls->limit.bps, a, sizeof(a));
			units_format_rate(cls->guarantee.bps, b, sizeof(b));
		} else {
			units_format_percent(cls->limit.ppm, a, sizeof(a));
			units_format_percent(cls->guarantee.ppm, b, sizeof(b));
		}
		cfg_error(c, &cls->loc, "classes.%s: limit %s is below its guarantee %s",
			  cls->name, a, b);
	}
	if (cls->leaf.kind == QP_LEAF_RED) {
		struct qp_red *red = &cls->leaf.red;

		if (red->min >= red->max) {
			units_format_size(red->min, a, sizeof(a));
			units_format_size(red->max, b, sizeof(b));
			cfg_error(c, &cls->loc, "classes.%s.queue.red: min %s must be below max %s",
				  cls->name, a, b);
		}
		if (!red->limit) {
			red->limit = red->max * 4;
		} else if (red->limit < red->max) {
			units_format_size(red->limit, a, sizeof(a));
			units_format_size(red->max, b, sizeof(b));
			cfg_error(c, &cls->loc,
				  "classes.%s.queue.red: limit %s must be at least max %s",
				  cls->name, a, b);
		}
	}
}

/* Classes without a share split what the written percentages leave. */
static void validate_shares(struct cfg *c)
{
	struct qp_policy *p = c->p;
	uint64_t sum = 0;
	size_t unset = 0;
	char a[32];

	for (size_t i = 0; i < p->n_classes; i++) {
		if (p->classes[i].share.kind == QP_BW_PERCENT)
			sum += p->classes[i].share.ppm;
		else if (p->classes[i].share.kind == QP_BW_UNSET)
			unset++;
	}
	if (sum > UNITS_PPM_MAX) {
		units_format_percent((uint32_t)(sum > UINT32_MAX ? UINT32_MAX : sum), a, sizeof(a));
		cfg_error(c, &p->classes[0].loc,
			  "classes: shares add up to %s, more than 100%% of the link", a);
		return;
	}
	if (!unset)
		return;
	if (sum == UNITS_PPM_MAX) {
		for (size_t i = 0; i < p->n_classes; i++)
			if (p->classes[i].share.kind == QP_BW_UNSET)
				cfg_error(c, &p->classes[i].loc,
					  "classes.%s: has no 'share', and the other classes' "
					  "shares already add up to 100%%",
					  p->classes[i].name);
		return;
	}
	for (size_t i = 0; i < p->n_classes; i++) {
		struct qp_class *cls = &p->classes[i];

		if (cls->share.kind != QP_BW_UNSET)
			continue;
		cls->share.kind = QP_BW_PERCENT;
		cls->share.ppm = (uint32_t)((UNITS_PPM_MAX - sum) / unset);
		cls->share_default = true;
	}
}

static void validate_interface(struct cfg *c, const struct qp_interface *ifc)
{
	const struct qp_policy *p = c->p;
	uint64_t link = ifc->bandwidth_bps, gsum = 0, ssum = 0;
	char a[32], b[32];

	if (ifc->scheduler == QP_SCHED_NONE || !link)
		return;
	units_format_rate(link, b, sizeof(b));
	/* HFSC's service curves hold rates as 32-bit bytes per second. */
	if (ifc->scheduler == QP_SCHED_HFSC && link > QP_HFSC_MAX_BPS) {
		units_format_rate(QP_HFSC_MAX_BPS, a, sizeof(a));
		cfg_error(c, &ifc->loc,
			  "interfaces.%s: bandwidth %s is more than HFSC's curves hold (%s); use "
			  "scheduler: htb",
			  ifc->name, b, a);
	}
	if (p->n_classes > QP_MAX_QUEUED_CLASSES)
		cfg_error(c, &ifc->loc,
			  "interfaces.%s: queueing takes at most %d classes, and the policy has %zu",
			  ifc->name, QP_MAX_QUEUED_CLASSES, p->n_classes);
	for (size_t i = 0; i < p->n_classes; i++) {
		const struct qp_class *cls = &p->classes[i];
		uint64_t g = bw_resolve(&cls->guarantee, link);
		uint64_t l = bw_resolve(&cls->limit, link);
		struct red_params rp;
		const char *why;

		/* RED's tables depend on the link: what the kernel would refuse. */
		if (cls->leaf.kind == QP_LEAF_RED && cls->leaf.red.min < cls->leaf.red.max &&
		    tcparams_red(&cls->leaf.red, link, tcparams_ticks_per_us(NULL), &rp, &why) < 0)
			cfg_error(c, &cls->loc, "classes.%s.queue.red on interface %s (%s): %s",
				  cls->name, ifc->name, b, why);

		gsum += g;
		ssum += bw_resolve(&cls->share, link);
		if (cls->guarantee.kind != QP_BW_UNSET && cls->limit.kind != QP_BW_UNSET &&
		    cls->limit.kind != cls->guarantee.kind && l < g) {
			units_format_rate(l, a, sizeof(a));
			cfg_error(c, &ifc->loc,
				  "interfaces.%s: class '%s' would have a limit of %s, below its "
				  "guarantee",
				  ifc->name, cls->name, a);
		}
	}
	if (gsum > link) {
		units_format_rate(gsum, a, sizeof(a));
		cfg_error(c, &ifc->loc,
			  "interfaces.%s: the classes' guarantees add up to %s, more than its "
			  "bandwidth %s",
			  ifc->name, a, b);
	}
	/* Rounding of percentages can exceed the link by a few bits per second. */
	if (ssum > link + p->n_classes) {
		units_format_rate(ssum, a, sizeof(a));
		cfg_error(c, &ifc->loc,
			  "interfaces.%s: the classes' shares add up to %s, more than its "
			  "bandwidth %s",
			  ifc->name, a, b);
	}
}

static void validate_apps(struct cfg *c)
{
	struct qp_policy *p = c->p;

	for (size_t i = 0; i < p->n_apps; i++) {
		struct qp_app *app = &p->apps[i];
		char what[64];

		snprintf(what, sizeof(what), "applications.%s", app->name);
		resolve_target(c, &app->target, what);
		if (app->over_budget.name) {
			snprintf(what, sizeof(what), "applications.%s.over-budget", app->name);
			resolve_target(c, &app->over_budget, what);
			if (!app->max_sessions && !app->max_rate_bps)
				cfg_warn(c, &app->over_budget.loc,
					 "applications.%s: over-budget has no effect without "
					 "max-sessions or max-rate",
					 app->name);
		} else {
			app->over_budget = p->default_class;
			app->over_budget.loc = app->loc;
		}
	}
}

static void validate_sessions(struct cfg *c)
{
	struct qp_policy *p = c->p;
	const char *names[64];
	size_t n = p->n_apps < 63 ? p->n_apps : 63;

	for (size_t i = 0; i < n; i++)
		names[i] = p->apps[i].name;
	names[n] = NULL;
	for (size_t i = 0; i < p->n_sessions; i++) {
		struct qp_session_rule *r = &p->sessions[i];
		char what[64];

		snprintf(what, sizeof(what), "sessions#%zu", i + 1);
		resolve_target(c, &r->target, what);
		if (!r->app_name)
			continue;
		r->app = policy_app_find(p, r->app_name);
		if (!r->app) {
			const char *s = suggest_closest(r->app_name, names);

			if (s)
				cfg_error(c, &r->app_loc,
					  "%s.match.app: application '%s' is not defined; did you "
					  "mean '%s'?",
					  what, r->app_name, s);
			else
				cfg_error(c, &r->app_loc,
					  "%s.match.app: application '%s' is not defined under "
					  "applications",
					  what, r->app_name);
		}
	}
}

void config_validate(struct cfg *c)
{
	struct qp_policy *p = c->p;
	struct qp_loc floc = { p->n_files ? p->files[0] : NULL, 0, 0 };
	uint32_t mark_max;

	if (!p->n_classes) {
		cfg_error(c, &floc, "no classes are defined: a policy needs at least the class "
			  "unmatched sessions get");
		return;
	}
	mark_max = policy_mark_max(p);
	/* Values 1..max-2 are classes; 0 is undecided, max-1 pending, max
	 * unmanaged. */
	if (p->n_classes > mark_max - 2)
		cfg_error(c, &p->classes[mark_max - 2].loc,
			  "classes: %zu classes do not fit in queue.mark-mask 0x%08x, which "
			  "holds %u",
			  p->n_classes, p->queue.mark_mask, mark_max - 2);
	if ((uint32_t)p->queue.num + p->queue.threads - 1 > 65535)
		cfg_error(c, &floc, "queue: queues %u to %u go past the last queue, 65535",
			  p->queue.num, p->queue.num + p->queue.threads - 1);
	validate_default_class(c);
	for (size_t i = 0; i < p->n_classes; i++)
		validate_class(c, &p->classes[i]);
	validate_shares(c);
	for (size_t i = 0; i < p->n_interfaces; i++)
		validate_interface(c, &p->interfaces[i]);
	validate_apps(c);
	validate_sessions(c);
}
