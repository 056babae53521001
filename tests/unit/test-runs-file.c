/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runs kept across restarts: what is saved loads back the same, and a
 * file that cannot be trusted is refused whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "runs-file.h"
#include "test-util.h"

static void setup(void)
{
	test_file_setup("runs");
}

START_TEST(test_roundtrip)
{
	struct runcg_entry runs[2] = {
		{ .id = 4242, .level = 2, .path = "/qpod/run-17", .cls = "bulk", .pid = 17,
		  .started_ns = 1796306246000000000ull, .own = true, .wd = 3 },
		{ .id = 99, .level = 4, .path = "/user.slice/user-1000.slice/a b/qpod-run-9.scope",
		  .cls = "voice-hd", .pid = 9, .started_ns = 1, .own = false, .wd = 4 },
	};
	struct runcg_entry *got = NULL;
	size_t n = 7;

	ck_assert_int_eq(runs_file_save(test_file_path, runs, 2), 0);
	ck_assert_int_eq(runs_file_load(test_file_path, &got, &n), 0);
	ck_assert_uint_eq(n, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_uint_eq(got[i].id, runs[i].id);
		ck_assert_uint_eq(got[i].level, runs[i].level);
		ck_assert_str_eq(got[i].path, runs[i].path);	/* spaces too */
		ck_assert_str_eq(got[i].cls, runs[i].cls);
		ck_assert_int_eq(got[i].pid, runs[i].pid);
		ck_assert_uint_eq(got[i].started_ns, runs[i].started_ns);
		ck_assert_int_eq(got[i].own, runs[i].own);
		ck_assert_int_eq(got[i].wd, -1);	/* not watched yet */
	}
	free(got);
	/* No runs: an empty file, loaded as none. */
	ck_assert_int_eq(runs_file_save(test_file_path, NULL, 0), 0);
	ck_assert_int_eq(runs_file_load(test_file_path, &got, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(got);
	ck_assert_int_eq(access("/nonexistent/runs", F_OK), -1);
	ck_assert_int_eq(runs_file_load("/nonexistent/runs", &got, &n), -ENOENT);
}
END_TEST

START_TEST(test_untrusted)
{
	static const char *const bad[] = {
		"run 1 2 1 17 5 bulk qpod/run-17\n",		/* not below the root */
		"run 1 2 1 17 5 bulk /qpod/../etc\n",		/* out of it */
		"run 1 2 1 17 5 bulk\n",			/* no path */
		"run 1 2 1 0 5 bulk /qpod/run-17\n",		/* no process */
		"run 0 2 1 17 5 bulk /qpod/run-17\n",		/* no cgroup id */
		"run 1 2 2 17 5 bulk /qpod/run-17\n",		/* own is 0 or 1 */
		"run 1 2 1 17 5 b\"k /qpod/run-17\n",		/* not a class name */
		"run 1 2 1 17 /qpod/run-17\n",			/* a field short */
		"class voice 1\n",				/* another file's */
		"run 1 2 1 17 5 bulk /qpod/run-17",		/* cut short */
	};
	struct runcg_entry *got = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_file_write(bad[i]);
		ck_assert_msg(runs_file_load(test_file_path, &got, &n) == -EINVAL, "accepted: %s", bad[i]);
	}
	/* Comments and blank lines are fine. */
	test_file_write("# kept\n\nrun 1 2 1 17 5 bulk /qpod/run-17\n");
	ck_assert_int_eq(runs_file_load(test_file_path, &got, &n), 0);
	ck_assert_uint_eq(n, 1);
	free(got);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("runs-file");
	TCase *tc = tcase_create("runs-file");

	tcase_add_checked_fixture(tc, setup, test_file_teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_untrusted);
	suite_add_tcase(s, tc);
	return s;
}
