/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_NETLINK_H
#define QPOD_NETLINK_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

/* One netlink socket and the request/answer exchange every module of
 * qpodd uses: send, read the answer up to its ack or the end of its dump,
 * match it by sequence number, keep the kernel's own error message
 * (extended ack), notice interrupted dumps, give up after a timeout. */
struct nl_sock;

/** Opens a socket on netlink BUS (NETLINK_ROUTE, ...) joined to the
 * multicast GROUPS (0: none), with FLAGS for socket(2) (SOCK_NONBLOCK
 * for a socket read from an event loop). Requests on it wait at most
 * TIMEOUT_MS for each part of their answer. Acks come capped and with the kernel's
 * error messages. */
int nl_sock_new(int bus, unsigned int groups, int flags, int timeout_ms, struct nl_sock **ret);
void nl_sock_free(struct nl_sock *s);
int nl_sock_fd(const struct nl_sock *s);
/** Joins multicast GROUP (a number above 31 too: NFNLGRP_*). */
int nl_sock_join(struct nl_sock *s, unsigned int group);
/** Sets the receive buffer to RCV_BYTES and the send buffer to SND_BYTES
 * (either 0 or less: left as it is), beyond rmem_max and wmem_max where
 * allowed (SO_RCVBUFFORCE, SO_SNDBUFFORCE). */
int nl_sock_set_buffers(struct nl_sock *s, int rcv_bytes, int snd_bytes);

/* Called for each message a request reads that belongs to another
 * conversation (a queued packet on a queue socket, a leftover of an
 * earlier request that timed out). */
typedef void (*nl_foreign_cb)(const struct nlmsghdr *nlh, void *arg);
void nl_sock_set_foreign(struct nl_sock *s, nl_foreign_cb cb, void *arg);

/** The next sequence number, for a request or a batch being built. */
uint32_t nl_sock_seq(struct nl_sock *s);

/** Sends NLH (its sequence number is set here) and reads its answer to
 * the end: the ack if NLH asks for one, the dump's NLMSG_DONE, or the one
 * reply of a plain get. CB, if any, sees each message of the answer
 * before that. Returns 0, the kernel's -errno (its message, if it gave
 * one, in nl_sock_error()), -EINTR for a dump the kernel says changed
 * under it (its messages are incomplete or doubled: read again), -ENOBUFS
 * for an answer read by CB of which the socket lost messages, -ETIMEDOUT,
 * or the error of sending or reading. */
int nl_sock_talk(struct nl_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg);

/* One ack of a batch: its sequence number and the kernel's -errno (0 for
 * success) and message ("" if none). */
typedef void (*nl_ack_cb)(uint32_t seq, int error, const char *msg, void *arg);

/** Sends a batch of LEN bytes at BUF whose messages all ask for an ack,
 * and reads up to EXPECTED acks, calling CB for each: the kernel handles
 * a batch inside sendmsg(), so after the first (waited for up to the
 * timeout) only those already queued. Returns the first error the kernel
 * reported, -EPROTO if fewer acks came, or a sending error. */
int nl_sock_talk_batch(struct nl_sock *s, const void *buf, size_t len, size_t expected,
		       nl_ack_cb cb, void *arg);

/** The kernel's message for the last failed request, "" if none. */
const char *nl_sock_error(const struct nl_sock *s);

#endif
