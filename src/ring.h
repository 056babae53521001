/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_RING_H
#define QPOD_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* A lock-free single-producer, single-consumer ring of fixed-size
 * elements (the Q-Pod paper's Event Data Queue): one thread pushes, one
 * pops, neither ever blocks or takes a lock. */
struct ring;

/** Makes a ring of CAPACITY (rounded up to a power of two) elements of
 * SIZE bytes: 0, or -ENOMEM. */
int ring_new(size_t capacity, size_t size, struct ring **ret);
void ring_free(struct ring *r);

/** Producer: copies ELEM in. False if the ring is full. */
bool ring_push(struct ring *r, const void *elem);

/** Consumer: copies out up to MAX elements, oldest first; returns how many. */
size_t ring_pop(struct ring *r, void *out, size_t max);

/** Either side: elements waiting (a snapshot). */
size_t ring_count(const struct ring *r);

/* Wakes a consumer that sleeps on an eventfd only when it sleeps: a busy
 * consumer costs producers no system call (the paper's event batching). */
struct waker {
	int fd;			/* eventfd the consumer polls */
	atomic_bool sleeping;
};

int waker_init(struct waker *w);
void waker_close(struct waker *w);

/** Producer, after pushing: wakes the consumer if it is asleep. */
void waker_kick(struct waker *w);

/** Consumer, before blocking: announces sleep, then returns true if it may
 * sleep (EMPTY still reports nothing to do), false if work arrived. */
bool waker_prepare_sleep(struct waker *w, bool (*empty)(void *), void *arg);

/** Consumer, on waking: clears the eventfd and the sleeping flag. */
void waker_woken(struct waker *w);

/* A thread expecting work within microseconds spins (RING_SPIN_NS at most)
 * rather than sleep: waking a sleeping thread costs tens of microseconds
 * on a virtual machine, more than qpodd takes to decide a session. New
 * sessions come in bursts, so after work a thread stays awake that long. */
#define RING_SPIN_NS 250000ull

static inline void ring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* One step of a spin: a few pauses, then the CPU to any thread that waits
 * for it here (the sender whose session this is, the kernel's softirq
 * work), which on a small machine is on the same path. */
void ring_spin_pause(void);

#endif
