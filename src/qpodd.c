/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpodd: command line, then either a policy check or the daemon. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnproc.h"
#include "daemon.h"
#include "diag.h"
#include "kplan.h"
#include "log.h"
#include "policy.h"

enum {
	OPT_PRINT_CONFIG = 0x100,
	OPT_CONTROL_SOCKET,
	OPT_STATE_DIR,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: qpodd [OPTIONS]\n"
		"Gives unmodified applications network QoS: finds each new session's\n"
		"application, decides its class, and has the kernel mark and queue it.\n"
		"\n"
		"  -c, --config FILE        policy file (default %s)\n"
		"  -D, --drop-in-dir DIR    drop-in directory (default: FILE's name with .d)\n"
		"  -t, --check-config       check the policy, print a summary, and exit\n"
		"  -N, --netns NAME         manage network namespace NAME (or a path to one)\n"
		"      --control-socket PATH  listen there, not on the policy's control.socket\n"
		"      --state-dir DIR      keep class values across restarts in DIR\n"
		"                           (default %s; with --netns, nowhere)\n"
		"  -v, --verbose            log every decision (debug level)\n"
		"      --print-config       print the effective policy as YAML, and exit\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"
		"\n"
		"Exit status: 0 success, 1 invalid policy or failure, 2 bad usage.\n",
		CONFIG_DEFAULT_FILE, DAEMON_STATE_DIR);
}

/* Which sessions nftables decides without qpodd (kplan.h). */
static void print_kernel_decisions(const struct qp_policy *p)
{
	struct kplan kp;
	char what[512];

	if (!p->queue.kernel_decisions) {
		printf("qpodd: decided in the kernel: nothing (queue.kernel-decisions is false)\n");
		return;
	}
	if (kplan_build(p, &kp) < 0)
		return;
	kplan_describe(&kp, p, what, sizeof(what));
	printf("qpodd: decided in the kernel: %s\n", what);
	kplan_free(&kp);
}

static int check_config(const char *file, const char *dropin_dir, bool print)
{
	struct diag_list diags;
	struct qp_policy *p = NULL;
	char summary[256];
	int r;

	diag_list_init(&diags);
	r = config_load(file, dropin_dir, &p, &diags);
	diag_list_print(&diags, stderr);
	if (r < 0) {
		fprintf(stderr, "qpodd: %s: policy is invalid (%zu %s)\n", file, diags.n_errors,
			diags.n_errors == 1 ? "error" : "errors");
		diag_list_clear(&diags);
		return EXIT_FAILURE;
	}
	if (print) {
		policy_write_yaml(p, stdout);
	} else {
		policy_summary(p, summary, sizeof(summary));
		printf("qpodd: %s%s: policy is valid: %s\n", file,
		       p->n_files > 1 ? " and drop-ins" : "", summary);
		print_kernel_decisions(p);
	}
	policy_free(p);
	diag_list_clear(&diags);
	return EXIT_SUCCESS;
}

/* Moves qpodd (before it starts any thread) into network namespace NAME:
 * a name under /run/netns, as `ip netns` makes them, or a path. */
static int join_netns(const char *name)
{
	char path[512];
	int fd, r = 0;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		log_error("network namespace %s: %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "drop-in-dir", required_argument, NULL, 'D' },
		{ "check-config", no_argument, NULL, 't' },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "netns", required_argument, NULL, 'N' },
		{ "control-socket", required_argument, NULL, OPT_CONTROL_SOCKET },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = CONFIG_DEFAULT_FILE, *dropin_dir = NULL, *netns = NULL;
	const char *state_dir = NULL;
	bool check = false, print = false, verbose = false;
	struct daemon_options dopts = { 0 };
	int c;

	while ((c = getopt_long(argc, argv, "c:D:N:tvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			file = optarg;
			break;
		case 'D':
			dropin_dir = optarg;
			break;
		case 't':
			check = true;
			break;
		case OPT_PRINT_CONFIG:
			print = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'N':
			netns = optarg;
			break;
		case OPT_CONTROL_SOCKET:
			if (optarg[0] != '/' || strlen(optarg) > 107) {
				fprintf(stderr, "qpodd: --control-socket takes an absolute path of "
						"at most 107 bytes\n");
				return 2;
			}
			dopts.control_socket = optarg;
			break;
		case OPT_STATE_DIR:
			if (optarg[0] != '/' || strlen(optarg) > 4000) {
				fprintf(stderr, "qpodd: --state-dir takes an absolute path\n");
				return 2;
			}
			state_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("qpodd %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "qpodd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check || print)
		return check_config(file, dropin_dir, print);
	log_init(verbose ? LOG_DEBUG : LOG_INFO);
	dopts.config_file = file;
	dopts.dropin_dir = dropin_dir;
	/* Another namespace's qpodd must not take this one's class values. */
	dopts.state_dir = state_dir ? state_dir : netns ? NULL : DAEMON_STATE_DIR;
	/* The proc connector exists only in the initial network namespace:
	 * subscribe before joining another. */
	dopts.cnproc = NULL;
	c = cnproc_new(&dopts.cnproc);
	if (c < 0)
		dopts.cnproc = NULL;
	if (netns && join_netns(netns) < 0) {
		cnproc_free(dopts.cnproc);
		return EXIT_FAILURE;
	}
	c = daemon_main(&dopts);
	cnproc_free(dopts.cnproc);
	return c;
}
