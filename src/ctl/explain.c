/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl explain: why a process's sessions, or a session, have their class. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int explain_table(const struct ynode *root)
{
	const struct ynode *list = ctl_get(root, "sessions");

	for (size_t i = 0; list && list->type == YNODE_SEQUENCE && i < list->n_items; i++) {
		const struct ynode *s = list->items[i];

		printf("%s %s -> %s (%s), pid %s %s: %s %s\n  %s\n", ctl_str(s, "protocol"),
		       ctl_str(s, "local"), ctl_str(s, "remote"), ctl_str(s, "direction"), ctl_str(s, "pid"),
		       ctl_str(s, "exe"), ctl_str(s, "class"), ctl_str(s, "dscp"), ctl_str(s, "why"));
	}
	if (list && list->n_items)
		return 0;
	fprintf(stderr, "qpod-ctl explain: no live session matches\n");
	return EXIT_FAILED;
}

int ctl_explain_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	static const struct option options[] = { CTL_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
	struct ctl_request req = { .command = CTL_EXPLAIN };
	const char *arg;
	unsigned long pid = 0;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, options, NULL)) != -1)
		if ((r = ctl_common_option(c, o, cmd)) >= 0)
			return r;
	if (optind + 1 < argc) {
		fprintf(stderr, "qpod-ctl explain: unexpected argument '%s'\n", argv[optind + 1]);
		return EXIT_USAGE;
	}
	arg = optind < argc ? argv[optind] : "";
	if (*arg && strspn(arg, "0123456789") == strlen(arg)) {
		errno = 0;
		pid = strtoul(arg, &end, 10);
	}
	if (pid > 0 && pid <= CTL_PID_MAX && !errno) {
		req.pid = (uint32_t)pid;
	} else if (!ctl_endpoint_canonical(arg, req.endpoint, sizeof(req.endpoint))) {
		fprintf(stderr, "qpod-ctl explain: give a process id or an ADDR:PORT "
				"([ADDR]:PORT for IPv6), not '%s'\n",
			arg);
		return EXIT_USAGE;
	}
	return ctl_show(o, &req, explain_table);
}

