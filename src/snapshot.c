/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "snapshot.h"

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
	r = prev ? marks_copy(prev, &s->marks) : 0;
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
