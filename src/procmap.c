/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procinfo.h"
#include "procmap.h"

#define INODES_MAX 2000000	/* cached socket inodes; the cache restarts beyond */
#define PIDS_MAX 4194304	/* the kernel's pid_max ceiling */
#define LIST_INTERVAL_NS 50000000ull	/* without events, list /proc at most this often */

void procmap_init(struct procmap *pm, const char *proc)
{
	memset(pm, 0, sizeof(*pm));
	pm->proc = proc;
	u64map_init(&pm->inodes, INODES_MAX);
	u64map_init(&pm->pids, PIDS_MAX);
}

void procmap_clear(struct procmap *pm)
{
	u64map_clear(&pm->inodes);
	u64map_clear(&pm->pids);
	free(pm->procs);
	free(pm->free_idx);
	procmap_init(pm, pm->proc);
}

/* Reads a small /proc file whole into BUF; returns its length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)total < len - 1 && (n = read(fd, buf + total, len - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return total;
}

static struct proc_info *lookup(struct procmap *pm, uint32_t pid)
{
	uint64_t idx;

	return u64map_get(&pm->pids, pid, &idx) ? &pm->procs[idx - 1] : NULL;
}

static struct proc_info *slot_new(struct procmap *pm, uint32_t pid)
{
	struct proc_info *p;
	size_t idx;

	if (pm->n_free) {
		idx = pm->free_idx[--pm->n_free];
	} else {
		if (pm->n_procs == pm->cap_procs) {
			size_t ncap = pm->cap_procs ? pm->cap_procs * 2 : 256;
			struct proc_info *np = realloc(pm->procs, ncap * sizeof(*np));
			uint32_t *nf;

			if (!np)
				return NULL;
			pm->procs = np;
			nf = realloc(pm->free_idx, ncap * sizeof(*nf));
			if (!nf)
				return NULL;
			pm->free_idx = nf;
			pm->cap_procs = ncap;
		}
		idx = pm->n_procs++;
	}
	if (u64map_put(&pm->pids, pid, idx + 1) < 0) {
		pm->free_idx[pm->n_free++] = (uint32_t)idx;
		return NULL;
	}
	p = &pm->procs[idx];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

static void slot_free(struct procmap *pm, struct proc_info *p)
{
	u64map_del(&pm->pids, p->pid);
	p->pid = 0;
	pm->free_idx[pm->n_free++] = (uint32_t)(p - pm->procs);
}

/* Reads what PID is into P. False if the process is gone. */
static bool read_info(struct procmap *pm, uint32_t pid, struct proc_info *p)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/stat", pm->proc, pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || procinfo_stat(buf, &p->ppid, &p->start_time) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/%u/status", pm->proc, pid);
	p->has_uid = read_small(path, buf, sizeof(buf)) >= 0 && procinfo_status_euid(buf, &p->uid) == 0;
	snprintf(path, sizeof(path), "%s/%u/comm", pm->proc, pid);
	if (read_small(path, p->comm, sizeof(p->comm)) >= 0)
		p->comm[strcspn(p->comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s/%u/exe", pm->proc, pid);
	n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	/* An executable replaced on disk still names its old path. */
	if (n > 10 && strcmp(p->exe + n - 10, " (deleted)") == 0)
		p->exe[n - 10] = '\0';
	snprintf(path, sizeof(path), "%s/%u/cmdline", pm->proc, pid);
	n = read_small(path, p->cmdline, sizeof(p->cmdline));
	if (n > 0)
		procinfo_cmdline_join(p->cmdline, (size_t)n);
	snprintf(path, sizeof(path), "%s/%u/cgroup", pm->proc, pid);
	if (read_small(path, buf, sizeof(buf)) < 0 || procinfo_cgroup(buf, p->cgroup, sizeof(p->cgroup)) < 0)
		p->cgroup[0] = '\0';
	return true;
}

/* Reads one fd link of PID; true if it is socket WANT. */
static bool fd_is(struct procmap *pm, uint32_t pid, int fd, uint64_t want)
{
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/fd/%d", pm->proc, pid, fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return procinfo_socket_inode(link) == want;
}

/* Records the socket inodes PID holds; true if one is WANT. */
static bool scan_fds(struct procmap *pm, uint32_t pid, uint64_t want)
{
	char path[64], link[64];
	struct dirent *de;
	bool found = false;
	DIR *d;
	int dfd;

	snprintf(path, sizeof(path), "%s/%u/fd", pm->proc, pid);
	d = opendir(path);
	if (!d)
		return false;
	atomic_fetch_add_explicit(&pm->stats.scans, 1, memory_order_relaxed);
	dfd = dirfd(d);
	while ((de = readdir(d))) {
		ssize_t n;
		uint64_t ino;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		atomic_fetch_add_explicit(&pm->stats.fds_read, 1, memory_order_relaxed);
		if (n <= 0)
			continue;
		link[n] = '\0';
		ino = procinfo_socket_inode(link);
		if (!ino)
			continue;
		if (u64map_put(&pm->inodes, ino, pid) == -ENOSPC) {
			/* Old sockets fill the cache: start it over. */
			u64map_clear(&pm->inodes);
			u64map_put(&pm->inodes, ino, pid);
		}
		if (ino == want) {
			struct proc_info *p = lookup(pm, pid);

			found = true;
			if (p)
				p->last_fd = atoi(de->d_name);
		}
	}
	closedir(d);
	return found;
}

const struct proc_info *procmap_get(struct procmap *pm, uint32_t pid)
{
	struct proc_info *p = lookup(pm, pid);

	if (p)
		return p;
	p = slot_new(pm, pid);
	if (!p)
		return NULL;
	if (!read_info(pm, pid, p)) {
		slot_free(pm, p);
		return NULL;
	}
	return p;
}

/* Puts PID last in LIST (newest last), dropping the oldest when full. */
static void remember(uint32_t *list, unsigned *n, unsigned cap, uint32_t pid)
{
	unsigned i;

	for (i = 0; i < *n && list[i] != pid; i++)
		;
	if (i == *n) {
		if (*n < cap) {
			list[(*n)++] = pid;
			return;
		}
		i = 0;
	}
	for (; i + 1 < *n; i++)
		list[i] = list[i + 1];
	list[*n - 1] = pid;
}

/* Lists /proc: learns of processes started without an event. */
static void list_processes(struct procmap *pm)
{
	struct dirent *de;
	DIR *d = opendir(pm->proc);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || pid == 0 || pid > UINT32_MAX)
			continue;
		procmap_get(pm, (uint32_t)pid);
	}
	closedir(d);
}

