/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flowtab.h"

struct flowtab {
	struct flow_entry *e;	/* the pool */
	int32_t *buckets;	/* heads of hash chains */
	uint32_t cap;		/* entries; a power of two */
	uint32_t nbuckets;	/* 2 * cap */
	int32_t free_head;	/* free list through hnext */
	int32_t lru_head, lru_tail;
	int32_t drain_head;
	size_t count;
};

/* FNV-1a: keys are short and hashed once per packet. */
static uint32_t hash(const uint8_t *k, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return h;
}

int flowtab_new(uint32_t capacity, struct flowtab **ret)
{
	struct flowtab *t = calloc(1, sizeof(*t));
	uint32_t cap = 16;

	if (!t)
		return -ENOMEM;
	while (cap < capacity && cap < (1u << 24))
		cap <<= 1;
	t->cap = cap;
	t->nbuckets = cap * 2;
	t->e = calloc(cap, sizeof(*t->e));
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	if (!t->e || !t->buckets) {
		flowtab_free(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = -1;
	for (uint32_t i = 0; i < cap; i++)
		t->e[i].hnext = i + 1 < cap ? (int32_t)(i + 1) : -1;
	t->free_head = 0;
	t->lru_head = t->lru_tail = t->drain_head = -1;
	*ret = t;
	return 0;
}

void flowtab_free(struct flowtab *t)
{
	if (!t)
		return;
	free(t->e);
	free(t->buckets);
	free(t);
}

static int32_t idx(const struct flowtab *t, const struct flow_entry *e)
{
	return (int32_t)(e - t->e);
}

struct flow_entry *flowtab_find(struct flowtab *t, const void *key, size_t len)
{
	uint32_t b = hash(key, len) & (t->nbuckets - 1);

	for (int32_t i = t->buckets[b]; i >= 0; i = t->e[i].hnext) {
		struct flow_entry *e = &t->e[i];

		if (e->key_len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

static void lru_unlink(struct flowtab *t, struct flow_entry *e)
{
	if (e->lru_prev >= 0)
		t->e[e->lru_prev].lru_next = e->lru_next;
	else
		t->lru_head = e->lru_next;
	if (e->lru_next >= 0)
		t->e[e->lru_next].lru_prev = e->lru_prev;
	else
		t->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = -1;
}

static void lru_append(struct flowtab *t, struct flow_entry *e)
{
	int32_t i = idx(t, e);

	e->lru_prev = t->lru_tail;
	e->lru_next = -1;
	if (t->lru_tail >= 0)
		t->e[t->lru_tail].lru_next = i;
	else
		t->lru_head = i;
	t->lru_tail = i;
}

static void drain_unlink(struct flowtab *t, struct flow_entry *e)
{
	if (e->drain_prev >= 0)
		t->e[e->drain_prev].drain_next = e->drain_next;
	else if (t->drain_head == idx(t, e))
		t->drain_head = e->drain_next;
	else
		return;		/* not on the list */
	if (e->drain_next >= 0)
		t->e[e->drain_next].drain_prev = e->drain_prev;
	e->drain_prev = e->drain_next = -1;
}

static void drain_push(struct flowtab *t, struct flow_entry *e)
{
	int32_t i = idx(t, e);

	e->drain_prev = -1;
	e->drain_next = t->drain_head;
	if (t->drain_head >= 0)
		t->e[t->drain_head].drain_prev = i;
	t->drain_head = i;
}

void flowtab_remove(struct flowtab *t, struct flow_entry *e)
{
	int32_t i = idx(t, e);
	uint32_t b = hash(e->key, e->key_len) & (t->nbuckets - 1);
	int32_t *pp = &t->buckets[b];

	while (*pp >= 0 && *pp != i)
		pp = &t->e[*pp].hnext;
	if (*pp == i)
		*pp = e->hnext;
	lru_unlink(t, e);
	drain_unlink(t, e);
	e->key_len = 0;
	e->gen++;	/* a late answer for it must not find the slot's next session */
	e->hnext = t->free_head;
	t->free_head = i;
	t->count--;
}

struct flow_entry *flowtab_insert(struct flowtab *t, const void *key, size_t len, uint64_t now,
				  bool *evicted)
{
	struct flow_entry *e;
	uint32_t b;
	int32_t i;

	if (len == 0 || len > FLOW_KEY_MAX)
		return NULL;
	if (evicted)
		*evicted = false;
	if (t->free_head < 0) {
		/* Never a pending entry: its held packets would be lost. */
		int32_t v = t->lru_head;

		for (int tries = 0; v >= 0 && t->e[v].state == FLOW_PENDING && tries < 64; tries++)
			v = t->e[v].lru_next;
		if (v < 0 || t->e[v].state == FLOW_PENDING)
			return NULL;
		flowtab_remove(t, &t->e[v]);
		if (evicted)
			*evicted = true;
	}
	i = t->free_head;
	e = &t->e[i];
	t->free_head = e->hnext;
	{
		uint32_t gen = e->gen;

		memset(e, 0, sizeof(*e));
		e->gen = gen + 1;
	}
	held_list_init(&e->held);
	memcpy(e->key, key, len);
	e->key_len = (uint16_t)len;
	e->state = FLOW_DRAINING;
	e->first_ns = e->last_ns = now;
	e->lru_prev = e->lru_next = e->drain_prev = e->drain_next = -1;
	b = hash(key, len) & (t->nbuckets - 1);
	e->hnext = t->buckets[b];
	t->buckets[b] = i;
	lru_append(t, e);
	drain_push(t, e);
	t->count++;
	return e;
}

void flowtab_touch(struct flowtab *t, struct flow_entry *e, uint64_t now)
{
	e->last_ns = now;
	if (t->lru_tail != idx(t, e)) {
		lru_unlink(t, e);
		lru_append(t, e);
	}
}

void flowtab_set_state(struct flowtab *t, struct flow_entry *e, enum flow_state s)
{
	bool was = e->state != FLOW_SETTLED, now = s != FLOW_SETTLED;

	e->state = (uint8_t)s;
	if (now && !was)
		drain_push(t, e);
	else if (!now && was)
		drain_unlink(t, e);
}

void flowtab_release(struct flowtab *t, struct flow_entry *e, bool drop, uint32_t mark,
		     size_t n_held, uint64_t now)
{
	e->drop = drop;
	e->mark = mark;
	e->burst = n_held >= FLOW_BURST_HELD;
	e->last_ns = now;
	flowtab_set_state(t, e, drop || e->syn ? FLOW_SETTLED : FLOW_DRAINING);
}

void flowtab_seen(struct flowtab *t, struct flow_entry *e, uint64_t now, bool syn)
{
	flowtab_touch(t, e, now);
	if (e->state == FLOW_SETTLED && !e->drop && !syn)
		flowtab_set_state(t, e, FLOW_DRAINING);
}

void flowtab_expire(struct flowtab *t, uint64_t now)
{
	struct flow_entry *e;

	while ((e = flowtab_oldest(t)) && e->state == FLOW_SETTLED &&
	       now - e->last_ns > FLOW_LINGER_NS)
		flowtab_remove(t, e);
}

struct flow_entry *flowtab_at(struct flowtab *t, uint32_t index)
{
	return index < t->cap ? &t->e[index] : NULL;
}

uint32_t flowtab_index(const struct flowtab *t, const struct flow_entry *e)
{
	return (uint32_t)(e - t->e);
}

struct flow_entry *flowtab_oldest(struct flowtab *t)
{
	return t->lru_head >= 0 ? &t->e[t->lru_head] : NULL;
}

struct flow_entry *flowtab_draining_first(struct flowtab *t)
{
	return t->drain_head >= 0 ? &t->e[t->drain_head] : NULL;
}

struct flow_entry *flowtab_draining_next(struct flowtab *t, const struct flow_entry *e)
{
	return e->drain_next >= 0 ? &t->e[e->drain_next] : NULL;
}

size_t flowtab_count(const struct flowtab *t)
{
	return t->count;
}

size_t flowtab_capacity(const struct flowtab *t)
{
	return t->cap;
}

uint64_t flow_due(const struct flow_entry *e)
{
	uint64_t at;

	if (e->state == FLOW_PENDING)
		return e->first_ns + FLOW_PENDING_MAX_NS;
	at = e->last_ns + (e->burst ? FLOW_QUIET_BURST_NS : FLOW_QUIET_NS);
	return at < e->first_ns + FLOW_DRAIN_MAX_NS ? at : e->first_ns + FLOW_DRAIN_MAX_NS;
}
