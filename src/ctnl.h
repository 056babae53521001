/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CTNL_H
#define QPOD_CTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tuple.h"

struct nlmsghdr;

/* Conntrack over netlink (ctnetlink): setting qpod's bits of a
 * connection's mark. */
struct ctnl;

int ctnl_new(struct ctnl **ret);
void ctnl_free(struct ctnl *c);

/** Writes to BUF (LEN bytes at least 128) the CTA_TUPLE_ORIG attribute of
 * the connection whose first packet has tuple T; with REPLY, the
 * CTA_TUPLE_REPLY attribute instead, which still names the connection
 * when the packet's destination was translated before qpod saw it.
 * Returns the bytes written, or 0. */
size_t ctnl_tuple_put(const struct tuple *t, bool reply, uint8_t *buf, size_t len);

/** Sets the bits MASK of the mark of the connection that ATTRS (whole
 * netlink attributes: a tuple, and CTA_ZONE if not the default zone) name
 * to VALUE, and waits for the kernel's answer. FAMILY is AF_INET or
 * AF_INET6. Returns 0, -ENOENT if there is no such connection, or another
 * negative errno. */
int ctnl_set_mark(struct ctnl *c, int family, const void *attrs, size_t len, uint32_t value,
		  uint32_t mask);

/** ctnl_set_mark() for the connection whose first packet has tuple T, named
 * by its original tuple, or with REPLY by its reply tuple (which still
 * names it when the packet's destination was translated before qpod saw
 * it). */
int ctnl_set_mark_tuple(struct ctnl *c, const struct tuple *t, bool reply, uint32_t value,
			uint32_t mask);

/* A connection as ctnetlink reports it (events, dumps). */
struct ct_entry {
	struct tuple orig;	/* the original direction's */
	struct tuple reply;	/* the reply direction's: tells a translated address */
	bool destroyed;		/* an end event, not an update */
	uint8_t tcp_state;	/* TCP_CONNTRACK_*, 0 if not TCP or not told */
	uint32_t mark;
	bool has_counters;
	uint64_t orig_counters[2];	/* bytes, packets in the original direction */
	uint64_t reply_counters[2];	/* and in the reply direction */
	uint64_t bytes;		/* both directions */
	uint64_t packets;
};

/** Reads a ctnetlink connection message. Returns 0 or -EINVAL. */
int ctnl_parse(const struct nlmsghdr *nlh, struct ct_entry *ret);

/** Calls CB for every connection of this network namespace (a dump).
 * Returns 0, -EINTR if the table changed under the dump so that some
 * connections may be missing or seen twice, -ENOBUFS if the socket lost
 * some of them, or another negative errno. */
int ctnl_dump(struct ctnl *c, void (*cb)(const struct ct_entry *, void *), void *arg);

/* Connections' ends and updates, as they happen (NFNLGRP_CONNTRACK_DESTROY
 * and _UPDATE: a TCP connection that starts closing is over for budgets,
 * though conntrack keeps it in TIME_WAIT for minutes). */
struct ctnl_events;

int ctnl_events_new(struct ctnl_events **ret);
void ctnl_events_free(struct ctnl_events *e);
int ctnl_events_fd(const struct ctnl_events *e);

/** Calls CB for every connection that ended or changed since the last
 * call. Returns the number, or -ENOBUFS if the kernel had to drop some. */
int ctnl_events_read(struct ctnl_events *e, void (*cb)(const struct ct_entry *, void *),
		     void *arg);

#endif
