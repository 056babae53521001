/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_RUNCG_H
#define QPOD_RUNCG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ctlproto.h"

/* The cgroups of `qpod-ctl run` (the Q-Pod paper's Q-Interface): every
 * socket made in one belongs to a session of the run's class. A run's
 * cgroup is the systemd scope qpod-ctl made for itself, or one qpodd
 * makes, qpod/run-PID under the cgroup v2 root, where no systemd runs.
 * Each is watched (inotify on cgroup.events) until its last process is
 * gone. */

#define RUNCG_MAX 1024		/* runs at once */

struct runcg_entry {
	uint64_t id;		/* the cgroup's id: its directory's inode */
	uint32_t level;		/* its depth below the root */
	char path[512];		/* below the cgroup v2 root, "/qpod/run-42" */
	char cls[CTL_CLASS_MAX];
	pid_t pid;		/* who asked */
	uint64_t started_ns;	/* CLOCK_REALTIME */
	bool own;		/* qpodd made it, and removes it */
	int wd;			/* its cgroup.events watch */
};

struct runcg;

/** Starts with no runs. Returns 0 or a negative errno. */
int runcg_new(struct runcg **ret);

/** Forgets every run (their cgroups stay for their processes); accepts NULL. */
void runcg_free(struct runcg *rc);

/** Readable when a run's cgroup may have emptied: call runcg_reap(). */
int runcg_fd(const struct runcg *rc);

/** Makes the run of process PID for class CLS, not yet watched: with
 * SCOPE, the cgroup PID is in, which must be the systemd scope
 * qpod-run-PID.scope; else a new cgroup of qpodd's own, which PID is not
 * in yet (runcg_enter puts it there). Returns its index, or a negative
 * errno with the reason in ERR. */
int runcg_add(struct runcg *rc, pid_t pid, bool scope, const char *cls, char *err, size_t errlen);

/** Moves the run's process into the run's cgroup (if qpodd made it) and
 * watches the cgroup. Returns 0, or a negative errno with the reason in
 * ERR; then drop the run with runcg_remove. */
int runcg_enter(struct runcg *rc, size_t i, char *err, size_t errlen);

/** Takes back run E, which an earlier qpodd kept (runs-file.h): if its
 * cgroup is still the one it was (the same id) and has a process in it,
 * it is watched again. Returns its index, -ESRCH if the run is over (an
 * empty cgroup of qpodd's own is removed), or another negative errno. */
int runcg_restore(struct runcg *rc, const struct runcg_entry *e);

/** Forgets run I (removing the cgroup if qpodd made it and it is empty). */
void runcg_remove(struct runcg *rc, size_t i);

/** Forgets the runs whose cgroups have emptied. Returns how many. */
size_t runcg_reap(struct runcg *rc);

size_t runcg_count(const struct runcg *rc);
const struct runcg_entry *runcg_get(const struct runcg *rc, size_t i);
/** All runs, runcg_count() of them, in one array. */
const struct runcg_entry *runcg_all(const struct runcg *rc);

#endif
