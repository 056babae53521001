/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Conntrack's messages read into a session's tuple the same as its first
 * packet would be: the session table finds one by the other. */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <string.h>

#include "check-main.h"
#include "ctnl.h"
#include "packet.h"

#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif

/* A ctnetlink "new" message in BUF: 198.18.0.1:SPORT -> 198.18.0.2:DPORT
 * of protocol PROTO, the ports sent as the kernel sends them for it. */
static struct nlmsghdr *ct_msg(char *buf, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nlattr *tuple, *nest;
	uint32_t a, b;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	inet_pton(AF_INET, "198.18.0.1", &a);
	inet_pton(AF_INET, "198.18.0.2", &b);
	for (int dir = 0; dir < 2; dir++) {
		tuple = mnl_attr_nest_start(nlh, dir ? CTA_TUPLE_REPLY : CTA_TUPLE_ORIG);
		nest = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		mnl_attr_put_u32(nlh, CTA_IP_V4_SRC, dir ? b : a);
		mnl_attr_put_u32(nlh, CTA_IP_V4_DST, dir ? a : b);
		mnl_attr_nest_end(nlh, nest);
		nest = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
		if (proto != IPPROTO_ICMP) {
			mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(dir ? dport : sport));
			mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(dir ? sport : dport));
		}
		mnl_attr_nest_end(nlh, nest);
		mnl_attr_nest_end(nlh, tuple);
	}
	return nlh;
}

/* The tuple packet_parse gives a packet of PROTO with those ports (an
 * IPv4 header and, for TCP and UDP, the ports). */
static void packet_tuple(uint8_t proto, uint16_t sport, uint16_t dport, struct tuple *ret)
{
	uint8_t p[40] = { 0x45, 0, 0, 40 };
	uint8_t flags;

	p[9] = proto;
	inet_pton(AF_INET, "198.18.0.1", p + 12);
	inet_pton(AF_INET, "198.18.0.2", p + 16);
	p[20] = (uint8_t)(sport >> 8);
	p[21] = (uint8_t)sport;
	p[22] = (uint8_t)(dport >> 8);
	p[23] = (uint8_t)dport;
	ck_assert_int_eq(packet_parse(p, sizeof(p), ret, &flags), 0);
}

START_TEST(test_tuple_as_packets)
{
	static const struct {
		uint8_t proto;
		uint16_t sport, dport;
		bool ports;
	} cases[] = {
		{ IPPROTO_TCP, 40000, 5001, true },
		{ IPPROTO_UDP, 53000, 53, true },
		{ IPPROTO_GRE, 0, 0, false },	/* keys: conntrack sends them as ports */
		{ IPPROTO_SCTP, 3000, 3868, false },
		{ IPPROTO_DCCP, 4000, 5004, false },
		{ IPPROTO_ICMP, 0, 0, false },
	};
	char buf[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ct_entry ct;
		struct tuple want;

		ck_assert_int_eq(ctnl_parse(ct_msg(buf, cases[i].proto, cases[i].sport,
						    cases[i].dport), &ct), 0);
		packet_tuple(cases[i].proto, cases[i].sport, cases[i].dport, &want);
		ck_assert_uint_eq(ct.orig.has_ports, cases[i].ports);
		if (memcmp(&ct.orig, &want, sizeof(want)) != 0)
			ck_abort_msg("protocol %u: conntrack's tuple is not the packet's",
				     cases[i].proto);
		ck_assert_uint_eq(ct.reply.sport, cases[i].ports ? cases[i].dport : 0);
		ck_assert(!ct.destroyed);
	}
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ctnl");
	TCase *tc = tcase_create("ctnl");

	tcase_add_test(tc, test_tuple_as_packets);
	suite_add_tcase(s, tc);
	return s;
}
