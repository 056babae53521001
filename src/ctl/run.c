/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl run --class CLASS [--] COMMAND [ARGS]: qpod-ctl puts itself in
 * a cgroup of its own, has qpodd give that cgroup the class, and becomes
 * the command: it and its children keep the cgroup. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "run-scope.h"

/* A class name that can go into a request as it is. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < CTL_CLASS_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int ctl_run_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	enum { OPT_CLASS = 0x100 };
	static const struct option options[] = {
		CTL_LONG_OPTIONS,
		{ "class", required_argument, NULL, OPT_CLASS },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_request req = { .command = CTL_RUN };
	const char *cls = NULL;
	char why[256] = "";
	struct ctl_answer a;
	int c, r;

	/* "+": run's options end where its command begins. */
	while ((c = getopt_long(argc, argv, "+" CTL_SHORT_OPTIONS, options, NULL)) != -1) {
		if (c == OPT_CLASS)
			cls = optarg;
		else if ((r = ctl_common_option(c, o, cmd)) >= 0)
			return r;
	}
	argc -= optind;
	argv += optind;
	if (!cls) {
		fprintf(stderr, "qpod-ctl run: --class CLASS is required\n");
		return EXIT_USAGE;
	}
	if (argc < 1) {
		fprintf(stderr, "qpod-ctl run: no command to run\n");
		return EXIT_USAGE;
	}
	if (!plain_name(cls)) {
		fprintf(stderr, "qpod-ctl run: '%s' is not a class name\n", cls);
		return EXIT_USAGE;
	}
	/* Where systemd runs, it keeps the cgroups: a scope of its making. */
	req.scope = run_scope_enter(cls, argv[0], why, sizeof(why)) == 0;
	if (!req.scope && *why)
		fprintf(stderr, "qpod-ctl run: no systemd scope (%s): asking qpodd for a cgroup\n",
			why);
	snprintf(req.cls, sizeof(req.cls), "%s", cls);
	r = ctl_ask(o, &req, &a);
	if (r)
		return r;
	if (o->json) {
		/* Standard output is the command's. */
		ctl_emit(a.root, stderr);
		fputc('\n', stderr);
	}
	r = ctl_check_ok(&a, "run");
	ctl_answer_free(&a);
	if (r)
		return r;
	execvp(argv[0], argv);
	fprintf(stderr, "qpod-ctl run: %s: %s\n", argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
