/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"
#include "units.h"

int netaddr_parse_cidr(const char *s, struct qp_cidr *ret, const char **ret_err)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct qp_cidr c = { 0 };
	unsigned max;

	if (alen == 0 || alen >= sizeof(addr)) {
		*ret_err = "is not an IPv4 or IPv6 address or prefix";
		return -EINVAL;
	}
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else {
		*ret_err = "is not an IPv4 or IPv6 address or prefix";
		return -EINVAL;
	}
	c.plen = (uint8_t)max;
	if (slash) {
		uint64_t plen;
		const char *err;

		if (!slash[1] || strlen(slash + 1) > 3 ||
		    units_parse_uint(slash + 1, max, &plen, &err) < 0 ||
		    (slash[1] == '0' && slash[2])) {
			*ret_err = c.family == AF_INET ? "has a bad prefix length (0-32)"
						       : "has a bad prefix length (0-128)";
			return -EINVAL;
		}
		c.plen = (uint8_t)plen;
	}
	*ret = c;
	return 0;
}

bool netaddr_cidr_has_host_bits(const struct qp_cidr *c)
{
	struct qp_cidr m = *c;

	netaddr_cidr_mask(&m);
	return memcmp(m.addr, c->addr, sizeof(m.addr)) != 0;
}

void netaddr_cidr_mask(struct qp_cidr *c)
{
	unsigned bytes = c->family == AF_INET ? 4 : 16;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned bit = i * 8;

		if (bit >= c->plen)
			c->addr[i] = 0;
		else if (c->plen - bit < 8)
			c->addr[i] &= (uint8_t)(0xff << (8 - (c->plen - bit)));
	}
}

bool netaddr_cidr_contains(const struct qp_cidr *c, int family, const void *addr)
{
	const uint8_t *a = addr;
	unsigned full = c->plen / 8, rest = c->plen % 8;

	if (family != c->family)
		return false;
	if (memcmp(a, c->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[full] & mask) != (c->addr[full] & mask))
			return false;
	}
	return true;
}

void netaddr_format_cidr(const struct qp_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, c->plen);
}

int netaddr_parse_port_range(const char *s, struct qp_port_range *ret, const char **ret_err)
{
	const char *dash = strchr(s, '-');
	char lo[8];
	uint64_t a, b;
	const char *err;
	size_t llen = dash ? (size_t)(dash - s) : strlen(s);

	if (llen == 0 || llen >= sizeof(lo))
		goto bad;
	memcpy(lo, s, llen);
	lo[llen] = '\0';
	if (lo[0] == '0' || units_parse_uint(lo, 65535, &a, &err) < 0 || strchr(lo, 'x'))
		goto bad;
	b = a;
	if (dash && (dash[1] == '0' || strchr(dash + 1, 'x') ||
		     units_parse_uint(dash + 1, 65535, &b, &err) < 0))
		goto bad;
	if (a == 0 || b < a) {
		*ret_err = "is not a port range low-high with low <= high";
		return -EINVAL;
	}
	ret->lo = (uint16_t)a;
	ret->hi = (uint16_t)b;
	return 0;
bad:
	*ret_err = "is not a port (1-65535) or a range like 5060-5061";
	return -EINVAL;
}

void netaddr_format_port_range(const struct qp_port_range *r, char *buf, size_t len)
{
	if (r->lo == r->hi)
		snprintf(buf, len, "%u", r->lo);
	else
		snprintf(buf, len, "%u-%u", r->lo, r->hi);
}
