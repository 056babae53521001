/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "netlink.h"
#include "nfq.h"

/* Room for many queued packets per recv, and for the verdicts of as many. */
#define NFQ_RX_BYTES (256 * 1024)
#define NFQ_TX_BYTES (64 * 1024)
/* How long opening waits for each configuration answer. */
#define NFQ_CONFIG_TIMEOUT_MS 2000

struct nfq_sock {
	struct nl_sock *nl;
	uint16_t queue_num;
	char *rx;
	char *tx;
	struct mnl_nlmsg_batch *batch;
	uint64_t overruns;
	uint64_t errors;	/* verdicts refused, or not sent */
	bool has_conntrack;
};

static bool packet_parse_msg(const struct nlmsghdr *nlh, struct nfq_packet *pkt);

/* A packet read while opening (a table a dead qpodd left still queues to
 * this queue) is sent back to the start of its hook, where the queue rule
 * queues it again, rather than left without a verdict. */
static void repeat_packet(const struct nlmsghdr *nlh, void *arg)
{
	struct nfq_sock *q = arg;
	struct nfq_packet pkt;
	char buf[128];
	struct nlmsghdr *v;

	if (!packet_parse_msg(nlh, &pkt))
		return;
	v = nfq_nlmsg_put(buf, NFQNL_MSG_VERDICT, q->queue_num);
	nfq_nlmsg_verdict_put(v, (int)pkt.id, NF_REPEAT);
	/* A verdict that cannot be sent leaves the packet to the kernel,
	 * which drops it when the queue is unbound or qpodd exits. */
	if (send(nfq_sock_fd(q), v, v->nlmsg_len, 0) < 0)
		q->errors++;
}

/* Sends one configuration message and waits for its ack. */
static int config_send(struct nfq_sock *q, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return nl_sock_talk(q->nl, nlh, NULL, NULL);
}

static int config_params(struct nfq_sock *q, const struct nfq_sock_config *cfg, bool conntrack)
{
	char buf[8192];
	struct nlmsghdr *nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
	uint32_t flags, mask = NFQA_CFG_F_GSO | NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_CONNTRACK;

	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, (int)cfg->copy_bytes);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, cfg->max_len);
	/* GSO: large packets are not segmented for us (we read headers only).
	 * CONNTRACK: each packet comes with its connection's tuple, which
	 * names the connection exactly when qpodd sets its mark later. */
	flags = NFQA_CFG_F_GSO | (conntrack ? NFQA_CFG_F_CONNTRACK : 0) |
		(cfg->fail_open ? NFQA_CFG_F_FAIL_OPEN : 0);
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, htonl(flags));
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, htonl(mask));
	return config_send(q, nlh);
}

int nfq_sock_new(const struct nfq_sock_config *cfg, struct nfq_sock **ret)
{
	char buf[8192];
	struct nfq_sock *q = calloc(1, sizeof(*q));
	struct nlmsghdr *nlh;
	int r;
	/* Each queued packet costs its copy plus ~300 bytes of message and
	 * skb overhead in the socket's receive buffer. */
	int rcvbuf = (int)(cfg->max_len * (cfg->copy_bytes + 512));

	if (!q)
		return -ENOMEM;
	q->queue_num = cfg->queue_num;
	q->rx = malloc(NFQ_RX_BYTES);
	q->tx = malloc(NFQ_TX_BYTES);
	if (!q->rx || !q->tx) {
		r = -ENOMEM;
		goto fail;
	}
	q->batch = mnl_nlmsg_batch_start(q->tx, NFQ_TX_BYTES);
	if (!q->batch) {
		r = -ENOMEM;
		goto fail;
	}
	/* The socket blocks (packets are read with MSG_DONTWAIT). Overruns
	 * are reported (no NETLINK_NO_ENOBUFS): they are counted, and the
	 * kernel has already decided those packets. */
	r = nl_sock_new(NETLINK_NETFILTER, 0, 0, NFQ_CONFIG_TIMEOUT_MS, &q->nl);
	if (r < 0)
		goto fail;
	nl_sock_set_foreign(q->nl, repeat_packet, q);
	/* Too small a buffer only means overruns, which are counted. */
	(void)nl_sock_set_buffers(q->nl, rcvbuf, 0);

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, q->queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_UNSPEC, NFQNL_CFG_CMD_BIND);
	r = config_send(q, nlh);
	if (r < 0)
		goto fail;

	/* With conntrack attributes where the kernel can send them. */
	q->has_conntrack = true;
	r = config_params(q, cfg, true);
	if (r == -EOPNOTSUPP) {
		q->has_conntrack = false;
		r = config_params(q, cfg, false);
	}
	if (r < 0)
		goto fail;
	/* From here on packets are read by the datapath, not by requests. */
	nl_sock_set_foreign(q->nl, NULL, NULL);
	*ret = q;
	return 0;
fail:
	nfq_sock_free(q);
	return r;
}

void nfq_sock_free(struct nfq_sock *q)
{
	if (!q)
		return;
	nl_sock_free(q->nl);
	if (q->batch)
		mnl_nlmsg_batch_stop(q->batch);
	free(q->rx);
	free(q->tx);
	free(q);
}

int nfq_sock_fd(const struct nfq_sock *q)
{
	return nl_sock_fd(q->nl);
}

