/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "marks.h"

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void marks_clear(struct marks *m)
{
	names_free(m->names, m->n);
	free(m->values);
	names_free(m->retired_names, m->n_retired);
	free(m->retired_values);
	memset(m, 0, sizeof(*m));
}

int marks_reserve(struct marks *m, size_t n, size_t r)
{
	m->names = calloc(n ? n : 1, sizeof(*m->names));
	m->values = calloc(n ? n : 1, sizeof(*m->values));
	m->retired_names = calloc(r ? r : 1, sizeof(*m->retired_names));
	m->retired_values = calloc(r ? r : 1, sizeof(*m->retired_values));
	return m->names && m->values && m->retired_names && m->retired_values ? 0 : -ENOMEM;
}

int marks_add(struct marks *m, const char *name, uint32_t value, bool retired)
{
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	if (retired) {
		m->retired_names[m->n_retired] = copy;
		m->retired_values[m->n_retired++] = value;
	} else {
		m->names[m->n] = copy;
		m->values[m->n++] = value;
	}
	return 0;
}

int marks_copy(const struct marks *src, struct marks *ret)
{
	struct marks m = { .mask = src->mask, .shift = src->shift, .max = src->max };
	int r = marks_reserve(&m, src->n, src->n_retired);

	for (size_t i = 0; r == 0 && i < src->n; i++)
		r = marks_add(&m, src->names[i], src->values[i], false);
	for (size_t i = 0; r == 0 && i < src->n_retired; i++)
		r = marks_add(&m, src->retired_names[i], src->retired_values[i], true);
	if (r < 0) {
		marks_clear(&m);
		return r;
	}
	*ret = m;
	return 0;
}

/* The value M knows class NAME by, current or retired; 0 if none. */
static uint32_t known_value(const struct marks *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->names[i], name) == 0)
			return m->values[i];
	for (size_t i = m->n_retired; i-- > 0;)
		if (strcmp(m->retired_names[i], name) == 0)
			return m->retired_values[i];
	return 0;
}

bool marks_is_retired(const struct marks *m, uint32_t v)
{
	for (size_t i = 0; i < m->n_retired; i++)
		if (m->retired_values[i] == v)
			return true;
	return false;
}

/* Retires, after what OLD had retired, OLD's classes that P no longer
 * has; a value taken again by a class of P is not retired. */
static int retire_gone(struct marks *nm, const struct marks *old, const struct qp_policy *p,
		       const bool *used)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < old->n_retired + old->n; i++) {
		bool retired = i < old->n_retired;
		const char *name = retired ? old->retired_names[i] : old->names[i - old->n_retired];
		uint32_t v = retired ? old->retired_values[i] : old->values[i - old->n_retired];

		if (!v || v >= nm->max - 1 || used[v] || marks_is_retired(nm, v) ||
		    policy_class_find(p, name))
			continue;
		r = marks_add(nm, name, v, true);
	}
	return r;
}

/* Takes the value retired first that is not in USED out of retirement. */
static uint32_t unretire_oldest(struct marks *m, const bool *used)
{
	for (size_t i = 0; i < m->n_retired; i++) {
		uint32_t v = m->retired_values[i];

		if (used[v])
			continue;
		free(m->retired_names[i]);
		memmove(&m->retired_names[i], &m->retired_names[i + 1],
			(m->n_retired - i - 1) * sizeof(*m->retired_names));
		memmove(&m->retired_values[i], &m->retired_values[i + 1],
			(m->n_retired - i - 1) * sizeof(*m->retired_values));
		m->n_retired--;
		return v;
	}
	return 0;
}

int marks_assign(struct marks *m, const struct qp_policy *p)
{
	struct marks nm = { .mask = p->queue.mark_mask };
	const struct marks none = { 0 };
	const struct marks *old;
	bool *used = NULL;
	int r;

	nm.shift = (unsigned)__builtin_ctz(nm.mask);
	nm.max = nm.mask >> nm.shift;
	/* Values under another mask mean nothing now. */
	old = m->mask == nm.mask ? m : &none;
	r = marks_reserve(&nm, p->n_classes, old->n_retired + old->n);
	used = calloc((size_t)nm.max + 1, sizeof(*used));
	if (r < 0 || !used) {
		r = -ENOMEM;
		goto out;
	}
	/* 0, pending and unmanaged are never a class's. */
	used[0] = used[nm.max - 1] = used[nm.max] = true;
	/* First the classes that had a value, then the new ones. */
	for (size_t i = 0; i < p->n_classes; i++) {
		uint32_t v = known_value(old, p->classes[i].name);

		r = marks_add(&nm, p->classes[i].name, 0, false);
		if (r < 0)
			goto out;
		if (v && v < nm.max - 1 && !used[v]) {
			nm.values[i] = v;
			used[v] = true;
		}
	}
	r = retire_gone(&nm, old, p, used);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < p->n_classes; i++) {
		uint32_t v = 0;

		if (nm.values[i])
			continue;
		for (uint32_t c = 1; !v && c < nm.max - 1; c++)
			if (!used[c] && !marks_is_retired(&nm, c))
				v = c;
		if (!v)
			v = unretire_oldest(&nm, used);
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
