/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "marks.h"

void marks_clear(struct marks *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

static bool was_used(const struct marks *old, uint32_t v)
{
	for (size_t j = 0; j < old->n; j++)
		if (old->values[j] == v)
			return true;
	return false;
}

/* The lowest class value, 1..max-2, not in USED (nor, if AVOID_OLD, in OLD). */
static uint32_t first_free(const bool *used, const struct marks *old, bool same_mask,
			   uint32_t max, bool avoid_old)
{
	for (uint32_t v = 1; v + 1 < max; v++)
		if (!used[v] && !(avoid_old && same_mask && was_used(old, v)))
			return v;
	return 0;
}

int marks_assign(struct marks *m, const struct qp_policy *p)
{
	struct marks nm = { .mask = p->queue.mark_mask };
	bool same_mask = m->mask == nm.mask;
	bool *used = NULL;
	int r = -ENOMEM;

	nm.shift = (unsigned)__builtin_ctz(nm.mask);
	nm.max = nm.mask >> nm.shift;
	nm.names = calloc(p->n_classes ? p->n_classes : 1, sizeof(*nm.names));
	nm.values = calloc(p->n_classes ? p->n_classes : 1, sizeof(*nm.values));
	used = calloc((size_t)nm.max + 1, sizeof(*used));
	if (!nm.names || !nm.values || !used)
		goto out;
	used[0] = used[nm.max] = true;
	/* First the classes that had a value, then the new ones. */
	for (size_t i = 0; i < p->n_classes; i++) {
		nm.names[i] = strdup(p->classes[i].name);
		if (!nm.names[i])
			goto out;
		nm.n = i + 1;
		for (size_t j = 0; same_mask && j < m->n; j++) {
			if (strcmp(m->names[j], p->classes[i].name) == 0) {
				nm.values[i] = m->values[j];
				used[nm.values[i]] = true;
			}
		}
	}
	for (size_t i = 0; i < p->n_classes; i++) {
		uint32_t v;

		if (nm.values[i])
			continue;
		/* Prefer a value no class had before the reload: sessions of a
		 * removed class must not turn into a new class's sessions. */
		v = first_free(used, m, same_mask, nm.max, true);
		if (!v)
			v = first_free(used, m, same_mask, nm.max, false);
		if (!v) {
			r = -ENOSPC;	/* config validation keeps this from happening */
			goto out;
		}
		nm.values[i] = v;
		used[v] = true;
	}
	marks_clear(m);
	*m = nm;
	nm = (struct marks){ 0 };
	r = 0;
out:
	free(used);
	marks_clear(&nm);
	return r;
}

uint32_t marks_class(const struct marks *m, unsigned index)
{
	return m->values[index] << m->shift;
}

uint32_t marks_unmanaged(const struct marks *m)
{
	return m->max << m->shift;
}

uint32_t marks_pending(const struct marks *m)
{
	return (m->max - 1) << m->shift;
}

uint32_t marks_value(const struct marks *m, uint32_t mark)
{
	return (mark & m->mask) >> m->shift;
}

int marks_class_of_value(const struct marks *m, uint32_t value)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->values[i] == value)
			return (int)i;
	return -1;
}

uint32_t marks_tc_classid(const struct marks *m, unsigned index)
{
	/* :1 is the root class; leaves start at :10 (hex) so they read apart
	 * from it in `tc class show`. */
	return (MARKS_TC_MAJOR << 16) | (0x10u + m->values[index]);
}
