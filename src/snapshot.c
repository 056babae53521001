/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

/* A copy of PREV into DST, so that classes keep their values. */
static int marks_copy(struct marks *dst, const struct marks *prev)
{
	dst->mask = prev->mask;
	dst->names = calloc(prev->n, sizeof(char *));
	dst->values = calloc(prev->n, sizeof(uint32_t));
	if (!dst->names || !dst->values)
		return -ENOMEM;
	/* Only now: marks_clear() frees N names. */
	dst->n = prev->n;
	for (size_t i = 0; i < prev->n; i++) {
		dst->names[i] = strdup(prev->names[i]);
		if (!dst->names[i])
			return -ENOMEM;
		dst->values[i] = prev->values[i];
	}
	return 0;
}

int snapshot_new(struct qp_policy *p, const struct marks *prev, uint64_t gen,
		 struct snapshot **ret)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		policy_free(p);
		return -ENOMEM;
	}
	s->policy = p;
	s->gen = gen;
	r = prev && prev->n ? marks_copy(&s->marks, prev) : 0;
	if (r == 0)
		r = marks_assign(&s->marks, p);
	if (r < 0) {
		snapshot_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	marks_clear(&s->marks);
	policy_free(s->policy);
	free(s);
}
