/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fnmatch.h>

#include "appmatch.h"
#include "procinfo.h"
#include "procmap.h"

/* Globs without FNM_PATHNAME: a star also crosses slashes, so a star
 * followed by "/firefox" matches "/usr/lib/firefox/firefox". */
static bool glob(const char *pattern, const char *s)
{
	return s && fnmatch(pattern, s, 0) == 0;
}

bool appmatch(const struct qp_app_match *m, const struct proc_view *p)
{
	if (m->exe && !glob(m->exe, p->exe))
		return false;
	if (m->comm && !glob(m->comm, p->comm))
		return false;
	if (m->cmdline && !glob(m->cmdline, p->cmdline))
		return false;
	if (m->has_uid && (!p->has_uid || p->uid != m->uid))
		return false;
	if (m->unit && (!p->cgroup || !procinfo_unit_matches(p->cgroup, m->unit)))
		return false;
	return true;
}

const struct qp_app *appmatch_find(const struct qp_policy *pol, const struct proc_view *p)
{
	for (size_t i = 0; i < pol->n_apps; i++)
		if (appmatch(&pol->apps[i].match, p))
			return &pol->apps[i];
	return NULL;
}

uint8_t appmatch_needs(const struct qp_policy *pol)
{
	uint8_t need = 0;

	for (size_t i = 0; i < pol->n_apps; i++) {
		const struct qp_app_match *m = &pol->apps[i].match;

		if (m->exe)
			need |= PROC_READ_EXE;
		if (m->cmdline)
			need |= PROC_READ_CMDLINE;
		if (m->unit)
			need |= PROC_READ_CGROUP;
	}
	return need;
}
