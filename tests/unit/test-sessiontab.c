/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session table: one writer inserting, replacing and deleting while a
 * reader looks sessions up and walks the table; every copy the reader gets
 * must be whole (its fields agree with its key), and at the end the table
 * holds exactly what the writer's model says. Also: how full it gets. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "sessiontab.h"

#define KEYS 20000u
#define WRITES 1000000u

static void key_of(uint32_t k, struct tuple *key)
{
	memset(key, 0, sizeof(*key));
	key->family = 2;
	key->proto = 17;
	key->sport = (uint16_t)(k & 0xffff);
	key->dport = (uint16_t)(k >> 16);
	memcpy(key->saddr, &k, sizeof(k));
	key->daddr[15] = (uint8_t)k;
}

/* Every field derives from the key and a version: a torn read mixes two. */
static void session_of(uint32_t k, uint32_t version, struct session *s)
{
	memset(s, 0, sizeof(*s));
	key_of(k, &s->key);
	s->pid = k ^ version;
	s->uid = version;
	s->bytes = ((uint64_t)k << 32) | version;
	s->rate_bps = (uint64_t)version * 7 + k;
	s->packets_reply = ~s->bytes;	/* the last word */
}

static void check_whole(const struct session *s)
{
	uint32_t k;

	memcpy(&k, s->key.saddr, sizeof(k));
	ck_assert_uint_eq(s->pid, k ^ s->uid);
	ck_assert_uint_eq(s->bytes, ((uint64_t)k << 32) | s->uid);
	ck_assert_uint_eq(s->rate_bps, (uint64_t)s->uid * 7 + k);
	ck_assert_uint_eq(s->packets_reply, ~s->bytes);
}

struct shared {
	struct sessiontab *t;
	atomic_bool done;
	uint32_t version[KEYS];	/* the writer's model: 0 absent */
};

static void *writer(void *arg)
{
	struct shared *sh = arg;
	uint32_t seed = 1;

	for (uint32_t i = 1; i <= WRITES; i++) {
		uint32_t k;
		struct session s;

		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % KEYS;
		if (sh->version[k] && (seed & 3) == 0) {
			key_of(k, &s.key);
			ck_assert(sessiontab_del(sh->t, &s.key, NULL));
			sh->version[k] = 0;
		} else {
			session_of(k, i, &s);
			ck_assert_int_eq(sessiontab_put(sh->t, &s), 0);
			sh->version[k] = i;
		}
	}
	atomic_store(&sh->done, true);
	return NULL;
}

static void check_cb(const struct session *s, void *arg)
{
	(*(size_t *)arg)++;
	check_whole(s);
}

/* sessiontab_new(), which must succeed here. */
static struct sessiontab *new_sessiontab(uint32_t capacity)
{
	struct sessiontab *x = NULL;

	ck_assert_int_eq(sessiontab_new(capacity, &x), 0);
	return x;
}

START_TEST(test_concurrent)
{
	struct shared *sh = calloc(1, sizeof(*sh));
	uint64_t lookups = 0, found = 0;
	uint32_t seed = 7;
	pthread_t t;
	size_t n = 0;

	sh->t = new_sessiontab(65536);
	ck_assert_int_eq(pthread_create(&t, NULL, writer, sh), 0);
	while (!atomic_load(&sh->done)) {
		struct tuple key;
		struct session s;

		seed = seed * 1103515245u + 12345u;
		key_of((seed >> 8) % KEYS, &key);
		lookups++;
		if (sessiontab_get(sh->t, &key, &s)) {
			found++;
			ck_assert(memcmp(&s.key, &key, sizeof(key)) == 0);
			check_whole(&s);
		}
		if ((lookups & 0xffff) == 0) {
			size_t walked = 0;

			sessiontab_foreach(sh->t, check_cb, &walked);
		}
	}
	pthread_join(t, NULL);
	ck_assert_uint_gt(found, 0);
	/* Now the table is exactly the writer's model. */
	for (uint32_t k = 0; k < KEYS; k++) {
		struct tuple key;
		struct session s;
		bool there;

		key_of(k, &key);
		there = sessiontab_get(sh->t, &key, &s);
		ck_assert_int_eq(there, sh->version[k] != 0);
		if (there)
			ck_assert_uint_eq(s.uid, sh->version[k]);
	}
	sessiontab_foreach(sh->t, check_cb, &n);
	ck_assert_uint_eq(n, sessiontab_count(sh->t));
	sessiontab_free(sh->t);
	free(sh);
}
END_TEST

