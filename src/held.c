/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "held.h"

void held_pool_init(struct held_pool *p)
{
	for (int32_t i = 0; i < HELD_MAX; i++)
		p->next[i] = i + 1 < HELD_MAX ? i + 1 : -1;
	p->free = 0;
}

void held_list_init(struct held_list *l)
{
	l->head = l->tail = -1;
	l->n = 0;
}

bool held_push(struct held_pool *p, struct held_list *l, uint32_t id, uint32_t mark)
{
	int32_t i = p->free;

	if (i < 0)
		return false;
	p->free = p->next[i];
	p->id[i] = id;
	p->mark[i] = mark;
	p->next[i] = -1;
	if (l->tail >= 0)
		p->next[l->tail] = i;
	else
		l->head = i;
	l->tail = i;
	l->n++;
	return true;
}

uint32_t held_release(struct held_pool *p, struct held_list *l,
		      void (*cb)(uint32_t id, uint32_t mark, void *arg), void *arg)
{
	uint32_t n = l->n;

	for (int32_t i = l->head, next; i >= 0; i = next) {
		next = p->next[i];
		cb(p->id[i], p->mark[i], arg);
		p->next[i] = p->free;
		p->free = i;
	}
	held_list_init(l);
	return n;
}
