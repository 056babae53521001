/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CONFIG_TEST_UTIL_H
#define QPOD_CONFIG_TEST_UTIL_H

#include "config.h"
#include "diag.h"
#include "policy.h"

/* Loads YAML as one in-memory file named "test.yaml"; fails the test
 * with every message if it does not load. */
struct qp_policy *load_ok(const char *yaml);

/* Loads YAML and fails the test unless loading fails with an error at
 * LINE (and COL, if not 0) whose message contains WANT. */
void expect_error(const char *yaml, unsigned line, unsigned col, const char *want);

/* True if DIAGS has an entry of LEVEL at LINE whose message contains WANT. */
bool diag_find(const struct diag_list *diags, enum diag_level level, unsigned line,
	       unsigned col, const char *want);

/* All messages, one per line, for failure reports. */
const char *diag_dump(const struct diag_list *diags);

#endif
