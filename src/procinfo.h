/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_PROCINFO_H
#define QPOD_PROCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parsers for what /proc says about a process; no I/O here. */

/** The effective uid from the text of /proc/PID/status. */
int procinfo_status_euid(const char *status, uint32_t *ret);

/** The parent pid and start time (clock ticks since boot) from the text
 * of /proc/PID/stat, whose command name may hold spaces and parentheses. */
int procinfo_stat(const char *stat, uint32_t *ret_ppid, uint64_t *ret_start);

/** The command name from the text of /proc/PID/stat, copied to BUF (LEN
 * bytes, at least 1): what exec changes, seen without reading more. */
int procinfo_stat_comm(const char *stat, char *buf, size_t len);

/** Joins the NUL-separated arguments of /proc/PID/cmdline (LEN bytes) with
 * spaces, in place, and returns the string. */
char *procinfo_cmdline_join(char *buf, size_t len);

/** The cgroup v2 path ("0::/a/b") from /proc/PID/cgroup, copied to BUF;
 * on a cgroup v1 host the name=systemd hierarchy's. */
int procinfo_cgroup(const char *text, char *buf, size_t len);

/** True if a component of cgroup PATH is a systemd unit (foo.service,
 * bar.scope, ...) matching the glob UNIT. */
bool procinfo_unit_matches(const char *path, const char *unit);

/** The inode of "socket:[12345]" (a /proc/PID/fd link), or 0. */
uint64_t procinfo_socket_inode(const char *link);

#endif
