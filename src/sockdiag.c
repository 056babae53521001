/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
#include "sockdiag.h"

/* Answers come within the request's sendmsg(); never wait long. */
#define SOCKDIAG_TIMEOUT_MS 200

struct sockdiag {
	struct nl_sock *nl;
	char buf[512];
};

int sockdiag_new(struct sockdiag **ret)
{
	struct sockdiag *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	r = nl_sock_new(NETLINK_SOCK_DIAG, 0, 0, SOCKDIAG_TIMEOUT_MS, &d->nl);
	if (r < 0) {
		free(d);
		return r;
	}
	*ret = d;
	return 0;
}

void sockdiag_free(struct sockdiag *d)
{
	if (!d)
		return;
	nl_sock_free(d->nl);
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

int sockdiag_lookup(struct sockdiag *d, const struct tuple *t, enum qp_direction dir,
		    struct sock_found *ret)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf);
	struct inet_diag_req_v2 *req;
	const uint8_t *local = dir == QP_DIR_OUT ? t->saddr : t->daddr;
	const uint8_t *remote = dir == QP_DIR_OUT ? t->daddr : t->saddr;
	uint16_t lport = dir == QP_DIR_OUT ? t->sport : t->dport;
	uint16_t rport = dir == QP_DIR_OUT ? t->dport : t->sport;
	size_t alen = t->family == AF_INET ? 4 : 16;
	struct sock_found found = { 0 };
	struct reply rp = { &found, false };
	int r;

	if (!t->has_ports || (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP))
		return -ENOENT;
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	/* An exact lookup: REQUEST without DUMP. */
	nlh->nlmsg_flags = NLM_F_REQUEST;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = t->family;
	req->sdiag_protocol = t->proto;
	req->idiag_states = ~0u;
	req->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
	req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (t->proto == IPPROTO_TCP) {
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
	r = nl_sock_talk(d->nl, nlh, reply_cb, &rp);
	if (r < 0)
		return r;
	if (!rp.got)
		return -ENOENT;
	*ret = found;
	return 0;
}
