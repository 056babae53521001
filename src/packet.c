/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "packet.h"

#define IPV6_MAX_EXT_HEADERS 8

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads ports (and TCP flags) at L4, if the packet holds them. */
static int parse_l4(const uint8_t *l4, size_t len, struct tuple *t, uint8_t *tcp_flags)
{
	if (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP)
		return 0;
	if (len < 4)
		return -EINVAL;
	t->sport = get16(l4);
	t->dport = get16(l4 + 2);
	t->has_ports = true;
	if (t->proto == IPPROTO_TCP) {
		if (len < 14)
			return -EINVAL;
		*tcp_flags = l4[13];
	}
	return 0;
}

static int parse_ipv4(const uint8_t *p, size_t len, struct tuple *t, uint8_t *tcp_flags)
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
	t->family = AF_INET;
	t->proto = p[9];
	memcpy(t->saddr, p + 12, 4);
	memcpy(t->daddr, p + 16, 4);
	frag = get16(p + 6);
	if (frag & 0x1fff)	/* a later fragment: no transport header */
		return 0;
	return parse_l4(p + ihl, len - ihl, t, tcp_flags);
}

static int parse_ipv6(const uint8_t *p, size_t len, struct tuple *t, uint8_t *tcp_flags)
{
	size_t off = 40;
	uint8_t next;

	if (len < 40)
		return -EINVAL;
	t->family = AF_INET6;
	memcpy(t->saddr, p + 8, 16);
	memcpy(t->daddr, p + 24, 16);
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
			t->proto = p[off];
			if (get16(p + off + 2) & 0xfff8)	/* a later fragment */
				return 0;
			next = p[off];
			off += 8;
			break;
		default:
			t->proto = next;
			return parse_l4(p + off, len - off, t, tcp_flags);
		}
		if (off > len)
			return -EINVAL;
	}
	return -EINVAL;
}

int packet_parse(const uint8_t *data, size_t len, struct tuple *ret, uint8_t *ret_tcp_flags)
{
	struct tuple f = { 0 };
	uint8_t tcp_flags = 0;
	int r;

	if (len < 1)
		return -EINVAL;
	switch (data[0] >> 4) {
	case 4:
		r = parse_ipv4(data, len, &f, &tcp_flags);
		break;
	case 6:
		r = parse_ipv6(data, len, &f, &tcp_flags);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return r;
	*ret = f;
	*ret_tcp_flags = tcp_flags;
	return 0;
}