START_TEST(test_fill)
{
	/* Random keys until the first refusal: the paper's multi-hash table
	 * reached 90% with four probes; this one must do better. */
	struct sessiontab *t = new_sessiontab(65536);
	uint32_t seed = 99, k = 0;
	struct session s;

	for (;; k++) {
		seed = seed * 1103515245u + 12345u;
		session_of(seed, 1, &s);
		if (sessiontab_put(t, &s) < 0)
			break;
	}
	ck_assert_uint_ge(k, 65536 * 92 / 100);
	ck_assert_uint_eq(sessiontab_count(t), k);
	sessiontab_free(t);
}
END_TEST

START_TEST(test_churn_keeps_probes_short)
{
	/* Sessions come and go far more often than the table's size: deleted
	 * slots must be reclaimed, or inserts would start failing. */
	struct sessiontab *t = new_sessiontab(1024);
	struct session s;

	for (uint32_t i = 0; i < 200000; i++) {
		session_of(i, 1, &s);
		ck_assert_int_eq(sessiontab_put(t, &s), 0);
		if (i >= 700) {
			session_of(i - 700, 1, &s);
			ck_assert(sessiontab_del(t, &s.key, NULL));
		}
	}
	ck_assert_uint_eq(sessiontab_count(t), 700);
	sessiontab_free(t);
}
END_TEST

/* The writer walks the table and deletes some of what it is given. */
struct sweep {
	struct sessiontab *t;
	unsigned seen;
};

static void delete_odd(const struct session *s, void *arg)
{
	struct sweep *w = arg;

	w->seen++;
	if (s->pid & 1)
		ck_assert(sessiontab_del(w->t, &s->key, NULL));
}

START_TEST(test_foreach_deletes)
{
	struct sessiontab *t = new_sessiontab(4096);
	struct sweep w = { t, 0 };
	struct session s;

	for (uint32_t i = 0; i < 2000; i++) {
		session_of(i, 0, &s);
		ck_assert_int_eq(sessiontab_put(t, &s), 0);
	}
	sessiontab_foreach(t, delete_odd, &w);
	ck_assert_uint_eq(w.seen, 2000);
	ck_assert_uint_eq(sessiontab_count(t), 1000);
	for (uint32_t i = 0; i < 2000; i++) {
		session_of(i, 0, &s);
		ck_assert(sessiontab_get(t, &s.key, &s) == !(i & 1));
	}
	sessiontab_free(t);
}
END_TEST

START_TEST(test_meter)
{
	struct session s = { 0 };

	/* The first reading: all bytes so far over the interval. */
	session_meter(&s, 1000000, 1000000000ull);
	ck_assert_uint_eq(s.rate_bps, 8000000);
	ck_assert_uint_eq(s.bytes, 1000000);
	/* Then smoothed: half the last rate, half this interval's. */
	session_meter(&s, 3000000, 1000000000ull);
	ck_assert_uint_eq(s.rate_bps, 12000000);
	/* A fast link: 3 GB in a second would overflow bytes * 8e9. */
	s = (struct session){ .bytes = 1000, .rate_bps = 24000000000ull };
	session_meter(&s, 1000 + 3000000000ull, 1000000000ull);
	ck_assert_uint_eq(s.rate_bps, 24000000000ull);
	/* 10 GB over half a second, from nothing. */
	s = (struct session){ 0 };
	session_meter(&s, 10000000000ull, 500000000ull);
	ck_assert_uint_eq(s.rate_bps, 160000000000ull);
	/* Counters that went back (a connection reused): no rate. */
	s = (struct session){ .bytes = 5000, .rate_bps = 100 };
	session_meter(&s, 10, 1000000000ull);
	ck_assert_uint_eq(s.rate_bps, 50);
	ck_assert_uint_eq(s.bytes, 10);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("sessiontab");
	TCase *tc = tcase_create("sessiontab");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_churn_keeps_probes_short);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_foreach_deletes);
	tcase_add_test(tc, test_meter);
	suite_add_tcase(s, tc);
	return s;
}
