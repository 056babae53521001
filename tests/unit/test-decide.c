/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Session rules decide by protocol, addresses, ports and direction, the
 * first match winning, and the default class otherwise. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "check-main.h"
#include "config-test-util.h"
#include "decide.h"

static struct tuple mk(int family, const char *src, uint16_t sport, const char *dst,
		      uint16_t dport, uint8_t proto)
{
	struct tuple f = { .family = (uint8_t)family, .proto = proto, .has_ports = 1,
			  .sport = sport, .dport = dport };

	inet_pton(family, src, f.saddr);
	inet_pton(family, dst, f.daddr);
	return f;
}

static const char *decide_name(const struct qp_policy *p, const struct tuple *f,
			       enum qp_direction dir, int *rule)
{
	struct decision d;

	decide_session(p, f, dir, NULL, &d);
	*rule = d.rule;
	return d.target->kind == QP_TARGET_DROP ? "drop" : d.target->cls->name;
}

START_TEST(test_rules_in_order)
{
	struct qp_policy *p = load_ok(
		"classes:\n  gold: {}\n  silver: {}\n  voice: {}\n  default: {}\n"
		"sessions:\n"
		"  - { match: { proto: udp, dport: 5060-5061, direction: out }, class: voice }\n"
		"  - { match: { dst: 198.18.1.0/24 }, class: gold }\n"
		"  - { match: { dst: \"2001:db8:1::/48\", proto: tcp }, class: gold }\n"
		"  - { match: { dst: 198.18.0.0/15 }, class: silver }\n"
		"  - { match: { port: 9000 }, class: drop }\n"
		"  - { match: { src: 198.18.5.5, sport: 22, direction: in }, class: voice }\n");
	struct tuple f;
	int rule;

	f = mk(AF_INET, "198.18.0.1", 40000, "198.18.1.9", 5060, IPPROTO_UDP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_OUT, &rule), "voice");
	ck_assert_int_eq(rule, 0);
	/* Same session, other direction: rule 0 wants out. */
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_IN, &rule), "gold");
	ck_assert_int_eq(rule, 1);
	f = mk(AF_INET, "198.18.0.1", 40000, "198.19.0.9", 80, IPPROTO_TCP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_OUT, &rule), "silver");
	f = mk(AF_INET6, "2001:db8::1", 40000, "2001:db8:1:2::9", 443, IPPROTO_TCP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_OUT, &rule), "gold");
	ck_assert_int_eq(rule, 2);
	f = mk(AF_INET6, "2001:db8::1", 40000, "2001:db8:1:2::9", 443, IPPROTO_UDP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_OUT, &rule), "default");
	ck_assert_int_eq(rule, -1);
	/* 'port' matches either end. */
	f = mk(AF_INET, "203.0.113.1", 9000, "203.0.113.2", 1234, IPPROTO_TCP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_IN, &rule), "drop");
	f = mk(AF_INET, "203.0.113.1", 1234, "203.0.113.2", 9000, IPPROTO_UDP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_OUT, &rule), "drop");
	f = mk(AF_INET, "198.18.5.5", 22, "203.0.113.2", 50000, IPPROTO_TCP);
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_IN, &rule), "voice");
	/* Ports on a tuple without ports never match. */
	f = mk(AF_INET, "203.0.113.1", 0, "203.0.113.2", 0, IPPROTO_ICMP);
	f.has_ports = 0;
	ck_assert_str_eq(decide_name(p, &f, QP_DIR_OUT, &rule), "default");
	policy_free(p);
}
END_TEST