/* Copies the CTA_ZONE and CTA_TUPLE_ORIG attributes of NFQA_CT, whole. */
static void ct_key(const struct nlattr *ct, struct nfq_packet *pkt)
{
	const struct nlattr *a;

	pkt->ct_key_len = 0;
	mnl_attr_for_each_nested(a, ct) {
		uint16_t type = mnl_attr_get_type(a);
		size_t len = MNL_ALIGN(a->nla_len);

		if (type != CTA_TUPLE_ORIG && type != CTA_ZONE)
			continue;
		if (pkt->ct_key_len + len > sizeof(pkt->ct_key)) {
			pkt->ct_key_len = 0;
			return;
		}
		memcpy(pkt->ct_key + pkt->ct_key_len, a, a->nla_len);
		memset(pkt->ct_key + pkt->ct_key_len + a->nla_len, 0, len - a->nla_len);
		pkt->ct_key_len += len;
	}
}

/* Returns true and fills PKT if NLH is a queued packet. */
static bool packet_parse_msg(const struct nlmsghdr *nlh, struct nfq_packet *pkt)
{
	struct nlattr *attr[NFQA_MAX + 1] = { NULL };
	struct nfqnl_msg_packet_hdr *ph;

	if (NFNL_MSG_TYPE(nlh->nlmsg_type) != NFQNL_MSG_PACKET ||
	    nfq_nlmsg_parse(nlh, attr) < 0 || !attr[NFQA_PACKET_HDR])
		return false;
	pkt->mark = 0;
	pkt->data = NULL;
	pkt->len = 0;
	pkt->ct_key_len = 0;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	pkt->id = ntohl(ph->packet_id);
	pkt->hook = ph->hook;
	if (attr[NFQA_MARK])
		pkt->mark = ntohl(mnl_attr_get_u32(attr[NFQA_MARK]));
	if (attr[NFQA_PAYLOAD]) {
		pkt->data = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		pkt->len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	if (attr[NFQA_CT])
		ct_key(attr[NFQA_CT], pkt);
	return true;
}

int nfq_sock_receive(struct nfq_sock *q, nfq_packet_cb cb, void *data)
{
	const struct nlmsghdr *nlh;
	int count = 0, len;
	ssize_t n;

	n = recv(nfq_sock_fd(q), q->rx, NFQ_RX_BYTES, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			q->overruns++;
			return -ENOBUFS;
		}
		return -errno;
	}
	/* Walk every message ourselves: mnl_cb_run would stop at an error
	 * reply (a verdict for a packet the kernel no longer holds) and leave
	 * the packets after it without a verdict. */
	len = (int)n;
	for (nlh = (const struct nlmsghdr *)q->rx; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		struct nfq_packet pkt;

		if (nlh->nlmsg_type == NLMSG_ERROR) {
			q->errors++;
			continue;
		}
		if (packet_parse_msg(nlh, &pkt)) {
			cb(&pkt, data);
			count++;
		}
	}
	return count;
}

int nfq_sock_verdict(struct nfq_sock *q, uint32_t id, int verdict,
		     const struct nfq_verdict_marks *vm)
{
	struct nlmsghdr *nlh;
	int r = 0;

	/* A verdict message is under 96 bytes. A failed flush has given up
	 * on the batch, which leaves room for this one. */
	if (mnl_nlmsg_batch_size(q->batch) + 128 > NFQ_TX_BYTES)
		r = nfq_sock_flush(q);
	nlh = nfq_nlmsg_put(mnl_nlmsg_batch_current(q->batch), NFQNL_MSG_VERDICT, q->queue_num);
	nfq_nlmsg_verdict_put(nlh, (int)id, verdict);
	if (vm && vm->set_mark)
		nfq_nlmsg_verdict_put_mark(nlh, vm->mark);
	if (vm && vm->ct_mask) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, NFQA_CT);

		mnl_attr_put_u32(nlh, CTA_MARK, htonl(vm->ct_mark));
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(vm->ct_mask));
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_nlmsg_batch_next(q->batch);
	return r;
}

/* How long a flush keeps trying while the kernel is short of memory:
 * packets without a verdict would stay queued until qpodd exits. */
#define FLUSH_RETRY_NS (5 * 1000000000LL)

int nfq_sock_flush(struct nfq_sock *q)
{
	size_t len = mnl_nlmsg_batch_size(q->batch);
	struct timespec pause = { 0, 100000 };
	long long waited = 0;
	ssize_t n;

	if (len == 0)
		return 0;
	for (;;) {
		n = send(nfq_sock_fd(q), mnl_nlmsg_batch_head(q->batch), len, 0);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if ((errno != ENOBUFS && errno != ENOMEM && errno != EAGAIN) ||
		    waited >= FLUSH_RETRY_NS)
			break;
		nanosleep(&pause, NULL);
		waited += pause.tv_nsec;
		if (pause.tv_nsec < 10000000)
			pause.tv_nsec *= 2;
	}
	mnl_nlmsg_batch_reset(q->batch);
	return n < 0 ? -errno : 0;
}

uint64_t nfq_sock_overruns(const struct nfq_sock *q)
{
	return q->overruns;
}

bool nfq_sock_has_conntrack(const struct nfq_sock *q)
{
	return q->has_conntrack;
}
