/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "procinfo.h"
#include "procmap.h"

#define INODES_MAX 2000000	/* cached socket inodes; the cache restarts beyond */
#define PIDS_MAX 4194304	/* the kernel's pid_max ceiling */
#define LIST_INTERVAL_NS 50000000ull	/* with events, list /proc for an unknown owner at most this often */

void procmap_init(struct procmap *pm, const char *proc)
{
	memset(pm, 0, sizeof(*pm));
	pm->proc = proc;
	pm->want = PROC_READ_ALL;
	u64map_init(&pm->inodes, INODES_MAX);
	u64map_init(&pm->pids, PIDS_MAX);
}

void procmap_clear(struct procmap *pm)
{
	u64map_clear(&pm->inodes);
	u64map_clear(&pm->pids);
	for (size_t i = 0; i < pm->n_procs; i++)
		free(pm->procs[i].text);
	free(pm->procs);
	free(pm->free_idx);
	free(pm->exits);
	procmap_init(pm, pm->proc);
}

static void proc_info_init(struct proc_info *p, uint32_t pid)
{
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->exe = p->cmdline = p->cgroup = "";
}

/* Frees what P read and starts it anew, as PID. */
static void proc_info_reset(struct proc_info *p, uint32_t pid)
{
	free(p->text);
	proc_info_init(p, pid);
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
	proc_info_init(p, pid);
	return p;
}

static void slot_free(struct procmap *pm, struct proc_info *p)
{
	u64map_del(&pm->pids, p->pid);
	proc_info_reset(p, 0);
	pm->free_idx[pm->n_free++] = (uint32_t)(p - pm->procs);
}

/* Reads what PID is into P: its stat (name included), and the files
 * WHAT (PROC_READ_*) names. False if the process is gone. Each file costs
 * an open, a read and a close: a few microseconds each, which a new
 * process's first packet waits for. */
static bool read_info(struct procmap *pm, uint32_t pid, struct proc_info *p, uint8_t what)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/stat", pm->proc, pid);
	if (path_read_small(path, buf, sizeof(buf)) < 0 || procinfo_stat(buf, &p->ppid, &p->start_time) < 0 ||
	    procinfo_stat_comm(buf, p->comm, sizeof(p->comm)) < 0)
		return false;
	p->have = what;
	if (what & (PROC_READ_EXE | PROC_READ_CMDLINE | PROC_READ_CGROUP)) {
		char *t = realloc(p->text, PROC_EXE_MAX + PROC_CMDLINE_MAX + PROC_CGROUP_MAX);

		if (!t) {
			p->have = 0;
			return false;
		}
		p->text = t;
		t[0] = t[PROC_EXE_MAX] = t[PROC_EXE_MAX + PROC_CMDLINE_MAX] = '\0';
		p->exe = t;
		p->cmdline = t + PROC_EXE_MAX;
		p->cgroup = t + PROC_EXE_MAX + PROC_CMDLINE_MAX;
	}
	if (what & PROC_READ_UID) {
		snprintf(path, sizeof(path), "%s/%u/status", pm->proc, pid);
		p->has_uid = path_read_small(path, buf, sizeof(buf)) >= 0 &&
			     procinfo_status_euid(buf, &p->uid) == 0;
	}
	if (what & PROC_READ_EXE) {
		char *exe = p->text;

		snprintf(path, sizeof(path), "%s/%u/exe", pm->proc, pid);
		n = readlink(path, exe, PROC_EXE_MAX - 1);
		exe[n > 0 ? n : 0] = '\0';
		/* An executable replaced on disk still names its old path. */
		if (n > 10 && strcmp(exe + n - 10, " (deleted)") == 0)
			exe[n - 10] = '\0';
	}
	if (what & PROC_READ_CMDLINE) {
		char *cmdline = p->text + PROC_EXE_MAX;

		snprintf(path, sizeof(path), "%s/%u/cmdline", pm->proc, pid);
		n = path_read_small(path, cmdline, PROC_CMDLINE_MAX);
		if (n > 0)
			procinfo_cmdline_join(cmdline, (size_t)n);
	}
	if (what & PROC_READ_CGROUP) {
		char *cgroup = p->text + PROC_EXE_MAX + PROC_CMDLINE_MAX;

		snprintf(path, sizeof(path), "%s/%u/cgroup", pm->proc, pid);
		if (path_read_small(path, buf, sizeof(buf)) < 0 ||
		    procinfo_cgroup(buf, cgroup, PROC_CGROUP_MAX) < 0)
			cgroup[0] = '\0';
	}
	return true;
}

void procmap_want(struct procmap *pm, uint8_t want)
{
	pm->want = want;
}

