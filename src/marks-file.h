/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_MARKS_FILE_H
#define QPOD_MARKS_FILE_H

#include "marks.h"

/* The class values kept across restarts: a qpodd that starts finds its
 * predecessor's live connections still marked, and gives each class the
 * value those marks mean. A small text file, rewritten whole:
 *	mask 0x00ff0000
 *	class voice 1
 *	retired bulk 3
 */

/** Reads the file at PATH into *RET (zeroed). Returns 0, -ENOENT if there
 * is none, -EINVAL if its content cannot be trusted (a line it does not
 * know, a value out of the mask's range, a value or name twice), or
 * another negative errno. */
int marks_file_load(const char *path, struct marks *ret);

/** Writes M to PATH through a temporary file renamed over it, so that a
 * reader never sees half of it. Returns 0 or a negative errno. */
int marks_file_save(const struct marks *m, const char *path);

#endif
