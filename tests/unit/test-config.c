/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy walker: good policies give the values written (or the
 * documented defaults), bad ones the right message at the right place. */
#include "check-main.h"
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config-test-util.h"

struct bad_case {
	const char *yaml;
	unsigned line;
	unsigned col;		/* 0: any */
	const char *want;
};

#define DEF "  default: {}\n"

static const struct bad_case bad_cases[] = {
	/* unknown keys, with and without a suggestion */
	{ "version: 1\nclases:\n" DEF, 2, 1, "unknown key 'clases'; did you mean 'classes'?" },
	{ "classes:\n  voice: { dscp: EF, gaurantee: 2mbit }\n" DEF, 2, 22,
	  "classes.voice: unknown key 'gaurantee'; did you mean 'guarantee'?" },
	{ "classes:\n" DEF "wibble: 3\n", 3, 1, "unknown key 'wibble' (known keys: version," },
	{ "queue: { nmu: 1 }\nclasses:\n" DEF, 1, 10, "queue: unknown key 'nmu'; did you mean 'num'?" },
	/* wrong types */
	{ "classes:\n  - default\n", 2, 3, "classes: expected a mapping, got a list" },
	{ "interfaces: eth0\nclasses:\n" DEF, 1, 13, "interfaces: expected a list, got a value" },
	{ "classes:\n  default: { dscp: }\n", 2, 0, "classes.default.dscp: needs a value" },
	{ "classes:\n  default: { dscp: [EF] }\n", 2, 20, "expected a value, got a list" },
	{ "queue: open\nclasses:\n" DEF, 1, 8, "queue: expected a mapping, got a value" },
	/* units */
	{ "classes:\n  default: { guarantee: 2000 }\n", 2, 0, "'2000' needs a rate unit" },
	{ "classes:\n  default: { guarantee: 2mbs }\n", 2, 0, "'2mbs' needs a rate unit" },
	{ "classes:\n  default: { guarantee: fast }\n", 2, 0, "'fast' is not a number with a unit" },
	{ "classes:\n  default: { limit: -2mbit }\n", 2, 0, "'-2mbit' is not a number" },
	{ "classes:\n  default: { guarantee: 0mbit }\n", 2, 0, "must be more than zero" },
	{ "classes:\n  default: { share: 120% }\n", 2, 0, "'120%' must be more than 0% and at most 100%" },
	{ "classes:\n  default: { share: 10 % }\n", 2, 0, "'10 %' is not a percentage" },
	{ "classes:\n  default: { guarantee: 1mbit, delay: 10 }\n", 2, 0, "'10' needs a time unit" },
	{ "classes:\n  default: { guarantee: 1mbit, delay: 1year }\n", 2, 0, "needs a time unit" },
	/* DSCP */
	{ "classes:\n  default: { dscp: XX }\n", 2, 20, "classes.default.dscp: 'XX' is not a DSCP" },
	{ "classes:\n  default: { dscp: 64 }\n", 2, 20, "'64' is not a DSCP" },
	/* classes */
	{ "classes:\n  default: { delay: 10ms }\n", 2, 3, "'delay' needs a 'guarantee'" },
	{ "classes:\n  default: { guarantee: 2mbit, limit: 1mbit }\n", 2, 3,
	  "limit 1mbit is below its guarantee 2mbit" },
	{ "classes:\n  a: { share: 60% }\n  default: { share: 50% }\n", 2, 0,
	  "shares add up to 110%, more than 100%" },
	{ "classes:\n  a: { share: 100% }\n" DEF, 3, 3, "the other classes' shares already add up to 100%" },
	{ "classes:\n  1voice: {}\n" DEF, 2, 3, "'1voice' is not a valid class name" },
	{ "classes:\n  drop: {}\n" DEF, 2, 3, "'drop' is a reserved word" },
	{ "classes:\n  default: { queue: lifo }\n", 2, 0, "'lifo' is not one of fifo, red, fq_codel; did you mean 'fifo'?" },
	{ "classes:\n  default: { queue: { fifo: {}, red: {} } }\n", 2, 0, "expected fifo, red or fq_codel" },
	{ "classes:\n  default: { queue: { fq_codel: { target: 5ms } } }\n", 2, 0, "takes no settings" },
	{ "classes:\n  default: { queue: { fifo: { limit: 0 } } }\n", 2, 0, "is out of range (1-1000000)" },
	{ "classes:\n  default:\n    queue: { red: { min: 90kb, max: 30kb } }\n", 2, 3,
	  "min 90kb must be below max 30kb" },
	{ "classes:\n  default:\n    queue: { red: { probability: 2 } }\n", 3, 0,
	  "'2' must be more than 0 and at most 1" },
	{ "classes:\n  default:\n    queue: { red: { ecn: maybe } }\n", 3, 0,
	  "'maybe' is not one of false, true" },
	{ "classes:\n  default:\n    queue: { red: { max: 90kb, limit: 60kb } }\n", 2, 0,
	  "limit 60kb must be at least max 90kb" },
	{ "classes:\n  default:\n    queue: { red: { min: 30 } }\n", 3, 0, "'30' needs a size unit" },
	/* default class */
	{ "classes:\n" DEF "default-class: nope\n", 3, 16, "default-class: class 'nope' is not defined" },
	{ "classes:\n" DEF "default-class: defualt\n", 3, 16, "did you mean 'default'?" },
	{ "classes:\n  be: {}\n", 0, 0, "default-class is not set and there is no class named 'default'" },
	{ "classes:\n" DEF "default-class: drop\n", 3, 0, "must be a class, not drop" },
	{ "version: 1\n", 0, 0, "no classes are defined" },
	/* version */
	{ "version: 2\nclasses:\n" DEF, 1, 10, "policy version 2 is not supported" },
	{ "version: one\nclasses:\n" DEF, 1, 10, "version: 'one' is not a whole number" },
	/* queue */
	{ "queue: { fail: opne }\nclasses:\n" DEF, 1, 16, "queue.fail: 'opne' is not one of open, closed; did you mean 'open'?" },
	{ "queue: { num: 70000 }\nclasses:\n" DEF, 1, 15, "queue.num: 70000 is out of range (0-65535)" },
	{ "queue: { threads: 0 }\nclasses:\n" DEF, 1, 0, "queue.threads: 0 is out of range (1-64)" },
	{ "queue: { num: 65535, threads: 2 }\nclasses:\n" DEF, 0, 0, "go past the last queue" },
	{ "queue: { mark-mask: 0x00ff00ff }\nclasses:\n" DEF, 1, 0, "is not one run of contiguous bits" },
	{ "queue: { mark-mask: 0x1 }\nclasses:\n" DEF, 1, 0, "is too narrow" },
	{ "queue: { mark-mask: 0x3 }\nclasses:\n  a: {}\n" DEF, 4, 3,
	  "2 classes do not fit in queue.mark-mask 0x00000003, which holds 1" },
	{ "queue: { mark-mask: 0x1ffff }\nclasses:\n" DEF, 1, 0, "is too wide: 16 bits at most" },
	/* control, log */
	{ "control: { socket: qpod.sock }\nclasses:\n" DEF, 1, 0, "'qpod.sock' is not an absolute path" },
	{ "control: { socket: /run/qpod/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock }\nclasses:\n" DEF,
	  1, 0, "longer than the 107 bytes" },
	{ "log: { sessions: syslog }\nclasses:\n" DEF, 1, 0, "'syslog' is not an absolute path, 'journal' or 'off'" },
	/* interfaces */
	{ "interfaces:\n  - { name: eth0/1, bandwidth: 1gbit }\nclasses:\n" DEF, 2, 0, "'eth0/1' is not a valid interface name" },
	{ "interfaces:\n  - { name: eth0 }\nclasses:\n" DEF, 2, 5, "interfaces.eth0: needs a 'bandwidth'" },
	{ "interfaces:\n  - { bandwidth: 1gbit }\nclasses:\n" DEF, 2, 5, "interfaces#1: needs a 'name'" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 1gbit }\n  - { bandwidth: 1gbit }\nclasses:\n" DEF,
	  3, 5, "interfaces#2: needs a 'name'" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 1gbit }\n  - { name: eth0, scheduler: none }\nclasses:\n" DEF,
	  3, 5, "interface 'eth0' is already listed at test.yaml:2" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 1gbit, scheduler: cbq }\nclasses:\n" DEF, 2, 0,
	  "'cbq' is not one of hfsc, htb, none" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 10mbit }\nclasses:\n  a: { guarantee: 8mbit }\n  default: { guarantee: 5mbit }\n",
	  2, 5, "guarantees add up to 13mbit, more than its bandwidth 10mbit" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 10mbit }\nclasses:\n  default: { share: 20mbit }\n",
	  2, 5, "shares add up to 20mbit, more than its bandwidth 10mbit" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 10mbit }\nclasses:\n  default: { guarantee: 5mbit, limit: 20% }\n",
	  2, 5, "class 'default' would have a limit of 2mbit, below its guarantee" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 40gbit }\nclasses:\n" DEF, 2, 5,
	  "bandwidth 40gbit is more than HFSC's curves hold" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 1gbit, fallback: cbq }\nclasses:\n" DEF, 2, 0,
	  "'cbq' is not one of htb, off" },
	{ "interfaces:\n  - { name: eth0, bandwidth: 10mbit }\nclasses:\n"
	  "  default: { queue: { red: { min: 30kb, max: 90kb, probability: 0.00001 } } }\n", 4, 3,
	  "classes.default.queue.red on interface eth0 (10mbit): the probability is too small" },
	/* filtered */
	{ "filtered:\n  - { proto: icmp }\nclasses:\n" DEF, 2, 14, "filtered#1.proto: 'icmp' is not one of tcp, udp" },
	{ "filtered:\n  - { proto: udp, port: 70000 }\nclasses:\n" DEF, 2, 0, "'70000' is not a port (1-65535)" },
	{ "filtered:\n  - { proto: udp, port: 60-50 }\nclasses:\n" DEF, 2, 0, "low <= high" },
	{ "filtered:\n  - { proto: udp, port: 0x35 }\nclasses:\n" DEF, 2, 0, "'0x35' is not a port" },
	{ "filtered:\n  - {}\nclasses:\n" DEF, 2, 5, "an empty entry would filter every session" },
	{ "filtered:\n  - { port: 53, dport: 53 }\nclasses:\n" DEF, 2, 5, "cannot be combined with 'sport' or 'dport'" },
	/* sessions */
	{ "classes:\n" DEF "sessions:\n  - { match: { dst: 198.18.1.5/24 }, class: default }\n", 4, 0,
	  "'198.18.1.5/24' has bits set past its prefix length; did you mean '198.18.1.0/24'?" },
	{ "classes:\n" DEF "sessions:\n  - { match: { dst: 198.18.1.0/33 }, class: default }\n", 4, 0,
	  "has a bad prefix length (0-32)" },
	{ "classes:\n" DEF "sessions:\n  - { match: { dst: 2001:db8::zz }, class: default }\n", 4, 0,
	  "is not an IPv4 or IPv6 address" },
	{ "classes:\n" DEF "sessions:\n  - { match: { src: 198.18.0.0/15, dst: \"2001:db8::/32\" }, class: default }\n",
	  4, 0, "different address families" },
	{ "classes:\n" DEF "sessions:\n  - { match: { proto: udp } }\n", 4, 5, "sessions#1: needs a 'class'" },
	{ "classes:\n" DEF "sessions:\n  - { class: default }\n", 4, 5, "sessions#1: needs a 'match'" },
	{ "classes:\n  voice: {}\n" DEF "sessions:\n  - { match: { proto: udp }, class: vioce }\n", 5, 0,
	  "class 'vioce' is not defined; did you mean 'voice'?" },
	{ "classes:\n" DEF "sessions:\n  - { match: {}, class: default }\n", 4, 0, "an empty match takes every session" },
	{ "classes:\n" DEF "sessions:\n  - { match: { direction: outbound }, class: default }\n", 4, 0,
	  "'outbound' is not one of any, out, in" },
	{ "classes:\n" DEF "applications:\n  - { name: voip, match: { comm: linphone }, class: default }\n"
	  "sessions:\n  - { match: { app: vopi }, class: default }\n", 6, 0,
	  "application 'vopi' is not defined; did you mean 'voip'?" },
	/* applications */
	{ "classes:\n" DEF "applications:\n  - { match: { comm: x }, class: default }\n", 4, 5, "applications#1: needs a 'name'" },
	{ "classes:\n" DEF "applications:\n  - { name: a, class: default }\n", 4, 5, "needs a 'match'" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { comm: x } }\n", 4, 5, "needs a 'class'" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { exe: linphone }, class: default }\n", 4, 0,
	  "'linphone' is not an absolute path or a glob like */linphone" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { comm: averyveryverylongname }, class: default }\n",
	  4, 0, "longer than the 15 characters" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { user: no-such-user-qpod }, class: default }\n",
	  4, 0, "no user named 'no-such-user-qpod'" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { unit: linphone }, class: default }\n",
	  4, 0, "'linphone' is not a systemd unit name" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: {}, class: default }\n", 4, 0,
	  "needs at least one of exe, comm, cmdline, user, unit" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { comm: x }, class: default }\n"
	  "  - { name: a, match: { comm: y }, class: default }\n", 5, 5,
	  "application 'a' is already defined at test.yaml:4" },
	{ "classes:\n  voice: {}\n" DEF "applications:\n  - { name: a, match: { comm: x }, class: vioce }\n", 5, 0,
	  "applications.a: class 'vioce' is not defined; did you mean 'voice'?" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { comm: x }, class: default, max-sessions: 0 }\n",
	  4, 0, "max-sessions: 0 is out of range" },
	{ "classes:\n" DEF "applications:\n  - { name: a, match: { comm: x }, class: default, max-rate: 1mbit, over-budget: bluk }\n",
	  4, 0, "over-budget: class 'bluk' is not defined" },
	{ "classes:\n" DEF "applications:\n  - { name: 'a b', match: { comm: x }, class: default }\n", 4, 0,
	  "'a b' is not a valid application name" },
	/* YAML itself */
	{ "classes:\n  default: { dscp: EF, dscp: AF41 }\n", 2, 24, "duplicate key 'dscp' (first at line 2)" },
	{ "classes:\n  default: { dscp: EF\n", 3, 0, "YAML syntax error" },
	{ "classes:\n  default: &d {}\n  other: *d\ndefault-class: default\n", 3, 10, "aliases (*d) are not supported" },
	{ "- classes\n- default\n", 1, 1, "a policy file is a mapping of keys" },
	{ "classes:\n" DEF "---\nclasses:\n" DEF, 3, 1, "a second YAML document" },
	{ "classes:\n\tdefault: {}\n", 2, 0, "YAML syntax error" },
	{ "just some words\n", 1, 1, "a policy file is a mapping of keys (version, classes, ...), not a value" },
	{ "? [a, b]\n: 1\nclasses:\n" DEF, 1, 3, "a mapping key must be a plain name, not a list" },
};

