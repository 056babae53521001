/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_COUNTER_H
#define QPOD_COUNTER_H

#include <stdatomic.h>
#include <stdint.h>

/* Statistics one thread counts and others read: no ordering needed. */
static inline void counter_inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

#endif
