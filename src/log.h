/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_LOG_H
#define QPOD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "diag.h"

/** Sets the most verbose level logged (LOG_INFO by default). Messages go
 * to standard error, with "<N>" level prefixes when it is the journal. */
void log_init(int max_level);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/** True when LEVEL would be logged. */
bool log_enabled(int level);

/** Logs every message of DIAGS (errors as LOG_ERR, warnings as LOG_WARNING). */
void log_diags(const struct diag_list *diags);

/* At most one message per interval for a repeating per-packet problem. */
struct log_ratelimit {
	uint64_t next_ns;
	uint64_t suppressed;
};

/** True if a message may be logged now; counts the ones that may not. */
bool log_ratelimit_ok(struct log_ratelimit *rl);

#endif
