/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctnl.h"
#include "netlink.h"

/* The kernel answers inside sendmsg(); never wait long for it. A dump
 * reads on while the answer keeps coming. */
#define CTNL_TIMEOUT_MS 200

struct ctnl {
	struct nl_sock *nl;
	char buf[8192];
};

int ctnl_new(struct ctnl **ret)
{
	struct ctnl *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = nl_sock_new(NETLINK_NETFILTER, 0, 0, CTNL_TIMEOUT_MS, &c->nl);
	if (r < 0) {
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void ctnl_free(struct ctnl *c)
{
	if (!c)
		return;
	nl_sock_free(c->nl);
	free(c);
}

size_t ctnl_tuple_put(const struct tuple *t, bool reply, uint8_t *buf, size_t len)
{
	struct nlmsghdr *nlh;
	struct nlattr *tuple, *nest;
	const uint8_t *src = reply ? t->daddr : t->saddr;
	const uint8_t *dst = reply ? t->saddr : t->daddr;
	uint16_t sport = reply ? t->dport : t->sport;
	uint16_t dport = reply ? t->sport : t->dport;
	char tmp[256];
	size_t n;

	/* Build in a scratch message, then copy the attribute out. The key is
	 * compared byte for byte, and libmnl before 1.0.5 leaves attribute
	 * padding as it finds it: start from zeros. */
	memset(tmp, 0, sizeof(tmp));
	nlh = mnl_nlmsg_put_header(tmp);
	tuple = mnl_attr_nest_start(nlh, reply ? CTA_TUPLE_REPLY : CTA_TUPLE_ORIG);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	if (t->family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, src);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, dst);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, dst);
	}
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
	if (t->has_ports) {
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

	if (len > sizeof(c->buf) - 128)
		return -EINVAL;
	/* An update, not a creation: no NLM_F_CREATE. */
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	memcpy((char *)nlh + nlh->nlmsg_len, attrs, len);
	nlh->nlmsg_len += (uint32_t)MNL_ALIGN(len);
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(value));
	mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(mask));
	return nl_sock_talk(c->nl, nlh, NULL, NULL);
}

int ctnl_set_mark_tuple(struct ctnl *c, const struct tuple *t, bool reply, uint32_t value,
			uint32_t mask)
{
	uint8_t attrs[256];
	size_t len = ctnl_tuple_put(t, reply, attrs, sizeof(attrs));

	return len ? ctnl_set_mark(c, t->family, attrs, len, value, mask) : -EINVAL;
}

static int tuple_ip_cb(const struct nlattr *a, void *data)
{
	struct tuple *t = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_IP_V4_SRC:
		if (mnl_attr_get_payload_len(a) == 4) {
			t->family = AF_INET;
			memcpy(t->saddr, mnl_attr_get_payload(a), 4);
		}
		break;
	case CTA_IP_V4_DST:
		if (mnl_attr_get_payload_len(a) == 4)
			memcpy(t->daddr, mnl_attr_get_payload(a), 4);
		break;
	case CTA_IP_V6_SRC:
		if (mnl_attr_get_payload_len(a) == 16) {
			t->family = AF_INET6;
			memcpy(t->saddr, mnl_attr_get_payload(a), 16);
		}
		break;
	case CTA_IP_V6_DST:
		if (mnl_attr_get_payload_len(a) == 16)
			memcpy(t->daddr, mnl_attr_get_payload(a), 16);
		break;
	}
	return MNL_CB_OK;
}

static int tuple_proto_cb(const struct nlattr *a, void *data)
{
	struct tuple *t = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_PROTO_NUM:
		if (mnl_attr_get_payload_len(a) >= 1)
			t->proto = mnl_attr_get_u8(a);
		break;
	case CTA_PROTO_SRC_PORT:
		if (mnl_attr_get_payload_len(a) >= 2) {
			t->sport = ntohs(mnl_attr_get_u16(a));
			t->has_ports = true;
		}
		break;
	case CTA_PROTO_DST_PORT:
		if (mnl_attr_get_payload_len(a) >= 2)
			t->dport = ntohs(mnl_attr_get_u16(a));
		break;
	}
	return MNL_CB_OK;
}

static int tuple_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_TUPLE_IP)
		mnl_attr_parse_nested(a, tuple_ip_cb, data);
	else if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO)
		mnl_attr_parse_nested(a, tuple_proto_cb, data);
	return MNL_CB_OK;
}

static int protoinfo_tcp_cb(const struct nlattr *a, void *data)
{
	struct ct_entry *ct = data;

	if (mnl_attr_get_type(a) == CTA_PROTOINFO_TCP_STATE && mnl_attr_get_payload_len(a) >= 1)
		ct->tcp_state = mnl_attr_get_u8(a);
	return MNL_CB_OK;
}

static int protoinfo_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_PROTOINFO_TCP)
		mnl_attr_parse_nested(a, protoinfo_tcp_cb, data);
	return MNL_CB_OK;
}

/* One direction's counters: DATA points to its two slots, bytes and
 * packets. */
