/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "tuple.h"

_Static_assert(sizeof(struct tuple) == 40, "tuples are five words");

void tuple_translated(const struct tuple *orig, const struct tuple *reply, struct tuple *ret)
{
	*ret = *orig;
	ret->dport = reply->sport;
	memcpy(ret->daddr, reply->saddr, sizeof(ret->daddr));
}

void tuple_format(const struct tuple *t, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], proto[8];
	const char *lb = t->family == AF_INET6 ? "[" : "";
	const char *rb = t->family == AF_INET6 ? "]" : "";

	inet_ntop(t->family, t->saddr, s, sizeof(s));
	inet_ntop(t->family, t->daddr, d, sizeof(d));
	if (t->proto == IPPROTO_TCP)
		snprintf(proto, sizeof(proto), "tcp");
	else if (t->proto == IPPROTO_UDP)
		snprintf(proto, sizeof(proto), "udp");
	else
		snprintf(proto, sizeof(proto), "ip/%u", t->proto);
	if (t->has_ports)
		snprintf(buf, len, "%s %s%s%s:%u -> %s%s%s:%u", proto, lb, s, rb, t->sport, lb, d,
			 rb, t->dport);
	else
		snprintf(buf, len, "%s %s -> %s", proto, s, d);
}
