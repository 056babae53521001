/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_U64MAP_H
#define QPOD_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A map from non-zero 64-bit keys to 64-bit values for one thread: open
 * addressing with linear probing and backward-shift deletion, growing as
 * needed up to a maximum size. */
struct u64map {
	uint64_t *keys;		/* 0: empty */
	uint64_t *vals;
	size_t cap;		/* a power of two, or 0 */
	size_t count;
	size_t max;		/* most entries it will hold */
};

/** MAX: the most entries; a put beyond it fails with -ENOSPC. */
void u64map_init(struct u64map *m, size_t max);
void u64map_clear(struct u64map *m);

/** Sets KEY (non-zero) to VAL. Returns 0, -ENOSPC or -ENOMEM. */
int u64map_put(struct u64map *m, uint64_t key, uint64_t val);

/** True and *VAL if KEY is present. */
bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val);

/** Removes KEY; true if it was present. */
bool u64map_del(struct u64map *m, uint64_t key);

#endif
