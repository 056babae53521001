/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy-support.h"

size_t policy_check_supported(const struct qp_policy *p, struct diag_list *diags)
{
	size_t n = 0;

	/* Telling which application owns a session needs session discovery
	 * (sock_diag and /proc), which this qpodd does not do. */
	for (size_t i = 0; i < p->n_apps; i++, n++)
		diag_add(diags, DIAG_ERROR, &p->apps[i].loc,
			 "applications.%s: this qpodd cannot tell which application owns a "
			 "session, so application rules would be ignored; remove them",
			 p->apps[i].name);
	for (size_t i = 0; i < p->n_sessions; i++) {
		if (!p->sessions[i].app_name)
			continue;
		diag_add(diags, DIAG_ERROR, &p->sessions[i].app_loc,
			 "sessions#%zu.match.app: this qpodd cannot tell which application owns "
			 "a session, so this rule would never match; remove 'app'",
			 i + 1);
		n++;
	}
	return n;
}
