/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netlink exchange, against the running kernel's rtnetlink (reading
 * links needs no privilege): plain gets, acks, dumps, the kernel's errors
 * and its own words for them, timeouts, leftovers of other requests, and
 * batches. */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "check-main.h"
#include "clock.h"
#include "netlink.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

struct links_seen {
	int count;
	int lo;		/* messages about the loopback interface */
};

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct links_seen *seen = arg;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	seen->count++;
	if (ifi->ifi_flags & IFF_LOOPBACK)
		seen->lo++;
	return MNL_CB_OK;
}

/* An RTM_GETLINK request in BUF for IFINDEX (0: with DUMP) and FLAGS. */
static struct nlmsghdr *getlink(char *buf, int ifindex, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags | (ifindex ? 0 : NLM_F_DUMP);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static struct nl_sock *route_sock(int timeout_ms)
{
	struct nl_sock *s = NULL;

	ck_assert_int_eq(nl_sock_new(NETLINK_ROUTE, 0, 0, timeout_ms, &s), 0);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(test_plain_get)
{
	struct nl_sock *s = route_sock(1000);
	struct links_seen seen = { 0 };
	int lo = (int)if_nametoindex("lo");
	char buf[256];

	ck_assert_int_gt(lo, 0);
	ck_assert_int_eq(nl_sock_talk(s, getlink(buf, lo, 0), link_cb, &seen), 0);
	ck_assert_int_eq(seen.count, 1);
	ck_assert_int_eq(seen.lo, 1);
	/* The same with an ack after the answer: both read, nothing left. */
	ck_assert_int_eq(nl_sock_talk(s, getlink(buf, lo, NLM_F_ACK), link_cb, &seen), 0);
	ck_assert_int_eq(seen.count, 2);
	ck_assert_int_eq(recv(nl_sock_fd(s), buf, sizeof(buf), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	nl_sock_free(s);
}
END_TEST

START_TEST(test_dump)
{
	struct nl_sock *s = route_sock(1000);
	struct links_seen seen = { 0 };
	char buf[256];

	ck_assert_int_eq(nl_sock_talk(s, getlink(buf, 0, 0), link_cb, &seen), 0);
	ck_assert_int_ge(seen.count, 1);
	ck_assert_int_eq(seen.lo, 1);
	nl_sock_free(s);
}
END_TEST

START_TEST(test_kernel_error)
{
	struct nl_sock *s = route_sock(1000);
	struct links_seen seen = { 0 };
	int on = 1;
	char buf[256];
	struct nlmsghdr *nlh;

	ck_assert_int_eq(nl_sock_talk(s, getlink(buf, 0x7fffffff, 0), link_cb, &seen), -ENODEV);
	ck_assert_int_eq(seen.count, 0);
	/* With strict checking the kernel says what is wrong in words. */
	ck_assert_int_eq(setsockopt(nl_sock_fd(s), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on,
				    sizeof(on)), 0);
	nlh = getlink(buf, 1, 0);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_flags = IFF_UP;
	ck_assert_int_eq(nl_sock_talk(s, nlh, link_cb, &seen), -EINVAL);
	ck_assert_msg(strstr(nl_sock_error(s), "header") != NULL,
		      "the kernel's message: \"%s\"", nl_sock_error(s));
	/* A later success clears it. */
	ck_assert_int_eq(nl_sock_talk(s, getlink(buf, 1, 0), link_cb, &seen), 0);
	ck_assert_str_eq(nl_sock_error(s), "");
	nl_sock_free(s);
}
END_TEST

START_TEST(test_timeout)
{
	struct nl_sock *s = route_sock(50);
	struct nlmsghdr *nlh;
	char buf[64];
	uint64_t t0;

	/* A no-op without an ack gets no answer at all. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_NOOP;
	t0 = clock_mono_ns();
	ck_assert_int_eq(nl_sock_talk(s, nlh, NULL, NULL), -ETIMEDOUT);
	ck_assert_uint_ge(clock_mono_ns() - t0, 50 * 1000000ull);
	/* With an ack, the same message is answered. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_NOOP;
	nlh->nlmsg_flags = NLM_F_ACK;
	ck_assert_int_eq(nl_sock_talk(s, nlh, NULL, NULL), 0);
	nl_sock_free(s);
}
END_TEST

static void count_foreign(const struct nlmsghdr *nlh, void *arg)
{
	(void)nlh;
	(*(int *)arg)++;
}

START_TEST(test_leftover)
{
	struct nl_sock *s = route_sock(1000);
	struct links_seen seen = { 0 };
	int foreign = 0;
	char buf[256];
	struct nlmsghdr *nlh;

	nl_sock_set_foreign(s, count_foreign, &foreign);
	/* An answer nobody read (a request that timed out) comes first. */
	nlh = getlink(buf, 1, 0);
	nlh->nlmsg_seq = 7;
	ck_assert_int_eq(send(nl_sock_fd(s), nlh, nlh->nlmsg_len, 0), (ssize_t)nlh->nlmsg_len);
	ck_assert_int_eq(nl_sock_talk(s, getlink(buf, 1, 0), link_cb, &seen), 0);
	ck_assert_int_eq(foreign, 1);
	ck_assert_int_eq(seen.count, 1);
	nl_sock_free(s);
}
END_TEST

struct acks {
	int n;
	int errors;
	uint32_t seqs[8];
};

static void ack_cb(uint32_t seq, int error, const char *msg, void *arg)
{
	struct acks *a = arg;

	(void)msg;
	if (a->n < 8)
		a->seqs[a->n] = seq;
	a->n++;
	if (error)
		a->errors++;
}

/* Appends to BATCH a message asking for an ack: a no-op, or (IFINDEX
 * set) a get of that link. */
static void batch_add(struct mnl_nlmsg_batch *batch, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh;

	if (ifindex) {
		nlh = getlink(mnl_nlmsg_batch_current(batch), ifindex, NLM_F_ACK);
	} else {
		nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(batch));
		nlh->nlmsg_type = NLMSG_NOOP;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	}
	nlh->nlmsg_seq = seq;
	mnl_nlmsg_batch_next(batch);
}

START_TEST(test_batch)
{
	struct nl_sock *s = route_sock(1000);
	char buf[4096];
	struct mnl_nlmsg_batch *batch = mnl_nlmsg_batch_start(buf, sizeof(buf));
	struct acks acks = { 0 };
	int foreign = 0;
	uint64_t t0;

	for (uint32_t i = 0; i < 3; i++)
		batch_add(batch, 100 + i, 0);
	ck_assert_int_eq(nl_sock_talk_batch(s, mnl_nlmsg_batch_head(batch),
					    mnl_nlmsg_batch_size(batch), 3, ack_cb, &acks), 0);
	ck_assert_int_eq(acks.n, 3);
	ck_assert_int_eq(acks.errors, 0);
	ck_assert_uint_eq(acks.seqs[2], 102);

	/* One refused in the middle: its error is the batch's. */
	mnl_nlmsg_batch_reset(batch);
	memset(&acks, 0, sizeof(acks));
	batch_add(batch, 200, 0);
	batch_add(batch, 201, 0x7fffffff);
	batch_add(batch, 202, 0);
	ck_assert_int_eq(nl_sock_talk_batch(s, mnl_nlmsg_batch_head(batch),
					    mnl_nlmsg_batch_size(batch), 3, ack_cb, &acks), -ENODEV);
	ck_assert_int_eq(acks.n, 3);
	ck_assert_int_eq(acks.errors, 1);

	/* A late ack of an earlier request is not one of the batch's: the
	 * refusal after it is still read. */
	mnl_nlmsg_batch_reset(batch);
	memset(&acks, 0, sizeof(acks));
	batch_add(batch, 50, 0);
	ck_assert_int_eq(send(nl_sock_fd(s), mnl_nlmsg_batch_head(batch),
			      mnl_nlmsg_batch_size(batch), 0), (ssize_t)mnl_nlmsg_batch_size(batch));
	nl_sock_set_foreign(s, count_foreign, &foreign);
	mnl_nlmsg_batch_reset(batch);
	batch_add(batch, 400, 0);
	batch_add(batch, 401, 0x7fffffff);
	ck_assert_int_eq(nl_sock_talk_batch(s, mnl_nlmsg_batch_head(batch),
					    mnl_nlmsg_batch_size(batch), 2, ack_cb, &acks), -ENODEV);
	ck_assert_int_eq(acks.n, 2);
	ck_assert_int_eq(foreign, 1);

	/* Fewer acks than expected (a batch the kernel refused as a whole
	 * acks once): said at once, not after the 5 s timeout. */
	nl_sock_free(s);
	s = route_sock(5000);
	mnl_nlmsg_batch_reset(batch);
	memset(&acks, 0, sizeof(acks));
	batch_add(batch, 300, 0);
	t0 = clock_mono_ns();
	ck_assert_int_eq(nl_sock_talk_batch(s, mnl_nlmsg_batch_head(batch),
					    mnl_nlmsg_batch_size(batch), 2, ack_cb, &acks), -EPROTO);
	ck_assert_int_eq(acks.n, 1);
	ck_assert_uint_lt(clock_mono_ns() - t0, 4000 * 1000000ull);
	mnl_nlmsg_batch_stop(batch);
	nl_sock_free(s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_plain_get);
	tcase_add_test(tc, test_dump);
	tcase_add_test(tc, test_kernel_error);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_leftover);
	tcase_add_test(tc, test_batch);
	suite_add_tcase(s, tc);
	return s;
}
