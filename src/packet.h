/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_PACKET_H
#define QPOD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What qpod needs of a session's first packet: its 5-tuple. */
struct flow {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, or another */
	bool has_ports;		/* TCP or UDP, and not a later fragment */
	uint8_t tcp_flags;	/* TCP only */
	uint16_t sport;		/* host byte order */
	uint16_t dport;
	uint8_t saddr[16];	/* network byte order; IPv4 in the first 4 */
	uint8_t daddr[16];
};

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/** Reads the IPv4 or IPv6 header (and IPv6 extension headers) and the
 * TCP/UDP ports of the LEN bytes at DATA. Returns 0, or -EINVAL for a
 * packet too short or malformed to tell. Never reads past LEN. */
int packet_parse(const uint8_t *data, size_t len, struct flow *ret);

/** Writes "tcp 198.18.0.1:40000 -> 198.18.0.2:5001" (IPv6 in brackets). */
void flow_format(const struct flow *f, char *buf, size_t len);

#endif
