/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CTNL_H
#define QPOD_CTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* Conntrack over netlink (ctnetlink): setting qpod's bits of a
 * connection's mark. */
struct ctnl;

int ctnl_open(struct ctnl **ret);
void ctnl_close(struct ctnl *c);

/** Writes to BUF (LEN bytes at least 128) the CTA_TUPLE_ORIG attribute of
 * the connection whose packet F is, as if it were the connection's first
 * packet; with REPLY, the CTA_TUPLE_REPLY attribute instead, which still
 * names the connection when the packet's destination was translated
 * before qpod saw it. Returns the bytes written, or 0. */
size_t ctnl_tuple_from_flow(const struct flow *f, bool reply, uint8_t *buf, size_t len);

/** Sets the bits MASK of the mark of the connection that ATTRS (whole
 * netlink attributes: a tuple, and CTA_ZONE if not the default zone) name
 * to VALUE, and waits for the kernel's answer. FAMILY is AF_INET or
 * AF_INET6. Returns 0, -ENOENT if there is no such connection, or another
 * negative errno. */
int ctnl_set_mark(struct ctnl *c, int family, const void *attrs, size_t len, uint32_t value,
		  uint32_t mask);

#endif
