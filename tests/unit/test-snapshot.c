/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Snapshots: a reload's snapshot keeps the running one's class values and
 * owns its own copy of them, so the old one can be freed first. */
#include "check-main.h"
#include "config-test-util.h"
#include "snapshot.h"

static uint32_t value_of(const struct snapshot *s, const char *name)
{
	const struct qp_class *c = policy_class_find(s->policy, name);

	ck_assert_ptr_nonnull(c);
	return s->marks.values[c->index];
}

START_TEST(test_reload_keeps_values)
{
	struct snapshot *s1 = NULL, *s2 = NULL;

	ck_assert_int_eq(snapshot_new(load_ok("classes:\n  a: {}\n  b: {}\n  default: {}\n"), NULL,
				      1, &s1), 0);
	ck_assert_uint_eq(s1->gen, 1);
	ck_assert_uint_eq(value_of(s1, "b"), 2);
	ck_assert_int_eq(snapshot_new(load_ok("classes:\n  new: {}\n  default: {}\n  b: {}\n"),
				      &s1->marks, 2, &s2), 0);
	snapshot_free(s1);
	ck_assert_uint_eq(s2->gen, 2);
	ck_assert_uint_eq(value_of(s2, "b"), 2);
	ck_assert_uint_eq(value_of(s2, "default"), 3);
	/* a's value stays free: its sessions must not become new's. */
	ck_assert_uint_eq(value_of(s2, "new"), 4);
	snapshot_free(s2);
	snapshot_free(NULL);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reload_keeps_values);
	suite_add_tcase(s, tc);
	return s;
}
