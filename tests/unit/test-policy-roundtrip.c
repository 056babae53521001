/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every good policy, written out with policy_write_yaml() and read back,
 * gives the same policy, and the second writing is identical to the first. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "config-test-util.h"

static char *write_to_string(const struct qp_policy *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(policy_write_yaml(p, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* Drops the first line, which names the files read. */
static const char *body(const char *yaml)
{
	const char *nl = strchr(yaml, '\n');

	return nl ? nl + 1 : yaml;
}

static void round_trip(const char *file)
{
	struct qp_policy *p1 = NULL, *p2;
	struct diag_list d;
	char *y1, *y2;

	diag_list_init(&d);
	ck_assert_msg(config_load(file, "/nonexistent", &p1, &d) == 0, "%s:\n%s", file,
		      diag_dump(&d));
	diag_list_clear(&d);
	y1 = write_to_string(p1);
	p2 = load_ok(y1);
	y2 = write_to_string(p2);
	ck_assert_msg(strcmp(body(y1), body(y2)) == 0, "%s: not stable:\n%s\n---\n%s", file, y1, y2);

	/* Spot checks that the values, not only the text, survived. */
	ck_assert_uint_eq(p1->n_classes, p2->n_classes);
	ck_assert_uint_eq(p1->n_apps, p2->n_apps);
	ck_assert_uint_eq(p1->n_sessions, p2->n_sessions);
	ck_assert_uint_eq(p1->n_filtered, p2->n_filtered);
	ck_assert_uint_eq(p1->queue.mark_mask, p2->queue.mark_mask);
	for (size_t i = 0; i < p1->n_classes; i++) {
		const struct qp_class *a = &p1->classes[i], *b = &p2->classes[i];

		ck_assert_str_eq(a->name, b->name);
		ck_assert_uint_eq(a->dscp, b->dscp);
		ck_assert_uint_eq(a->guarantee.bps, b->guarantee.bps);
		ck_assert_uint_eq(a->guarantee.ppm, b->guarantee.ppm);
		ck_assert_uint_eq(a->share.ppm, b->share.ppm);
		ck_assert_uint_eq(a->limit.bps, b->limit.bps);
		ck_assert_uint_eq(a->delay_usec, b->delay_usec);
		ck_assert_int_eq(a->leaf.kind, b->leaf.kind);
		ck_assert_double_eq(a->leaf.red.probability, b->leaf.red.probability);
	}
	for (size_t i = 0; i < p1->n_sessions; i++) {
		ck_assert(memcmp(&p1->sessions[i].match, &p2->sessions[i].match,
				 sizeof(p1->sessions[i].match)) == 0);
		ck_assert_int_eq(p1->sessions[i].target.kind, p2->sessions[i].target.kind);
	}
	free(y1);
	free(y2);
	policy_free(p1);
	policy_free(p2);
}

START_TEST(test_good_files)
{
	DIR *dir = opendir(TEST_DATA_DIR "/good");
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(dir);
	while ((de = readdir(dir))) {
		char path[512];

		if (!strstr(de->d_name, ".yaml"))
			continue;
		snprintf(path, sizeof(path), "%s/good/%s", TEST_DATA_DIR, de->d_name);
		round_trip(path);
		n++;
	}
	closedir(dir);
	ck_assert_int_ge(n, 3);
}
END_TEST

START_TEST(test_shipped_default)
{
	round_trip(TOP_SRCDIR "/etc/qpod.yaml");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("policy-roundtrip");
	TCase *tc = tcase_create("roundtrip");

	tcase_add_test(tc, test_good_files);
	tcase_add_test(tc, test_shipped_default);
	suite_add_tcase(s, tc);
	return s;
}
