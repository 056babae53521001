/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <sys/epoll.h>

#include "paced.h"

#define NS_PER_MS 1000000ull

static int arm(struct paced *p, int op)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.fd = p->fd };

	return epoll_ctl(p->epoll_fd, op, p->fd, &ev) < 0 ? -errno : 0;
}

int paced_watch(struct paced *p, int epoll_fd, int fd, uint64_t wake_ns, bool eager,
		int (*drain)(void *arg, uint64_t now), void *arg)
{
	struct paced n = { .epoll_fd = epoll_fd, .fd = fd, .armed = true, .eager = eager,
			   .wake_ns = wake_ns, .drain = drain, .arg = arg };
	int r = arm(&n, EPOLL_CTL_ADD);

	if (r == 0)
		*p = n;
	return r;
}

void paced_woken(struct paced *p, int fd, uint64_t now)
{
	if (p->fd >= 0 && fd == p->fd) {
		p->armed = false;
		p->rearm_ns = p->eager ? now : now + p->wake_ns;
	}
}

int paced_poll(struct paced *p, uint64_t now)
{
	if (p->fd < 0 || p->armed)
		return -1;
	if (now < p->rearm_ns)
		return (int)((p->rearm_ns - now + NS_PER_MS - 1) / NS_PER_MS);
	if (p->drain(p->arg, now) > 0) {
		p->rearm_ns = now + p->wake_ns;
		return (int)((p->wake_ns + NS_PER_MS - 1) / NS_PER_MS);
	}
	/* Re-armed, epoll reports events that came meanwhile at once. If it
	 * cannot be (no memory), the next poll tries again. */
	if (arm(p, EPOLL_CTL_MOD) == 0) {
		p->armed = true;
		return -1;
	}
	p->rearm_ns = now + p->wake_ns;
	return (int)((p->wake_ns + NS_PER_MS - 1) / NS_PER_MS);
}

int paced_sleep_min(int a, int b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}
