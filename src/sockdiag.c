/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "sockdiag.h"

struct sockdiag {
	struct mnl_socket *nl;
	uint32_t seq;
	char buf[8192];
};

int sockdiag_open(struct sockdiag **ret)
{
	struct sockdiag *d = calloc(1, sizeof(*d));
	struct timeval tv = { .tv_usec = 200000 };
	int r;

	if (!d)
		return -ENOMEM;
	d->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!d->nl || mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		sockdiag_close(d);
		return r;
	}
	/* Answers come within the request's sendmsg(); never wait long. */
	setsockopt(mnl_socket_get_fd(d->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*ret = d;
	return 0;
}

void sockdiag_close(struct sockdiag *d)
{
	if (!d)
		return;
	if (d->nl)
		mnl_socket_close(d->nl);
	free(d);
}

struct reply {
	struct sock_found *found;
	bool got;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct inet_diag_msg *msg = mnl_nlmsg_get_payload(nlh);
	struct reply *rp = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	rp->found->inode = msg->idiag_inode;
	rp->found->uid = msg->idiag_uid;
	rp->found->state = msg->idiag_state;
	rp->found->cgroup_id = 0;
	mnl_attr_for_each(a, nlh, sizeof(*msg)) {
		if (mnl_attr_get_type(a) == INET_DIAG_CGROUP_ID &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			rp->found->cgroup_id = mnl_attr_get_u64(a);
	}
	rp->got = true;
	return MNL_CB_OK;
}

int sockdiag_lookup(struct sockdiag *d, const struct flow *f, enum qp_direction dir,
		    struct sock_found *ret)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf);
	struct inet_diag_req_v2 *req;
	const uint8_t *local = dir == QP_DIR_OUT ? f->saddr : f->daddr;
	const uint8_t *remote = dir == QP_DIR_OUT ? f->daddr : f->saddr;
	uint16_t lport = dir == QP_DIR_OUT ? f->sport : f->dport;
	uint16_t rport = dir == QP_DIR_OUT ? f->dport : f->sport;
	size_t alen = f->family == AF_INET ? 4 : 16;
	struct sock_found found = { 0 };
	struct reply rp = { &found, false };
	uint32_t seq = ++d->seq;
	ssize_t n;
	int r;

	if (!f->has_ports || (f->proto != IPPROTO_TCP && f->proto != IPPROTO_UDP))
		return -ENOENT;
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	/* An exact lookup: REQUEST without DUMP. */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = f->family;
	req->sdiag_protocol = f->proto;
	req->idiag_states = ~0u;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (f->proto == IPPROTO_TCP) {
		/* TCP: source is the local end. A SYN_SENT socket is hashed
		 * before its SYN leaves; an incoming SYN finds the listener. */
		req->id.idiag_sport = htons(lport);
		req->id.idiag_dport = htons(rport);
		memcpy(req->id.idiag_src, local, alen);
		memcpy(req->id.idiag_dst, remote, alen);
	} else {
		/* UDP: the kernel looks up as if receiving, so source is the
		 * remote end ("swapped for historical reasons", udp_diag.c); an
		 * unconnected socket bound to a wildcard address is found. */
		req->id.idiag_sport = htons(rport);
		req->id.idiag_dport = htons(lport);
		memcpy(req->id.idiag_src, remote, alen);
		memcpy(req->id.idiag_dst, local, alen);
	}
	if (mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(d->nl, d->buf, sizeof(d->buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		r = mnl_cb_run(d->buf, (size_t)n, seq, mnl_socket_get_portid(d->nl), reply_cb, &rp);
		if (r < 0)
			return errno ? -errno : -EIO;
		if (rp.got)
			break;
		if (r == MNL_CB_STOP)
			return -ENOENT;
	}
	*ret = found;
	return 0;
}
