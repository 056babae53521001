/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sessiontab.h"

#define WORDS (sizeof(struct session) / sizeof(uint64_t))
/* An exabit per second: beyond any link, and a sum of many still fits. */
#define SESSION_RATE_MAX 1000000000000000000ull

_Static_assert(sizeof(struct session) == 128, "a session is sixteen words");

enum slot_state {
	SLOT_EMPTY,
	SLOT_FULL,
};

struct slot {
	atomic_uint seq;
	atomic_uint state;
	atomic_uint tag;	/* the key's hash: a cheap first test */
	/* The session, word by word: readers race with the writer by design
	 * and must only ever see whole words. */
	_Atomic uint64_t w[WORDS];
};

struct sessiontab {
	struct slot *slots;
	uint32_t nbuckets;	/* a power of two */
	atomic_size_t count;
};

void session_meter(struct session *s, uint64_t bytes, uint64_t dt_ns)
{
	uint64_t inst = 0;

	/* In floating point: bytes * 8e9 overflows 64 bits past 2.3 GB. */
	if (bytes > s->bytes && dt_ns) {
		double bps = (double)(bytes - s->bytes) * 8e9 / (double)dt_ns;

		inst = bps < (double)SESSION_RATE_MAX ? (uint64_t)bps : SESSION_RATE_MAX;
	}
	/* Smoothed over about two readings. */
	s->rate_bps = s->bytes ? s->rate_bps / 2 + inst / 2 : inst;
	s->bytes = bytes;
}

/* A key may live in any slot of its SESSIONTAB_CHOICES buckets of
 * SESSIONTAB_BUCKET slots; an insert takes the emptiest. Entries never
 * move, so a reader needs no more than the slots' sequence counters, and
 * a removal just empties its slot. */
static uint32_t bucket_choices(const struct sessiontab *t, const struct tuple *k,
			       uint32_t out[SESSIONTAB_CHOICES])
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	uint32_t tag;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	tag = (uint32_t)(h >> 32);
	for (unsigned c = 0; c < SESSIONTAB_CHOICES; c++) {
		h ^= h >> 29;
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 32;
		out[c] = (uint32_t)h & (t->nbuckets - 1);
	}
	return tag;
}

int sessiontab_new(uint32_t capacity, struct sessiontab **ret)
{
	struct sessiontab *t = calloc(1, sizeof(*t));
	uint32_t cap = 64;

	if (!t)
		return -ENOMEM;
	while (cap < capacity && cap < (1u << 24))
		cap <<= 1;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return -ENOMEM;
	}
	t->nbuckets = cap / SESSIONTAB_BUCKET;
	for (uint32_t i = 0; i < cap; i++) {
		atomic_init(&t->slots[i].seq, 0);
		atomic_init(&t->slots[i].state, SLOT_EMPTY);
		atomic_init(&t->slots[i].tag, 0);
	}
	atomic_init(&t->count, 0);
	*ret = t;
	return 0;
}

void sessiontab_free(struct sessiontab *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

/* Reader: a consistent copy of slot S. Returns its state. */
static unsigned slot_read(const struct slot *s, struct session *out)
{
	uint64_t words[WORDS];
	unsigned seq, state;

	for (;;) {
		seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (seq & 1)
			continue;	/* the writer is in the slot */
		state = atomic_load_explicit(&s->state, memory_order_relaxed);
		if (state == SLOT_FULL && out)
			for (size_t i = 0; i < WORDS; i++)
				words[i] = atomic_load_explicit(&s->w[i], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) == seq)
			break;
	}
	if (state == SLOT_FULL && out)
		memcpy(out, words, sizeof(*out));
	return state;
}

/* Writer: (re)writes slot S. */
static void slot_write(struct slot *s, unsigned state, uint32_t tag, const struct session *in)
{
	unsigned seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	uint64_t words[WORDS];

	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->state, state, memory_order_relaxed);
	atomic_store_explicit(&s->tag, tag, memory_order_relaxed);
	if (in) {
		memcpy(words, in, sizeof(words));
		for (size_t i = 0; i < WORDS; i++)
			atomic_store_explicit(&s->w[i], words[i], memory_order_relaxed);
	}
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

/* The writer owns the slots, so it may read them directly. */
static bool slot_key_is(const struct slot *s, const struct tuple *k)
{
	uint64_t words[sizeof(*k) / sizeof(uint64_t)];

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		words[i] = atomic_load_explicit(&s->w[i], memory_order_relaxed);
	return memcmp(words, k, sizeof(*k)) == 0;
}

