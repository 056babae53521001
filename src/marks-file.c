/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marks-file.h"
#include "paths.h"

#define MARKS_FILE_MAX_LINES 70000	/* a 16-bit mask's values, and room */

struct entry {
	char name[64];
	uint32_t value;
	bool retired;
};

static int by_name(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* No value and no name twice. */
static int check_unique(const struct entry *e, size_t n, uint32_t max)
{
	bool *seen = calloc((size_t)max + 1, sizeof(*seen));
	const char **names = calloc(n ? n : 1, sizeof(*names));
	int r = seen && names ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < n; i++) {
		if (seen[e[i].value])
			r = -EINVAL;
		seen[e[i].value] = true;
		names[i] = e[i].name;
	}
	if (r == 0 && n) {
		qsort(names, n, sizeof(*names), by_name);
		for (size_t i = 1; r == 0 && i < n; i++)
			if (strcmp(names[i - 1], names[i]) == 0)
				r = -EINVAL;
	}
	free(seen);
	free(names);
	return r;
}

/* Checks the entries against the mask and each other, and builds *RET. */
static int build(uint32_t mask, const struct entry *e, size_t n, struct marks *ret)
{
	struct marks m = { .mask = mask };
	size_t n_classes = 0;
	uint32_t bits;
	int r;

	if (!mask)
		return -EINVAL;
	m.shift = (unsigned)__builtin_ctz(mask);
	bits = mask >> m.shift;
	if ((bits & (bits + 1)) != 0 || bits > 0xffff)
		return -EINVAL;		/* not one run of at most 16 bits, as the policy's */
	m.max = bits;
	for (size_t i = 0; i < n; i++) {
		if (e[i].value == 0 || e[i].value >= m.max - 1)
			return -EINVAL;	/* not a class's value under this mask */
		n_classes += !e[i].retired;
	}
	r = check_unique(e, n, m.max);
	if (r < 0)
		return r;
	r = marks_reserve(&m, n_classes, n - n_classes);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = marks_add(&m, e[i].name, e[i].value, e[i].retired);
	if (r < 0) {
		marks_clear(&m);
		return r;
	}
	*ret = m;
	return 0;
}

int marks_file_load(const char *path, struct marks *ret)
{
	FILE *f = fopen(path, "re");
	struct entry *e = NULL, *grown;
	size_t n = 0, cap = 0, lines = 0;
	uint32_t mask = 0;
	bool has_mask = false;
	char line[256];
	int r = -EINVAL;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char kind[16], name[64], extra;
		unsigned long v;

		if (!strchr(line, '\n') || ++lines > MARKS_FILE_MAX_LINES)
			goto out;	/* cut, or far too long */
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "mask %lx %c", &v, &extra) == 1 && !has_mask && v <= UINT32_MAX) {
			mask = (uint32_t)v;
			has_mask = true;
			continue;
		}
		if (sscanf(line, "%15s %63s %lu %c", kind, name, &v, &extra) != 3 || !policy_name_valid(name) ||
		    v > UINT32_MAX || (strcmp(kind, "class") != 0 && strcmp(kind, "retired") != 0))
			goto out;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(e, cap * sizeof(*e));
			if (!grown) {
				r = -ENOMEM;
				goto out;
			}
			e = grown;
		}
		snprintf(e[n].name, sizeof(e[n].name), "%s", name);
		e[n].value = (uint32_t)v;
		e[n++].retired = kind[0] == 'r';
	}
	if (ferror(f))
		r = -EIO;
	else if (has_mask)
		r = build(mask, e, n, ret);
out:
	free(e);
	fclose(f);
	return r;
}

static void write_marks(FILE *f, const void *arg)
{
	const struct marks *m = arg;

	fprintf(f, "# qpodd's class mark values: live connections carry them in their\n"
		   "# conntrack mark, and keep their class across qpodd's restarts.\n"
		   "# Rewritten by qpodd; to start afresh, delete it while qpodd is stopped.\n");
	fprintf(f, "mask 0x%08x\n", m->mask);
	for (size_t i = 0; i < m->n; i++)
		fprintf(f, "class %s %u\n", m->names[i], m->values[i]);
	for (size_t i = 0; i < m->n_retired; i++)
		fprintf(f, "retired %s %u\n", m->retired_names[i], m->retired_values[i]);
}

int marks_file_save(const struct marks *m, const char *path)
{
	return path_write_whole(path, write_marks, m);
}
