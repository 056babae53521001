/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl status: what runs: version, policy, sessions, queues. */
#include <inttypes.h>

#include "ctl.h"

static int status_table(const struct ynode *root)
{
	const struct ynode *q = ctl_get(root, "queue");
	char b[32];

	printf("qpodd %s, pid %s, up %s\n", ctl_str(root, "qpodd"), ctl_str(root, "pid"),
	       ctl_age(ctl_num(root, "uptime_s") * 1000, b, sizeof(b)));
	printf("policy    %s: %s\n", ctl_str(root, "config"), ctl_str(root, "policy"));
	printf("sessions  %" PRIu64 " live (room for %" PRIu64 ")\n", ctl_num(root, "sessions"),
	       ctl_num(root, "session_capacity"));
	printf("queues    %s-%" PRIu64 ", fail %s, %s%s\n", ctl_str(q, "num"),
	       ctl_num(q, "num") + ctl_num(q, "threads") - 1, ctl_str(q, "fail"), ctl_str(q, "path"),
	       ctl_is_true(q, "ct_mark_in_verdict") ? ", ct mark in the verdict" : "");
	q = ctl_get(root, "session_log");
	printf("log       %s: %s records, %s lost; %s sessions ended unseen (%s events lost)\n",
	       ctl_str(q, "to"), ctl_str(q, "records"), ctl_str(q, "lost"), ctl_str(q, "ended_unseen"),
	       ctl_str(q, "lost_events"));
	return 0;
}

int ctl_status_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	struct ctl_request req = { .command = CTL_STATUS };
	int r = ctl_no_arguments(argc, argv, o, cmd);

	return r >= 0 ? r : ctl_show(o, &req, status_table);
}
