/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main() for a harness built without libFuzzer: feeds each file named on
 * the command line, or each file in a directory named there, to
 * LLVMFuzzerTestOneInput(). With no arguments it replays the harness's
 * seed corpus, so that `make check` runs the findings kept there. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* Reads PATH into a buffer of exactly its size, so that ASan sees a read
 * one byte past the input as libFuzzer's own buffer would show it. */
static int replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, r = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", path);
		goto out;
	}
	while (len < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + len, (size_t)st.st_size - len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			fprintf(stderr, "%s: %s\n", path, got < 0 ? strerror(errno) : "shrank");
			goto out;
		}
		len += (size_t)got;
	}
	/* Named first: a crash ends the program before it could say which. */
	printf("replay %s (%zu bytes)\n", path, len);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	r = 0;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}

static int not_hidden(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Replays PATH's files in name order; returns how many, or -1. */
static int replay_dir(const char *path)
{
	struct dirent **names;
	int n, count = 0;

	n = scandir(path, &names, not_hidden, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;
		char *file = NULL;

		if (count < 0 || asprintf(&file, "%s/%s", path, names[i]->d_name) < 0)
			count = -1;
		else if (stat(file, &st) == 0 && S_ISREG(st.st_mode))
			count = replay_file(file) < 0 ? -1 : count + 1;
		free(file);
		free(names[i]);
	}
	free(names);
	return count;
}

static int replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return replay_dir(path);
	return replay_file(path) < 0 ? -1 : 1;
}

int main(int argc, char **argv)
{
	const char *const *paths = (const char *const *)argv + 1;
	int n_paths = argc - 1, total = 0;
#ifdef FUZZ_CORPUS
	static const char *const seeds[] = { FUZZ_CORPUS };

	if (n_paths < 1) {
		paths = seeds;
		n_paths = 1;
	}
#endif

	if (n_paths < 1) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return EXIT_FAILURE;
	}
	for (int i = 0; i < n_paths; i++) {
		int n = replay_path(paths[i]);

		if (n < 0)
			return EXIT_FAILURE;
		total += n;
	}
	/* An empty corpus is a packaging mistake, not a pass. */
	if (!total) {
		fprintf(stderr, "no inputs to replay\n");
		return EXIT_FAILURE;
	}
	printf("%d inputs replayed\n", total);
	return EXIT_SUCCESS;
}
