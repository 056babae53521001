/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ring.h"

struct ring {
	/* Each index on its own cache line: the two threads never write the
	 * same line. */
	_Alignas(64) atomic_size_t head;	/* next slot to write; producer */
	_Alignas(64) atomic_size_t tail;	/* next slot to read; consumer */
	_Alignas(64) size_t mask;
	size_t size;
	unsigned char *slots;
};

int ring_new(size_t capacity, size_t size, struct ring **ret)
{
	struct ring *r;
	size_t cap = 2;

	while (cap < capacity)
		cap <<= 1;
	if (posix_memalign((void **)&r, 64, sizeof(*r)) != 0)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->mask = cap - 1;
	r->size = size;
	r->slots = calloc(cap, size);
	if (!r->slots) {
		free(r);
		return -ENOMEM;
	}
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	*ret = r;
	return 0;
}

void ring_free(struct ring *r)
{
	if (!r)
		return;
	free(r->slots);
	free(r);
}

bool ring_push(struct ring *r, const void *elem)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail > r->mask)
		return false;
	memcpy(r->slots + (head & r->mask) * r->size, elem, r->size);
	/* Publish the element before the index that makes it visible. */
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

size_t ring_pop(struct ring *r, void *out, size_t max)
{
	size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t n = head - tail;

	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		memcpy((unsigned char *)out + i * r->size,
		       r->slots + ((tail + i) & r->mask) * r->size, r->size);
	/* The slots are free for the producer only after they were read. */
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

size_t ring_count(const struct ring *r)
{
	size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	return head - tail;
}

int waker_init(struct waker *w)
{
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	atomic_init(&w->sleeping, false);
	return w->fd < 0 ? -errno : 0;
}

void waker_close(struct waker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

void waker_kick(struct waker *w)
{
	uint64_t one = 1;

	/* Pairs with the fence in waker_prepare_sleep: either the consumer
	 * sees our element, or we see it asleep. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&w->sleeping, memory_order_relaxed) &&
	    atomic_exchange(&w->sleeping, false)) {
		if (write(w->fd, &one, sizeof(one)) < 0) {
			/* EAGAIN: the counter is full, so the consumer will wake. */
		}
	}
}

bool waker_prepare_sleep(struct waker *w, bool (*empty)(void *), void *arg)
{
	atomic_store(&w->sleeping, true);
	atomic_thread_fence(memory_order_seq_cst);
	if (!empty(arg)) {
		atomic_store(&w->sleeping, false);
		return false;
	}
	return true;
}

void waker_woken(struct waker *w)
{
	uint64_t v;

	atomic_store(&w->sleeping, false);
	if (read(w->fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: woken by another source. */
	}
}

void ring_spin_pause(void)
{
	for (int i = 0; i < 32; i++)
		ring_cpu_relax();
	sched_yield();
}
