/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Budgets: admitted sessions count until they close or end, a session
 * sent over budget never counts, a decision made twice counts once, rates
 * count against max-rate, and a reload follows applications by name. */
#include "budget.h"
#include "check-main.h"
#include "config-test-util.h"

static const char *const POLICY =
	"classes:\n  voice: {}\n  bulk: {}\n  default: {}\n"
	"applications:\n"
	"  - { name: voip, match: { comm: linphone }, class: voice, max-sessions: 2,\n"
	"      over-budget: bulk }\n"
	"  - { name: backup, match: { comm: restic }, class: bulk, max-rate: 1mbit,\n"
	"      over-budget: default }\n";

static struct session admitted(const struct qp_app *app)
{
	struct session s = { .app = (int16_t)app->index, .rule = -1, .admitted = 1 };

	return s;
}

START_TEST(test_sessions)
{
	struct qp_policy *p = load_ok(POLICY);
	const struct qp_app *voip = policy_app_find(p, "voip");
	struct budget b = { 0 };
	struct session s1 = admitted(voip), s2 = admitted(voip), over = admitted(voip);

	ck_assert_int_eq(budget_reset(&b, p->n_apps), 0);
	ck_assert(!budget_over(&b, voip));
	budget_count(&b, &s1);
	ck_assert(!budget_over(&b, voip));
	budget_count(&b, &s2);
	ck_assert(budget_over(&b, voip));
	ck_assert(budget_sessions_counted(&b, p));
	/* The third goes to over-budget, not admitted: it never counts. */
	over.admitted = 0;
	budget_count(&b, &over);
	budget_uncount(&b, &over, true);
	ck_assert_uint_eq(b.apps[voip->index].sessions, 2);
	/* Decided again (the packet thread forgot it): out, then in again. */
	budget_uncount(&b, &s1, true);
	budget_count(&b, &s1);
	ck_assert_uint_eq(b.apps[voip->index].sessions, 2);
	/* Closing: no longer counted, and not twice when it ends. */
	budget_uncount(&b, &s2, false);
	s2.closing = 1;
	budget_uncount(&b, &s2, true);
	ck_assert_uint_eq(b.apps[voip->index].sessions, 1);
	ck_assert(!budget_over(&b, voip));
	budget_uncount(&b, &s1, true);
	budget_uncount(&b, &s1, true);	/* never below zero */
	ck_assert_uint_eq(b.apps[voip->index].sessions, 0);
	ck_assert(!budget_sessions_counted(&b, p));
	budget_clear(&b);
	policy_free(p);
}
END_TEST

START_TEST(test_rate)
{
	struct qp_policy *p = load_ok(POLICY);
	const struct qp_app *backup = policy_app_find(p, "backup");
	struct budget b = { 0 };
	struct session s = admitted(backup);

	ck_assert_int_eq(budget_reset(&b, p->n_apps), 0);
	budget_count(&b, &s);
	s.rate_bps = 600000;
	budget_clear_rates(&b);
	budget_add_rate(&b, &s);
	ck_assert(!budget_over(&b, backup));
	budget_add_rate(&b, &s);	/* a second such session */
	ck_assert(budget_over(&b, backup));
	/* One ends: its rate leaves with it. */
	budget_uncount(&b, &s, true);
	ck_assert_uint_eq(b.apps[backup->index].rate_bps, 600000);
	ck_assert(!budget_over(&b, backup));
	budget_clear(&b);
	policy_free(p);
}
END_TEST

START_TEST(test_reload)
{
	struct qp_policy *old = load_ok(POLICY);
	/* backup is gone, voip moved, a new application came first. */
	struct qp_policy *p = load_ok("classes:\n  voice: {}\n  default: {}\n"
				      "applications:\n"
				      "  - { name: web, match: { comm: firefox }, class: default }\n"
				      "  - { name: voip, match: { comm: linphone }, class: voice,\n"
				      "      max-sessions: 1 }\n");
	const struct qp_app *voip = policy_app_find(p, "voip");
	struct budget b = { 0 };
	struct session v = admitted(policy_app_find(old, "voip"));
	struct session k = admitted(policy_app_find(old, "backup"));

	v.rule = 0;
	ck_assert_int_eq(budget_reset(&b, p->n_apps), 0);
	ck_assert(budget_recount(&b, old, p, &v));
	ck_assert_int_eq(v.app, (int)voip->index);
	ck_assert_uint_eq(v.admitted, 1);
	ck_assert_int_eq(v.rule, SESSION_RULE_EARLIER);
	ck_assert(budget_over(&b, voip));
	ck_assert(budget_recount(&b, old, p, &k));
	ck_assert_int_eq(k.app, -1);
	ck_assert_uint_eq(k.admitted, 0);
	/* Unchanged by a reload to the same policy. */
	ck_assert_int_eq(budget_reset(&b, p->n_apps), 0);
	ck_assert(!budget_recount(&b, p, p, &v));
	ck_assert_uint_eq(b.apps[voip->index].sessions, 1);
	budget_clear(&b);
	policy_free(old);
	policy_free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("budget");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sessions);
	tcase_add_test(tc, test_rate);
	tcase_add_test(tc, test_reload);
	suite_add_tcase(s, tc);
	return s;
}
