/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_HELD_H
#define QPOD_HELD_H

#include <stdbool.h>
#include <stdint.h>

/* Packets a packet thread holds while their session is pending: the
 * kernel keeps the packets, qpodd their ids and marks, one list per
 * session in the order they came, threaded through one fixed pool (no
 * allocation per packet). */

#define HELD_MAX 16384	/* packets held at once: the queue's length */

struct held_list {
	int32_t head, tail;	/* -1: empty */
	uint32_t n;
};

struct held_pool {
	uint32_t id[HELD_MAX];
	uint32_t mark[HELD_MAX];
	int32_t next[HELD_MAX];
	int32_t free;		/* -1: full */
};

void held_pool_init(struct held_pool *p);
static inline bool held_pool_full(const struct held_pool *p)
{
	return p->free < 0;
}

void held_list_init(struct held_list *l);

/** Appends the packet ID (with its packet MARK) to L. Returns false, and
 * holds nothing, when the pool is full. */
bool held_push(struct held_pool *p, struct held_list *l, uint32_t id, uint32_t mark);

/** Calls CB for each packet of L in the order they were pushed, then
 * empties L and gives its room back. Returns how many there were. */
uint32_t held_release(struct held_pool *p, struct held_list *l,
		      void (*cb)(uint32_t id, uint32_t mark, void *arg), void *arg);

#endif