START_TEST(test_bad_input)
{
	const struct bad_case *bc = &bad_cases[_i];

	expect_error(bc->yaml, bc->line, bc->col, bc->want);
}
END_TEST

START_TEST(test_minimal_defaults)
{
	struct qp_policy *p = load_ok("classes:\n  default:\n");

	ck_assert_uint_eq(p->version, 1);
	ck_assert_uint_eq(p->queue.num, 0);
	ck_assert_uint_eq(p->queue.threads, 1);
	ck_assert_int_eq(p->queue.fail, QP_FAIL_OPEN);
	ck_assert_uint_eq(p->queue.mark_mask, 0x00ff0000);
	ck_assert_str_eq(p->control.socket, "/run/qpod/control.sock");
	ck_assert_str_eq(p->control.group, "qpod");
	ck_assert_int_eq(p->log.kind, QP_LOG_FILE);
	ck_assert_str_eq(p->log.path, "/var/log/qpod/sessions.jsonl");
	ck_assert_uint_eq(p->n_classes, 1);
	ck_assert_ptr_eq(p->default_class.cls, &p->classes[0]);
	ck_assert_uint_eq(p->classes[0].dscp, 0);
	ck_assert_int_eq(p->classes[0].leaf.kind, QP_LEAF_FIFO);
	ck_assert_uint_eq(p->classes[0].leaf.fifo_limit, 1000);
	/* The only class gets the whole link. */
	ck_assert_int_eq(p->classes[0].share.kind, QP_BW_PERCENT);
	ck_assert_uint_eq(p->classes[0].share.ppm, 1000000);
	ck_assert(p->classes[0].share_default);
	ck_assert_uint_eq(p->n_apps + p->n_sessions + p->n_filtered + p->n_interfaces, 0);
	policy_free(p);
}
END_TEST

