/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SUGGEST_H
#define QPOD_SUGGEST_H

#include <stddef.h>

/** Edit distance (insert, delete, substitute, swap of neighbours) between
 * A and B, capped at 255. */
unsigned suggest_distance(const char *a, const char *b);

/** Returns the candidate closest to WORD if it is close enough to be the
 * word meant ("gaurantee" -> "guarantee"), else NULL. CANDIDATES ends with NULL. */
const char *suggest_closest(const char *word, const char *const *candidates);

#endif