void procmap_load_all(struct procmap *pm, uint64_t now_ns)
{
	list_processes(pm);
	pm->listed_ns = now_ns;
	for (size_t i = 0; i < pm->n_procs; i++)
		if (pm->procs[i].pid)
			scan_fds(pm, pm->procs[i].pid, 0);
}

void procmap_fork(struct procmap *pm, uint32_t pid, uint32_t ppid)
{
	struct proc_info *parent, *p;

	pm->events = true;
	p = lookup(pm, pid);
	if (p && !p->exited)
		return;	/* known already */
	if (p)
		slot_free(pm, p);	/* the pid of a process that exited */
	p = slot_new(pm, pid);
	if (!p)
		return;
	/* Until it execs, a child is what its parent is. (Looked up only
	 * now: slot_new may have moved the array.) */
	parent = lookup(pm, ppid);
	if (parent) {
		*p = *parent;
		p->pid = pid;
		p->ppid = ppid;
		p->exited = false;
	} else if (!read_info(pm, pid, p)) {
		slot_free(pm, p);
		return;
	}
	remember(pm->recent, &pm->n_recent, 64, pid);
}

void procmap_exec(struct procmap *pm, uint32_t pid)
{
	struct proc_info *p = lookup(pm, pid);

	pm->events = true;
	if (!p)
		p = slot_new(pm, pid);
	if (!p)
		return;
	/* The moment to read what the process is: it may exit soon after. */
	if (!read_info(pm, pid, p)) {
		slot_free(pm, p);
		return;
	}
	remember(pm->recent, &pm->n_recent, 64, pid);
}

