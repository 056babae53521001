/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "policy.h"
#include "runs-file.h"

/* One line: "run" and its fields, the path to the end of the line. */
static bool parse(char *line, struct runcg_entry *e)
{
	unsigned long long id, started;
	unsigned level, own;
	int pid, end = 0;
	char cls[CTL_CLASS_MAX];
	size_t len;

	memset(e, 0, sizeof(*e));
	if (sscanf(line, "run %llu %u %u %d %llu %63s %n", &id, &level, &own, &pid, &started, cls,
		   &end) != 6 || !end)
		return false;
	len = strlen(line + end);
	if (len < 3 || line[end + len - 1] != '\n')
		return false;
	line[end + len - 1] = '\0';
	/* A cgroup below the root: never "..", and no more than it can hold. */
	if (line[end] != '/' || strstr(line + end, "/../") || len > sizeof(e->path) ||
	    !id || own > 1 || pid <= 0 || !policy_name_valid(cls))
		return false;
	e->id = id;
	e->level = level;
	e->own = own;
	e->pid = pid;
	e->started_ns = started;
	e->wd = -1;
	snprintf(e->cls, sizeof(e->cls), "%s", cls);
	snprintf(e->path, sizeof(e->path), "%s", line + end);
	return true;
}

int runs_file_load(const char *path, struct runcg_entry **ret, size_t *ret_n)
{
	FILE *f = fopen(path, "re");
	struct runcg_entry *runs = NULL;
	size_t n = 0;
	char line[1024];
	int r = 0;

	if (!f)
		return -errno;
	runs = calloc(RUNCG_MAX, sizeof(*runs));
	if (!runs) {
		fclose(f);
		return -ENOMEM;
	}
	while (r == 0 && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (n == RUNCG_MAX || !parse(line, &runs[n]))
			r = -EINVAL;
		else
			n++;
	}
	if (r == 0 && ferror(f))
		r = -EIO;
	fclose(f);
	if (r < 0) {
		free(runs);
		return r;
	}
	*ret = runs;
	*ret_n = n;
	return 0;
}

struct runs {
	const struct runcg_entry *e;
	size_t n;
};

static void write_runs(FILE *f, const void *arg)
{
	const struct runs *rs = arg;

	fprintf(f, "# The commands qpod-ctl run gave a class, for the next qpodd.\n"
		   "# Rewritten by qpodd.\n");
	for (size_t i = 0; i < rs->n; i++) {
		const struct runcg_entry *e = &rs->e[i];

		fprintf(f, "run %" PRIu64 " %u %u %d %" PRIu64 " %s %s\n", e->id, e->level,
			(unsigned)e->own, (int)e->pid, e->started_ns, e->cls, e->path);
	}
}

int runs_file_save(const char *path, const struct runcg_entry *runs, size_t n)
{
	struct runs rs = { runs, n };

	return path_write_whole(path, write_runs, &rs);
}
