/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DIAG_H
#define QPOD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A place in a policy file. Line and column count from 1; 0 means the
 * message is about the whole file. */
struct qp_loc {
	const char *file;
	unsigned line;
	unsigned col;
};

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag {
	enum diag_level level;
	struct qp_loc loc;	/* loc.file points to file */
	char *file;
	char *msg;
};

/* Every problem found while reading a policy, in the order found. */
struct diag_list {
	struct diag *items;
	size_t n;
	size_t cap;
	size_t n_errors;
	size_t n_dropped;	/* past DIAG_MAX, or out of memory */
};

#define DIAG_MAX 200

void diag_list_init(struct diag_list *l);
void diag_list_clear(struct diag_list *l);

/** Records a message at LOC (may be NULL). Never fails: a message that
 * cannot be stored is counted in n_dropped. */
void diag_add(struct diag_list *l, enum diag_level level, const struct qp_loc *loc,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** Writes one "file:line:col: message" line per entry, then a line
 * for dropped messages. */
void diag_list_print(const struct diag_list *l, FILE *out);

/** Formats one entry the way diag_list_print does. */
int diag_format(const struct diag *d, char *buf, size_t len);

static inline bool diag_has_errors(const struct diag_list *l)
{
	return l->n_errors > 0;
}

#endif
