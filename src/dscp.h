/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DSCP_H
#define QPOD_DSCP_H

#include <stddef.h>
#include <stdint.h>

#define DSCP_MAX 63

/** Parses a DiffServ codepoint: a name (BE, DF, CS0-CS7, AF11-AF43, EF,
 * VA, LE; any case) or a number 0-63. Returns 0 or -EINVAL. */
int dscp_parse(const char *s, uint8_t *ret);

/** Returns the standard name of a codepoint, or NULL if it has none. */
const char *dscp_name(uint8_t dscp);

/** Writes the name, or the number for codepoints without one. */
void dscp_format(uint8_t dscp, char *buf, size_t len);

#endif
