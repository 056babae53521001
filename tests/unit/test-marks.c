/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Class values in the mark: stable across reloads by name, never the
 * value of a class that went away while another is free, reassigned when
 * the mask changes. */
#include "check-main.h"
#include "config-test-util.h"
#include "marks.h"

static uint32_t value_of(const struct marks *m, const struct qp_policy *p, const char *name)
{
	const struct qp_class *c = policy_class_find(p, name);

	ck_assert_ptr_nonnull(c);
	return m->values[c->index];
}

START_TEST(test_stable_across_reloads)
{
	struct qp_policy *p1 = load_ok("classes:\n  a: {}\n  b: {}\n  c: {}\n  default: {}\n");
	struct qp_policy *p2 = load_ok("classes:\n  default: {}\n  c: {}\n  new: {}\n  a: {}\n");
	struct marks m = { 0 };

	ck_assert_int_eq(marks_assign(&m, p1), 0);
	ck_assert_uint_eq(value_of(&m, p1, "a"), 1);
	ck_assert_uint_eq(value_of(&m, p1, "b"), 2);
	ck_assert_uint_eq(value_of(&m, p1, "default"), 4);
	ck_assert_uint_eq(m.max, 255);
	ck_assert_uint_eq(marks_class(&m, 1), 0x00020000);
	ck_assert_uint_eq(marks_unmanaged(&m), 0x00ff0000);
	ck_assert_uint_eq(marks_value(&m, 0x12030000), 3);
	ck_assert_uint_eq(marks_tc_classid(&m, 0), 0x07a00011);

	ck_assert_int_eq(marks_assign(&m, p2), 0);
	ck_assert_uint_eq(value_of(&m, p2, "a"), 1);
	ck_assert_uint_eq(value_of(&m, p2, "c"), 3);
	ck_assert_uint_eq(value_of(&m, p2, "default"), 4);
	/* b's value 2 stays free: b's sessions must not become new's. */
	ck_assert_uint_eq(value_of(&m, p2, "new"), 5);
	ck_assert_int_eq(marks_class_of_value(&m, 2), -1);
	ck_assert_int_eq(marks_class_of_value(&m, 5), 2);
	marks_clear(&m);
	policy_free(p1);
	policy_free(p2);
}
END_TEST

START_TEST(test_narrow_mask_reuses)
{
	/* 0x7 holds values 1-5 for classes (6 is pending, 7 unmanaged): with
	 * all in use, a freed value is taken when there is no other. */
	struct qp_policy *p1 = load_ok("queue: { mark-mask: 0x7 }\n"
				       "classes:\n  a: {}\n  b: {}\n  c: {}\n  d: {}\n  default: {}\n");
	struct qp_policy *p2 = load_ok("queue: { mark-mask: 0x7 }\n"
				       "classes:\n  a: {}\n  x: {}\n  c: {}\n  d: {}\n  default: {}\n");
	struct qp_policy *p3 = load_ok("queue: { mark-mask: 0x700 }\nclasses:\n  x: {}\n  default: {}\n");
	struct marks m = { 0 };

	ck_assert_int_eq(marks_assign(&m, p1), 0);
	ck_assert_int_eq(marks_assign(&m, p2), 0);
	ck_assert_uint_eq(value_of(&m, p2, "x"), 2);
	ck_assert_uint_eq(marks_pending(&m), 6);
	ck_assert_uint_eq(marks_unmanaged(&m), 7);
	ck_assert_int_eq(marks_assign(&m, p3), 0);
	ck_assert_uint_eq(value_of(&m, p3, "x"), 1);
	ck_assert_uint_eq(marks_class(&m, 0), 0x100);
	marks_clear(&m);
	policy_free(p1);
	policy_free(p2);
	policy_free(p3);
}
END_TEST

/* A removed class's value stays out of use over later reloads, comes back
 * with the class, and is given to another class only when no value was
 * never used; oldest retired first. */
