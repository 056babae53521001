/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check-main.h"
#include "packet.h"

static size_t ipv4(uint8_t *p, uint8_t proto, uint16_t frag, size_t l4_len)
{
	memset(p, 0, 20 + l4_len);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + l4_len) >> 8);
	p[3] = (uint8_t)(20 + l4_len);
	p[6] = (uint8_t)(frag >> 8);
	p[7] = (uint8_t)frag;
	p[9] = proto;
	inet_pton(AF_INET, "198.18.0.1", p + 12);
	inet_pton(AF_INET, "198.18.0.2", p + 16);
	return 20 + l4_len;
}

static void ports(uint8_t *l4, uint16_t s, uint16_t d)
{
	l4[0] = (uint8_t)(s >> 8);
	l4[1] = (uint8_t)s;
	l4[2] = (uint8_t)(d >> 8);
	l4[3] = (uint8_t)d;
}

START_TEST(test_ipv4_tcp_udp)
{
	uint8_t p[128];
	struct tuple f;
	uint8_t flags;
	size_t len;

	len = ipv4(p, IPPROTO_TCP, 0, 20);
	ports(p + 20, 40000, 5001);
	p[20 + 13] = TCP_FLAG_SYN;
	ck_assert_int_eq(packet_parse(p, len, &f, &flags), 0);
	ck_assert_uint_eq(f.family, AF_INET);
	ck_assert_uint_eq(f.proto, IPPROTO_TCP);
	ck_assert(f.has_ports);
	ck_assert_uint_eq(f.sport, 40000);
	ck_assert_uint_eq(f.dport, 5001);
	ck_assert_uint_eq(flags, TCP_FLAG_SYN);
	ck_assert(packet_opens(flags));
	p[20 + 13] = TCP_FLAG_SYN | TCP_FLAG_ACK;
	ck_assert_int_eq(packet_parse(p, len, &f, &flags), 0);
	ck_assert(!packet_opens(flags));
	ck_assert_mem_eq(f.saddr, "\xc6\x12\x00\x01", 4);
	ck_assert_mem_eq(f.daddr, "\xc6\x12\x00\x02", 4);

	len = ipv4(p, IPPROTO_UDP, 0, 8);
	ports(p + 20, 53000, 53);
	ck_assert_int_eq(packet_parse(p, len, &f, &flags), 0);
	ck_assert_uint_eq(f.proto, IPPROTO_UDP);
	ck_assert_uint_eq(f.dport, 53);
	ck_assert_uint_eq(flags, 0);

	/* ICMP: no ports, still a flow. */
	len = ipv4(p, IPPROTO_ICMP, 0, 8);
	ck_assert_int_eq(packet_parse(p, len, &f, &flags), 0);
	ck_assert(!f.has_ports);

	/* A later fragment has no transport header to read. */
	len = ipv4(p, IPPROTO_UDP, 185, 8);
	ck_assert_int_eq(packet_parse(p, len, &f, &flags), 0);
	ck_assert(!f.has_ports);
}
END_TEST

START_TEST(test_ipv4_bad)
{
	uint8_t p[128];
	struct tuple f = { .sport = 7 };
	uint8_t flags = 9;
	size_t len = ipv4(p, IPPROTO_TCP, 0, 20);

	ck_assert_int_lt(packet_parse(p, 19, &f, &flags), 0);		/* short header */
	ck_assert_int_lt(packet_parse(p, 22, &f, &flags), 0);		/* cut in the ports */
	ck_assert_int_lt(packet_parse(p, 30, &f, &flags), 0);		/* TCP without flags */
	p[0] = 0x44;						/* IHL 16 bytes */
	ck_assert_int_lt(packet_parse(p, len, &f, &flags), 0);
	p[0] = 0x4f;						/* IHL 60, beyond the packet */
	ck_assert_int_lt(packet_parse(p, 40, &f, &flags), 0);
	p[0] = 0x55;						/* version 5 */
	ck_assert_int_lt(packet_parse(p, len, &f, &flags), 0);
	ck_assert_int_lt(packet_parse(p, 0, &f, &flags), 0);
	ck_assert_uint_eq(f.sport, 7);				/* untouched */
	ck_assert_uint_eq(flags, 9);
}
END_TEST

static size_t ipv6(uint8_t *p, uint8_t next)
{
	memset(p, 0, 128);
	p[0] = 0x60;
	p[6] = next;
	inet_pton(AF_INET6, "2001:db8::1", p + 8);
	inet_pton(AF_INET6, "2001:db8::2", p + 24);
	return 40;
}

START_TEST(test_ipv6)
{
	uint8_t p[128];
	struct tuple f;
	uint8_t flags;
	size_t off = ipv6(p, IPPROTO_TCP);

	ports(p + off, 40000, 443);
	ck_assert_int_eq(packet_parse(p, off + 20, &f, &flags), 0);
	ck_assert_uint_eq(f.family, AF_INET6);
	ck_assert_uint_eq(f.dport, 443);
	ck_assert_mem_eq(f.daddr, "\x20\x01\x0d\xb8", 4);
	ck_assert_uint_eq(f.daddr[15], 2);

	/* Hop-by-hop (8 bytes) then destination options (16) then UDP. */
	off = ipv6(p, IPPROTO_HOPOPTS);
	p[40] = IPPROTO_DSTOPTS;
	p[41] = 0;
	p[48] = IPPROTO_UDP;
	p[49] = 1;
	ports(p + 64, 5060, 5061);
	ck_assert_int_eq(packet_parse(p, 64 + 8, &f, &flags), 0);
	ck_assert_uint_eq(f.proto, IPPROTO_UDP);
	ck_assert_uint_eq(f.sport, 5060);
	ck_assert_int_lt(packet_parse(p, 64 + 2, &f, &flags), 0);	/* cut in the ports */
	ck_assert_int_lt(packet_parse(p, 44, &f, &flags), 0);		/* cut in an option */

	/* First fragment: ports are there; a later one: none. */
	off = ipv6(p, IPPROTO_FRAGMENT);
	p[40] = IPPROTO_UDP;
	ports(p + 48, 1000, 2000);
	ck_assert_int_eq(packet_parse(p, 56, &f, &flags), 0);
	ck_assert(f.has_ports);
	p[42] = 0x01;						/* offset 32 */
	ck_assert_int_eq(packet_parse(p, 56, &f, &flags), 0);
	ck_assert(!f.has_ports);
	ck_assert_uint_eq(f.proto, IPPROTO_UDP);
	(void)off;
}
END_TEST

START_TEST(test_ipv6_header_loop)
{
	uint8_t p[128];
	struct tuple f;
	uint8_t flags;

	/* Nine destination-option headers: more than qpod follows. */
	ipv6(p, IPPROTO_DSTOPTS);
	for (int i = 0; i < 9; i++)
		p[40 + 8 * i] = IPPROTO_DSTOPTS;
	ck_assert_int_lt(packet_parse(p, 128, &f, &flags), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("packet");

	tcase_add_test(tc, test_ipv4_tcp_udp);
	tcase_add_test(tc, test_ipv4_bad);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_ipv6_header_loop);
	suite_add_tcase(s, tc);
	return s;
}
