/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What /proc says about a process, parsed; and applications matched. */
#include <string.h>

#include "appmatch.h"
#include "check-main.h"
#include "config-test-util.h"
#include "hist.h"
#include "procinfo.h"

START_TEST(test_status_stat)
{
	uint32_t uid, ppid;
	uint64_t start;

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

Suite *test_suite(void)
{
	Suite *s = suite_create("procinfo");
	TCase *tc = tcase_create("procinfo");

	tcase_add_test(tc, test_status_stat);
	tcase_add_test(tc, test_cmdline_cgroup_socket);
	tcase_add_test(tc, test_appmatch);
	tcase_add_test(tc, test_hist);
	suite_add_tcase(s, tc);
	return s;
}