START_TEST(test_issue_example)
{
	static const char yaml[] =
		"version: 1\n"
		"queue:      { num: 0, threads: 1, fail: open, mark-mask: 0x00ff0000 }\n"
		"control:    { socket: /run/qpod/control.sock, group: qpod }\n"
		"log:        { sessions: /var/log/qpod/sessions.jsonl }\n"
		"interfaces:\n"
		"  - { name: eth0, bandwidth: 1gbit, scheduler: hfsc }\n"
		"classes:\n"
		"  voice:   { dscp: EF,   guarantee: 2mbit, delay: 10ms, share: 10%, limit: 5mbit, queue: fifo }\n"
		"  video:   { dscp: AF41, share: 40%, queue: { red: { min: 30kb, max: 90kb, probability: 0.02, ecn: true } } }\n"
		"  bulk:    { dscp: AF13, share: 20%, limit: 50mbit }\n"
		"  default: { dscp: BE,   share: 30% }\n"
		"default-class: default\n"
		"filtered:\n"
		"  - { proto: udp, port: 53 }\n"
		"applications:\n"
		"  - name: voip\n"
		"    match: { exe: /usr/bin/linphone, comm: linphone, cmdline: \"*--call*\", user: root, unit: linphone.service }\n"
		"    class: voice\n"
		"    max-sessions: 8\n"
		"    max-rate: 4mbit\n"
		"    over-budget: bulk\n"
		"sessions:\n"
		"  - { match: { app: voip, dst: 198.18.1.0/24, dport: 5060-5061, proto: udp, direction: out }, class: video }\n";
	struct qp_policy *p = load_ok(yaml);
	const struct qp_class *voice = policy_class_find(p, "voice");
	const struct qp_class *video = policy_class_find(p, "video");
	const struct qp_app *app;
	const struct qp_session_rule *r;

	ck_assert_uint_eq(p->n_classes, 4);
	ck_assert_ptr_nonnull(voice);
	ck_assert_uint_eq(voice->dscp, 46);
	ck_assert_int_eq(voice->guarantee.kind, QP_BW_RATE);
	ck_assert_uint_eq(voice->guarantee.bps, 2000000);
	ck_assert_uint_eq(voice->delay_usec, 10000);
	ck_assert_uint_eq(voice->share.ppm, 100000);
	ck_assert_uint_eq(voice->limit.bps, 5000000);
	ck_assert_uint_eq(video->dscp, 34);
	ck_assert_int_eq(video->leaf.kind, QP_LEAF_RED);
	ck_assert_uint_eq(video->leaf.red.min, 30 * 1024);
	ck_assert_uint_eq(video->leaf.red.max, 90 * 1024);
	ck_assert_uint_eq(video->leaf.red.limit, 4 * 90 * 1024);
	ck_assert_double_eq(video->leaf.red.probability, 0.02);
	ck_assert(video->leaf.red.ecn);
	ck_assert_uint_eq(p->interfaces[0].bandwidth_bps, 1000000000);
	ck_assert_int_eq(p->interfaces[0].scheduler, QP_SCHED_HFSC);
	ck_assert_uint_eq(p->n_filtered, 1);
	ck_assert_int_eq(p->filtered[0].match.proto, QP_PROTO_UDP);
	ck_assert(p->filtered[0].match.has_port);
	ck_assert_uint_eq(p->filtered[0].match.port.lo, 53);

	app = policy_app_find(p, "voip");
	ck_assert_ptr_nonnull(app);
	ck_assert_str_eq(app->match.exe, "/usr/bin/linphone");
	ck_assert_str_eq(app->match.cmdline, "*--call*");
	ck_assert(app->match.has_uid);
	ck_assert_uint_eq(app->match.uid, 0);
	ck_assert_ptr_eq(app->target.cls, voice);
	ck_assert_uint_eq(app->max_sessions, 8);
	ck_assert_uint_eq(app->max_rate_bps, 4000000);
	ck_assert_str_eq(app->over_budget.cls->name, "bulk");

	r = &p->sessions[0];
	ck_assert_ptr_eq(r->app, app);
	ck_assert_int_eq(r->match.proto, QP_PROTO_UDP);
	ck_assert_int_eq(r->match.direction, QP_DIR_OUT);
	ck_assert_uint_eq(r->match.dst.family, AF_INET);
	ck_assert_uint_eq(r->match.dst.plen, 24);
	ck_assert_uint_eq(r->match.dport.lo, 5060);
	ck_assert_uint_eq(r->match.dport.hi, 5061);
	ck_assert_ptr_eq(r->target.cls, video);
	ck_assert_uint_eq(r->loc.line, 23);
	policy_free(p);
}
END_TEST

