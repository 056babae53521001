/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <string.h>

#include "arena.h"
#include "policy.h"

void policy_free(struct qp_policy *p)
{
	if (p)
		arena_free(p->arena);
}

const struct qp_class *policy_class_find(const struct qp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_classes; i++)
		if (strcmp(p->classes[i].name, name) == 0)
			return &p->classes[i];
	return NULL;
}

const struct qp_app *policy_app_find(const struct qp_policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_apps; i++)
		if (strcmp(p->apps[i].name, name) == 0)
			return &p->apps[i];
	return NULL;
}

unsigned policy_mark_shift(const struct qp_policy *p)
{
	return (unsigned)__builtin_ctz(p->queue.mark_mask);
}

uint32_t policy_mark_max(const struct qp_policy *p)
{
	return p->queue.mark_mask >> policy_mark_shift(p);
}

uint32_t policy_class_mark(const struct qp_policy *p, const struct qp_class *cls)
{
	return (uint32_t)(cls->index + 1) << policy_mark_shift(p);
}

uint32_t policy_unmanaged_mark(const struct qp_policy *p)
{
	return p->queue.mark_mask;
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void policy_summary(const struct qp_policy *p, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%zu %s, %zu %s, %zu session %s, %zu filtered, %zu %s, default class '%s'",
		 p->n_classes, plural(p->n_classes, "class", "classes"), p->n_apps,
		 plural(p->n_apps, "application", "applications"), p->n_sessions,
		 plural(p->n_sessions, "rule", "rules"), p->n_filtered, p->n_interfaces,
		 plural(p->n_interfaces, "interface", "interfaces"),
		 p->default_class.cls ? p->default_class.cls->name : p->default_class.name);
}

bool policy_name_valid(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > QP_NAME_MAX || !isalpha((unsigned char)s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return true;
}
