/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "check-main.h"
#include <stdlib.h>
#include <string.h>

#include "units.h"

struct good {
	const char *s;
	uint64_t v;
};

static const struct good rates[] = {
	{ "1bit", 1 }, { "2mbit", 2000000 }, { "2.5mbit", 2500000 }, { "1gbit", 1000000000 },
	{ "10kbit", 10000 }, { "1Mbit", 1000000 }, { "1kibit", 1024 }, { "1mibit", 1048576 },
	{ "1bps", 8 }, { "100kbps", 800000 }, { "1mbps", 8000000 }, { "2gbps", 16000000000 },
	{ "0.5kbit", 500 }, { "1tbit", 1000000000000 },
};

START_TEST(test_rate_good)
{
	const char *err = NULL;
	uint64_t v = 0;

	ck_assert_msg(units_parse_rate(rates[_i].s, &v, &err) == 0, "%s: %s", rates[_i].s, err);
	ck_assert_uint_eq(v, rates[_i].v);
}
END_TEST

static const char *const bad_rates[] = { "", "2", "mbit", "2 mbit", "-1mbit", "1e6bit",
					 "2mbs", "0x10mbit", "inf", "nanbit", "2..5mbit",
					 "2000000tbit", ".mbit" };

START_TEST(test_rate_bad)
{
	const char *err = NULL;
	uint64_t v = 42;

	ck_assert_int_lt(units_parse_rate(bad_rates[_i], &v, &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_uint_eq(v, 42); /* untouched on failure */
}
END_TEST

START_TEST(test_size_time_percent)
{
	const char *err;
	uint64_t v;
	uint32_t ppm;
	double pr;

	ck_assert_int_eq(units_parse_size("30kb", &v, &err), 0);
	ck_assert_uint_eq(v, 30720);
	ck_assert_int_eq(units_parse_size("1500b", &v, &err), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(units_parse_size("2mb", &v, &err), 0);
	ck_assert_uint_eq(v, 2097152);
	ck_assert_int_lt(units_parse_size("30", &v, &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "size unit"));
	ck_assert_int_lt(units_parse_size("30kbit", &v, &err), 0);

	ck_assert_int_eq(units_parse_time("10ms", &v, &err), 0);
	ck_assert_uint_eq(v, 10000);
	ck_assert_int_eq(units_parse_time("500us", &v, &err), 0);
	ck_assert_uint_eq(v, 500);
	ck_assert_int_eq(units_parse_time("2s", &v, &err), 0);
	ck_assert_uint_eq(v, 2000000);
	ck_assert_int_eq(units_parse_time("1.5ms", &v, &err), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_lt(units_parse_time("10", &v, &err), 0);
	ck_assert_int_lt(units_parse_time("10min", &v, &err), 0);
	ck_assert_int_lt(units_parse_time("100000s", &v, &err), 0);

	ck_assert_int_eq(units_parse_percent("10%", &ppm, &err), 0);
	ck_assert_uint_eq(ppm, 100000);
	ck_assert_int_eq(units_parse_percent("12.5%", &ppm, &err), 0);
	ck_assert_uint_eq(ppm, 125000);
	ck_assert_int_eq(units_parse_percent("100%", &ppm, &err), 0);
	ck_assert_uint_eq(ppm, 1000000);
	ck_assert_int_lt(units_parse_percent("0%", &ppm, &err), 0);
	ck_assert_int_lt(units_parse_percent("101%", &ppm, &err), 0);
	ck_assert_int_lt(units_parse_percent("10", &ppm, &err), 0);
	ck_assert_int_lt(units_parse_percent("%", &ppm, &err), 0);

	ck_assert_int_eq(units_parse_probability("0.02", &pr, &err), 0);
	ck_assert_double_eq(pr, 0.02);
	ck_assert_int_eq(units_parse_probability("5%", &pr, &err), 0);
	ck_assert_double_eq_tol(pr, 0.05, 1e-12);
	ck_assert_int_eq(units_parse_probability("1", &pr, &err), 0);
	ck_assert_int_lt(units_parse_probability("0", &pr, &err), 0);
	ck_assert_int_lt(units_parse_probability("1.5", &pr, &err), 0);
}
END_TEST

START_TEST(test_uint)
{
	const char *err;
	uint64_t v;

	ck_assert_int_eq(units_parse_uint("0x00ff0000", UINT32_MAX, &v, &err), 0);
	ck_assert_uint_eq(v, 0xff0000);
	ck_assert_int_eq(units_parse_uint("65535", 65535, &v, &err), 0);
	ck_assert_int_lt(units_parse_uint("65536", 65535, &v, &err), 0);
	ck_assert_int_lt(units_parse_uint("0x", 65535, &v, &err), 0);
	ck_assert_int_lt(units_parse_uint("-1", 65535, &v, &err), 0);
	ck_assert_int_lt(units_parse_uint("1.0", 65535, &v, &err), 0);
	ck_assert_int_lt(units_parse_uint("99999999999999999999", UINT64_MAX, &v, &err), 0);
	ck_assert_int_eq(units_parse_uint("18446744073709551615", UINT64_MAX, &v, &err), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(test_format_round_trip)
{
	static const uint64_t values[] = { 1, 999, 1000, 2500000, 1000000000, 123456789, 8 };
	char buf[64];
	const char *err;
	uint64_t v;
	uint32_t ppm;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		units_format_rate(values[i], buf, sizeof(buf));
		ck_assert_int_eq(units_parse_rate(buf, &v, &err), 0);
		ck_assert_uint_eq(v, values[i]);
		units_format_size(values[i], buf, sizeof(buf));
		ck_assert_int_eq(units_parse_size(buf, &v, &err), 0);
		ck_assert_uint_eq(v, values[i]);
		units_format_time(values[i], buf, sizeof(buf));
		ck_assert_int_eq(units_parse_time(buf, &v, &err), 0);
		ck_assert_uint_eq(v, values[i]);
	}
	units_format_rate(2000000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2mbit");
	units_format_size(30720, buf, sizeof(buf));
	ck_assert_str_eq(buf, "30kb");
	units_format_time(10000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "10ms");
	units_format_percent(125000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "12.5%");
	units_format_percent(1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.0001%");
	ck_assert_int_eq(units_parse_percent(buf, &ppm, &err), 0);
	ck_assert_uint_eq(ppm, 1);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("units");

	tcase_add_loop_test(tc, test_rate_good, 0, (int)(sizeof(rates) / sizeof(rates[0])));
	tcase_add_loop_test(tc, test_rate_bad, 0, (int)(sizeof(bad_rates) / sizeof(bad_rates[0])));
	tcase_add_test(tc, test_size_time_percent);
	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_format_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
