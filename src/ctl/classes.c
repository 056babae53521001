/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl classes: per class, sessions, traffic and the queues' counters. */
#include <inttypes.h>

#include "ctl.h"

static int classes_table(const struct ynode *root)
{
	const struct ynode *list = ctl_get(root, "classes");

	printf("%-14s %-5s %8s %8s %8s  %s\n", "CLASS", "DSCP", "SESSIONS", "BYTES", "RATE",
	       "QUEUES (interface tc-class: sent, drops, backlog, RED early/marked)");
	for (size_t i = 0; list && list->type == YNODE_SEQUENCE && i < list->n_items; i++) {
		const struct ynode *x = list->items[i], *qs = ctl_get(x, "queues");
		char b1[16], b2[16], b3[16], name[64];

		snprintf(name, sizeof(name), "%s%s", ctl_str(x, "name"), ctl_is_true(x, "default") ? "*" : "");
		printf("%-14s %-5s %8" PRIu64 " %8s %8s ", name, ctl_str(x, "dscp"), ctl_num(x, "sessions"),
		       ctl_bytes(ctl_num(x, "bytes"), b1, sizeof(b1)), ctl_rate(ctl_num(x, "rate_bps"), b2, sizeof(b2)));
		for (size_t j = 0; qs && qs->type == YNODE_SEQUENCE && j < qs->n_items; j++) {
			const struct ynode *q = qs->items[j];

			printf(" %s %s: %s, %s, %s, %s/%s", ctl_str(q, "interface"), ctl_str(q, "tc_class"),
			       ctl_bytes(ctl_num(q, "bytes"), b3, sizeof(b3)), ctl_str(q, "drops"),
			       ctl_str(q, "backlog_bytes"), ctl_str(q, "red_early"), ctl_str(q, "red_marked"));
		}
		putchar('\n');
	}
	return 0;
}

int ctl_classes_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	struct ctl_request req = { .command = CTL_CLASSES };
	int r = ctl_no_arguments(argc, argv, o, cmd);

	return r >= 0 ? r : ctl_show(o, &req, classes_table);
}
