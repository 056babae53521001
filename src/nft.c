/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nf_tables netlink I/O: batches, transactions, acknowledgements. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "netlink.h"
#include "nft.h"

/* Large enough for any policy validation lets through (about 100 bytes a
 * rule expression); a bigger batch fails cleanly with E2BIG. */
#define NFT_BATCH_BYTES (4 * 1024 * 1024)
/* The kernel handles a batch inside sendmsg(): its acks are queued by
 * the time it returns. */
#define NFT_ACK_TIMEOUT_MS 1000

struct nft_msg {
	uint32_t seq;
	char desc[96];
};

struct nft_batch {
	char *buf;
	struct mnl_nlmsg_batch *b;
	uint32_t seq_begin;
	uint32_t seq;
	struct nft_msg *msgs;
	size_t n, cap;
	bool full;
};

struct nft_sock {
	struct nl_sock *nl;
	int failed_index;
};

static uint32_t next_seq;

int nft_batch_new(struct nft_batch **ret)
{
	struct nft_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->buf = malloc(NFT_BATCH_BYTES);
	if (!b->buf)
		goto fail;
	b->b = mnl_nlmsg_batch_start(b->buf, NFT_BATCH_BYTES);
	if (!b->b)
		goto fail;
	if (!next_seq)
		next_seq = (uint32_t)time(NULL);
	b->seq_begin = b->seq = __atomic_add_fetch(&next_seq, 1u << 16, __ATOMIC_RELAXED);
	nftnl_batch_begin(mnl_nlmsg_batch_current(b->b), b->seq++);
	mnl_nlmsg_batch_next(b->b);
	*ret = b;
	return 0;
fail:
	nft_batch_free(b);
	return -ENOMEM;
}

void nft_batch_free(struct nft_batch *b)
{
	if (!b)
		return;
	if (b->b)
		mnl_nlmsg_batch_stop(b->b);
	free(b->buf);
	free(b->msgs);
	free(b);
}

struct nlmsghdr *nft_batch_add(struct nft_batch *b, uint16_t type, uint16_t family,
			       uint16_t flags, const char *desc)
{
	struct nft_msg *m;

	/* Room for the largest message and the end message. */
	if (b->full || mnl_nlmsg_batch_size(b->b) + 65536 > NFT_BATCH_BYTES) {
		b->full = true;
		return NULL;
	}
	if (b->n == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct nft_msg *nm = realloc(b->msgs, ncap * sizeof(*nm));

		if (!nm) {
			b->full = true;
			return NULL;
		}
		b->msgs = nm;
		b->cap = ncap;
	}
	m = &b->msgs[b->n++];
	m->seq = b->seq;
	snprintf(m->desc, sizeof(m->desc), "%s", desc);
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b->b), type, family,
				     flags | NLM_F_ACK, b->seq++);
}

void nft_batch_next(struct nft_batch *b)
{
	mnl_nlmsg_batch_next(b->b);
}

size_t nft_batch_count(const struct nft_batch *b)
{
	return b->n;
}

int nft_sock_new(struct nft_sock **ret)
{
	struct nft_sock *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = nl_sock_new(NETLINK_NETFILTER, 0, 0, NFT_ACK_TIMEOUT_MS, &s->nl);
	/* Acks for a large batch must not overflow the receive buffer. */
	if (r == 0)
		r = nl_sock_set_buffers(s->nl, 4 * 1024 * 1024, 4 * 1024 * 1024);
	if (r < 0) {
		nft_sock_free(s);
		return r;
	}
	s->failed_index = -1;
	*ret = s;
	return 0;
}

void nft_sock_free(struct nft_sock *s)
{
	if (!s)
		return;
	nl_sock_free(s->nl);
	free(s);
}

int nft_sock_failed_index(const struct nft_sock *s)
{
	return s->failed_index;
}

static int find_msg(const struct nft_batch *b, uint32_t seq)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->msgs[i].seq == seq)
			return (int)i;
	return -1;
}

struct commit_ctx {
	struct nft_sock *s;
	const struct nft_batch *b;
	char *err;
	size_t errlen;
	bool refused;		/* the kernel said why: ERR holds it */
};

/* Names the first message the kernel refused, in its own words if any;
 * "nftables" when it refused the batch as a whole (its begin message). */
static void commit_ack(uint32_t seq, int error, const char *msg, void *arg)
{
	struct commit_ctx *c = arg;
	int idx;

	if (!error || c->refused)
		return;
	c->refused = true;
	idx = find_msg(c->b, seq);
	c->s->failed_index = idx;
	snprintf(c->err, c->errlen, "%s: %s%s%s%s", idx >= 0 ? c->b->msgs[idx].desc : "nftables",
		 strerror(-error), msg[0] ? " (" : "", msg, msg[0] ? ")" : "");
}

int nft_sock_commit(struct nft_sock *s, struct nft_batch *b, char *err, size_t errlen)
{
	struct commit_ctx c = { s, b, err, errlen, false };
	int r;

	s->failed_index = -1;
	if (b->full) {
		snprintf(err, errlen, "the ruleset is too large for one transaction");
		return -E2BIG;
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b->b), b->seq++);
	mnl_nlmsg_batch_next(b->b);
	b->full = true;	/* sealed */
	r = nl_sock_talk_batch(s->nl, mnl_nlmsg_batch_head(b->b), mnl_nlmsg_batch_size(b->b),
			       b->n, commit_ack, &c);
	if (r == -EPROTO && !c.refused)
		snprintf(err, errlen, "nftables acknowledged fewer than the %zu messages sent", b->n);
	else if (r < 0 && !c.refused)
		snprintf(err, errlen, "sending the nftables transaction: %s", strerror(-r));
	return r;
}
