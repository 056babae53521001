/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_HIST_H
#define QPOD_HIST_H

#include <stdint.h>

/* A histogram of durations in nanoseconds with about 12% resolution:
 * power-of-two ranges, each cut in eight. For percentiles of hold times. */
#define HIST_BUCKETS (64 * 8)

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum;
	uint32_t b[HIST_BUCKETS];
};

void hist_add(struct hist *h, uint64_t ns);

/** Adds FROM's samples to TO. */
void hist_merge(struct hist *to, const struct hist *from);

/** The value below which fraction Q (0-1) of the samples lie (the upper
 * edge of the bucket that reaches it); 0 with no samples. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
