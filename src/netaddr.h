/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_NETADDR_H
#define QPOD_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 or IPv6 prefix; a bare address is a /32 or /128. */
struct qp_cidr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t addr[16];	/* network byte order; IPv4 in the first 4 */
};

/* An inclusive port range; a single port has lo == hi. */
struct qp_port_range {
	uint16_t lo;
	uint16_t hi;
};

/** Parses "198.18.1.0/24", "2001:db8::/32" or a bare address. Returns 0 or
 * -EINVAL with *ret_err set. Host bits are kept: see netaddr_cidr_has_host_bits. */
int netaddr_parse_cidr(const char *s, struct qp_cidr *ret, const char **ret_err);

/** True if bits beyond the prefix length are set (198.18.1.5/24). */
bool netaddr_cidr_has_host_bits(const struct qp_cidr *c);

/** Clears the bits beyond the prefix length. */
void netaddr_cidr_mask(struct qp_cidr *c);

/** True if ADDR (of FAMILY, network byte order) lies in C. */
bool netaddr_cidr_contains(const struct qp_cidr *c, int family, const void *addr);

/** Writes "addr/plen". */
void netaddr_format_cidr(const struct qp_cidr *c, char *buf, size_t len);

/** Parses "5060" or "5060-5061" (1-65535, lo <= hi). */
int netaddr_parse_port_range(const char *s, struct qp_port_range *ret, const char **ret_err);

/** Writes "5060" or "5060-5061". */
void netaddr_format_port_range(const struct qp_port_range *r, char *buf, size_t len);

#endif
