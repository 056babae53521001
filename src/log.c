/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"

#define LOG_RATELIMIT_NS 5000000000ull

static int max_level = LOG_INFO;
static bool journal_prefix;

void log_init(int level)
{
	max_level = level;
	/* systemd sets JOURNAL_STREAM when standard error is the journal,
	 * which then reads "<N>" as the message's priority. */
	journal_prefix = getenv("JOURNAL_STREAM") != NULL;
}

bool log_enabled(int level)
{
	return level <= max_level;
}

void log_msg(int level, const char *fmt, ...)
{
	static const char *const names[] = { "emerg", "alert", "crit", "error",
					     "warning", "notice", "info", "debug" };
	char msg[1024];
	va_list ap;

	if (level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One fprintf: lines from different threads do not interleave. */
	if (journal_prefix)
		fprintf(stderr, "<%d>%s\n", level, msg);
	else if (level <= LOG_WARNING)
		fprintf(stderr, "qpodd: %s: %s\n", names[level & 7], msg);
	else
		fprintf(stderr, "qpodd: %s\n", msg);
}

void log_diags(const struct diag_list *diags)
{
	char line[4096];

	for (size_t i = 0; i < diags->n; i++) {
		const struct diag *d = &diags->items[i];
		struct diag plain = *d;

		/* The level is the log's; the text without a "warning: " prefix. */
		plain.level = DIAG_ERROR;
		diag_format(&plain, line, sizeof(line));
		log_msg(d->level == DIAG_ERROR ? LOG_ERR : LOG_WARNING, "%s", line);
	}
	if (diags->n_dropped)
		log_error("(%zu more messages not shown)", diags->n_dropped);
}

bool log_ratelimit_ok(struct log_ratelimit *rl)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (now < rl->next_ns) {
		rl->suppressed++;
		return false;
	}
	rl->next_ns = now + LOG_RATELIMIT_NS;
	return true;
}
