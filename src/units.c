/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

struct unit {
	const char *name;
	double mult;
};

/* tc's conventions: "bit" forms are bits/s, "bps" forms are bytes/s. */
static const struct unit rate_units[] = {
	{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "tbit", 1e12 },
	{ "kibit", 1024.0 }, { "mibit", 1048576.0 }, { "gibit", 1073741824.0 },
	{ "tibit", 1099511627776.0 },
	{ "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 }, { "tbps", 8e12 },
	{ "kibps", 8 * 1024.0 }, { "mibps", 8 * 1048576.0 }, { "gibps", 8 * 1073741824.0 },
	{ "tibps", 8 * 1099511627776.0 },
	{ NULL, 0 },
};

static const struct unit size_units[] = {
	{ "b", 1 },
	{ "k", 1024.0 }, { "kb", 1024.0 }, { "kib", 1024.0 },
	{ "m", 1048576.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
	{ "g", 1073741824.0 }, { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
	{ NULL, 0 },
};

static const struct unit time_units[] = {
	{ "us", 1 }, { "usec", 1 },
	{ "ms", 1e3 }, { "msec", 1e3 },
	{ "s", 1e6 }, { "sec", 1e6 },
	{ NULL, 0 },
};

/* Splits "12.5mbit" into 12.5 and "mbit". Only plain decimals: no sign,
 * exponent, hex, inf or nan, which strtod alone would take. */
static int parse_number(const char *s, double *ret, const char **ret_unit)
{
	const char *p = s;
	bool digits = false;
	char *end;
	double v;

	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end != p || !isfinite(v))
		return -EINVAL;
	*ret = v;
	*ret_unit = p;
	return 0;
}

static int parse_with_units(const char *s, const struct unit *units, double max,
			    uint64_t *ret, const char **ret_err, const char *unit_hint)
{
	const char *unit;
	double v;

	if (parse_number(s, &v, &unit) < 0) {
		*ret_err = "is not a number with a unit";
		return -EINVAL;
	}
	if (!*unit) {
		*ret_err = unit_hint;
		return -EINVAL;
	}
	for (const struct unit *u = units; u->name; u++) {
		if (strcasecmp(unit, u->name) == 0) {
			double r = v * u->mult;

			if (r > max) {
				*ret_err = "is too large";
				return -EINVAL;
			}
			*ret = (uint64_t)llround(r);
			return 0;
		}
	}
	*ret_err = unit_hint;
	return -EINVAL;
}

int units_parse_rate(const char *s, uint64_t *ret_bps, const char **ret_err)
{
	return parse_with_units(s, rate_units, 1e15, ret_bps, ret_err,
				"needs a rate unit: bit, kbit, mbit, gbit (bits/s) "
				"or bps, kbps, mbps, gbps (bytes/s)");
}

int units_parse_size(const char *s, uint64_t *ret_bytes, const char **ret_err)
{
	return parse_with_units(s, size_units, 1099511627776.0, ret_bytes, ret_err,
				"needs a size unit: b, kb, mb, gb (1kb = 1024 bytes)");
}

int units_parse_time(const char *s, uint64_t *ret_usec, const char **ret_err)
{
	return parse_with_units(s, time_units, 86400e6, ret_usec, ret_err,
				"needs a time unit: us, ms, s");
}

int units_parse_percent(const char *s, uint32_t *ret_ppm, const char **ret_err)
{
	const char *unit;
	double v;

	if (parse_number(s, &v, &unit) < 0 || strcmp(unit, "%") != 0) {
		*ret_err = "is not a percentage like 10%";
		return -EINVAL;
	}
	if (v <= 0 || v > 100) {
		*ret_err = "must be more than 0% and at most 100%";
		return -EINVAL;
	}
	*ret_ppm = (uint32_t)llround(v * UNITS_PPM_PER_PERCENT);
	if (*ret_ppm == 0) {
		*ret_err = "is too small (the smallest is 0.0001%)";
		return -EINVAL;
	}
	return 0;
}

int units_parse_uint(const char *s, uint64_t max, uint64_t *ret, const char **ret_err)
{
	uint64_t v = 0;
	unsigned base = 10;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p) {
		*ret_err = "is not a whole number";
		return -EINVAL;
	}
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else {
			*ret_err = "is not a whole number";
			return -EINVAL;
		}
		if (v > (UINT64_MAX - d) / base) {
			*ret_err = "is too large";
			return -EINVAL;
		}
		v = v * base + d;
	}
	if (v > max) {
		*ret_err = "is too large";
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

int units_parse_probability(const char *s, double *ret, const char **ret_err)
{
	const char *unit;
	double v;

	if (parse_number(s, &v, &unit) < 0 || (*unit && strcmp(unit, "%") != 0)) {
		*ret_err = "is not a probability like 0.02 or 2%";
		return -EINVAL;
	}
	if (*unit)
		v /= 100;
	if (v <= 0 || v > 1) {
		*ret_err = "must be more than 0 and at most 1";
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* Picks the largest unit of a family that divides VALUE exactly. */
static void format_exact(uint64_t value, const char *const names[], const uint64_t mults[],
			 size_t n, char *buf, size_t len)
{
	for (size_t i = n; i-- > 1;) {
		if (value && value % mults[i] == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", value / mults[i], names[i]);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64 "%s", value, names[0]);
}

void units_format_rate(uint64_t bps, char *buf, size_t len)
{
	static const char *const names[] = { "bit", "kbit", "mbit", "gbit", "tbit" };
	static const uint64_t mults[] = { 1, 1000, 1000000, 1000000000, 1000000000000 };

	format_exact(bps, names, mults, 5, buf, len);
}

void units_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const names[] = { "b", "kb", "mb", "gb" };
	static const uint64_t mults[] = { 1, 1024, 1048576, 1073741824 };

	format_exact(bytes, names, mults, 4, buf, len);
}

void units_format_time(uint64_t usec, char *buf, size_t len)
{
	static const char *const names[] = { "us", "ms", "s" };
	static const uint64_t mults[] = { 1, 1000, 1000000 };

	format_exact(usec, names, mults, 3, buf, len);
}

void units_format_percent(uint32_t ppm, char *buf, size_t len)
{
	unsigned whole = ppm / UNITS_PPM_PER_PERCENT;
	unsigned frac = ppm % UNITS_PPM_PER_PERCENT;
	int digits = 4;

	if (!frac) {
		snprintf(buf, len, "%u%%", whole);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, len, "%u.%0*u%%", whole, digits, frac);
}
