/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_TEST_UTIL_H
#define QPOD_TEST_UTIL_H

#include <stdint.h>

#include "tuple.h"

/* Helpers the unit tests share. */

/** Fills *T (every byte) with a tuple of FAMILY and PROTO from SRC:SPORT
 * to DST:DPORT, addresses as text; fails the test on a bad address. */
void test_tuple(int family, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		uint16_t dport, struct tuple *t);

/* A file of the test's own, NAME in a directory of its own under /tmp:
 * test_file_setup() from a checked fixture's setup, test_file_teardown()
 * as its teardown. */
extern char test_file_dir[64];
extern char test_file_path[96];
void test_file_setup(const char *name);
void test_file_teardown(void);

/** Writes TEXT as the whole file. */
void test_file_write(const char *text);

#endif
