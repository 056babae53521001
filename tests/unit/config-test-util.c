/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <check.h>
#include <string.h>

#include "config-test-util.h"

bool diag_find(const struct diag_list *diags, enum diag_level level, unsigned line,
	       unsigned col, const char *want)
{
	for (size_t i = 0; i < diags->n; i++) {
		const struct diag *d = &diags->items[i];

		if (d->level == level && d->loc.line == line && (!col || d->loc.col == col) &&
		    strstr(d->msg, want))
			return true;
	}
	return false;
}

const char *diag_dump(const struct diag_list *diags)
{
	static char buf[8192];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < diags->n && off < sizeof(buf); i++) {
		char line[1024];

		diag_format(&diags->items[i], line, sizeof(line));
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "  %s\n", line);
	}
	return buf;
}

static int load_text(const char *yaml, struct qp_policy **p, struct diag_list *diags)
{
	struct config_text t = { "test.yaml", yaml, strlen(yaml), false };

	*p = NULL;
	diag_list_init(diags);
	return config_load_texts(&t, 1, p, diags);
}

struct qp_policy *load_ok(const char *yaml)
{
	struct qp_policy *p;
	struct diag_list diags;
	int r = load_text(yaml, &p, &diags);

	ck_assert_msg(r == 0, "policy did not load:\n%s--- policy:\n%s", diag_dump(&diags), yaml);
	ck_assert_ptr_nonnull(p);
	diag_list_clear(&diags);
	return p;
}

void expect_error(const char *yaml, unsigned line, unsigned col, const char *want)
{
	struct qp_policy *p;
	struct diag_list diags;
	int r = load_text(yaml, &p, &diags);

	ck_assert_msg(r < 0, "policy loaded but should not have:\n%s", yaml);
	ck_assert_ptr_null(p);
	ck_assert_msg(diag_find(&diags, DIAG_ERROR, line, col, want),
		      "no error at line %u col %u containing \"%s\"; got:\n%s--- policy:\n%s",
		      line, col, want, diag_dump(&diags), yaml);
	diag_list_clear(&diags);
}
