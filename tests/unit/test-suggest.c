/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check-main.h"
#include <stdlib.h>

#include "suggest.h"

START_TEST(test_distance)
{
	ck_assert_uint_eq(suggest_distance("", ""), 0);
	ck_assert_uint_eq(suggest_distance("abc", "abc"), 0);
	ck_assert_uint_eq(suggest_distance("abc", ""), 3);
	ck_assert_uint_eq(suggest_distance("clases", "classes"), 1);
	ck_assert_uint_eq(suggest_distance("gaurantee", "guarantee"), 1); /* a swap */
	ck_assert_uint_eq(suggest_distance("kitten", "sitting"), 3);
	ck_assert_uint_eq(suggest_distance("Voice", "voice"), 0);
}
END_TEST

START_TEST(test_closest)
{
	static const char *const keys[] = { "dscp", "guarantee", "delay", "share", "limit",
					    "queue", NULL };

	ck_assert_str_eq(suggest_closest("gaurantee", keys), "guarantee");
	ck_assert_str_eq(suggest_closest("dcsp", keys), "dscp");
	ck_assert_str_eq(suggest_closest("limt", keys), "limit");
	ck_assert_ptr_null(suggest_closest("bandwidth", keys));
	ck_assert_ptr_null(suggest_closest("x", keys));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("suggest");
	TCase *tc = tcase_create("suggest");

	tcase_add_test(tc, test_distance);
	tcase_add_test(tc, test_closest);
	suite_add_tcase(s, tc);
	return s;
}