static struct slot *bucket_slot(const struct sessiontab *t, uint32_t bucket, unsigned i)
{
	return &t->slots[bucket * SESSIONTAB_BUCKET + i];
}

/* Writer: the slot holding KEY, or NULL. */
static struct slot *find(struct sessiontab *t, const struct tuple *key, uint32_t tag,
			 const uint32_t b[SESSIONTAB_CHOICES])
{
	for (unsigned c = 0; c < SESSIONTAB_CHOICES; c++)
		for (unsigned i = 0; i < SESSIONTAB_BUCKET; i++) {
			struct slot *sl = bucket_slot(t, b[c], i);

			if (atomic_load_explicit(&sl->state, memory_order_relaxed) == SLOT_FULL &&
			    atomic_load_explicit(&sl->tag, memory_order_relaxed) == tag &&
			    slot_key_is(sl, key))
				return sl;
		}
	return NULL;
}

int sessiontab_put(struct sessiontab *t, const struct session *s)
{
	uint32_t b[SESSIONTAB_CHOICES];
	struct slot *sl, *best = NULL;
	unsigned best_free = 0;
	uint32_t tag = bucket_choices(t, &s->key, b);

	sl = find(t, &s->key, tag, b);
	if (sl) {
		slot_write(sl, SLOT_FULL, tag, s);
		return 0;
	}
	/* The emptiest bucket: keeps them all short of full longest. */
	for (unsigned c = 0; c < SESSIONTAB_CHOICES; c++) {
		struct slot *first = NULL;
		unsigned free_slots = 0;

		for (unsigned i = 0; i < SESSIONTAB_BUCKET; i++) {
			sl = bucket_slot(t, b[c], i);
			if (atomic_load_explicit(&sl->state, memory_order_relaxed) != SLOT_FULL) {
				free_slots++;
				if (!first)
					first = sl;
			}
		}
		if (free_slots > best_free) {
			best_free = free_slots;
			best = first;
		}
	}
	if (!best)
		return -ENOSPC;
	slot_write(best, SLOT_FULL, tag, s);
	atomic_fetch_add_explicit(&t->count, 1, memory_order_relaxed);
	return 0;
}

bool sessiontab_del(struct sessiontab *t, const struct tuple *key, struct session *ret_old)
{
	uint32_t b[SESSIONTAB_CHOICES];
	struct slot *sl;
	uint32_t tag = bucket_choices(t, key, b);

	sl = find(t, key, tag, b);
	if (!sl)
		return false;
	if (ret_old)
		slot_read(sl, ret_old);
	slot_write(sl, SLOT_EMPTY, 0, NULL);
	atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	return true;
}

bool sessiontab_get(const struct sessiontab *t, const struct tuple *key,
		    struct session *ret)
{
	uint32_t b[SESSIONTAB_CHOICES];
	uint32_t tag = bucket_choices(t, key, b);

	for (unsigned c = 0; c < SESSIONTAB_CHOICES; c++)
		for (unsigned i = 0; i < SESSIONTAB_BUCKET; i++) {
			const struct slot *sl = bucket_slot(t, b[c], i);
			struct session s;
			unsigned seq = atomic_load_explicit(&sl->seq, memory_order_acquire);

			/* A slot being written is read in full; a settled one
			 * with another tag is not this key. */
			if (!(seq & 1) && atomic_load_explicit(&sl->tag, memory_order_relaxed) != tag)
				continue;
			if (slot_read(sl, &s) == SLOT_FULL && memcmp(&s.key, key, sizeof(*key)) == 0) {
				*ret = s;
				return true;
			}
		}
	return false;
}

void sessiontab_foreach(const struct sessiontab *t, void (*cb)(const struct session *, void *),
			void *arg)
{
	for (uint32_t i = 0; i < t->nbuckets * SESSIONTAB_BUCKET; i++) {
		struct session s;

		if (slot_read(&t->slots[i], &s) == SLOT_FULL)
			cb(&s, arg);
	}
}

size_t sessiontab_count(const struct sessiontab *t)
{
	return atomic_load_explicit(&t->count, memory_order_relaxed);
}

size_t sessiontab_capacity(const struct sessiontab *t)
{
	return (size_t)t->nbuckets * SESSIONTAB_BUCKET;
}
