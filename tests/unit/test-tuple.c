/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check-main.h"
#include "test-util.h"
#include "tuple.h"

/* Conntrack names a connection by its original tuple; qpod named the
 * session by its first packet as seen after any destination translation. */
START_TEST(test_translated)
{
	struct tuple seen, orig, reply, got;

	/* B connects to A:8080, redirected in prerouting to A:9090. */
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.2", 40000, "198.18.0.1", 9090, &seen);
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.2", 40000, "198.18.0.1", 8080, &orig);
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.1", 9090, "198.18.0.2", 40000, &reply);
	tuple_translated(&orig, &reply, &got);
	ck_assert_mem_eq(&got, &seen, sizeof(seen));
	/* Out from A to 203.0.113.7:80, dnat'ed in output to 10.0.0.5:8000
	 * and masqueraded after qpod, in postrouting, as 192.0.2.1:61000. */
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.1", 50000, "10.0.0.5", 8000, &seen);
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.1", 50000, "203.0.113.7", 80, &orig);
	test_tuple(AF_INET, IPPROTO_TCP, "10.0.0.5", 8000, "192.0.2.1", 61000, &reply);
	tuple_translated(&orig, &reply, &got);
	ck_assert_mem_eq(&got, &seen, sizeof(seen));
	/* IPv6, redirected to another port of the same host. */
	test_tuple(AF_INET6, IPPROTO_UDP, "2001:db8::2", 5000, "2001:db8::1", 5061, &seen);
	test_tuple(AF_INET6, IPPROTO_UDP, "2001:db8::2", 5000, "2001:db8::1", 5060, &orig);
	test_tuple(AF_INET6, IPPROTO_UDP, "2001:db8::1", 5061, "2001:db8::2", 5000, &reply);
	tuple_translated(&orig, &reply, &got);
	ck_assert_mem_eq(&got, &seen, sizeof(seen));
	/* Untranslated: the original tuple. */
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.1", 50000, "198.18.0.2", 80, &orig);
	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.2", 80, "198.18.0.1", 50000, &reply);
	tuple_translated(&orig, &reply, &got);
	ck_assert_mem_eq(&got, &orig, sizeof(orig));
}
END_TEST

START_TEST(test_format)
{
	struct tuple t;
	char buf[128], tiny[12];

	test_tuple(AF_INET, IPPROTO_TCP, "198.18.0.1", 40000, "198.18.0.2", 5001, &t);
	tuple_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "tcp 198.18.0.1:40000 -> 198.18.0.2:5001");
	test_tuple(AF_INET6, IPPROTO_UDP, "2001:db8::1", 40000, "2001:db8::2", 443, &t);
	tuple_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "udp [2001:db8::1]:40000 -> [2001:db8::2]:443");
	/* No ports: a protocol without them, or a later fragment. */
	test_tuple(AF_INET6, IPPROTO_ICMPV6, "2001:db8::1", 0, "2001:db8::2", 0, &t);
	tuple_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ip/58 2001:db8::1 -> 2001:db8::2");
	test_tuple(AF_INET, IPPROTO_UDP, "198.18.0.1", 0, "198.18.0.2", 0, &t);
	t.has_ports = 0;
	tuple_format(&t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "udp 198.18.0.1 -> 198.18.0.2");
	/* Cut short, still a string. */
	tuple_format(&t, tiny, sizeof(tiny));
	ck_assert_str_eq(tiny, "udp 198.18.");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("tuple");
	TCase *tc = tcase_create("tuple");

	tcase_add_test(tc, test_translated);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}
