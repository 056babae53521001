/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_PACED_H
#define QPOD_PACED_H

#include <stdbool.h>
#include <stdint.h>

/* An event source read in batches: its fd wakes a thread's epoll once
 * (one-shot), is then read every wake_ns while events keep coming, and
 * wakes the thread again once a read found none. On this project's
 * virtual machines a wake-up costs tens of microseconds: events that come
 * in bursts (a process's fork, exec and exit; a connection's half dozen
 * state changes) cost one wake-up per burst, not one per event. */
struct paced {
	int epoll_fd;
	int fd;			/* -1: no such source */
	bool armed;		/* the fd wakes the thread */
	bool eager;		/* read at once when woken, not wake_ns later */
	uint64_t wake_ns;
	uint64_t rearm_ns;	/* when it may be read again */
	int (*drain)(void *arg, uint64_t now);	/* reads; returns the events read */
	void *arg;
};

/* Adds FD to EPOLL_FD, armed; DRAIN(ARG, now) reads its events. P->fd is
 * -1 until this succeeds. Returns 0 or -errno. */
int paced_watch(struct paced *p, int epoll_fd, int fd, uint64_t wake_ns, bool eager,
		int (*drain)(void *arg, uint64_t now), void *arg);
/* An epoll event for FD came: if it is P's, P is read at once (eager) or
 * wake_ns from NOW, not woken meanwhile. */
void paced_woken(struct paced *p, int fd, uint64_t now);
/* Reads P's events if its time has come, and arms its fd again once a
 * read finds none. Returns how long the thread may sleep for P, in ms
 * (epoll_wait's timeout), or -1: until its fd wakes it. */
int paced_poll(struct paced *p, uint64_t now);
/* The shorter of two epoll_wait timeouts (-1: none). */
int paced_sleep_min(int a, int b);

#endif
