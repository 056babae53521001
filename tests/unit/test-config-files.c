/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading policy files from disk: the main file, its drop-ins, and every
 * way a file can be wrong. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-main.h"
#include "config-test-util.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/qpod-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* Readable by the unprivileged user of test_no_permission. */
	chmod(dir, 0755);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *path_of(const char *name)
{
	static char buf[4][256];
	static int next;
	char *p = buf[next++ % 4];

	snprintf(p, 256, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *name, const char *text, size_t len)
{
	const char *p = path_of(name);
	FILE *f = fopen(p, "w");

	ck_assert_msg(f != NULL, "%s: %s", p, strerror(errno));
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_text(const char *name, const char *text)
{
	write_file(name, text, strlen(text));
}

/* Loads FILE (with its default drop-in directory) expecting failure with
 * an error at LINE containing WANT. */
static void expect_file_error(const char *file, unsigned line, const char *want)
{
	struct qp_policy *p = NULL;
	struct diag_list d;

	diag_list_init(&d);
	ck_assert_int_lt(config_load(file, NULL, &p, &d), 0);
	ck_assert_ptr_null(p);
	ck_assert_msg(diag_find(&d, DIAG_ERROR, line, 0, want), "want '%s' at line %u, got:\n%s",
		      want, line, diag_dump(&d));
	diag_list_clear(&d);
}

static struct qp_policy *load_file_ok(const char *file, const char *dropin, struct diag_list *d)
{
	struct qp_policy *p = NULL;

	ck_assert_msg(config_load(file, dropin, &p, d) == 0, "%s", diag_dump(d));
	return p;
}

START_TEST(test_missing_file)
{
	expect_file_error(path_of("nope.yaml"), 0, "cannot open the policy file: No such file");
}
END_TEST

START_TEST(test_directory)
{
	ck_assert_int_eq(mkdir(path_of("dir.yaml"), 0755), 0);
	expect_file_error(path_of("dir.yaml"), 0, "is a directory, not a policy file");
}
END_TEST

START_TEST(test_empty_file)
{
	write_text("empty.yaml", "");
	expect_file_error(path_of("empty.yaml"), 0, "the policy file is empty");
	write_text("comments.yaml", "# nothing but a comment\n");
	expect_file_error(path_of("comments.yaml"), 0, "the policy file is empty");
}
END_TEST

START_TEST(test_binary_file)
{
	static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0";

	write_file("bin.yaml", elf, sizeof(elf) - 1);
	expect_file_error(path_of("bin.yaml"), 0, "NUL bytes");
}
END_TEST

START_TEST(test_not_yaml)
{
	write_text("ini.yaml", "[section]\nkey = value\n");
	expect_file_error(path_of("ini.yaml"), 2, "YAML syntax error");
	write_text("json.yaml", "{\"classes\": {\"default\": {}}\n");
	expect_file_error(path_of("json.yaml"), 2, "YAML syntax error");
}
END_TEST

START_TEST(test_no_permission)
{
	struct qp_policy *p = NULL;
	struct diag_list d;
	int status;
	pid_t pid;

	write_text("secret.yaml", "classes:\n  default: {}\n");
	ck_assert_int_eq(chmod(path_of("secret.yaml"), 0600), 0);
	/* Root reads anything: a child becomes nobody, so the check is the
	 * kernel's, as for an ordinary user. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		bool found;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(2);
		diag_list_init(&d);
		found = config_load(path_of("secret.yaml"), NULL, &p, &d) < 0 &&
			diag_find(&d, DIAG_ERROR, 0, 0,
				  "cannot open the policy file: Permission denied");
		if (!found)
			fprintf(stderr, "%s", diag_dump(&d));
		_exit(found ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the unprivileged load did not fail with 'Permission denied'");
}
END_TEST

START_TEST(test_dropins_merge_in_name_order)
{
	struct diag_list d;
	struct qp_policy *p;

	write_text("qpod.yaml",
		   "queue: { fail: open }\n"
		   "classes:\n  default: {}\n  bulk: { dscp: AF13 }\n"
		   "applications:\n  - { name: a, match: { comm: a }, class: bulk }\n");
	ck_assert_int_eq(mkdir(path_of("qpod.d"), 0755), 0);
	write_text("qpod.d/20-voice.yaml",
		   "classes:\n  voice: { dscp: EF }\n"
		   "applications:\n  - { name: c, match: { comm: c }, class: voice }\n");
	write_text("qpod.d/10-video.yaml",
		   "classes:\n  video: { dscp: AF41 }\n"
		   "applications:\n  - { name: b, match: { comm: b }, class: video }\n"
		   "queue: { fail: closed }\n");
	write_text("qpod.d/30-notes.txt", "this is not yaml: [\n");
	write_text("qpod.d/.hidden.yaml", "broken: [\n");
	write_text("qpod.d/40-empty.yaml", "# placeholder\n");

	diag_list_init(&d);
	p = load_file_ok(path_of("qpod.yaml"), NULL, &d);
	ck_assert_uint_eq(p->n_files, 4);
	ck_assert_ptr_nonnull(strstr(p->files[1], "10-video.yaml"));
	ck_assert_ptr_nonnull(strstr(p->files[2], "20-voice.yaml"));
	ck_assert_uint_eq(p->n_classes, 4);
	ck_assert_str_eq(p->classes[2].name, "video");
	ck_assert_str_eq(p->classes[3].name, "voice");
	ck_assert_str_eq(p->apps[0].name, "a");
	ck_assert_str_eq(p->apps[1].name, "b");
	ck_assert_str_eq(p->apps[2].name, "c");
	/* A later file's setting wins. */
	ck_assert_int_eq(p->queue.fail, QP_FAIL_CLOSED);
	ck_assert_ptr_nonnull(strstr(p->apps[2].loc.file, "20-voice.yaml"));
	ck_assert_uint_eq(p->apps[2].loc.line, 4);
	/* The empty drop-in is only a warning. */
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_ptr_nonnull(strstr(d.items[0].msg, "empty drop-in"));
	policy_free(p);
	diag_list_clear(&d);
}
END_TEST

START_TEST(test_dropin_duplicate_class)
{
	struct qp_policy *p = NULL;
	struct diag_list d;
	char want[512];

	write_text("qpod.yaml", "classes:\n  default: {}\n  voice: {}\n");
	ck_assert_int_eq(mkdir(path_of("qpod.d"), 0755), 0);
	write_text("qpod.d/voice.yaml", "\nclasses:\n  voice: { dscp: EF }\n");
	diag_list_init(&d);
	ck_assert_int_lt(config_load(path_of("qpod.yaml"), NULL, &p, &d), 0);
	snprintf(want, sizeof(want), "class 'voice' is already defined at %s:3", path_of("qpod.yaml"));
	ck_assert_msg(diag_find(&d, DIAG_ERROR, 3, 3, want), "%s", diag_dump(&d));
	ck_assert_ptr_nonnull(strstr(d.items[0].loc.file, "qpod.d/voice.yaml"));
	diag_list_clear(&d);
}
END_TEST

START_TEST(test_dropin_errors_name_their_file)
{
	struct qp_policy *p = NULL;
	struct diag_list d;

	write_text("qpod.yaml", "classes:\n  default: {}\n");
	ck_assert_int_eq(mkdir(path_of("other"), 0755), 0);
	write_text("other/x.yaml", "classes:\n  v: { dscp: EFF }\n");
	diag_list_init(&d);
	ck_assert_int_lt(config_load(path_of("qpod.yaml"), path_of("other"), &p, &d), 0);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.items[0].loc.file, path_of("other/x.yaml"));
	ck_assert_uint_eq(d.items[0].loc.line, 2);
	diag_list_clear(&d);
}
END_TEST

START_TEST(test_dropin_dir_name)
{
	char *d = config_dropin_dir("/etc/qpod.yaml");

	ck_assert_str_eq(d, "/etc/qpod.d");
	free(d);
	d = config_dropin_dir("/tmp/policy");
	ck_assert_str_eq(d, "/tmp/policy.d");
	free(d);
}
END_TEST

START_TEST(test_shipped_default_is_valid)
{
	struct diag_list d;
	struct qp_policy *p;

	diag_list_init(&d);
	p = load_file_ok(TOP_SRCDIR "/etc/qpod.yaml", path_of("no-dropins"), &d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_nonnull(policy_class_find(p, "voice"));
	ck_assert_ptr_nonnull(policy_class_find(p, "video"));
	ck_assert_ptr_nonnull(policy_class_find(p, "interactive"));
	ck_assert_ptr_nonnull(policy_class_find(p, "bulk"));
	ck_assert_ptr_nonnull(p->default_class.cls);
	policy_free(p);
	diag_list_clear(&d);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("config-files");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_binary_file);
	tcase_add_test(tc, test_not_yaml);
	tcase_add_test(tc, test_no_permission);
	tcase_add_test(tc, test_dropins_merge_in_name_order);
	tcase_add_test(tc, test_dropin_duplicate_class);
	tcase_add_test(tc, test_dropin_errors_name_their_file);
	tcase_add_test(tc, test_dropin_dir_name);
	tcase_add_test(tc, test_shipped_default_is_valid);
	suite_add_tcase(s, tc);
	return s;
}
