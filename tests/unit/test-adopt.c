/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Adoption: which of conntrack's connections are this host's sessions, from
 * which side, and whose budget they count against. */
#include <arpa/inet.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netinet/in.h>
#include <string.h>

#include "adopt.h"
#include "check-main.h"
#include "test-util.h"
#include "config-test-util.h"

/* A connection from SRC to DST, answered by REPLY_SRC (DST unless it was
 * translated) to REPLY_DST. */
static void ct_of(int family, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		  uint16_t dport, const char *reply_src, uint16_t reply_sport,
		  const char *reply_dst, uint16_t reply_dport, struct ct_entry *ct)
{
	memset(ct, 0, sizeof(*ct));
	test_tuple(family, proto, src, sport, dst, dport, &ct->orig);
	test_tuple(family, proto, reply_src, reply_sport, reply_dst, reply_dport, &ct->reply);
}

static struct local_addrs locals_of(const char *const *addrs, size_t n)
{
	static struct local_addr a[8];
	struct local_addrs l = { n, a };

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		a[i].family = strchr(addrs[i], ':') ? AF_INET6 : AF_INET;
		ck_assert_int_eq(inet_pton(a[i].family, addrs[i], a[i].addr), 1);
	}
	return l;
}

START_TEST(test_direction)
{
	static const char *const here[] = { "198.18.0.1", "2001:db8::1", "127.0.0.1" };
	struct local_addrs l = locals_of(here, 3);
	struct ct_entry ct;
	struct tuple key, want;
	enum qp_direction dir;

	/* Opened here. */
	ct_of(AF_INET, IPPROTO_TCP, "198.18.0.1", 40000, "198.18.0.2", 9200, "198.18.0.2", 9200,
	      "198.18.0.1", 40000, &ct);
	ck_assert(adopt_direction(&ct, &l, &dir, &key));
	ck_assert_int_eq(dir, QP_DIR_OUT);
	ck_assert_mem_eq(&key, &ct.orig, sizeof(key));
	/* Opened here and masqueraded later: still the original tuple. */
	ct_of(AF_INET, IPPROTO_UDP, "198.18.0.1", 40000, "203.0.113.7", 53, "203.0.113.7", 53,
	      "192.0.2.1", 61000, &ct);
	ck_assert(adopt_direction(&ct, &l, &dir, &key));
	ck_assert_int_eq(dir, QP_DIR_OUT);
	ck_assert_mem_eq(&key, &ct.orig, sizeof(key));
	/* Accepted here, on an address redirected to this host's: the tuple
	 * qpod sees once translated. */
	ct_of(AF_INET6, IPPROTO_TCP, "2001:db8::2", 50000, "2001:db8::80", 80, "2001:db8::1", 8080,
	      "2001:db8::2", 50000, &ct);
	ck_assert(adopt_direction(&ct, &l, &dir, &key));
	ck_assert_int_eq(dir, QP_DIR_IN);
	test_tuple(AF_INET6, IPPROTO_TCP, "2001:db8::2", 50000, "2001:db8::1", 8080, &want);
	ck_assert_mem_eq(&key, &want, sizeof(key));
	/* Loopback: both ends here. Forwarded: neither. */
	ct_of(AF_INET, IPPROTO_TCP, "127.0.0.1", 40000, "127.0.0.1", 631, "127.0.0.1", 631,
	      "127.0.0.1", 40000, &ct);
	ck_assert(!adopt_direction(&ct, &l, &dir, &key));
	ct_of(AF_INET, IPPROTO_TCP, "198.18.0.2", 40000, "198.18.5.5", 80, "198.18.5.5", 80,
	      "198.18.0.2", 40000, &ct);
	ck_assert(!adopt_direction(&ct, &l, &dir, &key));
}
END_TEST

