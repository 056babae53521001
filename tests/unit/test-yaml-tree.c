/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "arena.h"
#include "check-main.h"
#include "yaml-tree.h"

static struct ynode *parse(struct arena *a, const char *text, struct diag_list *diags, int *ret)
{
	struct ynode *root = NULL;

	*ret = ytree_parse(a, "t.yaml", text, strlen(text), &root, diags);
	return root;
}

/* arena_new(), which must succeed here. */
static struct arena *new_arena(void)
{
	struct arena *x = NULL;

	ck_assert_int_eq(arena_new(&x), 0);
	return x;
}

START_TEST(test_structure_and_places)
{
	struct arena *a = new_arena();
	struct diag_list d;
	struct ynode *root, *list;
	int r;

	diag_list_init(&d);
	root = parse(a, "a: 1\nb:\n  - x\n  - 'y'\n  -\nc: { d: e }\n", &d, &r);
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(root->type, YNODE_MAPPING);
	ck_assert_uint_eq(root->n_items, 3);
	ck_assert_str_eq(root->items[0]->value, "a");
	ck_assert_str_eq(root->items[1]->value, "1");
	ck_assert_uint_eq(root->items[1]->loc.line, 1);
	ck_assert_uint_eq(root->items[1]->loc.col, 4);
	list = root->items[3];
	ck_assert_int_eq(list->type, YNODE_SEQUENCE);
	ck_assert_uint_eq(list->n_items, 3);
	ck_assert_uint_eq(list->items[1]->loc.line, 4);
	ck_assert(list->items[1]->quoted);
	ck_assert(!ynode_is_null(list->items[1]));
	ck_assert(ynode_is_null(list->items[2]));
	ck_assert_int_eq(root->items[5]->type, YNODE_MAPPING);
	ck_assert_str_eq(root->items[5]->items[1]->value, "e");
	diag_list_clear(&d);
	arena_free(a);
}
END_TEST

START_TEST(test_empty_documents)
{
	static const char *const empties[] = { "", "# only a comment\n", "---\n", "\n\n" };
	struct arena *a = new_arena();
	struct diag_list d;
	int r;

	diag_list_init(&d);
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		ck_assert_ptr_null(parse(a, empties[i], &d, &r));
		ck_assert_int_eq(r, 0);
	}
	ck_assert_uint_eq(d.n, 0);
	diag_list_clear(&d);
	arena_free(a);
}
END_TEST

START_TEST(test_rejects)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "a: &x 1\nb: *x\n", "aliases (*x)" },
		{ "a: 1\na: 2\n", "duplicate key 'a' (first at line 1)" },
		{ "a: [1\n", "YAML syntax error" },
		{ "a: 1\n---\nb: 2\n", "a second YAML document" },
		{ "a: \"\\xff\\x00\"\n", "NUL character" },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
		  "nested deeper than 32 levels" },
		{ "a: \xff\xfe\n", "not a YAML text file" },
	};
	struct arena *a = new_arena();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diag_list d;
		int r;

		diag_list_init(&d);
		parse(a, cases[i].text, &d, &r);
		ck_assert_msg(r < 0, "case %zu parsed", i);
		ck_assert_uint_ge(d.n, 1);
		ck_assert_msg(strstr(d.items[0].msg, cases[i].want), "case %zu: got '%s'", i,
			      d.items[0].msg);
		diag_list_clear(&d);
	}
	arena_free(a);
}
END_TEST

START_TEST(test_nul_byte_in_file)
{
	static const char text[] = "a: 1\0b: 2\n";
	struct arena *a = new_arena();
	struct ynode *root = NULL;
	struct diag_list d;

	diag_list_init(&d);
	ck_assert_int_lt(ytree_parse(a, "t.yaml", text, sizeof(text) - 1, &root, &d), 0);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "NUL bytes"));
	diag_list_clear(&d);
	arena_free(a);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("yaml-tree");
	TCase *tc = tcase_create("yaml-tree");

	tcase_add_test(tc, test_structure_and_places);
	tcase_add_test(tc, test_empty_documents);
	tcase_add_test(tc, test_rejects);
	tcase_add_test(tc, test_nul_byte_in_file);
	suite_add_tcase(s, tc);
	return s;
}
