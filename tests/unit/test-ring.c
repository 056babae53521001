/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SPSC ring: order, capacity, and two threads pushing and popping
 * millions of elements, every one arriving once, in order, intact. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check-main.h"
#include "ring.h"

#define STRESS_ITEMS 2000000u

struct item {
	uint64_t seq;
	uint64_t check;		/* a function of seq: a torn copy would show */
};

static uint64_t mix(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	return v ^ (v >> 33);
}

/* ring_new(), which must succeed here. */
static struct ring *new_ring(size_t capacity, size_t size)
{
	struct ring *x = NULL;

	ck_assert_int_eq(ring_new(capacity, size, &x), 0);
	return x;
}

START_TEST(test_basic)
{
	struct ring *r = new_ring(5, sizeof(int));	/* rounds up to 8 */
	int out[16];

	ck_assert_ptr_nonnull(r);
	for (int i = 0; i < 8; i++)
		ck_assert(ring_push(r, &i));
	ck_assert(!ring_push(r, &(int){ 8 }));
	ck_assert_uint_eq(ring_count(r), 8);
	ck_assert_uint_eq(ring_pop(r, out, 3), 3);
	ck_assert_int_eq(out[0], 0);
	ck_assert_int_eq(out[2], 2);
	for (int i = 8; i < 11; i++)
		ck_assert(ring_push(r, &i));
	ck_assert_uint_eq(ring_pop(r, out, 16), 8);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(out[i], i + 3);
	ck_assert_uint_eq(ring_pop(r, out, 16), 0);
	ring_free(r);
}
END_TEST

struct stress {
	struct ring *r;
	struct waker w;
};

static void *producer(void *arg)
{
	struct stress *s = arg;

	for (uint64_t i = 0; i < STRESS_ITEMS; i++) {
		struct item it = { i, mix(i) };

		while (!ring_push(s->r, &it))
			;
		if ((i & 1023) == 0)
			waker_kick(&s->w);
	}
	waker_kick(&s->w);
	return NULL;
}

START_TEST(test_two_threads)
{
	struct stress s;
	struct item batch[37];
	pthread_t t;
	uint64_t next = 0;

	s.r = new_ring(256, sizeof(struct item));
	ck_assert_int_eq(waker_init(&s.w), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, producer, &s), 0);
	while (next < STRESS_ITEMS) {
		size_t n = ring_pop(s.r, batch, 37);

		for (size_t i = 0; i < n; i++, next++) {
			ck_assert_uint_eq(batch[i].seq, next);
			ck_assert_uint_eq(batch[i].check, mix(next));
		}
	}
	pthread_join(t, NULL);
	ck_assert_uint_eq(ring_count(s.r), 0);
	waker_close(&s.w);
	ring_free(s.r);
}
END_TEST

static bool ring_empty(void *arg)
{
	return ring_count(arg) == 0;
}

START_TEST(test_waker)
{
	struct waker w;
	struct ring *r = new_ring(4, sizeof(int));

	ck_assert_int_eq(waker_init(&w), 0);
	/* Nothing pushed: the consumer may sleep. */
	ck_assert(waker_prepare_sleep(&w, ring_empty, r));
	/* A push then a kick wakes it: the eventfd is readable. */
	ck_assert(ring_push(r, &(int){ 1 }));
	waker_kick(&w);
	{
		uint64_t v = 0;

		ck_assert_int_eq((int)read(w.fd, &v, sizeof(v)), 8);
		ck_assert_uint_eq(v, 1);
	}
	/* Awake, it is not kicked again. */
	waker_woken(&w);
	waker_kick(&w);
	{
		uint64_t v;

		ck_assert_int_lt((int)read(w.fd, &v, sizeof(v)), 0);
	}
	/* Work waiting: no sleep. */
	ck_assert(!waker_prepare_sleep(&w, ring_empty, r));
	waker_close(&w);
	ring_free(r);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_waker);
	tcase_add_test(tc, test_two_threads);
	suite_add_tcase(s, tc);
	return s;
}
