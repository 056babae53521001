/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include "check-main.h"
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

START_TEST(test_cidr)
{
	struct qp_cidr c;
	const char *err;
	char buf[64];
	uint8_t a4[4], a6[16];

	ck_assert_int_eq(netaddr_parse_cidr("198.18.1.0/24", &c, &err), 0);
	ck_assert_uint_eq(c.family, AF_INET);
	ck_assert_uint_eq(c.plen, 24);
	ck_assert(!netaddr_cidr_has_host_bits(&c));
	inet_pton(AF_INET, "198.18.1.77", a4);
	ck_assert(netaddr_cidr_contains(&c, AF_INET, a4));
	inet_pton(AF_INET, "198.18.2.1", a4);
	ck_assert(!netaddr_cidr_contains(&c, AF_INET, a4));
	netaddr_format_cidr(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "198.18.1.0/24");

	ck_assert_int_eq(netaddr_parse_cidr("2001:db8::/32", &c, &err), 0);
	ck_assert_uint_eq(c.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8:5::1", a6);
	ck_assert(netaddr_cidr_contains(&c, AF_INET6, a6));
	ck_assert(!netaddr_cidr_contains(&c, AF_INET, a6));
	inet_pton(AF_INET6, "2001:db9::1", a6);
	ck_assert(!netaddr_cidr_contains(&c, AF_INET6, a6));

	ck_assert_int_eq(netaddr_parse_cidr("198.18.0.1", &c, &err), 0);
	ck_assert_uint_eq(c.plen, 32);
	ck_assert_int_eq(netaddr_parse_cidr("0.0.0.0/0", &c, &err), 0);
	ck_assert_uint_eq(c.plen, 0);
	inet_pton(AF_INET, "203.0.113.9", a4);
	ck_assert(netaddr_cidr_contains(&c, AF_INET, a4));

	ck_assert_int_eq(netaddr_parse_cidr("198.18.1.5/23", &c, &err), 0);
	ck_assert(netaddr_cidr_has_host_bits(&c));
	netaddr_cidr_mask(&c);
	netaddr_format_cidr(&c, buf, sizeof(buf));
	ck_assert_str_eq(buf, "198.18.0.0/23");
	ck_assert_int_eq(netaddr_parse_cidr("2001:db8::1/127", &c, &err), 0);
	ck_assert(netaddr_cidr_has_host_bits(&c));
}
END_TEST

START_TEST(test_cidr_bad)
{
	static const char *const bad[] = { "", "/24", "198.18.1.0/", "198.18.1.0/33", "198.18.1/24",
					   "2001:db8::/129", "198.18.1.0/024", "198.18.1.0/x",
					   "example.com", "198.18.1.0/24/1", "::ffff:1.2.3.4.5" };
	struct qp_cidr c;
	const char *err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(netaddr_parse_cidr(bad[i], &c, &err) < 0, "'%s' parsed", bad[i]);
}
END_TEST

START_TEST(test_ports)
{
	static const char *const bad[] = { "", "0", "65536", "-1", "10-", "-10", "20-10", "0x35",
					   "053", "1-2-3", "a", "1 - 2" };
	struct qp_port_range r;
	const char *err;
	char buf[16];

	ck_assert_int_eq(netaddr_parse_port_range("53", &r, &err), 0);
	ck_assert_uint_eq(r.lo, 53);
	ck_assert_uint_eq(r.hi, 53);
	ck_assert_int_eq(netaddr_parse_port_range("5060-5061", &r, &err), 0);
	ck_assert_uint_eq(r.lo, 5060);
	ck_assert_uint_eq(r.hi, 5061);
	netaddr_format_port_range(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "5060-5061");
	ck_assert_int_eq(netaddr_parse_port_range("65535", &r, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(netaddr_parse_port_range(bad[i], &r, &err) < 0, "'%s' parsed", bad[i]);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("netaddr");

	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_cidr_bad);
	tcase_add_test(tc, test_ports);
	suite_add_tcase(s, tc);
	return s;
}
