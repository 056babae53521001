/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hist.h"

static unsigned bucket_of(uint64_t v)
{
	unsigned log, sub;

	if (v < 8)
		return (unsigned)v;
	log = 63u - (unsigned)__builtin_clzll(v);
	sub = (unsigned)(v >> (log - 3)) & 7;
	return (log - 2) * 8 + sub;
}

static uint64_t bucket_top(unsigned b)
{
	unsigned log = b / 8 + 2, sub = b % 8;

	if (b < 8)
		return b;
	return ((uint64_t)(8 + sub + 1) << (log - 3)) - 1;
}

void hist_add(struct hist *h, uint64_t ns)
{
	unsigned b = bucket_of(ns);

	if (b >= HIST_BUCKETS)
		b = HIST_BUCKETS - 1;
	h->b[b]++;
	h->count++;
	h->sum += ns;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct hist *to, const struct hist *from)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		to->b[i] += from->b[i];
	to->count += from->count;
	to->sum += from->sum;
	if (from->max > to->max)
		to->max = from->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0;

	if (!h->count)
		return 0;
	want = (uint64_t)(q * (double)h->count + 0.999999);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want) {
			uint64_t top = bucket_top(i);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}
