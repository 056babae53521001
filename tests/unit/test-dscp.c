/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check-main.h"
#include <stdlib.h>

#include "dscp.h"

static const struct {
	const char *name;
	uint8_t value;
} known[] = {
	{ "BE", 0 }, { "DF", 0 }, { "CS0", 0 }, { "LE", 1 }, { "CS1", 8 }, { "AF11", 10 },
	{ "AF12", 12 }, { "AF13", 14 }, { "CS2", 16 }, { "AF21", 18 }, { "AF22", 20 },
	{ "AF23", 22 }, { "CS3", 24 }, { "AF31", 26 }, { "AF32", 28 }, { "AF33", 30 },
	{ "CS4", 32 }, { "AF41", 34 }, { "AF42", 36 }, { "AF43", 38 }, { "CS5", 40 },
	{ "VA", 44 }, { "EF", 46 }, { "CS6", 48 }, { "CS7", 56 },
	{ "ef", 46 }, { "af41", 34 }, { "0", 0 }, { "63", 63 }, { "46", 46 }, { "0x2e", 46 },
};

START_TEST(test_known)
{
	uint8_t v = 99;

	ck_assert_msg(dscp_parse(known[_i].name, &v) == 0, "%s", known[_i].name);
	ck_assert_uint_eq(v, known[_i].value);
}
END_TEST

START_TEST(test_bad)
{
	static const char *const bad[] = { "", "64", "AF14", "AF51", "CS8", "EF1", "-1", "x", "1.5" };
	uint8_t v = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(dscp_parse(bad[i], &v) < 0, "'%s' parsed", bad[i]);
		ck_assert_uint_eq(v, 7);
	}
}
END_TEST

START_TEST(test_names_round_trip)
{
	char buf[8];

	for (unsigned d = 0; d <= DSCP_MAX; d++) {
		uint8_t back;

		dscp_format((uint8_t)d, buf, sizeof(buf));
		ck_assert_int_eq(dscp_parse(buf, &back), 0);
		ck_assert_uint_eq(back, d);
	}
	ck_assert_str_eq(dscp_name(46), "EF");
	ck_assert_str_eq(dscp_name(0), "BE");
	ck_assert_ptr_null(dscp_name(2));
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("dscp");
	TCase *tc = tcase_create("dscp");

	tcase_add_loop_test(tc, test_known, 0, (int)(sizeof(known) / sizeof(known[0])));
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_names_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
