/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "paths.h"
#include "procinfo.h"
#include "runcg.h"

#define OWN_PARENT "qpod"

struct runcg {
	int inotify_fd;
	char root[256];		/* where cgroup v2 is mounted */
	struct runcg_entry *runs;
	size_t n, cap;
};

int runcg_new(struct runcg **ret)
{
	struct runcg *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return -ENOMEM;
	rc->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (rc->inotify_fd < 0) {
		int e = errno;

		free(rc);
		return -e;
	}
	*ret = rc;
	return 0;
}

void runcg_free(struct runcg *rc)
{
	if (!rc)
		return;
	close(rc->inotify_fd);
	free(rc->runs);
	free(rc);
}

int runcg_fd(const struct runcg *rc)
{
	return rc->inotify_fd;
}

size_t runcg_count(const struct runcg *rc)
{
	return rc->n;
}

const struct runcg_entry *runcg_get(const struct runcg *rc, size_t i)
{
	return i < rc->n ? &rc->runs[i] : NULL;
}

const struct runcg_entry *runcg_all(const struct runcg *rc)
{
	return rc->runs;
}

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* Where cgroup v2 is mounted: /sys/fs/cgroup, or /sys/fs/cgroup/unified
 * beside the v1 hierarchies. Found anew at each run: it may be mounted
 * after qpodd started. */
static int find_root(struct runcg *rc)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[1024];
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		char root[256], point[256], fstype[32];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash, " - %31s", fstype) != 1 || strcmp(fstype, "cgroup2") != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %255s %255s", root, point) != 2 || strcmp(root, "/") != 0)
			continue;
		unescape(point);
		snprintf(rc->root, sizeof(rc->root), "%s", point);
		r = 0;
	}
	fclose(f);
	return r;
}