/* The inode cache names a socket's process by pid and start time: a pid
 * given to another process since does not inherit the socket. */
static void inode_put(struct procmap *pm, uint64_t ino, const struct proc_info *p)
{
	uint64_t v = (uint64_t)(uint32_t)p->start_time << 32 | p->pid;

	if (u64map_put(&pm->inodes, ino, v) == -ENOSPC) {
		/* Old sockets fill the cache: start it over. */
		u64map_clear(&pm->inodes);
		u64map_put(&pm->inodes, ino, v);
	}
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

/* Records the socket inodes P holds; true if one is WANT. */
static bool scan_fds(struct procmap *pm, struct proc_info *p, uint64_t want)
{
	char path[64], link[64];
	struct dirent *de;
	bool found = false;
	uint32_t nfds = 0;
	DIR *d;
	int dfd;

	snprintf(path, sizeof(path), "%s/%u/fd", pm->proc, p->pid);
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
		nfds++;
		n = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		atomic_fetch_add_explicit(&pm->stats.fds_read, 1, memory_order_relaxed);
		if (n <= 0)
			continue;
		link[n] = '\0';
		ino = procinfo_socket_inode(link);
		if (!ino)
			continue;
		inode_put(pm, ino, p);
		if (ino == want) {
			found = true;
			p->last_fd = atoi(de->d_name);
		}
	}
	closedir(d);
	p->nfds = nfds;
	return found;
}

/* Reads a process not known yet. */
static struct proc_info *read_new(struct procmap *pm, uint32_t pid)
{
	struct proc_info *p = slot_new(pm, pid);

	if (p && !read_info(pm, pid, p, PROC_READ_UID | pm->want)) {
		slot_free(pm, p);
		p = NULL;
	}
	return p;
}

/* Remembers that P exited at NOW_NS, in the order of exits, so that
 * procmap_expire() looks at those due only. Without room, it is kept
 * until procmap_clear(). */
static void mark_exited(struct procmap *pm, struct proc_info *p, uint64_t now_ns)
{
	struct proc_exit *e;

	if (p->exited)
		return;
	p->exited = true;
	p->exit_ns = now_ns;
	if (pm->n_exits == pm->cap_exits) {
		size_t ncap = pm->cap_exits ? pm->cap_exits * 2 : 256;
		struct proc_exit *ne = malloc(ncap * sizeof(*ne));

		if (!ne)
			return;
		/* Unwrapped into the new ring, oldest first. */
		for (size_t i = 0; i < pm->n_exits; i++)
			ne[i] = pm->exits[(pm->exit_head + i) % pm->cap_exits];
		free(pm->exits);
		pm->exits = ne;
		pm->cap_exits = ncap;
		pm->exit_head = 0;
	}
	e = &pm->exits[(pm->exit_head + pm->n_exits++) % pm->cap_exits];
	e->pid = p->pid;
	e->exit_ns = now_ns;
}

/* Whether P is still the process with its pid and program, by its start
 * time and name (one read): one gone is remembered a while, as if an exit
 * event had come; another process under the pid, or one that started
 * another program, is read afresh. NULL if that fails. */
static struct proc_info *recheck(struct procmap *pm, struct proc_info *p, uint64_t now_ns)
{
	char path[64], buf[1024], comm[PROC_COMM_MAX];
	uint32_t pid = p->pid, ppid;
	uint64_t start;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/stat", pm->proc, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mark_exited(pm, p, now_ns);
		return p;
	}
	/* procfs hands out the whole line in one read. */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (n <= 0 || procinfo_stat(buf, &ppid, &start) < 0) {
		mark_exited(pm, p, now_ns);
		return p;
	}
	if (start == p->start_time && procinfo_stat_comm(buf, comm, sizeof(comm)) == 0 &&
	    strcmp(comm, p->comm) == 0)
		return p;
	proc_info_reset(p, pid);
	if (!read_info(pm, pid, p, PROC_READ_UID | pm->want)) {
		slot_free(pm, p);
		return NULL;
	}
	return p;
}

/* Reads what P is if an event said it is new or changed and nothing has
 * been read since, or what the policy needs and was not read; a process
 * gone by then stays as it was, and exited. Its user is the socket's:
 * not read. */
static struct proc_info *read_unread(struct procmap *pm, struct proc_info *p, uint64_t now_ns)
{
	if (!p->exited && (p->unread || (pm->want & ~p->have))) {
		struct proc_info n;

		/* Into a copy: P stays as it was if the process is gone. Its
		 * text block is reused (read_info fails before touching it). */
		proc_info_init(&n, p->pid);
		n.last_fd = p->last_fd;
		n.text = p->text;
		if (read_info(pm, p->pid, &n, pm->want))
			*p = n;
		else
			mark_exited(pm, p, now_ns);
	}
	return p;
}

