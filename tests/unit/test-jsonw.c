/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's JSON writer: commas, nesting, and strings that
 * stay valid JSON whatever bytes they hold. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check-main.h"
#include "jsonw.h"

static char *doc(struct jsonw *w)
{
	size_t n;
	const char *s = jsonw_finish(w, &n);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(n, strlen(s));
	return w->buf;
}

START_TEST(test_nesting)
{
	struct jsonw w;

	jsonw_init(&w);
	jsonw_object(&w, NULL);
	jsonw_u64(&w, "version", 1);
	jsonw_bool(&w, "ok", true);
	jsonw_array(&w, "list");
	jsonw_object(&w, NULL);
	jsonw_i64(&w, "n", -5);
	jsonw_null(&w, "x");
	jsonw_end_object(&w);
	jsonw_str(&w, NULL, "two");
	jsonw_u64(&w, NULL, UINT64_MAX);
	jsonw_end_array(&w);
	jsonw_array(&w, "empty");
	jsonw_end_array(&w);
	jsonw_end_object(&w);
	ck_assert_str_eq(doc(&w), "{\"version\":1,\"ok\":true,\"list\":[{\"n\":-5,\"x\":null},"
				  "\"two\",18446744073709551615],\"empty\":[]}\n");
	jsonw_free(&w);
}
END_TEST

START_TEST(test_strings)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain", "\"plain\"" },
		{ "q\"b\\", "\"q\\\"b\\\\\"" },
		{ "tab\tnl\n\x01\x7f", "\"tab\\u0009nl\\u000a\\u0001\\u007f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		/* Not UTF-8: a lone continuation, a cut sequence, overlong, a surrogate. */
		{ "a\x80z", "\"a\xef\xbf\xbdz\"" },
		{ "a\xe2\x82", "\"a\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		{ "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
		/* UTF-8 that YAML refuses (C1 controls, U+FFFE) or reads as a line
		 * break (U+0085, U+2028): escaped. */
		{ "/tmp/x\xc2\x80", "\"/tmp/x\\u0080\"" },
		{ "a\xc2\x85" "b\xe2\x80\xa8" "c", "\"a\\u0085b\\u2028c\"" },
		{ "\xef\xbf\xbe", "\"\\ufffe\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jsonw w;
		char want[128];

		jsonw_init(&w);
		jsonw_str(&w, NULL, cases[i].in);
		snprintf(want, sizeof(want), "%s\n", cases[i].out);
		ck_assert_str_eq(doc(&w), want);
		jsonw_free(&w);
	}
}
END_TEST

START_TEST(test_large)
{
	struct jsonw w;
	size_t n;

	jsonw_init(&w);
	jsonw_array(&w, NULL);
	for (int i = 0; i < 100000; i++)
		jsonw_str(&w, NULL, "a session");
	jsonw_end_array(&w);
	ck_assert_ptr_nonnull(jsonw_finish(&w, &n));
	ck_assert_uint_eq(n, 1 + 100000 * 12 - 1 + 1 + 1);
	jsonw_free(&w);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("jsonw");
	TCase *tc = tcase_create("jsonw");

	tcase_add_test(tc, test_nesting);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_large);
	suite_add_tcase(s, tc);
	return s;
}
