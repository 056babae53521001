/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "ctnl.h"

struct ctnl {
	struct mnl_socket *nl;
	uint32_t seq;
	char buf[8192];
};

int ctnl_open(struct ctnl **ret)
{
	struct ctnl *c = calloc(1, sizeof(*c));
	struct timeval tv = { .tv_usec = 200000 };
	int r, on = 1;

	if (!c)
		return -ENOMEM;
	c->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!c->nl || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		ctnl_close(c);
		return r;
	}
	mnl_socket_setsockopt(c->nl, NETLINK_CAP_ACK, &on, sizeof(on));
	/* The kernel answers inside sendmsg(); never wait long for it. */
	setsockopt(mnl_socket_get_fd(c->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*ret = c;
	return 0;
}

void ctnl_close(struct ctnl *c)
{
	if (!c)
		return;
	if (c->nl)
		mnl_socket_close(c->nl);
	free(c);
}

size_t ctnl_tuple_from_flow(const struct flow *f, bool reply, uint8_t *buf, size_t len)
{
	struct nlmsghdr *nlh;
	struct nlattr *tuple, *nest;
	const uint8_t *src = reply ? f->daddr : f->saddr;
	const uint8_t *dst = reply ? f->saddr : f->daddr;
	uint16_t sport = reply ? f->dport : f->sport;
	uint16_t dport = reply ? f->sport : f->dport;
	char tmp[256];
	size_t n;

	/* Build in a scratch message, then copy the attribute out. The key is
	 * compared byte for byte, and libmnl before 1.0.5 leaves attribute
	 * padding as it finds it: start from zeros. */
	memset(tmp, 0, sizeof(tmp));
	nlh = mnl_nlmsg_put_header(tmp);
	tuple = mnl_attr_nest_start(nlh, reply ? CTA_TUPLE_REPLY : CTA_TUPLE_ORIG);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	if (f->family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, src);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, dst);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, dst);
	}
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, f->proto);
	if (f->has_ports) {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dport));
	}
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, tuple);
	n = MNL_ALIGN(tuple->nla_len);
	if (n > len)
		return 0;
	memcpy(buf, tuple, n);
	return n;
}

int ctnl_set_mark(struct ctnl *c, int family, const void *attrs, size_t len, uint32_t value,
		  uint32_t mask)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(c->buf);
	struct nfgenmsg *nfg;
	uint32_t seq = ++c->seq;
	ssize_t n;

	if (len > sizeof(c->buf) - 128)
		return -EINVAL;
	/* An update, not a creation: no NLM_F_CREATE. */
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	memcpy((char *)nlh + nlh->nlmsg_len, attrs, len);
	nlh->nlmsg_len += (uint32_t)MNL_ALIGN(len);
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(value));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(mask));
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *r;
		int rlen;

		n = recv(mnl_socket_get_fd(c->nl), c->buf, sizeof(c->buf), 0);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		rlen = (int)n;
		for (r = (const struct nlmsghdr *)c->buf; mnl_nlmsg_ok(r, rlen);
		     r = mnl_nlmsg_next(r, &rlen)) {
			if (r->nlmsg_type == NLMSG_ERROR && r->nlmsg_seq == seq)
				return ((const struct nlmsgerr *)mnl_nlmsg_get_payload(r))->error;
		}
	}
}