/* Known P, checked if need be. Events tell of exits, and of a pid's next
 * process before anything it does (the discovery thread reads them after
 * taking requests): with them the cache is current once what they tell
 * is read. Without them, look. */
static struct proc_info *current(struct procmap *pm, struct proc_info *p, uint64_t now_ns)
{
	if (p->exited)
		return p;
	if (!pm->events && (!(p = recheck(pm, p, now_ns)) || p->exited))
		return p;
	return read_unread(pm, p, now_ns);
}

static struct proc_info *get(struct procmap *pm, uint32_t pid, uint64_t now_ns)
{
	struct proc_info *p = lookup(pm, pid);

	return p ? current(pm, p, now_ns) : read_new(pm, pid);
}

const struct proc_info *procmap_get(struct procmap *pm, uint32_t pid, uint64_t now_ns)
{
	return get(pm, pid, now_ns);
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

/* Lists /proc: learns of processes started without an event, and of
 * those that exited without one (so the cache holds no more than the
 * living and the recently exited). With RECHECK, makes sure each known
 * process is still the one with its pid. */
static void list_processes(struct procmap *pm, uint64_t now_ns, bool recheck_all)
{
	struct dirent *de;
	DIR *d = opendir(pm->proc);

	if (!d)
		return;
	pm->listing++;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		struct proc_info *p;

		if (*end || pid == 0 || pid > UINT32_MAX)
			continue;
		p = lookup(pm, (uint32_t)pid);
		if (!p)
			p = read_new(pm, (uint32_t)pid);
		else if (recheck_all || p->exited)
			p = recheck(pm, p, now_ns);	/* exited: its pid may be another's now */
		if (p)
			p->listed = pm->listing;
	}
	closedir(d);
	for (size_t i = 0; i < pm->n_procs; i++) {
		struct proc_info *p = &pm->procs[i];

		if (p->pid && p->listed != pm->listing)
			mark_exited(pm, p, now_ns);
	}
}

void procmap_load_all(struct procmap *pm, uint64_t now_ns)
{
	list_processes(pm, now_ns, true);
	pm->listed_ns = now_ns;
	for (size_t i = 0; i < pm->n_procs; i++)
		if (pm->procs[i].pid && !pm->procs[i].exited)
			scan_fds(pm, &pm->procs[i], 0);
}

void procmap_fork(struct procmap *pm, uint32_t pid, uint32_t ppid)
{
	struct proc_info *p;

	pm->events = true;
	p = lookup(pm, pid);
	if (p && !p->exited)
		return;	/* known already */
	if (p)
		slot_free(pm, p);	/* the pid of a process that exited */
	p = slot_new(pm, pid);
	if (!p)
		return;
	/* What it is (its parent's program, until it execs) is read when
	 * a socket's owner is looked for among the processes. */
	p->ppid = ppid;
	p->unread = true;
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
	/* Most programs never open a socket: what this one is gets read
	 * when a socket's owner is looked for (read_unread). */
	p->unread = true;
	p->exited = false;
	remember(pm->recent, &pm->n_recent, 64, pid);
}

void procmap_exit(struct procmap *pm, uint32_t pid, uint64_t now_ns)
{
	struct proc_info *p = lookup(pm, pid);

	pm->events = true;
	if (p)
		mark_exited(pm, p, now_ns);
}

void procmap_expire(struct procmap *pm, uint64_t now_ns, uint64_t grace_ns)
{
	while (pm->n_exits) {
		const struct proc_exit *e = &pm->exits[pm->exit_head];
		struct proc_info *p;

		if (now_ns - e->exit_ns <= grace_ns)
			break;
		/* Unless its pid went to another process since. */
		p = lookup(pm, e->pid);
		if (p && p->exited && p->exit_ns == e->exit_ns)
			slot_free(pm, p);
		pm->exit_head = (pm->exit_head + 1) % pm->cap_exits;
		pm->n_exits--;
	}
}

/* A likely owner with more fds than this is read whole only after the
 * other likely ones: a server with thousands of sockets would otherwise
 * make every other process's lookup read them all. */
#define LIKELY_SCAN_MAX 256
#define DEFER_MAX (8 + 64)	/* the owners and recent lists */

/* Whether process PID owns socket INODE. With RET_DEFERRED, a process
 * whose fds are many is not read whole: *RET_DEFERRED says so. */
