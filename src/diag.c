/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void diag_list_init(struct diag_list *l)
{
	memset(l, 0, sizeof(*l));
}

void diag_list_clear(struct diag_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].msg);
		free(l->items[i].file);
	}
	free(l->items);
	diag_list_init(l);
}

void diag_add(struct diag_list *l, enum diag_level level, const struct qp_loc *loc,
	      const char *fmt, ...)
{
	struct diag *d;
	va_list ap;
	char *msg = NULL;
	char *file = NULL;

	if (level == DIAG_ERROR)
		l->n_errors++;
	if (l->n >= DIAG_MAX)
		goto drop;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		struct diag *ni = realloc(l->items, ncap * sizeof(*ni));

		if (!ni)
			goto drop;
		l->items = ni;
		l->cap = ncap;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		goto drop;
	if (loc && loc->file) {
		file = strdup(loc->file);
		if (!file) {
			free(msg);
			goto drop;
		}
	}
	d = &l->items[l->n++];
	d->level = level;
	d->msg = msg;
	d->file = file;
	d->loc.file = file;
	d->loc.line = loc ? loc->line : 0;
	d->loc.col = loc ? loc->col : 0;
	return;
drop:
	l->n_dropped++;
}

int diag_format(const struct diag *d, char *buf, size_t len)
{
	const char *lvl = d->level == DIAG_WARNING ? "warning: " : "";

	if (d->loc.file && d->loc.line)
		return snprintf(buf, len, "%s:%u:%u: %s%s", d->loc.file, d->loc.line,
				d->loc.col, lvl, d->msg);
	if (d->loc.file)
		return snprintf(buf, len, "%s: %s%s", d->loc.file, lvl, d->msg);
	return snprintf(buf, len, "%s%s", lvl, d->msg);
}

void diag_list_print(const struct diag_list *l, FILE *out)
{
	char line[4096];

	for (size_t i = 0; i < l->n; i++) {
		diag_format(&l->items[i], line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
	if (l->n_dropped)
		fprintf(out, "(%zu more messages not shown)\n", l->n_dropped);
}
