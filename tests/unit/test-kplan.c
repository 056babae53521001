/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the kernel decides alone is what qpodd would decide: for every
 * session of a set of owners, flows and directions, a class the plan
 * gives equals decide_session()'s; and the plan decides what it can. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "appmatch.h"
#include "check-main.h"
#include "config-test-util.h"
#include "decide.h"
#include "kplan.h"

static const struct proc_view owners[] = {
	{ .exe = "/usr/bin/firefox", .comm = "firefox", .has_uid = true, .uid = 1000 },
	{ .exe = "/usr/bin/firefox", .comm = "firefox", .has_uid = true, .uid = 65534 },
	{ .exe = "/usr/bin/rsync", .comm = "rsync", .has_uid = true, .uid = 0 },
	{ .exe = "/usr/bin/rsync", .comm = "rsync", .has_uid = true, .uid = 65534 },
	{ .exe = "/usr/bin/curl", .comm = "curl", .has_uid = true, .uid = 1000 },
};

struct tally {
	unsigned decided[2];	/* out, in */
	unsigned total[2];
};

/* Every owner, flow and direction: the plan's class, where it gives one,
 * is decide_session()'s. */
static struct tally check_exact(const struct qp_policy *p)
{
	static const uint16_t dports[] = { 5060, 443, 22, 80 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	static const char *const dsts[] = { "198.18.1.5", "198.19.0.5", "2001:db8:1::5" };
	struct tally t = { 0 };
	struct kplan kp;

	ck_assert_int_eq(kplan_build(p, &kp), 0);
	for (size_t o = 0; o < sizeof(owners) / sizeof(owners[0]); o++)
	for (size_t d = 0; d < 4; d++)
	for (size_t pr = 0; pr < 2; pr++)
	for (size_t a = 0; a < 3; a++)
	for (int dir = QP_DIR_OUT; dir <= QP_DIR_IN; dir++) {
		struct tuple f = { .proto = protos[pr], .has_ports = 1, .sport = 40000,
				   .dport = dports[d] };
		const struct qp_class *k;
		struct decision dec;
		bool out = dir == QP_DIR_OUT;

		f.family = strchr(dsts[a], ':') ? AF_INET6 : AF_INET;
		inet_pton(f.family, f.family == AF_INET ? "198.18.0.1" : "2001:db8::1", f.saddr);
		inet_pton(f.family, dsts[a], f.daddr);
		/* The kernel knows the socket's user only for what it sends. */
		k = kplan_eval(&kp, &f, (enum qp_direction)dir, out, owners[o].uid);
		decide_session(p, &f, (enum qp_direction)dir, appmatch_find(p, &owners[o]), &dec);
		t.total[!out]++;
		if (!k)
			continue;
		t.decided[!out]++;
		ck_assert_msg(dec.target->kind == QP_TARGET_CLASS && dec.target->cls == k &&
				      (!dec.app || !dec.app->max_sessions),
			      "owner %zu dport %u proto %u dst %s %s: kernel %s, qpodd %s", o,
			      dports[d], protos[pr], dsts[a], out ? "out" : "in", k->name,
			      dec.target->kind == QP_TARGET_CLASS ? dec.target->cls->name : "drop");
	}
	kplan_free(&kp);
	return t;
}

#define CLASSES "classes:\n  gold: {}\n  voice: {}\n  bulk: {}\n  web: {}\n  default: {}\n"

START_TEST(test_no_applications)
{
	struct qp_policy *p = load_ok(CLASSES
		"sessions:\n"
		"  - { match: { proto: udp, dport: 5060 }, class: voice }\n"
		"  - { match: { dst: 198.18.1.0/24, direction: out }, class: gold }\n"
		"  - { match: { dport: 22 }, class: drop }\n");
	struct tally t = check_exact(p);

	/* All but the dropped sessions (dport 22: 30 of 120 each way), of
	 * which those out to 198.18.1.0/24 (10) get gold first. */
	ck_assert_uint_eq(t.decided[0], t.total[0] - 20);
	ck_assert_uint_eq(t.decided[1], t.total[1] - 30);
	policy_free(p);
}
END_TEST

START_TEST(test_users_told_apart)
{
	struct qp_policy *p = load_ok(CLASSES
		"applications:\n"
		"  - { name: svc, match: { user: nobody }, class: bulk }\n"
		"  - { name: mixed, match: { user: root, exe: /usr/bin/rsync }, class: web }\n"
		"  - { name: admin, match: { user: root }, class: gold }\n"
		"sessions:\n"
		"  - { match: { proto: udp, dport: 5060 }, class: voice }\n"
		"  - { match: { app: svc, dport: 22 }, class: voice }\n"
		"  - { match: { app: mixed, dport: 443 }, class: gold }\n");
	struct tally t = check_exact(p);

	/* Out: root's sessions go to qpodd (mixed could be theirs); the
	 * others are decided: 3 of 5 owners. */
	ck_assert_uint_eq(t.decided[0], t.total[0] * 4 / 5);
	/* In: the owner is unknown, and applications have classes of their own. */
	ck_assert_uint_eq(t.decided[1], 5 * 3);	/* only voice's: UDP 5060, 3 destinations */
	policy_free(p);
}
END_TEST

START_TEST(test_owner_unknown)
{
	struct qp_policy *p = load_ok(CLASSES
		"applications:\n"
		"  - { name: svc, match: { user: nobody }, class: bulk }\n"
		"  - { name: browser, match: { exe: /usr/bin/firefox }, class: web }\n"
		"  - { name: admin, match: { user: root }, class: gold }\n"
		"sessions:\n"
		"  - { match: { proto: udp, dport: 5060 }, class: voice }\n"
		"  - { match: { app: browser, dport: 443 }, class: gold }\n"
		"  - { match: { dst: 198.18.1.0/24 }, class: gold }\n");
	struct tally t = check_exact(p);

	ck_assert_uint_gt(t.decided[0], 0);
	ck_assert_uint_lt(t.decided[0], t.total[0]);
	policy_free(p);
}
END_TEST

START_TEST(test_budgets_keep_sessions_in_qpodd)
{
	struct qp_policy *p = load_ok(CLASSES
		"applications:\n"
		"  - { name: svc, match: { user: nobody }, class: bulk }\n"
		"  - { name: backup, match: { comm: rsync }, class: bulk, max-sessions: 2 }\n"
		"sessions:\n"
		"  - { match: { proto: udp, dport: 5060 }, class: voice }\n");
	struct tally t = check_exact(p);

	/* Out: nobody's sessions (svc comes first); the rest may be backup's. */
	ck_assert_uint_eq(t.decided[0], t.total[0] * 2 / 5);
	ck_assert_uint_eq(t.decided[1], 0);
	policy_free(p);
}
END_TEST

START_TEST(test_same_class_for_all)
{
	/* Every application's class is the default: the owner cannot matter. */
	struct qp_policy *p = load_ok(CLASSES
		"applications:\n"
		"  - { name: browser, match: { exe: /usr/bin/firefox }, class: default }\n"
		"sessions:\n"
		"  - { match: { dport: 80 }, class: web }\n");
	struct tally t = check_exact(p);

	ck_assert_uint_eq(t.decided[0], t.total[0]);
	ck_assert_uint_eq(t.decided[1], t.total[1]);
	policy_free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("kplan");
	TCase *tc = tcase_create("kplan");

	tcase_add_test(tc, test_no_applications);
	tcase_add_test(tc, test_users_told_apart);
	tcase_add_test(tc, test_owner_unknown);
	tcase_add_test(tc, test_budgets_keep_sessions_in_qpodd);
	tcase_add_test(tc, test_same_class_for_all);
	suite_add_tcase(s, tc);
	return s;
}
