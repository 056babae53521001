/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_UNITS_H
#define QPOD_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Parsers for the quantities in /etc/qpod.yaml. Each returns 0, or
 * -EINVAL with *ret_err set to a phrase that completes "'VALUE' ...",
 * e.g. "needs a unit (bit, kbit, ...)". Output is untouched on failure. */

/* Parts per million: 1% is 10000. */
#define UNITS_PPM_PER_PERCENT 10000u
#define UNITS_PPM_MAX (100u * UNITS_PPM_PER_PERCENT)

/** Rate in bits per second: "2mbit", "1.5gbit", "100kbps" (bytes/s, as tc). */
int units_parse_rate(const char *s, uint64_t *ret_bps, const char **ret_err);

/** Size in bytes: "30kb" (1kb = 1024 bytes, as tc), "1500b", "2mb". */
int units_parse_size(const char *s, uint64_t *ret_bytes, const char **ret_err);

/** Duration in microseconds: "10ms", "500us", "2s". */
int units_parse_time(const char *s, uint64_t *ret_usec, const char **ret_err);

/** Percentage in ppm: "10%", "12.5%"; 0 < value <= 100. */
int units_parse_percent(const char *s, uint32_t *ret_ppm, const char **ret_err);

/** Unsigned integer (decimal, or hex with 0x) no larger than MAX. */
int units_parse_uint(const char *s, uint64_t max, uint64_t *ret, const char **ret_err);

/** Probability: a decimal number in (0, 1], or a percentage. */
int units_parse_probability(const char *s, double *ret, const char **ret_err);

/* Formatters write the shortest exact form the parsers read back. */
void units_format_rate(uint64_t bps, char *buf, size_t len);
void units_format_size(uint64_t bytes, char *buf, size_t len);
void units_format_time(uint64_t usec, char *buf, size_t len);
void units_format_percent(uint32_t ppm, char *buf, size_t len);

#endif
