/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A paced event source (an eventfd here): its first event wakes the
 * thread, then it does not until its next read is due; it is read at
 * once (eager) or a pace later; a read that finds nothing arms it again,
 * and events that came meanwhile wake the thread at once. */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "check-main.h"
#include "paced.h"

#define MS 1000000ull
#define PACE (10 * MS)

struct source {
	int fd;
	int reads;	/* drain calls */
};

static int drain(void *arg, uint64_t now)
{
	struct source *s = arg;
	uint64_t v = 0;

	(void)now;
	s->reads++;
	return read(s->fd, &v, sizeof(v)) == sizeof(v) ? (int)v : 0;
}

static void post(const struct source *s, uint64_t n)
{
	ck_assert_int_eq((int)write(s->fd, &n, sizeof(n)), (int)sizeof(n));
}

/* The fds epoll reports now (a zero timeout): 1 if S's, 0 if none. */
static int woken(int ep, const struct source *s)
{
	struct epoll_event ev[2];
	int n = epoll_wait(ep, ev, 2, 0);

	ck_assert_int_ge(n, 0);
	ck_assert(n == 0 || ev[0].data.fd == s->fd);
	return n;
}

static void setup(int *ep, struct source *s, struct paced *p, bool eager)
{
	*ep = epoll_create1(EPOLL_CLOEXEC);
	s->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	s->reads = 0;
	ck_assert_int_ge(*ep, 0);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_eq(paced_watch(p, *ep, s->fd, PACE, eager, drain, s), 0);
}

START_TEST(test_eager)
{
	struct source s;
	struct paced p;
	int ep;

	setup(&ep, &s, &p, true);
	/* Armed and nothing came: sleep until woken, nothing read. */
	ck_assert_int_eq(paced_poll(&p, 0), -1);
	ck_assert_int_eq(woken(ep, &s), 0);
	post(&s, 1);
	ck_assert_int_eq(woken(ep, &s), 1);
	paced_woken(&p, s.fd, 100 * MS);
	/* Read at once; the next read is a pace later. */
	ck_assert_int_eq(paced_poll(&p, 100 * MS), 10);
	ck_assert_int_eq(s.reads, 1);
	/* Events meanwhile do not wake the thread, and are not read early. */
	post(&s, 3);
	ck_assert_int_eq(woken(ep, &s), 0);
	ck_assert_int_eq(paced_poll(&p, 104 * MS), 6);
	ck_assert_int_eq(s.reads, 1);
	/* Due: read, and a pace more. */
	ck_assert_int_eq(paced_poll(&p, 110 * MS), 10);
	ck_assert_int_eq(s.reads, 2);
	/* Due, and none came: armed again, sleep until woken. */
	ck_assert_int_eq(paced_poll(&p, 120 * MS), -1);
	ck_assert_int_eq(s.reads, 3);
	ck_assert_int_eq(paced_poll(&p, 200 * MS), -1);
	ck_assert_int_eq(s.reads, 3);
	post(&s, 1);
	ck_assert_int_eq(woken(ep, &s), 1);
	close(s.fd);
	close(ep);
}
END_TEST

START_TEST(test_lazy)
{
	struct source s;
	struct paced p;
	int ep;

	setup(&ep, &s, &p, false);
	post(&s, 2);
	ck_assert_int_eq(woken(ep, &s), 1);
	paced_woken(&p, s.fd, 0);
	/* Not read when woken: a pace later, with what came meanwhile. */
	ck_assert_int_eq(paced_poll(&p, 0), 10);
	ck_assert_int_eq(s.reads, 0);
	post(&s, 5);
	ck_assert_int_eq(woken(ep, &s), 0);
	ck_assert_int_eq(paced_poll(&p, 10 * MS), 10);
	ck_assert_int_eq(s.reads, 1);
	/* Events that come between the empty read and the re-arming wake
	 * the thread once it is armed: none is left unread. */
	ck_assert_int_eq(paced_poll(&p, 20 * MS), -1);
	ck_assert_int_eq(s.reads, 2);
	post(&s, 1);
	ck_assert_int_eq(woken(ep, &s), 1);
	/* Another fd's event is not this source's. */
	paced_woken(&p, s.fd + 1000, 30 * MS);
	ck_assert_int_eq(paced_poll(&p, 30 * MS), -1);
	ck_assert_int_eq(s.reads, 2);
	close(s.fd);
	close(ep);
}
END_TEST

START_TEST(test_sleep_min)
{
	ck_assert_int_eq(paced_sleep_min(-1, -1), -1);
	ck_assert_int_eq(paced_sleep_min(-1, 5), 5);
	ck_assert_int_eq(paced_sleep_min(7, -1), 7);
	ck_assert_int_eq(paced_sleep_min(7, 5), 5);
	ck_assert_int_eq(paced_sleep_min(0, 5), 0);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("paced");
	TCase *tc = tcase_create("paced");

	tcase_add_test(tc, test_eager);
	tcase_add_test(tc, test_lazy);
	tcase_add_test(tc, test_sleep_min);
	suite_add_tcase(s, tc);
	return s;
}
