/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers for people: rates, sizes and ages in a few characters. */
#include <inttypes.h>
#include <stdio.h>

#include "ctl.h"

const char *ctl_rate(uint64_t bps, char *buf, size_t len)
{
	if (bps >= 1000000000)
		snprintf(buf, len, "%.1fG", (double)bps / 1e9);
	else if (bps >= 1000000)
		snprintf(buf, len, "%.1fM", (double)bps / 1e6);
	else if (bps >= 1000)
		snprintf(buf, len, "%.1fk", (double)bps / 1e3);
	else
		snprintf(buf, len, "%" PRIu64, bps);
	return buf;
}

const char *ctl_bytes(uint64_t b, char *buf, size_t len)
{
	if (b >= 10ull << 30)
		snprintf(buf, len, "%" PRIu64 "G", b >> 30);
	else if (b >= 10ull << 20)
		snprintf(buf, len, "%" PRIu64 "M", b >> 20);
	else if (b >= 10ull << 10)
		snprintf(buf, len, "%" PRIu64 "K", b >> 10);
	else
		snprintf(buf, len, "%" PRIu64, b);
	return buf;
}

const char *ctl_age(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s, ms % 1000 / 100);
	return buf;
}
