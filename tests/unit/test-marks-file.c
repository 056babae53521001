/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The class values kept across restarts: what is saved loads back the
 * same, and a file that cannot be trusted is refused whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "config-test-util.h"
#include "marks-file.h"
#include "test-util.h"

static void setup(void)
{
	test_file_setup("marks");
}

START_TEST(test_roundtrip)
{
	struct qp_policy *p1 = load_ok("classes:\n  voice: {}\n  bulk: {}\n  default: {}\n");
	struct qp_policy *p2 = load_ok("classes:\n  voice: {}\n  default: {}\n");
	struct marks m = { 0 }, got;

	ck_assert_int_eq(marks_assign(&m, p1), 0);
	ck_assert_int_eq(marks_assign(&m, p2), 0);	/* bulk retires */
	ck_assert_int_eq(marks_file_save(&m, test_file_path), 0);
	ck_assert_int_eq(access(test_file_path, F_OK), 0);
	ck_assert_int_eq(marks_file_load(test_file_path, &got), 0);
	ck_assert_uint_eq(got.mask, m.mask);
	ck_assert_uint_eq(got.shift, m.shift);
	ck_assert_uint_eq(got.max, m.max);
	ck_assert_uint_eq(got.n, 2);
	ck_assert_str_eq(got.names[0], "voice");
	ck_assert_uint_eq(got.values[0], m.values[0]);
	ck_assert_str_eq(got.names[1], "default");
	ck_assert_uint_eq(got.values[1], 3);
	ck_assert_uint_eq(got.n_retired, 1);
	ck_assert_str_eq(got.retired_names[0], "bulk");
	ck_assert_uint_eq(got.retired_values[0], 2);
	/* A restart after inserting a class first in the file: the old ones
	 * keep their values, and the new one takes none of theirs. */
	marks_clear(&m);
	policy_free(p1);
	p1 = load_ok("classes:\n  gold: {}\n  voice: {}\n  default: {}\n");
	ck_assert_int_eq(marks_assign(&got, p1), 0);
	ck_assert_uint_eq(got.values[1], 1);		/* voice */
	ck_assert_uint_eq(got.values[2], 3);		/* default */
	ck_assert_uint_eq(got.values[0], 4);		/* gold: not bulk's 2 */
	marks_clear(&got);
	policy_free(p1);
	policy_free(p2);
}
END_TEST

START_TEST(test_missing)
{
	struct marks got = { 0 };
	char nowhere[sizeof(test_file_path) + 16];

	ck_assert_int_eq(marks_file_load(test_file_path, &got), -ENOENT);
	snprintf(nowhere, sizeof(nowhere), "%s/no/marks", test_file_dir);
	ck_assert_int_eq(marks_file_save(&got, nowhere), -ENOENT);
}
END_TEST

START_TEST(test_untrusted)
{
	static const char *const bad[] = {
		"",						/* no mask */
		"class voice 1\n",
		"mask 0x00ff0000\nclass voice 1",		/* cut */
		"mask 0x00ff0000\nclass voice 1\nclass bulk 1\n",	/* a value twice */
		"mask 0x00ff0000\nclass voice 1\nretired voice 2\n",	/* a name twice */
		"mask 0x00ff0000\nclass voice 0\n",		/* not a class's value */
		"mask 0x00ff0000\nclass voice 254\n",		/* pending */
		"mask 0x00ff0000\nclass voice 255\n",		/* unmanaged */
		"mask 0x00ff0000\nclass voice 4294967297\n",
		"mask 0x00ff0000\nclass voice 4294967295\n",	/* + 1 wraps */
		"mask 0x00f0f000\nclass voice 1\n",		/* not one run of bits */
		"mask 0xffffffff\nclass voice 1\n",		/* wider than a policy's */
		"mask 0\n",
		"mask 0x00ff0000\nmask 0x00ff0000\n",
		"mask 0x00ff0000\nclass 9voice 1\n",		/* not a class name */
		"mask 0x00ff0000\nclass voice 1 2\n",
		"mask 0x00ff0000\nfavourite voice 1\n",
		"mask 0x00ff0000\nclass voice -1\n",
	};
	struct marks got;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&got, 0x5a, sizeof(got));
		test_file_write(bad[i]);
		if (marks_file_load(test_file_path, &got) != -EINVAL)
			ck_abort_msg("trusted: \"%s\"", bad[i]);
		ck_assert_uint_eq(got.mask, 0x5a5a5a5a);	/* untouched */
	}
	/* Comments and blank lines are fine; so is a file of no class yet. */
	test_file_write("# kept\n\nmask 0x0000ff00\n");
	ck_assert_int_eq(marks_file_load(test_file_path, &got), 0);
	ck_assert_uint_eq(got.n + got.n_retired, 0);
	ck_assert_uint_eq(got.shift, 8);
	marks_clear(&got);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("marks-file");
	TCase *tc = tcase_create("marks-file");

	tcase_add_checked_fixture(tc, setup, test_file_teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_missing);
	tcase_add_test(tc, test_untrusted);
	suite_add_tcase(s, tc);
	return s;
}
