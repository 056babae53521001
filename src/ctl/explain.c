/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl explain: why a process's sessions, or a session, have their class. */
#include <arpa/inet.h>
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

/* ADDR:PORT or [ADDR]:PORT as qpodd writes it (an IPv6 address in its
 * canonical form), in OUT; false if it is not one. */
static bool canonical_endpoint(const char *arg, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *colon = strrchr(arg, ':');
	bool v6 = arg[0] == '[';
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - arg) >= sizeof(addr))
		return false;
	memcpy(addr, arg, (size_t)(colon - arg));
	addr[colon - arg] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
		return false;
	if (v6) {
		size_t n = strlen(addr);

		if (n < 3 || addr[n - 1] != ']')
			return false;
		addr[n - 1] = '\0';
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? addr + 1 : addr, bin) != 1 ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, bin, canon, sizeof(canon)))
		return false;
	snprintf(out, len, v6 ? "[%s]:%lu" : "%s:%lu", canon, port);
	return true;
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
	if (pid > 0 && pid <= UINT32_MAX && !errno) {
		req.pid = (uint32_t)pid;
	} else if (!canonical_endpoint(arg, req.endpoint, sizeof(req.endpoint))) {
		fprintf(stderr, "qpod-ctl explain: give a process id or an ADDR:PORT "
				"([ADDR]:PORT for IPv6), not '%s'\n",
			arg);
		return EXIT_USAGE;
	}
	return ctl_show(o, &req, explain_table);
}

