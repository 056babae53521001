/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "adopt.h"

int local_addrs_load(struct local_addrs *ret)
{
	struct ifaddrs *all, *i;
	struct local_addrs l = { 0 };
	size_t cap = 0;

	if (getifaddrs(&all) < 0)
		return -errno;
	for (i = all; i; i = i->ifa_next) {
		struct local_addr *a;

		if (!i->ifa_addr ||
		    (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (l.n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			struct local_addr *grown = realloc(l.a, ncap * sizeof(*grown));

			if (!grown) {
				freeifaddrs(all);
				local_addrs_clear(&l);
				return -ENOMEM;
			}
			l.a = grown;
			cap = ncap;
		}
		a = &l.a[l.n++];
		memset(a, 0, sizeof(*a));
		a->family = (uint8_t)i->ifa_addr->sa_family;
		if (a->family == AF_INET)
			memcpy(a->addr, &((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr, 4);
		else
			memcpy(a->addr, &((const struct sockaddr_in6 *)(const void *)i->ifa_addr)->sin6_addr,
			       16);
	}
	freeifaddrs(all);
	*ret = l;
	return 0;
}

void local_addrs_clear(struct local_addrs *l)
{
	free(l->a);
	l->a = NULL;
	l->n = 0;
}

bool local_addrs_has(const struct local_addrs *l, uint8_t family, const uint8_t *addr)
{
	size_t len = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < l->n; i++)
		if (l->a[i].family == family && memcmp(l->a[i].addr, addr, len) == 0)
			return true;
	return false;
}

bool adopt_wanted(const struct ct_entry *ct, const struct marks *m)
{
	if ((ct->orig.proto != IPPROTO_TCP && ct->orig.proto != IPPROTO_UDP) ||
	    !ct->orig.has_ports || !ct->reply.family)
		return false;
	/* Closing: over for budgets already, and soon gone. */
	if (ct->orig.proto == IPPROTO_TCP && ct->tcp_state >= TCP_CONNTRACK_FIN_WAIT)
		return false;
	return (ct->mark & m->mask) != marks_unmanaged(m);
}

bool adopt_direction(const struct ct_entry *ct, const struct local_addrs *l,
		     enum qp_direction *ret_dir, struct tuple *ret_key)
{
	const struct tuple *o = &ct->orig, *r = &ct->reply;
	bool from_here = local_addrs_has(l, o->family, o->saddr);
	/* Where its replies come from: the destination, once translated. */
	bool to_here = local_addrs_has(l, r->family, r->saddr);

	/* Both ends here: a loopback session, unmanaged. Neither: forwarded. */
	if (from_here == to_here)
		return false;
	if (from_here) {
		*ret_dir = QP_DIR_OUT;
		*ret_key = *o;
	} else {
		*ret_dir = QP_DIR_IN;
		tuple_translated(o, r, ret_key);
	}
	return true;
}

const struct adopt_run *adopt_in_run(const struct adopt_run *runs, size_t n, uint64_t cgroup_id,
				     const char *path)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(runs[i].path);

		if (cgroup_id && cgroup_id == runs[i].id)
			return &runs[i];
		/* The kernel's rule matches the run's cgroup and those below it. */
		if (path && strncmp(path, runs[i].path, len) == 0 &&
		    (path[len] == '\0' || path[len] == '/'))
			return &runs[i];
	}
	return NULL;
}

bool adopt_admitted(const struct qp_app *app, const struct qp_target *target, int had,
		    bool not_over)
{
	if (had >= 0 && target->kind == QP_TARGET_CLASS && (int)target->cls->index == had)
		return true;
	if (had >= 0 && app->over_budget.kind == QP_TARGET_CLASS &&
	    (int)app->over_budget.cls->index == had)
		return false;
	return not_over;
}
