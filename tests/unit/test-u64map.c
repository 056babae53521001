/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "check-main.h"
#include "u64map.h"

START_TEST(test_against_model)
{
	static uint64_t model[5000];
	struct u64map m;

	u64map_init(&m, 100000);
	srand(3);
	for (int step = 0; step < 300000; step++) {
		uint64_t k = (uint64_t)(rand() % 5000), v;
		bool there;

		switch (rand() % 3) {
		case 0:
			ck_assert_int_eq(u64map_put(&m, k + 1, (uint64_t)step + 1), 0);
			model[k] = (uint64_t)step + 1;
			break;
		case 1:
			ck_assert_int_eq(u64map_del(&m, k + 1), model[k] != 0);
			model[k] = 0;
			break;
		default:
			there = u64map_get(&m, k + 1, &v);
			ck_assert_int_eq(there, model[k] != 0);
			if (there)
				ck_assert_uint_eq(v, model[k]);
		}
	}
	{
		size_t n = 0;

		for (int k = 0; k < 5000; k++)
			n += model[k] != 0;
		ck_assert_uint_eq(m.count, n);
	}
	u64map_clear(&m);
}
END_TEST

START_TEST(test_limits)
{
	struct u64map m;
	uint64_t v;

	u64map_init(&m, 3);
	ck_assert_int_lt(u64map_put(&m, 0, 1), 0);	/* 0 is no key */
	ck_assert_int_eq(u64map_put(&m, 1, 10), 0);
	ck_assert_int_eq(u64map_put(&m, 2, 20), 0);
	ck_assert_int_eq(u64map_put(&m, 3, 30), 0);
	ck_assert_int_eq(u64map_put(&m, 4, 40), -ENOSPC);
	ck_assert_int_eq(u64map_put(&m, 3, 31), 0);	/* replacing is fine */
	ck_assert(u64map_get(&m, 3, &v));
	ck_assert_uint_eq(v, 31);
	ck_assert(!u64map_get(&m, 4, &v));
	u64map_clear(&m);
	ck_assert(!u64map_get(&m, 1, &v));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("u64map");
	TCase *tc = tcase_create("u64map");

	tcase_add_test(tc, test_against_model);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}
