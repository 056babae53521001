/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "netlink.h"

/* Large enough for any message the kernel sends qpodd in one datagram:
 * dumps fill at most what the reader's buffers have shown it can take. */
#define NL_RX_BYTES (64 * 1024)

struct nl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	int timeout_ms;
	nl_foreign_cb foreign;
	void *foreign_arg;
	char err[256];
	char buf[NL_RX_BYTES];
};

int nl_sock_new(int bus, unsigned int groups, int flags, int timeout_ms, struct nl_sock **ret)
{
	struct nl_sock *s = calloc(1, sizeof(*s));
	int on = 1, r;

	if (!s)
		return -ENOMEM;
	s->nl = mnl_socket_open2(bus, flags | SOCK_CLOEXEC);
	if (!s->nl || mnl_socket_bind(s->nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		nl_sock_free(s);
		return r;
	}
	/* Short acks (not the whole request back), and the kernel's reasons
	 * with them. Kernels without either still answer: not an error. */
	(void)mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &on, sizeof(on));
	(void)mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &on, sizeof(on));
	s->portid = mnl_socket_get_portid(s->nl);
	s->timeout_ms = timeout_ms;
	/* Sequence numbers start apart from 0, which kernel notifications
	 * (a queued packet, an event) carry. */
	s->seq = (uint32_t)clock_mono_ns() | 1u;
	*ret = s;
	return 0;
}

void nl_sock_free(struct nl_sock *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
}

int nl_sock_fd(const struct nl_sock *s)
{
	return mnl_socket_get_fd(s->nl);
}

int nl_sock_join(struct nl_sock *s, unsigned int group)
{
	return mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0 ? -errno : 0;
}

int nl_sock_set_buffers(struct nl_sock *s, int rcv_bytes, int snd_bytes)
{
	int fd = nl_sock_fd(s);

	if (rcv_bytes > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv_bytes, sizeof(rcv_bytes)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv_bytes, sizeof(rcv_bytes)) < 0)
		return -errno;
	if (snd_bytes > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd_bytes, sizeof(snd_bytes)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd_bytes, sizeof(snd_bytes)) < 0)
		return -errno;
	return 0;
}

void nl_sock_set_foreign(struct nl_sock *s, nl_foreign_cb cb, void *arg)
{
	s->foreign = cb;
	s->foreign_arg = arg;
}

uint32_t nl_sock_seq(struct nl_sock *s)
{
	if (++s->seq == 0)
		s->seq = 1;
	return s->seq;
}

const char *nl_sock_error(const struct nl_sock *s)
{
	return s->err;
}

/* The error code of an NLMSG_ERROR or NLMSG_DONE message. */
static int msg_error(const struct nlmsghdr *nlh)
{
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	return err;
}

/* Copies to MSG the kernel's own words for an error (extended ack), ""
 * if it gave none. */
static void extack_msg(const struct nlmsghdr *nlh, char *msg, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return;
	/* Uncapped: the request comes back whole before the attributes. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(msg, size, "%s", mnl_attr_get_str(a));
	}
}

/* Reads one datagram into s->buf before DEADLINE (CLOCK_MONOTONIC ns).
 * Returns its length, -ETIMEDOUT, -ENOBUFS (messages were lost: the
 * socket's buffer overran), or another -errno. */
static int receive(struct nl_sock *s, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = nl_sock_fd(s), .events = POLLIN };
		uint64_t now = clock_mono_ns();
		ssize_t n;
		int r;

		n = recv(pfd.fd, s->buf, sizeof(s->buf), MSG_DONTWAIT);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)((deadline - now + 999999) / 1000000));
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static uint64_t deadline_of(const struct nl_sock *s)
{
	return clock_mono_ns() + (uint64_t)s->timeout_ms * 1000000ull;
}

