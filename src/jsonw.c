/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w)
{
	memset(w, 0, sizeof(*w));
}

void jsonw_free(struct jsonw *w)
{
	free(w->buf);
	jsonw_init(w);
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *b;

		while (cap < w->len + n + 1)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->oom = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct jsonw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* A well-formed sequence of N bytes at P, continuation bytes checked:
 * no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
	if (n == 2)
		return p[0] >= 0xc2;
	if (n == 3)
		return !(p[0] == 0xe0 && p[1] < 0xa0) && !(p[0] == 0xed && p[1] >= 0xa0);
	return !(p[0] == 0xf0 && p[1] < 0x90) && !(p[0] == 0xf4 && p[1] >= 0x90) && p[0] <= 0xf4;
}

static uint32_t decode(const unsigned char *p, size_t n)
{
	uint32_t cp = p[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Any byte string becomes valid JSON: control characters escaped, and
 * bytes that are not UTF-8 (a file name may have them) as U+FFFD. */
static void quoted(struct jsonw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	puts_(w, "\"");
	while (*p) {
		char esc[8];
		size_t n = 1;

		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(w, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(w, esc);
		} else if (*p < 0x80) {
			put(w, (const char *)p, 1);
		} else {
			size_t want = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3
				    : (*p & 0xf8) == 0xf0 ? 4 : 0;
			size_t i = 1;

			while (want && i < want && (p[i] & 0xc0) == 0x80)
				i++;
			if (want && i == want && utf8_ok(p, want)) {
				uint32_t cp = decode(p, want);

				/* Valid JSON that YAML readers (qpod-ctl's libyaml)
				 * refuse, or read as line breaks: escaped. */
				if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
				    cp == 0xfffe || cp == 0xffff) {
					snprintf(esc, sizeof(esc), "\\u%04x", cp);
					puts_(w, esc);
				} else {
					put(w, (const char *)p, want);
				}
				n = want;
			} else {
				puts_(w, "\xef\xbf\xbd");
			}
		}
		p += n;
	}
	puts_(w, "\"");
}

/* The comma and the key before a value. */
static void member(struct jsonw *w, const char *key)
{
	if (w->need_comma)
		puts_(w, ",");
	if (key) {
		quoted(w, key);
		puts_(w, ":");
	}
	w->need_comma = true;
}

void jsonw_object(struct jsonw *w, const char *key)
{
	member(w, key);
	puts_(w, "{");
	w->need_comma = false;
}

void jsonw_end_object(struct jsonw *w)
{
	puts_(w, "}");
	w->need_comma = true;
}

void jsonw_array(struct jsonw *w, const char *key)
{
	member(w, key);
	puts_(w, "[");
	w->need_comma = false;
}

void jsonw_end_array(struct jsonw *w)
{
	puts_(w, "]");
	w->need_comma = true;
}

void jsonw_str(struct jsonw *w, const char *key, const char *value)
{
	member(w, key);
	quoted(w, value);
}

void jsonw_u64(struct jsonw *w, const char *key, uint64_t value)
{
	char b[24];

	member(w, key);
	snprintf(b, sizeof(b), "%" PRIu64, value);
	puts_(w, b);
}

void jsonw_i64(struct jsonw *w, const char *key, int64_t value)
{
	char b[24];

	member(w, key);
	snprintf(b, sizeof(b), "%" PRId64, value);
	puts_(w, b);
}

void jsonw_bool(struct jsonw *w, const char *key, bool value)
{
	member(w, key);
	puts_(w, value ? "true" : "false");
}

void jsonw_null(struct jsonw *w, const char *key)
{
	member(w, key);
	puts_(w, "null");
}

void jsonw_line_end(struct jsonw *w)
{
	puts_(w, "\n");
	w->need_comma = false;
}

const char *jsonw_finish(struct jsonw *w, size_t *ret_len)
{
	puts_(w, "\n");
	if (w->oom)
		return NULL;
	*ret_len = w->len;
	return w->buf;
}
