/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_PACKET_H
#define QPOD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuple.h"

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

/** Reads what qpod needs of a packet, the LEN bytes at DATA: its tuple,
 * from the IPv4 or IPv6 header (past IPv6 extension headers) and the
 * TCP/UDP ports, and its TCP flags (0 if not TCP). Returns 0, or -EINVAL
 * for a packet too short or malformed to tell. Never reads past LEN. */
int packet_parse(const uint8_t *data, size_t len, struct tuple *ret, uint8_t *ret_tcp_flags);

/** Whether TCP_FLAGS (as packet_parse gives) open a connection: a SYN. */
static inline bool packet_opens(uint8_t tcp_flags)
{
	return (tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

#endif
