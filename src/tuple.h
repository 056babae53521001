/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_TUPLE_H
#define QPOD_TUPLE_H

#include <stddef.h>
#include <stdint.h>

/* A session's name: the 5-tuple of its first packet. A packet's headers
 * (packet.c) and a conntrack entry (ctnl.c) both read into it; the session
 * table compares it byte for byte, so every byte is set, padding too. */
struct tuple {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, or another */
	uint16_t sport;		/* host byte order; 0 without ports */
	uint16_t dport;
	uint8_t has_ports;	/* TCP or UDP (not a later fragment): ports read */
	uint8_t pad;
	uint8_t saddr[16];	/* network byte order; IPv4 in the first 4 */
	uint8_t daddr[16];
};

/** The tuple qpod saw of a connection whose first packet's destination
 * was translated before qpod saw it (a redirect or dnat in prerouting or
 * output), from the connection's ORIG and REPLY tuples: the original
 * source, and as destination where the replies come from. A source
 * translated later (in postrouting or input) is still the original one
 * when qpod sees the packet. */
void tuple_translated(const struct tuple *orig, const struct tuple *reply, struct tuple *ret);

/** Writes "tcp 198.18.0.1:40000 -> 198.18.0.2:5001" (IPv6 in brackets). */
void tuple_format(const struct tuple *t, char *buf, size_t len);

#endif
