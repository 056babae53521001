/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_NFT_H
#define QPOD_NFT_H

#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

/* A batch of nf_tables messages sent as one transaction: the kernel
 * applies all of them or none. Each message carries a description so an
 * error can name what failed. */
struct nft_batch;

/** Makes an empty batch (begin message written): 0, or -ENOMEM. */
int nft_batch_new(struct nft_batch **ret);
void nft_batch_free(struct nft_batch *b);

/** Starts a message of TYPE (NFT_MSG_*) for FAMILY with FLAGS (NLM_F_ACK is
 * added) and returns its header for a libnftnl *_nlmsg_build_payload; call
 * nft_batch_next() after filling it. DESC names it in errors. Returns
 * NULL when the batch is full or out of memory. */
struct nlmsghdr *nft_batch_add(struct nft_batch *b, uint16_t type, uint16_t family,
			       uint16_t flags, const char *desc);

/** Closes the message started by nft_batch_add. */
void nft_batch_next(struct nft_batch *b);

/** Number of messages added. */
size_t nft_batch_count(const struct nft_batch *b);

/* A netlink socket to nf_tables. */
struct nft_sock;

/** Opens a socket in the calling thread's network namespace. */
int nft_sock_new(struct nft_sock **ret);
void nft_sock_free(struct nft_sock *s);

/** Sends B as one transaction and reads its acknowledgements: the first
 * waited for, then those the kernel queued with it. On a kernel error
 * returns it (negative errno) and writes to ERR what failed, with the
 * kernel's own words where it gave some; -EPROTO if fewer acks came than
 * messages were sent. */
int nft_sock_commit(struct nft_sock *s, struct nft_batch *b, char *err, size_t errlen);

/** Index (in order added) of the message that failed the last commit, or -1. */
int nft_sock_failed_index(const struct nft_sock *s);

#endif
