/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_JSONW_H
#define QPOD_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON document written into a growing buffer: the control socket's
 * answers. Commas go in by themselves; a failed allocation is remembered
 * and reported once, at the end. */
struct jsonw {
	char *buf;
	size_t len, cap;
	bool oom;
	bool need_comma;
};

void jsonw_init(struct jsonw *w);
void jsonw_free(struct jsonw *w);

/** "{" / "}" and "[" / "]"; KEY (NULL inside an array) names what opens. */
void jsonw_object(struct jsonw *w, const char *key);
void jsonw_end_object(struct jsonw *w);
void jsonw_array(struct jsonw *w, const char *key);
void jsonw_end_array(struct jsonw *w);

/** A member KEY (NULL inside an array) with a value. */
void jsonw_str(struct jsonw *w, const char *key, const char *value);
void jsonw_u64(struct jsonw *w, const char *key, uint64_t value);
void jsonw_i64(struct jsonw *w, const char *key, int64_t value);
void jsonw_bool(struct jsonw *w, const char *key, bool value);
void jsonw_null(struct jsonw *w, const char *key);

/** Ends a document in a stream of JSON lines: a newline, and the next
 * document follows without a comma. */
void jsonw_line_end(struct jsonw *w);

/** The document with a final newline, or NULL if memory ran out. */
const char *jsonw_finish(struct jsonw *w, size_t *ret_len);

#endif
