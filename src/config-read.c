/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads the policy file and its drop-in directory from disk. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yaml-tree.h"

/* The texts read, and the buffers they own. */
struct text_list {
	struct config_text *items;
	char **owned;		/* name and data of each item */
	size_t n;
};

static void text_list_free(struct text_list *l)
{
	for (size_t i = 0; i < 2 * l->n; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->items);
}

/* Reads PATH whole. Errors name the file and say what is wrong with it. */
static int read_file(const char *path, bool dropin, struct text_list *l, struct diag_list *diags)
{
	struct qp_loc floc = { path, 0, 0 };
	struct config_text *ni;
	char **no, *name;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, r = -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		diag_add(diags, DIAG_ERROR, &floc, "cannot open the policy file: %s",
			 strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0) {
		diag_add(diags, DIAG_ERROR, &floc, "cannot read the policy file: %s",
			 strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		diag_add(diags, DIAG_ERROR, &floc,
			 "is a directory, not a policy file (drop-ins go in a directory "
			 "named like the file with .d)");
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(diags, DIAG_ERROR, &floc, "is not a regular file");
		goto out;
	}
	if (st.st_size > YTREE_MAX_BYTES) {
		diag_add(diags, DIAG_ERROR, &floc, "is larger than %d bytes: not a policy file",
			 YTREE_MAX_BYTES);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + len, (size_t)st.st_size - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			diag_add(diags, DIAG_ERROR, &floc, "cannot read the policy file: %s",
				 strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	ni = realloc(l->items, (l->n + 1) * sizeof(*ni));
	if (ni)
		l->items = ni;
	no = realloc(l->owned, 2 * (l->n + 1) * sizeof(*no));
	if (no)
		l->owned = no;
	name = strdup(path);
	if (!ni || !no || !name) {
		free(name);
		r = -ENOMEM;
		goto out;
	}
	no[2 * l->n] = name;
	no[2 * l->n + 1] = buf;
	ni[l->n].name = name;
	ni[l->n].data = buf;
	ni[l->n].len = len;
	ni[l->n].dropin = dropin;
	l->n++;
	buf = NULL;
	r = 0;
out:
	free(buf);
	close(fd);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dropin_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".yaml") == 0;
}

/* Reads DIR's *.yaml files in name order (C collation, like systemd). */
static int read_dropins(const char *dir, struct text_list *l, struct diag_list *diags)
{
	struct qp_loc dloc = { dir, 0, 0 };
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		diag_add(diags, DIAG_ERROR, &dloc, "cannot read the drop-in directory: %s",
			 strerror(errno));
		return -EINVAL;
	}
	while ((de = readdir(d))) {
		if (!is_dropin_name(de->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				r = -ENOMEM;
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		char *path;

		if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		if (read_file(path, true, l, diags) == -ENOMEM)
			r = -ENOMEM;
		free(path);
		if (r < 0)
			goto out;
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return r;
}

char *config_dropin_dir(const char *file)
{
	size_t len = strlen(file);
	char *dir;

	if (len > 5 && strcmp(file + len - 5, ".yaml") == 0)
		len -= 5;
	dir = malloc(len + 3);
	if (!dir)
		return NULL;
	memcpy(dir, file, len);
	memcpy(dir + len, ".d", 3);
	return dir;
}

int config_load(const char *file, const char *dropin_dir, struct qp_policy **ret_policy,
		struct diag_list *diags)
{
	struct text_list l = { 0 };
	size_t errors_before = diags->n_errors;
	char *derived = NULL;
	int r;

	r = read_file(file, false, &l, diags);
	if (r == -ENOMEM)
		goto out;
	if (!dropin_dir) {
		derived = config_dropin_dir(file);
		if (!derived) {
			r = -ENOMEM;
			goto out;
		}
		dropin_dir = derived;
	}
	r = read_dropins(dropin_dir, &l, diags);
	if (r == -ENOMEM)
		goto out;
	if (diags->n_errors != errors_before) {
		r = -EINVAL;
		goto out;
	}
	r = config_load_texts(l.items, l.n, ret_policy, diags);
out:
	if (r == -ENOMEM)
		diag_add(diags, DIAG_ERROR, NULL, "out of memory while reading the policy");
	free(derived);
	text_list_free(&l);
	return r;
}