START_TEST(test_applications)
{
	struct qp_policy *p = load_ok(
		"classes:\n  gold: {}\n  voice: {}\n  bulk: {}\n  default: {}\n"
		"applications:\n"
		"  - { name: voip, match: { comm: linphone }, class: voice }\n"
		"  - { name: backup, match: { comm: restic }, class: bulk }\n"
		"sessions:\n"
		"  - { match: { app: voip, dst: 198.18.1.0/24 }, class: gold }\n"
		"  - { match: { dport: 443 }, class: default }\n");
	const struct qp_app *voip = policy_app_find(p, "voip"), *backup = policy_app_find(p, "backup");
	struct tuple f = mk(AF_INET, "198.18.0.1", 40000, "198.18.1.9", 5060, IPPROTO_UDP);
	struct decision d;

	/* The rule naming the application refines its class by destination. */
	decide_session(p, &f, QP_DIR_OUT, voip, &d);
	ck_assert_str_eq(d.target->cls->name, "gold");
	ck_assert_int_eq(d.rule, 0);
	ck_assert_ptr_eq(d.app, voip);
	/* ...only for that application. */
	decide_session(p, &f, QP_DIR_OUT, backup, &d);
	ck_assert_str_eq(d.target->cls->name, "bulk");
	ck_assert_int_eq(d.rule, -1);
	decide_session(p, &f, QP_DIR_OUT, NULL, &d);
	ck_assert_str_eq(d.target->cls->name, "default");
	/* A rule without app applies to every application. */
	f = mk(AF_INET, "198.18.0.1", 40000, "198.18.2.9", 443, IPPROTO_TCP);
	decide_session(p, &f, QP_DIR_OUT, voip, &d);
	ck_assert_str_eq(d.target->cls->name, "default");
	ck_assert_int_eq(d.rule, 1);
	f = mk(AF_INET, "198.18.0.1", 40000, "198.18.2.9", 80, IPPROTO_TCP);
	decide_session(p, &f, QP_DIR_OUT, voip, &d);
	ck_assert_str_eq(d.target->cls->name, "voice");
	policy_free(p);
}
END_TEST

/* After a reload: a live session decided again keeps its application and
 * admission, takes the rule or class the new policy gives, and is never
 * dropped. */
START_TEST(test_again)
{
	struct qp_policy *p = load_ok(
		"classes:\n  voice: {}\n  bulk: {}\n  default: {}\n"
		"applications:\n"
		"  - { name: backup, match: { comm: restic }, class: bulk, max-sessions: 1,\n"
		"      over-budget: default }\n"
		"sessions:\n"
		"  - { match: { dport: 9200 }, class: voice }\n"
		"  - { match: { dport: 9300 }, class: drop }\n");
	struct session s = { 0 }, kept;
	const struct qp_class *cls = NULL;

	s.key = mk(AF_INET, "198.18.0.1", 40000, "198.18.0.2", 9200, IPPROTO_UDP);
	s.direction = QP_DIR_OUT;
	s.pid = 4242;
	s.uid = 1000;
	s.app = -1;
	s.rule = SESSION_RULE_EARLIER;
	s.reason = SESSION_BY_RULE;
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_str_eq(cls->name, "voice");
	ck_assert_int_eq(s.rule, 0);
	ck_assert_uint_eq(s.reason, SESSION_BY_RULE);
	/* No rule now: the default class, its owner still known. */
	s.key.dport = 9201;
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_str_eq(cls->name, "default");
	ck_assert_int_eq(s.rule, -1);
	ck_assert_uint_eq(s.reason, SESSION_DEFAULT);
	/* No owner found when decided (a rule decided it): said so now. */
	s.pid = 0;
	s.uid = UINT32_MAX;
	s.reason = SESSION_BY_RULE;
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_uint_eq(s.reason, SESSION_NO_SOCKET);
	s.uid = 1000;				/* a socket, no process */
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_uint_eq(s.reason, SESSION_NO_PROCESS);
	s.pid = 4242;
	/* The application's class if admitted, its over-budget one if not. */
	s.app = (int16_t)policy_app_find(p, "backup")->index;
	s.admitted = 1;
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_str_eq(cls->name, "bulk");
	ck_assert_uint_eq(s.reason, SESSION_BY_APP);
	s.admitted = 0;
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_str_eq(cls->name, "default");
	ck_assert_uint_eq(s.reason, SESSION_OVER_BUDGET);
	/* Over budget wins over a matching rule, as when it was decided. */
	s.key.dport = 9200;
	ck_assert(decide_again(p, &s, &cls));
	ck_assert_str_eq(cls->name, "default");
	ck_assert_uint_eq(s.reason, SESSION_OVER_BUDGET);
	ck_assert_int_eq(s.rule, 0);
	/* A rule that now drops: the session stays as it was. */
	s.admitted = 1;
	s.key.dport = 9300;
	kept = s;
	cls = NULL;
	ck_assert(!decide_again(p, &s, &cls));
	ck_assert_ptr_null(cls);
	ck_assert_mem_eq(&s, &kept, sizeof(s));
	policy_free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("decide");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, test_rules_in_order);
	tcase_add_test(tc, test_applications);
	tcase_add_test(tc, test_again);
	suite_add_tcase(s, tc);
	return s;
}
