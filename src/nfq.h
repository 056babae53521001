/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_NFQ_H
#define QPOD_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One NFQUEUE queue: packets in, verdicts out, over libmnl with
 * libnetfilter_queue's nfq_nlmsg_* helpers. */

struct nfq_sock_config {
	uint16_t queue_num;
	bool fail_open;		/* queue full or socket overrun: accept, not drop */
	uint32_t max_len;	/* packets the kernel holds for us */
	uint32_t copy_bytes;	/* of each packet: enough for the headers */
};

#define NFQ_CT_KEY_MAX 128

/* A packet as the kernel queued it. */
struct nfq_packet {
	uint32_t id;
	uint8_t hook;		/* NF_INET_LOCAL_OUT, NF_INET_LOCAL_IN, ... */
	uint32_t mark;		/* the packet's mark before our verdict */
	const uint8_t *data;	/* network header onwards, copy_bytes at most */
	size_t len;
	/* Its connection's zone and original tuple, as netlink attributes
	 * ready for a ctnetlink request; empty if the kernel sent none. */
	uint8_t ct_key[NFQ_CT_KEY_MAX];
	size_t ct_key_len;
};

typedef void (*nfq_packet_cb)(const struct nfq_packet *pkt, void *data);

struct nfq_sock;

/** Opens a socket and binds it to the queue, configured by CFG. */
int nfq_sock_new(const struct nfq_sock_config *cfg, struct nfq_sock **ret);

/** Unbinds the queue and closes the socket; accepts NULL. Packets still
 * queued are dropped by the kernel: give verdicts first. */
void nfq_sock_free(struct nfq_sock *q);

/** The file descriptor to poll for packets. */
int nfq_sock_fd(const struct nfq_sock *q);

/** Reads one batch of packets without blocking and calls CB for each.
 * Returns the number of packets, 0 if none was waiting, -ENOBUFS when the
 * socket overran (the kernel decided those packets by the fail mode), or
 * another negative errno. */
int nfq_sock_receive(struct nfq_sock *q, nfq_packet_cb cb, void *data);

/* What a verdict changes besides letting the packet go. */
struct nfq_verdict_marks {
	bool set_mark;
	uint32_t mark;		/* the packet's whole mark */
	uint32_t ct_mask;	/* if not 0: these bits of the connection's mark */
	uint32_t ct_mark;	/* become these (nfq_sock_has_conntrack only) */
};

/** Queues a verdict for packet ID: VERDICT is NF_ACCEPT or NF_DROP; VM
 * (may be NULL) sets the packet's and the connection's marks. Sent by
 * nfq_sock_flush, or earlier when the buffer fills. */
int nfq_sock_verdict(struct nfq_sock *q, uint32_t id, int verdict,
		     const struct nfq_verdict_marks *vm);

/** Sends the queued verdicts, in the order given. While the kernel is
 * short of memory it retries for a few seconds rather than leave packets
 * queued without a verdict. */
int nfq_sock_flush(struct nfq_sock *q);

/** True if the kernel sends each packet's conntrack attributes and takes
 * a connection mark in a verdict (both need
 * CONFIG_NETFILTER_NETLINK_GLUE_CT); ct_key is empty otherwise. */
bool nfq_sock_has_conntrack(const struct nfq_sock *q);

/** Socket overruns seen so far. */
uint64_t nfq_sock_overruns(const struct nfq_sock *q);

#endif