START_TEST(test_marks)
{
	struct qp_policy *p = load_ok("queue: { mark-mask: 0x0000ff00 }\nclasses:\n  a: {}\n  default: {}\n");

	ck_assert_uint_eq(policy_class_mark(p, &p->classes[0]), 0x100);
	ck_assert_uint_eq(policy_class_mark(p, &p->classes[1]), 0x200);
	ck_assert_uint_eq(policy_unmanaged_mark(p), 0xff00);
	policy_free(p);
}
END_TEST

START_TEST(test_shares_split_the_rest)
{
	struct qp_policy *p = load_ok("classes:\n  a: { share: 40% }\n  b: {}\n  default: {}\n");

	ck_assert_uint_eq(p->classes[1].share.ppm, 300000);
	ck_assert_uint_eq(p->classes[2].share.ppm, 300000);
	ck_assert(!p->classes[0].share_default);
	policy_free(p);
}
END_TEST

START_TEST(test_over_budget_without_budget_warns)
{
	static const char yaml[] = "classes:\n" DEF "  bulk: {}\napplications:\n"
				   "  - { name: a, match: { comm: x }, class: default, over-budget: bulk }\n";
	struct config_text t = { "test.yaml", yaml, sizeof(yaml) - 1, false };
	struct qp_policy *p = NULL;
	struct diag_list diags;

	diag_list_init(&diags);
	ck_assert_int_eq(config_load_texts(&t, 1, &p, &diags), 0);
	ck_assert_msg(diag_find(&diags, DIAG_WARNING, 5, 0, "over-budget has no effect"), "%s",
		      diag_dump(&diags));
	policy_free(p);
	diag_list_clear(&diags);
}
END_TEST

