/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_RUNS_FILE_H
#define QPOD_RUNS_FILE_H

#include <stddef.h>

#include "runcg.h"

/* The runs of `qpod-ctl run` kept across restarts: a qpodd that starts
 * finds the commands its predecessor gave a class still running in their
 * cgroups, and gives them their class again (runcg_restore). A small text
 * file, rewritten whole, a run a line, its cgroup's path last:
 *	run ID LEVEL OWN PID STARTED_NS CLASS PATH
 */

/** Reads the file at PATH: *RET (to free) gets its *RET_N runs, not yet
 * watched. Returns 0, -ENOENT if there is none, -EINVAL if its content
 * cannot be trusted, or another negative errno. */
int runs_file_load(const char *path, struct runcg_entry **ret, size_t *ret_n);

/** Writes the N runs RUNS to PATH (path_write_whole). Returns 0 or a
 * negative errno. */
int runs_file_save(const char *path, const struct runcg_entry *runs, size_t n);

#endif
