/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HFSC curves, HTB rates and RED's derived parameters, checked against
 * values worked out by hand from their definitions. */
#include <math.h>

#include "check-main.h"
#include "config-test-util.h"
#include "tcparams.h"

START_TEST(test_hfsc_rt)
{
	struct tc_curve c;

	/* 2 Mbit/s, a 1500-byte packet within 10 ms: the rate alone sends it
	 * in 6 ms, so service may start up to 4 ms late (convex). */
	tcparams_hfsc_rt(2000000, 10000, 1500, &c);
	ck_assert_uint_eq(c.m1, 0);
	ck_assert_uint_eq(c.d, 4000);
	ck_assert_uint_eq(c.m2, 250000);
	/* Within 2 ms: 750 kB/s for the first 2 ms (concave). */
	tcparams_hfsc_rt(2000000, 2000, 1500, &c);
	ck_assert_uint_eq(c.m1, 750000);
	ck_assert_uint_eq(c.d, 2000);
	ck_assert_uint_eq(c.m2, 250000);
	/* No delay bound: a straight line. */
	tcparams_hfsc_rt(8000000, 0, 1500, &c);
	ck_assert_uint_eq(c.m1, 0);
	ck_assert_uint_eq(c.d, 0);
	ck_assert_uint_eq(c.m2, 1000000);
}
END_TEST

START_TEST(test_hfsc_class)
{
	struct qp_policy *p = load_ok("classes:\n"
				      "  voice: { guarantee: 10%, delay: 5ms, share: 20%, limit: 5mbit }\n"
				      "  default: {}\n");
	struct hfsc_class_params h;

	/* On 20 Mbit/s: guarantee 2 Mbit/s, share 4 Mbit/s, limit 5 Mbit/s. */
	tcparams_hfsc_class(&p->classes[0], 20000000, 1500, &h);
	ck_assert(h.has_rt && h.has_ls && h.has_ul);
	ck_assert_uint_eq(h.rt.m2, 250000);
	ck_assert_uint_eq(h.rt.m1, 300000);
	ck_assert_uint_eq(h.rt.d, 5000);
	ck_assert_uint_eq(h.ls.m2, 500000);
	ck_assert_uint_eq(h.ul.m2, 625000);
	/* The default class: the rest of the shares (80%), no rt, no ul. */
	tcparams_hfsc_class(&p->classes[1], 20000000, 1500, &h);
	ck_assert(!h.has_rt && h.has_ls && !h.has_ul);
	ck_assert_uint_eq(h.ls.m2, 2000000);
	policy_free(p);
}
END_TEST

START_TEST(test_htb)
{
	struct qp_policy *p = load_ok("classes:\n  voice: { guarantee: 2mbit, share: 10% }\n"
				      "  default: { limit: 50% }\n");
	struct htb_class_params h;

	tcparams_htb_class(&p->classes[0], 10000000, 1500, 15.625, &h);
	ck_assert_uint_eq(h.rate, 250000);		/* the guarantee */
	ck_assert_uint_eq(h.ceil, 1250000);		/* the link */
	/* A burst of 250 + 1500 bytes at 250 kB/s: 7 ms, 109375 ticks. */
	ck_assert_uint_eq(h.buffer, 109375);
	ck_assert_uint_eq(h.quantum, 25000);
	tcparams_htb_class(&p->classes[1], 10000000, 1500, 15.625, &h);
	/* Its share (90%) is more than its limit (50%): the limit wins. */
	ck_assert_uint_eq(h.rate, 625000);
	ck_assert_uint_eq(h.ceil, 625000);
	ck_assert_uint_eq(h.quantum, 62500);
	policy_free(p);
}
END_TEST

START_TEST(test_red)
{
	struct qp_red red = { .min = 30000, .max = 90000, .limit = 400000, .probability = 0.02,
			      .ecn = true };
	struct red_params r;
	const char *err = NULL;
	double lw;

	ck_assert_int_eq(tcparams_red(&red, 10000000, 15.625, &r, &err), 0);
	/* burst (2*30000 + 90000) / 3000 = 50; a = 51 - 30 = 21; the first
	 * W = 2^-n with (1 - (1 - W)^50) / W >= 21 is 1/32. */
	ck_assert_uint_eq(r.wlog, 5);
	/* 0.02 / 60000 doubled until above 1: 22 times. */
	ck_assert_uint_eq(r.plog, 22);
	/* A 1000-byte packet at 1.25 MB/s is 800 us, 12500 ticks; the average
	 * decays 31 steps in 31 / (-ln(31/32) / 12500) ticks, which cells of
	 * 2^15 ticks cut in fewer than 512. */
	ck_assert_uint_eq(r.scell_log, 15);
	lw = -log(31.0 / 32) / 12500;
	ck_assert_uint_eq(r.stab[0], 0);
	ck_assert_uint_eq(r.stab[100], (unsigned)(100.0 * 32768 * lw));
	ck_assert_uint_eq(r.stab[255], 31);
	for (int i = 1; i < 256; i++)
		ck_assert_uint_ge(r.stab[i], r.stab[i - 1]);
	ck_assert_uint_eq(r.max_p, (uint32_t)(0.02 * 4294967296.0));
	ck_assert_uint_eq(r.flags, 1);
	ck_assert_uint_eq(r.qth_min, 30000);
	ck_assert_uint_eq(r.limit, 400000);

	red.min = 90000;
	ck_assert_int_lt(tcparams_red(&red, 10000000, 15.625, &r, &err), 0);
	ck_assert_ptr_nonnull(err);
}
END_TEST

START_TEST(test_psched)
{
	ck_assert_double_eq(tcparams_ticks_per_us("000003e8 00000040 000f4240 3b9aca00\n"), 15.625);
	ck_assert_double_eq(tcparams_ticks_per_us("garbage"), 15.625);
	ck_assert_double_eq(tcparams_ticks_per_us(NULL), 15.625);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("tcparams");
	TCase *tc = tcase_create("tcparams");

	tcase_add_test(tc, test_hfsc_rt);
	tcase_add_test(tc, test_hfsc_class);
	tcase_add_test(tc, test_htb);
	tcase_add_test(tc, test_red);
	tcase_add_test(tc, test_psched);
	suite_add_tcase(s, tc);
	return s;
}