/* PID's cgroup v2 path ("/user.slice/..."), from /proc/PID/cgroup. */
static int cgroup_of(pid_t pid, char *buf, size_t len)
{
	char path[64], text[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	n = path_read_small(path, text, sizeof(text));
	return n < 0 ? (int)n : procinfo_cgroup(text, buf, len);
}

static uint32_t depth(const char *path)
{
	uint32_t n = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

/* Whether the run's cgroup has a process in it or below: 1, 0, or a
 * negative errno (the cgroup is gone). */
static int populated(const struct runcg *rc, const struct runcg_entry *e)
{
	char path[1024], buf[256];
	ssize_t n;
	const char *p;

	snprintf(path, sizeof(path), "%s%s/cgroup.events", rc->root, e->path);
	n = path_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "populated ");
	return p && p[10] == '1';
}

/* Makes qpod/run-PID, replacing an empty one a dead process left. */
static int make_own(const struct runcg *rc, pid_t pid, char *rel, size_t rellen, char *err,
		    size_t errlen)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/" OWN_PARENT, rc->root);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		int e = errno;

		snprintf(err, errlen, "cannot make the cgroup %s: %s%s", path, strerror(e),
			 e == EROFS ? " (where systemd runs, qpod-ctl asks it for a scope)" : "");
		return -e;
	}
	snprintf(rel, rellen, "/" OWN_PARENT "/run-%d", (int)pid);
	snprintf(path, sizeof(path), "%s%s", rc->root, rel);
	if (mkdir(path, 0755) < 0 && (errno != EEXIST || rmdir(path) < 0 || mkdir(path, 0755) < 0)) {
		int e = errno;

		snprintf(err, errlen, "cannot make the cgroup %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

/* Adds E to the runs: its index, or -ENOMEM. */
static int append(struct runcg *rc, const struct runcg_entry *e)
{
	if (rc->n == rc->cap) {
		size_t ncap = rc->cap ? rc->cap * 2 : 8;
		struct runcg_entry *n = realloc(rc->runs, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		rc->runs = n;
		rc->cap = ncap;
	}
	rc->runs[rc->n] = *e;
	return (int)rc->n++;
}

/* Watches the cgroup.events of run E: 0 or a negative errno. */
static int watch(struct runcg *rc, struct runcg_entry *e)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s/cgroup.events", rc->root, e->path);
	e->wd = inotify_add_watch(rc->inotify_fd, path, IN_MODIFY);
	return e->wd < 0 ? -errno : 0;
}

int runcg_add(struct runcg *rc, pid_t pid, bool scope, const char *cls, char *err, size_t errlen)
{
	struct runcg_entry e = { .pid = pid, .own = !scope, .wd = -1 };
	char want[64], path[1024];
	const char *base;
	struct stat st;
	int r;

	if (pid <= 0) {
		snprintf(err, errlen, "the asking process is not known");
		return -ESRCH;
	}
	if (rc->n >= RUNCG_MAX) {
		snprintf(err, errlen, "%d runs at once already", RUNCG_MAX);
		return -EBUSY;
	}
	r = find_root(rc);
	if (r < 0) {
		snprintf(err, errlen, "cgroup v2 is not mounted here");
		return r;
	}
	if (scope) {
		r = cgroup_of(pid, e.path, sizeof(e.path));
		if (r < 0) {
			snprintf(err, errlen, "the cgroup of process %d: %s", (int)pid, strerror(-r));
			return r;
		}
		/* Its own scope, not the session or service it came from: the
		 * class is for the command alone. */
		snprintf(want, sizeof(want), "qpod-run-%d.scope", (int)pid);
		base = strrchr(e.path, '/');
		if (!base || strcmp(base + 1, want) != 0) {
			snprintf(err, errlen, "process %d is in %s, not in a scope %s", (int)pid,
				 e.path, want);
			return -EINVAL;
		}
	} else {
		r = make_own(rc, pid, e.path, sizeof(e.path), err, errlen);
		if (r < 0)
			return r;
	}
	snprintf(path, sizeof(path), "%s%s", rc->root, e.path);
	if (stat(path, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		if (e.own)
			rmdir(path);
		return r;
	}
	e.id = (uint64_t)st.st_ino;
	e.level = depth(e.path);
	e.started_ns = clock_real_ns();
	snprintf(e.cls, sizeof(e.cls), "%s", cls);
	r = append(rc, &e);
	if (r < 0) {
		snprintf(err, errlen, "out of memory");
		if (e.own)
			rmdir(path);
	}
	return r;
}

int runcg_enter(struct runcg *rc, size_t i, char *err, size_t errlen)
{
	struct runcg_entry *e = &rc->runs[i];
	char path[1024], pid[16];
	int fd, n, r;

	if (e->own) {
		snprintf(path, sizeof(path), "%s%s/cgroup.procs", rc->root, e->path);
		n = snprintf(pid, sizeof(pid), "%d\n", (int)e->pid);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, pid, (size_t)n) != n) {
			r = -errno;
			snprintf(err, errlen, "moving process %d into %s: %s", (int)e->pid, e->path,
				 strerror(-r));
			if (fd >= 0)
				close(fd);
			return r;
		}
		close(fd);
	}
	r = watch(rc, e);
	if (r < 0) {
		snprintf(err, errlen, "watching %s%s/cgroup.events: %s", rc->root, e->path,
			 strerror(-r));
		return r;
	}
	/* Watched from here on; it may have emptied before. */
	if (populated(rc, e) != 1) {
		snprintf(err, errlen, "process %d is gone", (int)e->pid);
		return -ESRCH;
	}
	return 0;
}

int runcg_restore(struct runcg *rc, const struct runcg_entry *e)
{
	struct runcg_entry copy = *e;
	char path[1024];
	struct stat st;
	int i, r;

	copy.wd = -1;
	if (rc->n >= RUNCG_MAX)
		return -EBUSY;
	if ((r = find_root(rc)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s%s", rc->root, copy.path);
	if (stat(path, &st) < 0)
		return -errno;
	/* Another cgroup by that name since: not the run's. */
	if ((uint64_t)st.st_ino != copy.id || depth(copy.path) != copy.level)
		return -ESRCH;
	i = append(rc, &copy);
	if (i < 0)
		return i;
	r = watch(rc, &rc->runs[i]);
	/* Watched from here on; it may have emptied before. */
	if (r == 0 && populated(rc, &rc->runs[i]) != 1)
		r = -ESRCH;
	if (r < 0) {
		runcg_remove(rc, (size_t)i);
		return r;
	}
	return i;
}

void runcg_remove(struct runcg *rc, size_t i)
{
	struct runcg_entry *e = &rc->runs[i];
	char path[1024];

	if (e->wd >= 0)
		inotify_rm_watch(rc->inotify_fd, e->wd);
	if (e->own) {
		snprintf(path, sizeof(path), "%s%s", rc->root, e->path);
		rmdir(path);
	}
	rc->runs[i] = rc->runs[--rc->n];
}

size_t runcg_reap(struct runcg *rc)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t gone = 0;

	/* Which watch fired matters not: every run is looked at. */
	while (read(rc->inotify_fd, buf, sizeof(buf)) > 0)
		;
	for (size_t i = rc->n; i-- > 0;) {
		if (populated(rc, &rc->runs[i]) != 1) {
			runcg_remove(rc, i);
			gone++;
		}
	}
	return gone;
}