void procmap_exit(struct procmap *pm, uint32_t pid, uint64_t now_ns)
{
	struct proc_info *p = lookup(pm, pid);

	pm->events = true;
	if (p) {
		p->exited = true;
		p->exit_ns = now_ns;
	}
}

void procmap_expire(struct procmap *pm, uint64_t now_ns, uint64_t grace_ns)
{
	for (size_t i = 0; i < pm->n_procs; i++) {
		struct proc_info *p = &pm->procs[i];

		if (p->pid && p->exited && now_ns - p->exit_ns > grace_ns)
			slot_free(pm, p);
	}
}

static bool candidate(struct procmap *pm, uint32_t pid, uint32_t uid, uint64_t inode)
{
	const struct proc_info *p = procmap_get(pm, pid);

	if (!p || p->exited || (uid != UINT32_MAX && p->has_uid && p->uid != uid))
		return false;
	/* A new socket usually takes the lowest free fd: often the one its
	 * process's last socket had, closed since. One link read, not a scan. */
	if (p->last_fd > 0 && fd_is(pm, pid, p->last_fd, inode)) {
		atomic_fetch_add_explicit(&pm->stats.fd_guesses, 1, memory_order_relaxed);
		if (u64map_put(&pm->inodes, inode, pid) == -ENOSPC) {
			u64map_clear(&pm->inodes);
			u64map_put(&pm->inodes, inode, pid);
		}
		return true;
	}
	return scan_fds(pm, pid, inode);
}

const struct proc_info *procmap_owner(struct procmap *pm, uint64_t inode, uint32_t uid,
				      uint64_t now_ns)
{
	const struct proc_info *found = NULL;
	uint64_t pid;

	atomic_fetch_add_explicit(&pm->stats.lookups, 1, memory_order_relaxed);
	if (u64map_get(&pm->inodes, inode, &pid) && (found = procmap_get(pm, (uint32_t)pid))) {
		atomic_fetch_add_explicit(&pm->stats.hits, 1, memory_order_relaxed);
		goto out;
	}
	/* The owners of the last sockets: a process opening one connection
	 * usually opens more. */
	for (unsigned i = pm->n_owners; i-- > 0;)
		if (candidate(pm, pm->owners[i], uid, inode))
			goto scanned;
	/* Processes that just started. */
	for (unsigned i = pm->n_recent; i-- > 0;)
		if (candidate(pm, pm->recent[i], uid, inode))
			goto scanned;
	/* Without events, processes started since the last listing are
	 * unknown: list /proc again (not too often). */
	if (!pm->events && now_ns - pm->listed_ns > LIST_INTERVAL_NS) {
		list_processes(pm);
		pm->listed_ns = now_ns;
	}
	/* A process whose start event is still unread: list /proc. */
	if (pm->events && now_ns - pm->listed_ns > LIST_INTERVAL_NS) {
		list_processes(pm);
		pm->listed_ns = now_ns;
	}
	/* Everyone else of that user. */
	for (size_t i = 0; i < pm->n_procs; i++)
		if (pm->procs[i].pid && candidate(pm, pm->procs[i].pid, uid, inode))
			goto scanned;
	atomic_fetch_add_explicit(&pm->stats.not_found, 1, memory_order_relaxed);
	return NULL;
scanned:
	if (!u64map_get(&pm->inodes, inode, &pid))
		return NULL;
	found = procmap_get(pm, (uint32_t)pid);
out:
	if (found)
		remember(pm->owners, &pm->n_owners, 8, found->pid);
	return found;
}
