/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl reload: the policy file again; the running one stays if it is bad. */
#include <inttypes.h>

#include "ctl.h"

int ctl_reload_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	struct ctl_request req = { .command = CTL_RELOAD };
	struct ctl_answer a;
	const struct ynode *diags;
	int r = ctl_no_arguments(argc, argv, o, cmd);

	if (r >= 0)
		return r;
	r = ctl_ask(o, &req, &a);
	if (r)
		return r;
	r = ctl_status_of(&a);
	if (o->json) {
		ctl_emit(a.root, stdout);
		putchar('\n');
	} else {
		diags = ctl_get(a.root, "diagnostics");
		for (size_t i = 0; diags && diags->type == YNODE_SEQUENCE && i < diags->n_items; i++)
			fprintf(stderr, "%s\n", diags->items[i]->value);
		if (r)
			fprintf(stderr, "qpod-ctl reload: %s\n", ctl_str(a.root, "error"));
		else
			printf("policy reloaded: %" PRIu64 " live sessions moved to another class\n",
			       ctl_num(a.root, "moved"));
	}
	ctl_answer_free(&a);
	return r;
}

