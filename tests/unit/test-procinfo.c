/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What /proc says about a process, parsed; applications matched; and the
 * process cache over a made-up /proc. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "appmatch.h"
#include "check-main.h"
#include "config-test-util.h"
#include "hist.h"
#include "procinfo.h"
#include "procmap.h"

START_TEST(test_status_stat)
{
	uint32_t uid, ppid;
	uint64_t start;
	char comm[16];

	ck_assert_int_eq(procinfo_status_euid("Name:\tx\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t0\n", &uid), 0);
	ck_assert_uint_eq(uid, 0);	/* the effective uid: a setuid program's */
	ck_assert_int_eq(procinfo_status_euid("Uid:\t33\t33\t33\t33\n", &uid), 0);
	ck_assert_uint_eq(uid, 33);
	ck_assert_int_lt(procinfo_status_euid("Name: x\n", &uid), 0);

	/* A command name with spaces and parentheses. */
	ck_assert_int_eq(procinfo_stat("4242 (evil) name (x)) S 17 4242 4242 0 -1 4194560 1 0 0 0 "
				       "0 0 0 0 20 0 1 0 987654 1000 10",
				       &ppid, &start), 0);
	ck_assert_uint_eq(ppid, 17);
	ck_assert_uint_eq(start, 987654);
	ck_assert_int_lt(procinfo_stat("4242 (x S 1", &ppid, &start), 0);

	/* The command name: between the first '(' and the last ')'. */
	ck_assert_int_eq(procinfo_stat_comm("4242 (evil) name (x)) S 17", comm, sizeof(comm)), 0);
	ck_assert_str_eq(comm, "evil) name (x)");
	ck_assert_int_eq(procinfo_stat_comm("1 (a-name-longer-than-fifteen) S 0", comm, sizeof(comm)), 0);
	ck_assert_str_eq(comm, "a-name-longer-t");
	ck_assert_int_lt(procinfo_stat_comm("4242 x) S 1", comm, sizeof(comm)), 0);
}
END_TEST

