/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The nftables table qpod builds, expression by expression, against
 * tests/data/ruleset/expected-*.txt (QPOD_UPDATE_GOLDEN=1 rewrites them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "config-test-util.h"
#include "ruleset.h"

static char *format(const struct ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ruleset_format(rs, f);
	fclose(f);
	return buf;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* Two cgroups of qpod-ctl run, the shallower first: the rules come the
 * deeper first. */
static const struct ruleset_run runs[] = {
	{ .cgroup_id = 0x1234, .level = 2, .mark = 0x100 },
	{ .cgroup_id = 0x5678, .level = 5, .mark = 0x200 },
};

static void check_golden(enum ruleset_queue kind, bool ct_in_verdict, const char *name)
{
	struct ruleset_opts o = { kind, ct_in_verdict, runs, kind == RULESET_QUEUE_NATIVE ? 2 : 0 };
	struct qp_policy *p = NULL;
	struct diag_list d;
	struct marks m = { 0 };
	struct ruleset *rs;
	char path[512], *got, *want;

	diag_list_init(&d);
	ck_assert_int_eq(config_load(TEST_DATA_DIR "/ruleset/policy.yaml", "/nonexistent", &p, &d), 0);
	ck_assert_int_eq(marks_assign(&m, p), 0);
	ck_assert_int_eq(ruleset_build(p, &m, &o, &rs), 0);
	got = format(rs);
	snprintf(path, sizeof(path), "%s/ruleset/%s", TEST_DATA_DIR, name);
	if (getenv("QPOD_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs(got, f);
		fclose(f);
	}
	want = read_all(path);
	ck_assert_msg(want != NULL, "%s is missing", path);
	ck_assert_msg(strcmp(got, want) == 0, "ruleset differs from %s:\n%s", path, got);
	free(got);
	free(want);
	ruleset_free(rs);
	marks_clear(&m);
	policy_free(p);
	diag_list_clear(&d);
}

/* nft_batch_new(), which must succeed here. */
static struct nft_batch *new_nft_batch(void)
{
	struct nft_batch *x = NULL;

	ck_assert_int_eq(nft_batch_new(&x), 0);
	return x;
}

START_TEST(test_native_queue)
{
	check_golden(RULESET_QUEUE_NATIVE, false, "expected-native.txt");
}
END_TEST

/* Where a verdict marks the connection, no save chains. */
START_TEST(test_ct_in_verdict)
{
	check_golden(RULESET_QUEUE_NATIVE, true, "expected-ct-verdict.txt");
}
END_TEST

START_TEST(test_compat_queue)
{
	check_golden(RULESET_QUEUE_COMPAT, false, "expected-compat.txt");
}
END_TEST

START_TEST(test_batch)
{
	struct qp_policy *p = load_ok("classes:\n  voice: { dscp: EF }\n  default: {}\n");
	struct marks m = { 0 };
	struct ruleset *rs;
	struct nft_batch *b = new_nft_batch();
	const struct ruleset_opts native = { RULESET_QUEUE_NATIVE, false };

	ck_assert_int_eq(marks_assign(&m, p), 0);
	ck_assert_int_eq(ruleset_build(p, &m, &native, &rs), 0);
	ck_assert_int_eq(ruleset_put_replace(rs, b), 0);
	/* The queue rule is where ruleset_queue_rule_index says. */
	ck_assert_int_lt(ruleset_queue_rule_index(rs), (int)nft_batch_count(b));
	ck_assert_int_gt(ruleset_queue_rule_index(rs), 8);
	nft_batch_free(b);
	/* A change of runs: the chain emptied, then a rule each. */
	b = new_nft_batch();
	ck_assert_int_eq(ruleset_put_runs(runs, 2, &m, b), 0);
	ck_assert_uint_eq(nft_batch_count(b), 3);
	nft_batch_free(b);
	b = new_nft_batch();
	ck_assert_int_eq(ruleset_put_runs(NULL, 0, &m, b), 0);
	ck_assert_uint_eq(nft_batch_count(b), 1);
	nft_batch_free(b);
	b = new_nft_batch();
	ck_assert_int_eq(ruleset_put_delete(b), 0);
	ck_assert_uint_eq(nft_batch_count(b), 2);
	nft_batch_free(b);
	ruleset_free(rs);
	marks_clear(&m);
	policy_free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ruleset");
	TCase *tc = tcase_create("ruleset");

	tcase_add_test(tc, test_native_queue);
	tcase_add_test(tc, test_compat_queue);
	tcase_add_test(tc, test_ct_in_verdict);
	tcase_add_test(tc, test_batch);
	suite_add_tcase(s, tc);
	return s;
}
