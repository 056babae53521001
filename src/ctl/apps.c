/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl apps: per application, sessions, traffic and budgets. */
#include <inttypes.h>

#include "ctl.h"

static int apps_table(const struct ynode *root)
{
	const struct ynode *list = ctl_get(root, "applications");

	printf("%-20s %-12s %8s %8s %8s %12s %10s\n", "APPLICATION", "CLASS", "SESSIONS", "BYTES",
	       "RATE", "MAX-SESSIONS", "MAX-RATE");
	for (size_t i = 0; list && list->type == YNODE_SEQUENCE && i < list->n_items; i++) {
		const struct ynode *x = list->items[i], *max_rate = ctl_get(x, "max_rate_bps");
		const struct ynode *max_sessions = ctl_get(x, "max_sessions");
		char b1[16], b2[16], b3[16], budget[48] = "-";

		/* Counted against it: closing sessions and those over it are not. */
		if (max_sessions && !ynode_is_null(max_sessions))
			snprintf(budget, sizeof(budget), "%" PRIu64 "/%s", ctl_num(x, "counted"),
				 ctl_str(x, "max_sessions"));

		printf("%-20s %-12s %8" PRIu64 " %8s %8s %12s %10s\n", ctl_str(x, "name"), ctl_str(x, "class"),
		       ctl_num(x, "sessions"), ctl_bytes(ctl_num(x, "bytes"), b1, sizeof(b1)),
		       ctl_rate(ctl_num(x, "rate_bps"), b2, sizeof(b2)), budget,
		       max_rate && !ynode_is_null(max_rate) ? ctl_rate(ctl_num(x, "max_rate_bps"), b3, sizeof(b3))
							  : "-");
	}
	return 0;
}

int ctl_apps_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	struct ctl_request req = { .command = CTL_APPS };
	int r = ctl_no_arguments(argc, argv, o, cmd);

	return r >= 0 ? r : ctl_show(o, &req, apps_table);
}
