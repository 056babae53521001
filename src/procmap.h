/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_PROCMAP_H
#define QPOD_PROCMAP_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>

#include "u64map.h"

/* Which process owns a socket: an inode -> pid cache filled from
 * /proc/PID/fd, and what each process is (exe, comm, cmdline, uid,
 * cgroup). Fork, exec and exit events, where the proc connector delivers
 * them, only record that a process is new or changed: what it is gets
 * read when a socket's owner is looked for, before its fds, so that one
 * that exits right after is still known. Without events, /proc is read
 * to learn of processes and of programs they start. One thread uses it. */

#define PROC_COMM_MAX 16
#define PROC_EXE_MAX 512
#define PROC_CMDLINE_MAX 1024
#define PROC_CGROUP_MAX 512

/* What is read of a process beyond /proc/PID/stat (pid, parent, start
 * time, name): only what the policy matches on is read of a process a
 * socket's owner is looked for among. */
#define PROC_READ_UID 0x01		/* status: its user, to skip others' processes */
#define PROC_READ_EXE 0x02
#define PROC_READ_CMDLINE 0x04
#define PROC_READ_CGROUP 0x08
#define PROC_READ_ALL 0x0f

struct proc_info {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	bool has_uid;
	bool exited;
	bool unread;		/* started or exec'd since: what it is is not read yet */
	uint8_t have;		/* PROC_READ_* read since it last exec'd */
	uint64_t start_time;	/* clock ticks since boot: tells a reused pid */
	int last_fd;		/* where its last socket was found: new ones reuse it */
	uint32_t nfds;		/* fds it had when last read whole */
	uint32_t listed;	/* the listing of /proc that last saw it */
	uint64_t exit_ns;
	char comm[PROC_COMM_MAX];
	/* Read only for processes a socket's owner is looked for among, in
	 * a block of their own (text): a fork storm touches little memory. */
	const char *exe;	/* "" if not read */
	const char *cmdline;
	const char *cgroup;
	char *text;
};

/* An exit, in the order they came: what procmap_expire() walks. */
struct proc_exit {
	uint32_t pid;
	uint64_t exit_ns;
};

/* Counted by the owning thread, read by others for logs. */
struct procmap_stats {
	_Atomic uint64_t lookups;
	_Atomic uint64_t hits;		/* the inode was known */
	_Atomic uint64_t fd_guesses;	/* found at the fd its last socket had */
	_Atomic uint64_t scans;		/* processes whose fds were read */
	_Atomic uint64_t fds_read;
	_Atomic uint64_t not_found;
};

struct procmap {
	const char *proc;		/* "/proc" */
	struct u64map inodes;		/* socket inode -> start time << 32 | pid */
	struct u64map pids;		/* pid -> index in procs + 1 */
	struct proc_info *procs;
	uint32_t *free_idx;
	size_t n_procs, cap_procs, n_free;
	struct proc_exit *exits;	/* a ring, oldest at exit_head */
	size_t n_exits, cap_exits, exit_head;
	uint32_t recent[64];		/* pids that forked or exec'd, newest last */
	unsigned n_recent;
	uint32_t owners[8];		/* pids that owned the last sockets looked up */
	unsigned n_owners;
	bool events;			/* fork/exec/exit events arrive */
	uint8_t want;			/* PROC_READ_* the policy needs */
	uint64_t listed_ns;		/* when /proc was last listed */
	uint32_t listing;		/* how many times */
	struct procmap_stats stats;
};

/** PROC: where procfs is mounted ("/proc"). Reads no process yet. */
void procmap_init(struct procmap *pm, const char *proc);
void procmap_clear(struct procmap *pm);

/** Reads every process and its sockets: at start, and after lost events,
 * when it also checks that each process known is still the one with its
 * pid. */
void procmap_load_all(struct procmap *pm, uint64_t now_ns);

/** Reads WANT (PROC_READ_*) of processes from now on, and of those read
 * before without it when next looked at. */
void procmap_want(struct procmap *pm, uint8_t want);

/** Proc connector events. */
void procmap_fork(struct procmap *pm, uint32_t pid, uint32_t ppid);
void procmap_exec(struct procmap *pm, uint32_t pid);
void procmap_exit(struct procmap *pm, uint32_t pid, uint64_t now_ns);

/** Forgets processes that exited more than GRACE_NS ago. */
void procmap_expire(struct procmap *pm, uint64_t now_ns, uint64_t grace_ns);

/** The process that owns socket INODE (created by user UID, or UINT32_MAX
 * if unknown), which existed at SINCE_NS, or NULL. A known inode costs a
 * hash lookup; otherwise the likeliest processes are read first: the
 * owners of the last sockets, those that started last, then the rest of
 * that user's. */
const struct proc_info *procmap_owner(struct procmap *pm, uint64_t inode, uint32_t uid,
				      uint64_t since_ns, uint64_t now_ns);

/** procmap_owner() among the likeliest processes only (the owners of the
 * last sockets, the newest processes), for an owner looked for after the
 * fact, which may be gone. */
const struct proc_info *procmap_owner_quick(struct procmap *pm, uint64_t inode, uint32_t uid,
					    uint64_t now_ns);

/** The process PID, read now if not known yet; NULL if there is none.
 * Without events a known process is checked first: one that exited is
 * marked so (and still returned, for a while), and one whose pid went to
 * another process is read again. */
const struct proc_info *procmap_get(struct procmap *pm, uint32_t pid, uint64_t now_ns);

#endif