static int send_all(struct nl_sock *s, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = mnl_socket_sendto(s->nl, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int nl_sock_talk(struct nl_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	bool wants_ack = nlh->nlmsg_flags & NLM_F_ACK;
	bool interrupted = false, lost = false;
	uint64_t deadline;
	uint32_t seq;
	int r;

	nlh->nlmsg_flags |= NLM_F_REQUEST;
	nlh->nlmsg_seq = seq = nl_sock_seq(s);
	s->err[0] = '\0';
	r = send_all(s, nlh, nlh->nlmsg_len);
	if (r < 0)
		return r;
	deadline = deadline_of(s);
	for (;;) {
		const struct nlmsghdr *m;
		int len = receive(s, deadline);

		if (len == -ENOBUFS) {
			lost = true;
			continue;
		}
		if (len < 0)
			return len;
		/* A long dump takes as long as it keeps coming. */
		deadline = deadline_of(s);
		for (m = (const struct nlmsghdr *)s->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			int err;

			if (m->nlmsg_seq != seq) {
				if (s->foreign)
					s->foreign(m, s->foreign_arg);
				continue;
			}
			interrupted |= (m->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
			if (m->nlmsg_type == NLMSG_ERROR || m->nlmsg_type == NLMSG_DONE) {
				err = msg_error(m);
				if (m->nlmsg_type == NLMSG_ERROR)
					extack_msg(m, s->err, sizeof(s->err));
				if (err)
					return err;
				/* A lost part of a dump is as bad as a changed one. */
				return interrupted ? -EINTR : lost && cb ? -ENOBUFS : 0;
			}
			if (m->nlmsg_type == NLMSG_NOOP || m->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (cb)
				(void)cb(m, arg);
			/* A plain get's answer is one message; the ack, if
			 * asked for, comes after it. */
			if (!wants_ack && !(m->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

int nl_sock_talk_batch(struct nl_sock *s, const void *buf, size_t len, size_t expected,
		       nl_ack_cb cb, void *arg)
{
	const struct nlmsghdr *sent = buf;
	uint32_t seq_lo = UINT32_MAX, seq_hi = 0;
	size_t acked = 0;
	uint64_t deadline;
	int first = 0, r, left = (int)len;

	/* The batch's own sequence numbers: an ack of an earlier request
	 * that came late is not one of this batch's. */
	for (; mnl_nlmsg_ok(sent, left); sent = mnl_nlmsg_next(sent, &left)) {
		seq_lo = sent->nlmsg_seq < seq_lo ? sent->nlmsg_seq : seq_lo;
		seq_hi = sent->nlmsg_seq > seq_hi ? sent->nlmsg_seq : seq_hi;
	}
	s->err[0] = '\0';
	r = send_all(s, buf, len);
	if (r < 0)
		return r;
	deadline = deadline_of(s);
	while (acked < expected) {
		const struct nlmsghdr *m;
		int n = receive(s, deadline);

		if (n == -ENOBUFS)
			continue;	/* acks lost: the count below says so */
		if (n == -ETIMEDOUT)
			break;
		if (n < 0)
			return n;
		/* The kernel handles a batch inside sendmsg(): once its first
		 * ack is here, every ack it will send is queued. */
		deadline = clock_mono_ns();
		for (m = (const struct nlmsghdr *)s->buf; mnl_nlmsg_ok(m, n);
		     m = mnl_nlmsg_next(m, &n)) {
			char msg[sizeof(s->err)];
			int err;

			if (m->nlmsg_type != NLMSG_ERROR || m->nlmsg_seq < seq_lo ||
			    m->nlmsg_seq > seq_hi) {
				if (s->foreign)
					s->foreign(m, s->foreign_arg);
				continue;
			}
			acked++;
			err = msg_error(m);
			extack_msg(m, msg, sizeof(msg));
			/* The first error is the one returned and kept. */
			if (err && !first) {
				first = err;
				memcpy(s->err, msg, sizeof(s->err));
			}
			if (cb)
				cb(m->nlmsg_seq, err, msg, arg);
		}
	}
	if (first)
		return first;
	return acked < expected ? -EPROTO : 0;
}