START_TEST(test_retired)
{
	struct qp_policy *p1 = load_ok("classes:\n  a: {}\n  b: {}\n  default: {}\n");
	struct qp_policy *p2 = load_ok("classes:\n  a: {}\n  default: {}\n");
	struct qp_policy *p3 = load_ok("classes:\n  a: {}\n  c: {}\n  default: {}\n");
	struct qp_policy *p4 = load_ok("classes:\n  z: {}\n  b: {}\n  a: {}\n  c: {}\n  default: {}\n");
	struct qp_policy *n1 = load_ok("queue: { mark-mask: 0x7 }\n"
				       "classes:\n  a: {}\n  b: {}\n  c: {}\n  d: {}\n  default: {}\n");
	struct qp_policy *n2 = load_ok("queue: { mark-mask: 0x7 }\nclasses:\n  c: {}\n  default: {}\n");
	struct qp_policy *n3 = load_ok("queue: { mark-mask: 0x7 }\n"
				       "classes:\n  c: {}\n  x: {}\n  y: {}\n  default: {}\n");
	struct marks m = { 0 }, copy;

	ck_assert_int_eq(marks_assign(&m, p1), 0);
	ck_assert_uint_eq(value_of(&m, p1, "b"), 2);
	ck_assert_int_eq(marks_assign(&m, p2), 0);		/* b goes */
	ck_assert_uint_eq(m.n_retired, 1);
	ck_assert_str_eq(m.retired_names[0], "b");
	ck_assert_int_eq(marks_assign(&m, p3), 0);		/* a reload later, c comes */
	ck_assert_uint_eq(value_of(&m, p3, "c"), 4);
	ck_assert_int_eq(marks_class_of_value(&m, 2), -1);
	ck_assert_int_eq(marks_assign(&m, p4), 0);		/* b is back, after a new z */
	ck_assert_uint_eq(value_of(&m, p4, "b"), 2);
	ck_assert_uint_eq(value_of(&m, p4, "z"), 5);
	ck_assert_uint_eq(value_of(&m, p4, "a"), 1);
	ck_assert_uint_eq(value_of(&m, p4, "c"), 4);
	ck_assert_uint_eq(value_of(&m, p4, "default"), 3);
	ck_assert_uint_eq(m.n_retired, 0);

	/* A copy is the same and stands alone. */
	ck_assert_int_eq(marks_copy(&m, &copy), 0);
	marks_clear(&m);
	ck_assert_uint_eq(copy.n, 5);
	ck_assert_uint_eq(value_of(&copy, p4, "c"), 4);
	marks_clear(&copy);

	/* 0x7: values 1-5. a, b, d retire in that order; x takes a's, y b's. */
	ck_assert_int_eq(marks_assign(&m, n1), 0);
	ck_assert_int_eq(marks_assign(&m, n2), 0);
	ck_assert_uint_eq(m.n_retired, 3);
	ck_assert_int_eq(marks_assign(&m, n3), 0);
	ck_assert_uint_eq(value_of(&m, n3, "c"), 3);
	ck_assert_uint_eq(value_of(&m, n3, "default"), 5);
	ck_assert_uint_eq(value_of(&m, n3, "x"), 1);
	ck_assert_uint_eq(value_of(&m, n3, "y"), 2);
	ck_assert_uint_eq(m.n_retired, 1);
	ck_assert_str_eq(m.retired_names[0], "d");
	marks_clear(&m);
	policy_free(p1);
	policy_free(p2);
	policy_free(p3);
	policy_free(p4);
	policy_free(n1);
	policy_free(n2);
	policy_free(n3);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("marks");
	TCase *tc = tcase_create("marks");

	tcase_add_test(tc, test_stable_across_reloads);
	tcase_add_test(tc, test_narrow_mask_reuses);
	tcase_add_test(tc, test_retired);
	suite_add_tcase(s, tc);
	return s;
}
