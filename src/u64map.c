/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

static size_t slot_of(uint64_t key, size_t mask)
{
	/* Fibonacci hashing: inode and pid numbers are sequential. */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & mask;
}

void u64map_init(struct u64map *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

void u64map_clear(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	u64map_init(m, m->max);
}

static int grow(struct u64map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct u64map n = { .cap = ncap, .max = m->max };

	n.keys = calloc(ncap, sizeof(*n.keys));
	n.vals = calloc(ncap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			u64map_put(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

int u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
	size_t i;

	if (!key)
		return -EINVAL;
	if ((m->count + 1) * 4 > m->cap * 3) {
		uint64_t old;

		if (u64map_get(m, key, &old))
			goto store;
		if (m->count >= m->max)
			return -ENOSPC;
		if (grow(m) < 0)
			return -ENOMEM;
	}
store:
	for (i = slot_of(key, m->cap - 1); m->keys[i] && m->keys[i] != key; i = (i + 1) & (m->cap - 1))
		;
	if (!m->keys[i]) {
		if (m->count >= m->max)
			return -ENOSPC;
		m->keys[i] = key;
		m->count++;
	}
	m->vals[i] = val;
	return 0;
}

bool u64map_get(const struct u64map *m, uint64_t key, uint64_t *val)
{
	if (!m->cap || !key)
		return false;
	for (size_t i = slot_of(key, m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
	}
	return false;
}

bool u64map_del(struct u64map *m, uint64_t key)
{
	size_t mask = m->cap - 1, i, j;

	if (!m->cap || !key)
		return false;
	for (i = slot_of(key, mask); m->keys[i] != key; i = (i + 1) & mask)
		if (!m->keys[i])
			return false;
	/* Shift back the entries after it that would no longer be found. */
	for (j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
		size_t home = slot_of(m->keys[j], mask);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->keys[i] = 0;
	m->count--;
	return true;
}
