/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decide.h"

static bool port_in(const struct qp_port_range *r, uint16_t port)
{
	return port >= r->lo && port <= r->hi;
}

bool decide_flow_matches(const struct qp_flow_match *m, const struct tuple *t,
			 enum qp_direction dir)
{
	if (m->direction != QP_DIR_ANY && m->direction != dir)
		return false;
	if (m->proto != QP_PROTO_ANY && m->proto != t->proto)
		return false;
	if (m->has_src && !netaddr_cidr_contains(&m->src, t->family, t->saddr))
		return false;
	if (m->has_dst && !netaddr_cidr_contains(&m->dst, t->family, t->daddr))
		return false;
	if (m->has_port || m->has_sport || m->has_dport) {
		if (!t->has_ports)
			return false;
		if (m->has_port && !port_in(&m->port, t->sport) && !port_in(&m->port, t->dport))
			return false;
		if (m->has_sport && !port_in(&m->sport, t->sport))
			return false;
		if (m->has_dport && !port_in(&m->dport, t->dport))
			return false;
	}
	return true;
}

void decide_session(const struct qp_policy *p, const struct tuple *t, enum qp_direction dir,
		    const struct qp_app *app, struct decision *ret)
{
	ret->app = app;
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct qp_session_rule *r = &p->sessions[i];

		if (r->app_name && r->app != app)
			continue;
		if (decide_flow_matches(&r->match, t, dir)) {
			ret->target = &r->target;
			ret->rule = (int)i;
			return;
		}
	}
	ret->target = app ? &app->target : &p->default_class;
	ret->rule = -1;
}

bool decide_again(const struct qp_policy *p, struct session *s,
		  const struct qp_class **ret_class)
{
	const struct qp_app *app = s->app >= 0 && (size_t)s->app < p->n_apps ? &p->apps[s->app]
									 : NULL;
	struct decision dec;

	decide_session(p, &s->key, (enum qp_direction)s->direction, app, &dec);
	/* Over its budget when decided: its over-budget target, whatever
	 * rule matches, as when it was decided. */
	if (app && !s->admitted)
		dec.target = &app->over_budget;
	if (dec.target->kind == QP_TARGET_DROP)
		return false;
	s->rule = (int16_t)dec.rule;
	if (app && !s->admitted)
		s->reason = SESSION_OVER_BUDGET;
	else if (dec.rule >= 0)
		s->reason = SESSION_BY_RULE;
	else if (app)
		s->reason = SESSION_BY_APP;
	else if (s->pid)
		s->reason = SESSION_DEFAULT;
	else if (s->reason != SESSION_UNDISCOVERED)
		s->reason = s->uid != UINT32_MAX ? SESSION_NO_PROCESS : SESSION_NO_SOCKET;
	*ret_class = dec.target->cls;
	return true;
}
