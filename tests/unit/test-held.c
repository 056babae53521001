/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Held packets: each session's come back in the order they were held,
 * interleaved sessions keep apart, a full pool holds nothing more, and
 * released room is used again. */
#include <stdlib.h>

#include "check-main.h"
#include "held.h"

struct seen {
	uint32_t n;
	uint32_t ids[HELD_MAX];
	uint32_t marks[HELD_MAX];
};

static void record(uint32_t id, uint32_t mark, void *arg)
{
	struct seen *s = arg;

	s->ids[s->n] = id;
	s->marks[s->n] = mark;
	s->n++;
}

static struct held_pool *new_pool(void)
{
	struct held_pool *p = malloc(sizeof(*p));

	ck_assert_ptr_nonnull(p);
	held_pool_init(p);
	return p;
}

START_TEST(test_order)
{
	struct held_pool *p = new_pool();
	struct held_list a, b;
	struct seen *s = calloc(1, sizeof(*s));

	held_list_init(&a);
	held_list_init(&b);
	/* Two sessions' packets arrive interleaved. */
	for (uint32_t i = 0; i < 100; i++)
		ck_assert(held_push(p, i % 3 ? &a : &b, i, i * 10));
	ck_assert_uint_eq(held_release(p, &a, record, s), 66);
	for (uint32_t i = 0, want = 1; i < s->n; i++, want += want % 3 == 1 ? 1 : 2)
		ck_assert_uint_eq(s->ids[i], want);
	ck_assert_uint_eq(s->marks[0], 10);
	ck_assert_int_eq(a.head, -1);
	ck_assert_uint_eq(a.n, 0);
	s->n = 0;
	ck_assert_uint_eq(held_release(p, &b, record, s), 34);
	for (uint32_t i = 0; i < s->n; i++)
		ck_assert_uint_eq(s->ids[i], i * 3);
	/* Released twice: nothing more. */
	s->n = 0;
	ck_assert_uint_eq(held_release(p, &b, record, s), 0);
	ck_assert_uint_eq(s->n, 0);
	free(s);
	free(p);
}
END_TEST

START_TEST(test_full)
{
	struct held_pool *p = new_pool();
	struct held_list a, b;
	struct seen *s = calloc(1, sizeof(*s));

	held_list_init(&a);
	held_list_init(&b);
	for (uint32_t i = 0; i < HELD_MAX; i++)
		ck_assert(held_push(p, &a, i, 0));
	ck_assert(held_pool_full(p));
	ck_assert(!held_push(p, &b, 99999, 0));
	ck_assert_uint_eq(b.n, 0);
	ck_assert_int_eq(b.head, -1);
	ck_assert_uint_eq(held_release(p, &a, record, s), HELD_MAX);
	ck_assert_uint_eq(s->ids[HELD_MAX - 1], HELD_MAX - 1);
	/* All the room is back, and serves in order again. */
	ck_assert(!held_pool_full(p));
	s->n = 0;
	for (uint32_t i = 0; i < HELD_MAX; i++)
		ck_assert(held_push(p, &b, HELD_MAX - i, 0));
	ck_assert(held_pool_full(p));
	ck_assert_uint_eq(held_release(p, &b, record, s), HELD_MAX);
	for (uint32_t i = 0; i < HELD_MAX; i++)
		ck_assert_uint_eq(s->ids[i], HELD_MAX - i);
	free(s);
	free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("held");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	return s;
}
