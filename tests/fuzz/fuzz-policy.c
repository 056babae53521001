/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy reader: YAML parsing, the walk that builds the policy, and
 * the checks across it. Whoever may write /etc/qpod.yaml or a drop-in in
 * /etc/qpod.d/ chooses these bytes, and `qpodd --check` runs on files
 * not yet trusted. A policy that loads must also survive being written
 * out and read back (what `qpodd --print` promises). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "policy.h"

/* A line like this splits the input into the policy file and drop-ins,
 * so the merging of several files is fuzzed too. A YAML comment: the
 * seeds read as one policy file as well. */
#define DROPIN_MARK "\n#drop-in\n"
#define MAX_TEXTS 4

static const char *const text_names[MAX_TEXTS] = {
	"fuzz.yaml", "fuzz.d/10.yaml", "fuzz.d/20.yaml", "fuzz.d/30.yaml",
};

static size_t split(const char *data, size_t size, struct config_text *texts)
{
	size_t n = 0, mark = strlen(DROPIN_MARK);

	for (;;) {
		const char *next = n + 1 < MAX_TEXTS ? memmem(data, size, DROPIN_MARK, mark) : NULL;
		size_t len = next ? (size_t)(next - data) : size;

		texts[n] = (struct config_text){ text_names[n], data, len, n > 0 };
		n++;
		if (!next)
			return n;
		/* The newline before the mark ends this text's last line. */
		texts[n - 1].len++;
		data = next + mark;
		size -= len + mark;
	}
}

static void check_diags(const struct diag_list *diags)
{
	char line[4096];

	FUZZ_ASSERT(diags->n <= DIAG_MAX);
	for (size_t i = 0; i < diags->n; i++) {
		FUZZ_ASSERT(diags->items[i].msg);
		FUZZ_ASSERT(diag_format(&diags->items[i], line, sizeof(line)) > 0);
	}
}

/* Returns the policy as policy_write_yaml() writes it; free() it. */
static char *write_policy(const struct qp_policy *p, size_t *ret_len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, ret_len);

	FUZZ_ASSERT(f);
	FUZZ_ASSERT(policy_write_yaml(p, f) == 0);
	FUZZ_ASSERT(fclose(f) == 0);
	return buf;
}

/* Past the first line, which names the files read. */
static const char *body(const char *yaml)
{
	const char *nl = strchr(yaml, '\n');

	return nl ? nl + 1 : yaml;
}

static void round_trip(const struct qp_policy *p1)
{
	struct qp_policy *p2 = NULL;
	struct config_text t = { "printed.yaml", NULL, 0, false };
	struct diag_list diags;
	char *y1, *y2;
	size_t len2;

	y1 = write_policy(p1, &t.len);
	t.data = y1;
	diag_list_init(&diags);
	if (config_load_texts(&t, 1, &p2, &diags) < 0) {
		fprintf(stderr, "the policy as written does not read back:\n%s---\n", y1);
		diag_list_print(&diags, stderr);
		abort();
	}
	y2 = write_policy(p2, &len2);
	if (strcmp(body(y1), body(y2)) != 0) {
		fprintf(stderr, "the policy read back is written differently:\n%s---\n%s", y1, y2);
		abort();
	}
	FUZZ_ASSERT(p1->n_classes == p2->n_classes && p1->n_apps == p2->n_apps &&
		    p1->n_sessions == p2->n_sessions && p1->n_filtered == p2->n_filtered &&
		    p1->n_interfaces == p2->n_interfaces);
	free(y1);
	free(y2);
	diag_list_clear(&diags);
	policy_free(p2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_text texts[MAX_TEXTS];
	struct qp_policy *p = NULL;
	struct diag_list diags;
	char summary[512];
	size_t n;
	int r;

	n = split((const char *)data, size, texts);
	diag_list_init(&diags);
	r = config_load_texts(texts, n, &p, &diags);
	check_diags(&diags);
	if (r < 0) {
		/* Refused: with a reason, and nothing handed out. */
		FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM);
		FUZZ_ASSERT(!p && diags.n_errors > 0);
	} else {
		FUZZ_ASSERT(r == 0 && p && diags.n_errors == 0);
		FUZZ_ASSERT(p->n_classes > 0 && p->default_class.cls);
		policy_summary(p, summary, sizeof(summary));
		round_trip(p);
	}
	diag_list_clear(&diags);
	policy_free(p);
	return 0;
}