START_TEST(test_every_error_reported)
{
	static const char yaml[] = "classes:\n  default: { dscp: XX }\n  v: { guarantee: 1 }\n"
				   "queue: { fail: shut }\n";
	struct config_text t = { "test.yaml", yaml, sizeof(yaml) - 1, false };
	struct qp_policy *p = NULL;
	struct diag_list diags;

	diag_list_init(&diags);
	ck_assert_int_lt(config_load_texts(&t, 1, &p, &diags), 0);
	ck_assert_uint_eq(diags.n_errors, 3);
	ck_assert(diag_find(&diags, DIAG_ERROR, 2, 0, "not a DSCP"));
	ck_assert(diag_find(&diags, DIAG_ERROR, 3, 0, "needs a rate unit"));
	ck_assert(diag_find(&diags, DIAG_ERROR, 4, 0, "queue.fail"));
	diag_list_clear(&diags);
}
END_TEST

START_TEST(test_quoted_null_is_a_value)
{
	/* "" in quotes is an empty string, not a missing value. */
	expect_error("classes:\n  default: { dscp: \"\" }\n", 2, 0, "'' is not a DSCP");
}
END_TEST

START_TEST(test_ipv6_and_ranges)
{
	struct qp_policy *p = load_ok(
		"classes:\n" DEF "  gold: {}\n"
		"sessions:\n"
		"  - { match: { dst: \"2001:db8:1::/48\", sport: 1000-2000, proto: tcp, direction: in }, class: gold }\n"
		"  - { match: { src: 198.18.0.1 }, class: drop }\n");

	ck_assert_uint_eq(p->sessions[0].match.dst.family, AF_INET6);
	ck_assert_uint_eq(p->sessions[0].match.dst.plen, 48);
	ck_assert_uint_eq(p->sessions[0].match.sport.lo, 1000);
	ck_assert_uint_eq(p->sessions[0].match.sport.hi, 2000);
	ck_assert_int_eq(p->sessions[0].match.direction, QP_DIR_IN);
	ck_assert_uint_eq(p->sessions[1].match.src.plen, 32);
	ck_assert_int_eq(p->sessions[1].target.kind, QP_TARGET_DROP);
	policy_free(p);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("bad input");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_every_error_reported);
	tcase_add_test(tc, test_quoted_null_is_a_value);
	suite_add_tcase(s, tc);
	tc = tcase_create("good input");
	tcase_add_test(tc, test_minimal_defaults);
	tcase_add_test(tc, test_issue_example);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_shares_split_the_rest);
	tcase_add_test(tc, test_over_budget_without_budget_warns);
	tcase_add_test(tc, test_ipv6_and_ranges);
	suite_add_tcase(s, tc);
	return s;
}