static int counters_cb(const struct nlattr *a, void *data)
{
	uint64_t *dir = data;

	if (mnl_attr_get_payload_len(a) != sizeof(uint64_t))
		return MNL_CB_OK;
	if (mnl_attr_get_type(a) == CTA_COUNTERS_BYTES)
		dir[0] = be64toh(mnl_attr_get_u64(a));
	else if (mnl_attr_get_type(a) == CTA_COUNTERS_PACKETS)
		dir[1] = be64toh(mnl_attr_get_u64(a));
	return MNL_CB_OK;
}

static int ct_cb(const struct nlattr *a, void *data)
{
	struct ct_entry *ct = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_ORIG:
		mnl_attr_parse_nested(a, tuple_cb, &ct->orig);
		break;
	case CTA_TUPLE_REPLY:
		mnl_attr_parse_nested(a, tuple_cb, &ct->reply);
		break;
	case CTA_MARK:
		if (mnl_attr_get_payload_len(a) == 4)
			ct->mark = ntohl(mnl_attr_get_u32(a));
		break;
	case CTA_COUNTERS_ORIG:
		mnl_attr_parse_nested(a, counters_cb, ct->orig_counters);
		ct->has_counters = true;
		break;
	case CTA_COUNTERS_REPLY:
		mnl_attr_parse_nested(a, counters_cb, ct->reply_counters);
		ct->has_counters = true;
		break;
	case CTA_PROTOINFO:
		mnl_attr_parse_nested(a, protoinfo_cb, ct);
		break;
	}
	return MNL_CB_OK;
}

/* Ports as packet_parse() reads them, for TCP and UDP only: conntrack
 * gives SCTP's, DCCP's and UDP-Lite's too, and GRE's as zeros, and a
 * session's tuple must be the same whichever of the two it came from. */
static void tuple_ports_as_packets(struct tuple *t)
{
	if (t->proto == IPPROTO_TCP || t->proto == IPPROTO_UDP)
		return;
	t->has_ports = 0;
	t->sport = t->dport = 0;
}

int ctnl_parse(const struct nlmsghdr *nlh, struct ct_entry *ret)
{
	struct ct_entry ct = { 0 };

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)))
		return -EINVAL;
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ct_cb, &ct);
	if (!ct.orig.family)
		return -EINVAL;
	tuple_ports_as_packets(&ct.orig);
	tuple_ports_as_packets(&ct.reply);
	ct.destroyed = (nlh->nlmsg_type & 0xff) == IPCTNL_MSG_CT_DELETE;
	ct.bytes = ct.orig_counters[0] + ct.reply_counters[0];
	ct.packets = ct.orig_counters[1] + ct.reply_counters[1];
	*ret = ct;
	return 0;
}

struct dump_ctx {
	void (*cb)(const struct ct_entry *, void *);
	void *arg;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct ct_entry ct;

	if (ctnl_parse(nlh, &ct) == 0)
		d->cb(&ct, d->arg);
	return MNL_CB_OK;
}

int ctnl_dump(struct ctnl *c, void (*cb)(const struct ct_entry *, void *), void *arg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(c->buf);
	struct dump_ctx d = { cb, arg };
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	return nl_sock_talk(c->nl, nlh, dump_cb, &d);
}

struct ctnl_events {
	struct nl_sock *nl;
	char buf[65536];
};

int ctnl_events_new(struct ctnl_events **ret)
{
	struct ctnl_events *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	r = nl_sock_new(NETLINK_NETFILTER, 0, SOCK_NONBLOCK, 0, &e->nl);
	if (r == 0)
		r = nl_sock_join(e->nl, NFNLGRP_CONNTRACK_DESTROY);
	if (r == 0)
		r = nl_sock_join(e->nl, NFNLGRP_CONNTRACK_UPDATE);
	if (r < 0) {
		ctnl_events_free(e);
		return r;
	}
	/* Thousands of sessions may end in a second. A smaller buffer only
	 * loses events sooner, which is noticed (ENOBUFS) and recovered by
	 * the next listing. */
	(void)nl_sock_set_buffers(e->nl, 8 * 1024 * 1024, 0);
	*ret = e;
	return 0;
}

void ctnl_events_free(struct ctnl_events *e)
{
	if (!e)
		return;
	nl_sock_free(e->nl);
	free(e);
}

int ctnl_events_fd(const struct ctnl_events *e)
{
	return nl_sock_fd(e->nl);
}

int ctnl_events_read(struct ctnl_events *e, void (*cb)(const struct ct_entry *, void *), void *arg)
{
	int count = 0, lost = 0;
	ssize_t n;

	for (;;) {
		const struct nlmsghdr *nlh;
		int len;

		n = recv(ctnl_events_fd(e), e->buf, sizeof(e->buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			lost = 1;
			continue;
		}
		if (n <= 0)
			break;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)e->buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			struct ct_entry ct;

			if (ctnl_parse(nlh, &ct) == 0) {
				cb(&ct, arg);
				count++;
			}
		}
	}
	return lost ? -ENOBUFS : count;
}