START_TEST(test_cmdline_cgroup_socket)
{
	char cmd[] = "python3\0-m\0http.server\0\0";
	char path[128];

	ck_assert_str_eq(procinfo_cmdline_join(cmd, sizeof(cmd) - 1), "python3 -m http.server");
	ck_assert_int_eq(procinfo_cgroup("0::/system.slice/linphone.service\n", path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/system.slice/linphone.service");
	ck_assert_int_eq(procinfo_cgroup("12:pids:/x\n1:name=systemd:/user.slice/a.scope\n0::/\n",
					 path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/");
	ck_assert_int_eq(procinfo_cgroup("1:name=systemd:/user.slice/b.scope\n", path, sizeof(path)), 0);
	ck_assert_str_eq(path, "/user.slice/b.scope");
	ck_assert_int_lt(procinfo_cgroup("3:cpu:/\n", path, sizeof(path)), 0);

	ck_assert(procinfo_unit_matches("/system.slice/linphone.service", "linphone.service"));
	ck_assert(procinfo_unit_matches("/user.slice/user-1000.slice/user@1000.service/app.slice/"
					"app-firefox-123.scope", "user@1000.service"));
	ck_assert(procinfo_unit_matches("/user.slice/user-1000.slice/user@1000.service/app.slice/"
					"app-firefox-123.scope", "app-firefox-*.scope"));
	ck_assert(!procinfo_unit_matches("/system.slice/linphone.service", "sshd.service"));
	ck_assert(!procinfo_unit_matches("/a/linphone.serviceX", "linphone.service*"));

	ck_assert_uint_eq(procinfo_socket_inode("socket:[123456]"), 123456);
	ck_assert_uint_eq(procinfo_socket_inode("pipe:[123]"), 0);
	ck_assert_uint_eq(procinfo_socket_inode("socket:[]"), 0);
	ck_assert_uint_eq(procinfo_socket_inode("socket:[12]x"), 0);
	ck_assert_uint_eq(procinfo_socket_inode("/dev/null"), 0);
}
END_TEST

START_TEST(test_appmatch)
{
	struct qp_policy *p = load_ok(
		"classes:\n  default: {}\n"
		"applications:\n"
		"  - { name: fx, match: { exe: \"*/firefox\" }, class: default }\n"
		"  - { name: call, match: { comm: linphone, cmdline: \"*--call*\" }, class: default }\n"
		"  - { name: rootsvc, match: { user: root, unit: \"*.service\" }, class: default }\n"
		"  - { name: anyroot, match: { user: \"0\" }, class: default }\n");
	struct proc_view v = { .exe = "/usr/lib/firefox/firefox", .comm = "firefox",
			       .cmdline = "/usr/lib/firefox/firefox", .has_uid = true, .uid = 1000 };
	const struct qp_app *a;

	a = appmatch_find(p, &v);
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a->name, "fx");
	v = (struct proc_view){ .exe = "/usr/bin/linphone", .comm = "linphone",
				.cmdline = "linphone --call sip:x", .has_uid = true, .uid = 1000 };
	ck_assert_str_eq(appmatch_find(p, &v)->name, "call");
	v.cmdline = "linphone";	/* all given keys must match */
	ck_assert_ptr_null(appmatch_find(p, &v));
	v = (struct proc_view){ .comm = "sshd", .cgroup = "/system.slice/ssh.service",
				.has_uid = true, .uid = 0 };
	ck_assert_str_eq(appmatch_find(p, &v)->name, "rootsvc");
	v.cgroup = NULL;	/* unknown: the unit condition fails */
	ck_assert_str_eq(appmatch_find(p, &v)->name, "anyroot");
	v.has_uid = false;
	ck_assert_ptr_null(appmatch_find(p, &v));
	policy_free(p);
}
END_TEST

START_TEST(test_hist)
{
	struct hist h = { 0 }, h2 = { 0 };

	ck_assert_uint_eq(hist_quantile(&h, 0.5), 0);
	for (uint64_t i = 1; i <= 1000; i++)
		hist_add(&h, i * 1000);		/* 1 us .. 1 ms */
	/* Within the buckets' 12.5%. */
	ck_assert_uint_ge(hist_quantile(&h, 0.5), 500000);
	ck_assert_uint_le(hist_quantile(&h, 0.5), 500000 * 1125 / 1000);
	ck_assert_uint_ge(hist_quantile(&h, 0.99), 990000);
	ck_assert_uint_le(hist_quantile(&h, 0.99), 1000000);
	ck_assert_uint_eq(hist_quantile(&h, 1.0), 1000000);
	hist_add(&h2, 5);
	hist_merge(&h2, &h);
	ck_assert_uint_eq(h2.count, 1001);
	ck_assert_uint_eq(hist_quantile(&h2, 0.0001), 5);
}
END_TEST

/* ---- procmap over a made-up /proc ---------------------------------------- */

#define MS 1000000ull
#define GRACE (5000 * MS)

static char proc_root[64];

static void put_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* /proc/PID of a process that started at START (clock ticks) and holds
 * socket INODE as fd 3. */
static void fake_process(uint32_t pid, uint64_t start, const char *comm, uint64_t inode)
{
	char dir[128], path[256], text[512];
	int n;

	snprintf(dir, sizeof(dir), "%s/%u", proc_root, pid);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	n = snprintf(text, sizeof(text), "%u (%s) S 1 %u %u 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 "
		     "%llu 1000 10\n", pid, comm, pid, pid, (unsigned long long)start);
	put_file(dir, "stat", text, (size_t)n);
	n = snprintf(text, sizeof(text), "Name:\t%s\nUid:\t0\t0\t0\t0\n", comm);
	put_file(dir, "status", text, (size_t)n);
	n = snprintf(text, sizeof(text), "%s\n", comm);
	put_file(dir, "comm", text, (size_t)n);
	n = snprintf(text, sizeof(text), "/usr/bin/%s%c--flag%c", comm, 0, 0);
	put_file(dir, "cmdline", text, (size_t)n);
	put_file(dir, "cgroup", "0::/test.slice\n", 15);
	snprintf(path, sizeof(path), "%s/exe", dir);
	snprintf(text, sizeof(text), "/usr/bin/%s", comm);
	ck_assert_int_eq(symlink(text, path), 0);
	snprintf(path, sizeof(path), "%s/fd", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/fd/3", dir);
	snprintf(text, sizeof(text), "socket:[%llu]", (unsigned long long)inode);
	ck_assert_int_eq(symlink(text, path), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fake_exit(uint32_t pid)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/%u", proc_root, pid);
	ck_assert_int_eq(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void proc_setup(void)
{
	snprintf(proc_root, sizeof(proc_root), "/tmp/qpod-proc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(proc_root));
}

static void proc_teardown(void)
{
	nftw(proc_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Without process events (no proc connector where qpodd runs), a pid the
 * kernel gave to a new process must not keep the dead one's identity. */
START_TEST(test_procmap_pid_reused)
{
	struct procmap pm;
	const struct proc_info *p;
	uint64_t now = 1000 * MS;

	fake_process(4000, 100, "old", 777);
	procmap_init(&pm, proc_root);
	procmap_load_all(&pm, now);
	p = procmap_owner(&pm, 777, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "old");

	fake_exit(4000);
	fake_process(4000, 200, "new", 888);
	now += MS;
	p = procmap_owner(&pm, 888, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "new");
	ck_assert_str_eq(p->exe, "/usr/bin/new");
	ck_assert_str_eq(p->cmdline, "/usr/bin/new --flag");
	ck_assert(!p->exited);
	/* The dead process's socket is no longer the new one's. */
	now += 100 * MS;
	ck_assert_ptr_null(procmap_owner(&pm, 777, 0, now, now));
	procmap_clear(&pm);
}
END_TEST

/* With events, a lost batch of them is made up for by reading /proc
 * again, which must notice the pid that changed hands meanwhile. */
START_TEST(test_procmap_lost_events)
{
	struct procmap pm;
	uint64_t now = 1000 * MS;

	fake_process(4100, 100, "old", 777);
	procmap_init(&pm, proc_root);
	procmap_load_all(&pm, now);
	pm.events = true;
	ck_assert_str_eq(procmap_get(&pm, 4100, now)->comm, "old");
	fake_exit(4100);	/* its exit and the next fork are never told */
	fake_process(4100, 300, "new", 888);
	now += MS;
	procmap_load_all(&pm, now);
	ck_assert_str_eq(procmap_get(&pm, 4100, now)->comm, "new");
	ck_assert_ptr_nonnull(procmap_owner(&pm, 888, 0, now, now));
	procmap_clear(&pm);
}
END_TEST

/* Processes that exit without an event are remembered a while (a socket
 * may outlive its process by a moment), then forgotten: the cache holds
 * no more than the living and the recently dead. */
START_TEST(test_procmap_exited_forgotten)
{
	struct procmap pm;
	const struct proc_info *p;
	uint64_t now = 1000 * MS;

	for (uint32_t pid = 5000; pid < 5100; pid++)
		fake_process(pid, pid, "short", 10000 + pid);
	procmap_init(&pm, proc_root);
	procmap_load_all(&pm, now);
	ck_assert_uint_eq(pm.pids.count, 100);
	for (uint32_t pid = 5000; pid < 5100; pid++)
		fake_exit(pid);
	fake_process(5200, 1, "alive", 999);
	now += 100 * MS;
	/* Known by its socket, exited: still its owner. */
	p = procmap_owner(&pm, 15000, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "short");
	ck_assert(p->exited);
	/* A socket not known yet: /proc is listed again. */
	ck_assert_str_eq(procmap_owner(&pm, 999, 0, now, now)->comm, "alive");
	procmap_expire(&pm, now + GRACE + 1, GRACE);
	ck_assert_uint_eq(pm.pids.count, 1);
	ck_assert_ptr_null(procmap_owner(&pm, 15001, 0, now + GRACE + 2, now + GRACE + 2));
	procmap_clear(&pm);
}
END_TEST

/* Process events only record that a process is new or changed: what it
 * is gets read when a socket's owner is looked for. */
START_TEST(test_procmap_exec_read_lazily)
{
	struct procmap pm;
	const struct proc_info *p;
	uint64_t now = 1000 * MS;

	fake_process(6000, 100, "sh", 0);
	procmap_init(&pm, proc_root);
	procmap_load_all(&pm, now);
	pm.events = true;
	/* A pid with nothing in /proc to read: kept, so nothing was read. */
	procmap_exec(&pm, 6100);
	procmap_fork(&pm, 6101, 99999);
	ck_assert_uint_eq(pm.pids.count, 3);
	/* The shell execs nc, which opens a socket. */
	fake_exit(6000);
	fake_process(6000, 100, "nc", 4321);
	procmap_exec(&pm, 6000);
	p = procmap_owner(&pm, 4321, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "nc");
	ck_assert_str_eq(p->exe, "/usr/bin/nc");
	ck_assert(!p->unread);
	/* A child of a parent never seen is read when it owns a socket. */
	fake_process(6101, 300, "child", 4322);
	p = procmap_owner(&pm, 4322, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "child");
	procmap_clear(&pm);
}
END_TEST

/* Without events: a process that started since the last listing of /proc
 * is found at once, and one that exec'd is read again. */
START_TEST(test_procmap_no_events_new_and_exec)
{
	struct procmap pm;
	const struct proc_info *p;
	uint64_t now = 1000 * MS;

	fake_process(6200, 50, "sh", 0);
	procmap_init(&pm, proc_root);
	procmap_load_all(&pm, now);
	fake_process(6300, 60, "late", 6666);
	now += MS;	/* well within LIST_INTERVAL_NS */
	p = procmap_owner(&pm, 6666, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "late");
	/* The shell, listed as sh, execs nc (same pid, same start time). */
	fake_exit(6200);
	fake_process(6200, 50, "nc", 5555);
	now += MS;
	p = procmap_owner(&pm, 5555, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "nc");
	ck_assert_str_eq(p->exe, "/usr/bin/nc");
	procmap_clear(&pm);
}
END_TEST

/* A recent owner with thousands of sockets is not read whole for every
 * other process's new socket: the likely processes with few fds first. */
START_TEST(test_procmap_many_fds_deferred)
{
	struct procmap pm;
	const struct proc_info *p;
	uint64_t now = 1000 * MS, read_before;
	char path[256], link[64];

	fake_process(7000, 10, "server", 20000);
	for (int fd = 4; fd < 400; fd++) {
		snprintf(path, sizeof(path), "%s/7000/fd/%d", proc_root, fd);
		snprintf(link, sizeof(link), "socket:[%d]", 20000 + fd);
		ck_assert_int_eq(symlink(link, path), 0);
	}
	procmap_init(&pm, proc_root);
	procmap_load_all(&pm, now);
	pm.events = true;
	/* The server owned the last socket looked up. */
	ck_assert_str_eq(procmap_owner(&pm, 20100, 0, now, now)->comm, "server");
	fake_process(7100, 20, "client", 30000);
	procmap_fork(&pm, 7100, 1);
	read_before = pm.stats.fds_read;
	p = procmap_owner(&pm, 30000, 0, now, now);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->comm, "client");
	ck_assert_uint_lt(pm.stats.fds_read - read_before, 10);
	/* The server's own new socket is still found. */
	snprintf(path, sizeof(path), "%s/7000/fd/500", proc_root);
	ck_assert_int_eq(symlink("socket:[40000]", path), 0);
	ck_assert_str_eq(procmap_owner(&pm, 40000, 0, now, now)->comm, "server");
	procmap_clear(&pm);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("procinfo");
	TCase *tc = tcase_create("procinfo");

	tcase_add_test(tc, test_status_stat);
	tcase_add_test(tc, test_cmdline_cgroup_socket);
	tcase_add_test(tc, test_appmatch);
	tcase_add_test(tc, test_hist);
	suite_add_tcase(s, tc);
	tc = tcase_create("procmap");
	tcase_add_checked_fixture(tc, proc_setup, proc_teardown);
	tcase_add_test(tc, test_procmap_pid_reused);
	tcase_add_test(tc, test_procmap_lost_events);
	tcase_add_test(tc, test_procmap_exited_forgotten);
	tcase_add_test(tc, test_procmap_exec_read_lazily);
	tcase_add_test(tc, test_procmap_no_events_new_and_exec);
	tcase_add_test(tc, test_procmap_many_fds_deferred);
	suite_add_tcase(s, tc);
	return s;
}