static bool candidate(struct procmap *pm, uint32_t pid, uint32_t uid, uint64_t inode,
		      uint64_t now_ns, bool *ret_deferred)
{
	struct proc_info *p = get(pm, pid, now_ns);
	int fd;

	if (!p || p->exited || (uid != UINT32_MAX && p->has_uid && p->uid != uid))
		return false;
	/* A new socket usually takes the lowest free fd: often the one its
	 * process's last socket had, closed since, and for a process's first
	 * socket the one after stdin, stdout and stderr. One link read, not
	 * a scan. */
	fd = p->last_fd > 0 ? p->last_fd : 3;
	if (fd_is(pm, pid, fd, inode)) {
		atomic_fetch_add_explicit(&pm->stats.fd_guesses, 1, memory_order_relaxed);
		p->last_fd = fd;
		inode_put(pm, inode, p);
		return true;
	}
	if (ret_deferred && p->nfds > LIKELY_SCAN_MAX) {
		*ret_deferred = true;
		return false;
	}
	return scan_fds(pm, p, inode);
}

/* The process an inode cache entry V names, if it is still the one that
 * was seen holding the socket: not another under its pid since. */
static const struct proc_info *cached_owner(struct procmap *pm, uint64_t v, uint64_t now_ns)
{
	struct proc_info *p = lookup(pm, (uint32_t)v);

	if (p)
		p = current(pm, p, now_ns);
	return p && (uint32_t)p->start_time == (uint32_t)(v >> 32) ? p : NULL;
}

#define QUICK_RECENT 32	/* the newest processes a quick lookup tries */

static const struct proc_info *owner(struct procmap *pm, uint64_t inode, uint32_t uid,
				     uint64_t since_ns, uint64_t now_ns, bool quick)
{
	const struct proc_info *found = NULL;
	uint32_t deferred[DEFER_MAX];
	unsigned oldest, n_deferred = 0;
	bool big;
	uint64_t v;

	atomic_fetch_add_explicit(&pm->stats.lookups, 1, memory_order_relaxed);
	if (u64map_get(&pm->inodes, inode, &v) && (found = cached_owner(pm, v, now_ns))) {
		atomic_fetch_add_explicit(&pm->stats.hits, 1, memory_order_relaxed);
		goto out;
	}
	/* The owners of the last sockets: a process opening one connection
	 * usually opens more. */
	for (unsigned i = pm->n_owners; i-- > 0;) {
		big = false;
		if (candidate(pm, pm->owners[i], uid, inode, now_ns, &big))
			goto scanned;
		if (big)
			deferred[n_deferred++] = pm->owners[i];
	}
	/* Processes that just started. */
	oldest = quick && pm->n_recent > QUICK_RECENT ? pm->n_recent - QUICK_RECENT : 0;
	for (unsigned i = pm->n_recent; i-- > oldest;) {
		big = false;
		if (candidate(pm, pm->recent[i], uid, inode, now_ns, &big))
			goto scanned;
		if (big)
			deferred[n_deferred++] = pm->recent[i];
	}
	/* Then the likely ones with many fds. */
	for (unsigned i = 0; i < n_deferred; i++)
		if (candidate(pm, deferred[i], uid, inode, now_ns, NULL))
			goto scanned;
	if (quick)
		goto not_found;
	/* Without events, processes started since the last listing are
	 * unknown: list /proc again unless the last listing came after the
	 * socket existed, and so saw its owner. With events, a process whose
	 * start event is still unread: list /proc, not too often. */
	if (pm->events ? now_ns - pm->listed_ns > LIST_INTERVAL_NS : pm->listed_ns <= since_ns) {
		list_processes(pm, now_ns, false);
		pm->listed_ns = now_ns;
	}
	/* Everyone else of that user. */
	for (size_t i = 0; i < pm->n_procs; i++)
		if (pm->procs[i].pid && candidate(pm, pm->procs[i].pid, uid, inode, now_ns, NULL))
			goto scanned;
not_found:
	atomic_fetch_add_explicit(&pm->stats.not_found, 1, memory_order_relaxed);
	return NULL;
scanned:
	/* Its process was just checked, as a candidate. */
	if (!u64map_get(&pm->inodes, inode, &v))
		return NULL;
	found = lookup(pm, (uint32_t)v);
out:
	if (found)
		remember(pm->owners, &pm->n_owners, 8, found->pid);
	return found;
}

const struct proc_info *procmap_owner(struct procmap *pm, uint64_t inode, uint32_t uid,
				      uint64_t since_ns, uint64_t now_ns)
{
	return owner(pm, inode, uid, since_ns, now_ns, false);
}

const struct proc_info *procmap_owner_quick(struct procmap *pm, uint64_t inode, uint32_t uid,
					    uint64_t now_ns)
{
	return owner(pm, inode, uid, 0, now_ns, true);
}
