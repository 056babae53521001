/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_PATHS_H
#define QPOD_PATHS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/** Creates the directory PATH is in (/run/qpod for its control socket,
 * /var/log/qpod for its session log) with MODE, if it is missing; its own
 * parent must exist. Returns 0 or a negative errno. */
int path_make_parent(const char *path, mode_t mode);

/** Reads a small file (/proc, cgroupfs) whole into BUF, LEN bytes with
 * its NUL; returns its length or a negative errno. */
ssize_t path_read_small(const char *path, char *buf, size_t len);

/** Writes the file PATH whole: WRITE puts its content into a temporary
 * file beside it (mode 0644), which is renamed over PATH once it is on
 * disk, so that neither a reader nor a crash ever sees half of it.
 * Returns 0 or a negative errno. */
int path_write_whole(const char *path, void (*write)(FILE *f, const void *arg), const void *arg);

#endif
