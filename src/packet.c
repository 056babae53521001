/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "packet.h"

#define IPV6_MAX_EXT_HEADERS 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads ports (and TCP flags) at L4, if the packet holds them. */
static int parse_l4(const uint8_t *l4, size_t len, struct flow *f)
{
	if (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP)
		return 0;
	if (len < 4)
		return -EINVAL;
	f->sport = get16(l4);
	f->dport = get16(l4 + 2);
	f->has_ports = true;
	if (f->proto == IPPROTO_TCP) {
		if (len < 14)
			return -EINVAL;
		f->tcp_flags = l4[13];
	}
	return 0;
}

static int parse_ipv4(const uint8_t *p, size_t len, struct flow *f)
{
	size_t ihl, total;
	uint16_t frag;

	if (len < 20)
		return -EINVAL;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	total = get16(p + 2);
	if (ihl < 20 || ihl > len || total < ihl)
		return -EINVAL;
	/* With GSO or a short copy the packet may be cut: trust what we hold. */
	if (total < len)
		len = total;
	f->family = AF_INET;
	f->proto = p[9];
	memcpy(f->saddr, p + 12, 4);
	memcpy(f->daddr, p + 16, 4);
	frag = get16(p + 6);
	if (frag & 0x1fff)	/* a later fragment: no transport header */
		return 0;
	return parse_l4(p + ihl, len - ihl, f);
}

static int parse_ipv6(const uint8_t *p, size_t len, struct flow *f)
{
	size_t off = 40;
	uint8_t next;

	if (len < 40)
		return -EINVAL;
	f->family = AF_INET6;
	memcpy(f->saddr, p + 8, 16);
	memcpy(f->daddr, p + 24, 16);
	next = p[6];
	for (int i = 0; i < IPV6_MAX_EXT_HEADERS; i++) {
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (len - off < 8)
				return -EINVAL;
			next = p[off];
			off += ((size_t)p[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if (len - off < 8)
				return -EINVAL;
			next = p[off];
			off += ((size_t)p[off + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			if (len - off < 8)
				return -EINVAL;
			f->proto = p[off];
			if (get16(p + off + 2) & 0xfff8)	/* a later fragment */
				return 0;
			next = p[off];
			off += 8;
			break;
		default:
			f->proto = next;
			return parse_l4(p + off, len - off, f);
		}
		if (off > len)
			return -EINVAL;
	}
	return -EINVAL;
}

int packet_parse(const uint8_t *data, size_t len, struct flow *ret)
{
	struct flow f = { 0 };
	int r;

	if (len < 1)
		return -EINVAL;
	switch (data[0] >> 4) {
	case 4:
		r = parse_ipv4(data, len, &f);
		break;
	case 6:
		r = parse_ipv6(data, len, &f);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	*ret = f;
	return 0;
}

void flow_format(const struct flow *f, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], proto[8];
	const char *lb = f->family == AF_INET6 ? "[" : "";
	const char *rb = f->family == AF_INET6 ? "]" : "";

	inet_ntop(f->family, f->saddr, s, sizeof(s));
	inet_ntop(f->family, f->daddr, d, sizeof(d));
	if (f->proto == IPPROTO_TCP)
		snprintf(proto, sizeof(proto), "tcp");
	else if (f->proto == IPPROTO_UDP)
		snprintf(proto, sizeof(proto), "udp");
	else
		snprintf(proto, sizeof(proto), "ip/%u", f->proto);
	if (f->has_ports)
		snprintf(buf, len, "%s %s%s%s:%u -> %s%s%s:%u", proto, lb, s, rb, f->sport, lb, d,
			 rb, f->dport);
	else
		snprintf(buf, len, "%s %s -> %s", proto, s, d);
}