START_TEST(test_wanted)
{
	struct qp_policy *p = load_ok("classes:\n  voice: {}\n  default: {}\n");
	struct marks m = { 0 };
	struct ct_entry ct;

	ck_assert_int_eq(marks_assign(&m, p), 0);
	ct_of(AF_INET, IPPROTO_TCP, "198.18.0.1", 40000, "198.18.0.2", 9200, "198.18.0.2", 9200,
	      "198.18.0.1", 40000, &ct);
	ct.tcp_state = TCP_CONNTRACK_ESTABLISHED;
	ck_assert(adopt_wanted(&ct, &m));
	/* Undecided, pending, or of a class: all are looked at. */
	ct.mark = marks_pending(&m);
	ck_assert(adopt_wanted(&ct, &m));
	ct.mark = marks_class(&m, 0) | 0x1;	/* bits outside qpod's are not its */
	ck_assert(adopt_wanted(&ct, &m));
	/* Unmanaged (loopback, filtered) stays so. */
	ct.mark = marks_unmanaged(&m);
	ck_assert(!adopt_wanted(&ct, &m));
	ct.mark = 0;
	/* Closing is over. */
	ct.tcp_state = TCP_CONNTRACK_FIN_WAIT;
	ck_assert(!adopt_wanted(&ct, &m));
	ct.tcp_state = TCP_CONNTRACK_TIME_WAIT;
	ck_assert(!adopt_wanted(&ct, &m));
	ct.tcp_state = TCP_CONNTRACK_SYN_SENT;
	ck_assert(adopt_wanted(&ct, &m));
	/* Only TCP and UDP are sessions qpodd decides. */
	ct_of(AF_INET6, IPPROTO_ICMPV6, "2001:db8::1", 0, "2001:db8::2", 0, "2001:db8::2", 0,
	      "2001:db8::1", 0, &ct);
	ck_assert(!adopt_wanted(&ct, &m));
	ct_of(AF_INET6, IPPROTO_UDP, "2001:db8::1", 5000, "2001:db8::2", 5060, "2001:db8::2", 5060,
	      "2001:db8::1", 5000, &ct);
	ck_assert(adopt_wanted(&ct, &m));
	marks_clear(&m);
	policy_free(p);
}
END_TEST

START_TEST(test_in_run)
{
	struct adopt_run runs[2] = { { 4242, "/qpod/run-42", 1 },
				     { 777, "/user.slice/user-1000.slice/qpod-run-9.scope", 2 } };

	ck_assert_ptr_eq(adopt_in_run(runs, 2, 4242, NULL), &runs[0]);
	ck_assert_ptr_eq(adopt_in_run(runs, 2, 1, "/qpod/run-42"), &runs[0]);
	ck_assert_ptr_eq(adopt_in_run(runs, 2, 1, "/qpod/run-42/child"), &runs[0]);
	ck_assert_ptr_eq(adopt_in_run(runs, 2, 0, "/user.slice/user-1000.slice/qpod-run-9.scope"),
			 &runs[1]);
	/* Another run's name that starts the same is not this one. */
	ck_assert(!adopt_in_run(runs, 2, 1, "/qpod/run-421"));
	ck_assert(!adopt_in_run(runs, 2, 0, NULL));
	ck_assert(!adopt_in_run(runs, 0, 4242, "/qpod/run-42"));
}
END_TEST

/* A connection an earlier qpodd marked keeps what it had when the policy
 * allows it; otherwise the budget decides as for a new session. */
START_TEST(test_admitted)
{
	struct qp_policy *p = load_ok(
		"classes:\n  voice: {}\n  bulk: {}\n  default: {}\n"
		"applications:\n"
		"  - { name: call, match: { comm: linphone }, class: voice, max-sessions: 2,\n"
		"      over-budget: bulk }\n");
	const struct qp_app *call = policy_app_find(p, "call");
	int voice = (int)policy_class_find(p, "voice")->index;
	int bulk = (int)policy_class_find(p, "bulk")->index;
	int other = (int)policy_class_find(p, "default")->index;

	/* In its class: counted, even with the budget full. */
	ck_assert(adopt_admitted(call, &call->target, voice, false));
	/* In its over-budget class: not counted, even with room. */
	ck_assert(!adopt_admitted(call, &call->target, bulk, true));
	/* Unmarked, or in a class the policy does not give it: as if new. */
	ck_assert(adopt_admitted(call, &call->target, -1, true));
	ck_assert(!adopt_admitted(call, &call->target, -1, false));
	ck_assert(!adopt_admitted(call, &call->target, other, false));
	ck_assert(adopt_admitted(call, &call->target, other, true));
	policy_free(p);
}
END_TEST

START_TEST(test_local_addrs)
{
	struct local_addrs l = { 0 };
	uint8_t lo4[16] = { 127, 0, 0, 1 }, lo6[16] = { [15] = 1 }, none[16] = { 192, 0, 2, 99 };

	/* Every host has loopback: the addresses are read. */
	ck_assert_int_eq(local_addrs_load(&l), 0);
	ck_assert(local_addrs_has(&l, AF_INET, lo4) || local_addrs_has(&l, AF_INET6, lo6));
	ck_assert(!local_addrs_has(&l, AF_INET, none));
	local_addrs_clear(&l);
	ck_assert_uint_eq(l.n, 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("adopt");
	TCase *tc = tcase_create("adopt");

	tcase_add_test(tc, test_direction);
	tcase_add_test(tc, test_wanted);
	tcase_add_test(tc, test_in_run);
	tcase_add_test(tc, test_admitted);
	tcase_add_test(tc, test_local_addrs);
	suite_add_tcase(s, tc);
	return s;
}
