/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The flow table against a simple model: random inserts, finds, touches,
 * state changes and removals, with eviction when full. */
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "flowtab.h"

#define CAP 64
#define KEYS 200

struct model {
	bool present;
	uint64_t last;
	enum flow_state state;
};

static void key_of(int k, uint8_t *buf, size_t *len)
{
	/* Keys of different lengths, sharing prefixes. */
	*len = 8 + (size_t)(k % 5) * 12;
	memset(buf, 0xa5, *len);
	memcpy(buf, &k, sizeof(k));
}

static size_t model_count(const struct model *m)
{
	size_t n = 0;

	for (int k = 0; k < KEYS; k++)
		n += m[k].present;
	return n;
}

/* flowtab_new(), which must succeed here. */
static struct flowtab *new_flowtab(uint32_t capacity)
{
	struct flowtab *x = NULL;

	ck_assert_int_eq(flowtab_new(capacity, &x), 0);
	return x;
}

START_TEST(test_against_model)
{
	struct flowtab *t = new_flowtab(CAP);
	struct model m[KEYS] = { 0 };
	uint64_t now = 1;

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(flowtab_capacity(t), CAP);
	srand(42);
	for (int step = 0; step < 200000; step++) {
		int k = rand() % KEYS, op = rand() % 4;
		uint8_t key[FLOW_KEY_MAX];
		struct flow_entry *e;
		size_t len;

		key_of(k, key, &len);
		now++;
		e = flowtab_find(t, key, len);
		ck_assert_msg((e != NULL) == m[k].present, "step %d key %d: find says %d, model %d",
			      step, k, e != NULL, m[k].present);
		switch (op) {
		case 0:
			if (!e) {
				bool evicted;
				int oldest = -1;

				/* The model's least recently seen key goes first. */
				for (int j = 0; j < KEYS; j++)
					if (m[j].present && (oldest < 0 || m[j].last < m[oldest].last))
						oldest = j;
				e = flowtab_insert(t, key, len, now, &evicted);
				ck_assert_ptr_nonnull(e);
				ck_assert_int_eq(evicted, model_count(m) == CAP);
				if (evicted)
					m[oldest].present = false;
				m[k] = (struct model){ true, now, FLOW_DRAINING };
			}
			break;
		case 1:
			if (e) {
				flowtab_touch(t, e, now);
				m[k].last = now;
				ck_assert_uint_eq(e->last_ns, now);
			}
			break;
		case 2:
			if (e) {
				enum flow_state s = rand() % 2 ? FLOW_DRAINING : FLOW_SETTLED;

				flowtab_set_state(t, e, s);
				m[k].state = s;
			}
			break;
		case 3:
			if (e && rand() % 4 == 0) {
				flowtab_remove(t, e);
				m[k].present = false;
			}
			break;
		}
		ck_assert_uint_eq(flowtab_count(t), model_count(m));
	}
	/* The draining list holds exactly the draining entries. */
	{
		size_t draining = 0, want = 0;

		for (struct flow_entry *e = flowtab_draining_first(t); e;
		     e = flowtab_draining_next(t, e)) {
			ck_assert_int_eq(e->state, FLOW_DRAINING);
			draining++;
		}
		for (int k = 0; k < KEYS; k++)
			want += m[k].present && m[k].state == FLOW_DRAINING;
		ck_assert_uint_eq(draining, want);
	}
	/* The LRU order is the model's. */
	{
		struct flow_entry *o = flowtab_oldest(t);
		int oldest = -1;

		for (int j = 0; j < KEYS; j++)
			if (m[j].present && (oldest < 0 || m[j].last < m[oldest].last))
				oldest = j;
		if (oldest >= 0) {
			ck_assert_ptr_nonnull(o);
			ck_assert_uint_eq(o->last_ns, m[oldest].last);
		}
	}
	flowtab_free(t);
}
END_TEST

START_TEST(test_bad_keys)
{
	struct flowtab *t = new_flowtab(4);
	uint8_t big[FLOW_KEY_MAX + 1] = { 0 };

	ck_assert_ptr_null(flowtab_insert(t, big, sizeof(big), 1, NULL));
	ck_assert_ptr_null(flowtab_insert(t, big, 0, 1, NULL));
	ck_assert_ptr_null(flowtab_find(t, big, 4));
	flowtab_free(t);
}
END_TEST

/* When a session's next step comes: a pending one is decided without its
 * owner after FLOW_PENDING_MAX_NS; a draining one is marked once quiet
 * (longer after a burst), and after FLOW_DRAIN_MAX_NS whatever comes. */
START_TEST(test_due)
{
	struct flow_entry e = { .state = FLOW_PENDING, .first_ns = 1000, .last_ns = 5000 };

	ck_assert_uint_eq(flow_due(&e), 1000 + FLOW_PENDING_MAX_NS);
	e.state = FLOW_DRAINING;
	ck_assert_uint_eq(flow_due(&e), 5000 + FLOW_QUIET_NS);
	e.burst = true;
	ck_assert_uint_eq(flow_due(&e), 5000 + FLOW_QUIET_BURST_NS);
	/* Packets that never pause. */
	e.last_ns = 1000 + FLOW_DRAIN_MAX_NS - 1;
	ck_assert_uint_eq(flow_due(&e), 1000 + FLOW_DRAIN_MAX_NS);
	e.burst = false;
	ck_assert_uint_eq(flow_due(&e), 1000 + FLOW_DRAIN_MAX_NS);
}
END_TEST

/* Which of the first 32 entries are on the draining list, as bits. */
static uint32_t draining(struct flowtab *t)
{
	uint32_t bits = 0;

	for (struct flow_entry *e = flowtab_draining_first(t); e; e = flowtab_draining_next(t, e))
		bits |= 1u << (flowtab_index(t, e) & 31);
	return bits;
}

/* A released session drains until its connection is marked, unless it
 * needs no mark; a settled one whose packets still come drains again. */
START_TEST(test_states)
{
	struct flowtab *t = new_flowtab(CAP);
	struct flow_entry *e[4];
	uint8_t key[FLOW_KEY_MAX];
	size_t len;

	for (int k = 0; k < 4; k++) {
		key_of(k, key, &len);
		e[k] = flowtab_insert(t, key, len, 1000, NULL);
		ck_assert_ptr_nonnull(e[k]);
		flowtab_set_state(t, e[k], FLOW_PENDING);
	}
	e[2]->syn = true;
	flowtab_release(t, e[0], false, 7, 3, 2000);
	ck_assert_uint_eq(e[0]->state, FLOW_DRAINING);
	ck_assert_uint_eq(e[0]->mark, 7);
	ck_assert(!e[0]->drop && !e[0]->burst);
	ck_assert_uint_eq(e[0]->last_ns, 2000);
	flowtab_release(t, e[1], false, 7, FLOW_BURST_HELD, 2000);
	ck_assert_uint_eq(e[1]->state, FLOW_DRAINING);
	ck_assert(e[1]->burst);
	flowtab_release(t, e[2], false, 7, 1, 2000);		/* a SYN */
	ck_assert_uint_eq(e[2]->state, FLOW_SETTLED);
	flowtab_release(t, e[3], true, 0, 1, 2000);		/* dropped */
	ck_assert_uint_eq(e[3]->state, FLOW_SETTLED);
	ck_assert(e[3]->drop);
	/* Only the draining ones are on the draining list. */
	ck_assert_uint_eq(draining(t), 1u << 0 | 1u << 1);

	/* A packet of a settled session: its mark did not take. */
	flowtab_seen(t, e[2], 3000, false);
	ck_assert_uint_eq(e[2]->state, FLOW_DRAINING);
	ck_assert_uint_eq(draining(t), 1u << 0 | 1u << 1 | 1u << 2);
	ck_assert_uint_eq(e[2]->last_ns, 3000);
	flowtab_set_state(t, e[2], FLOW_SETTLED);
	flowtab_seen(t, e[2], 3100, true);			/* a new SYN: the kernel marks it */
	ck_assert_uint_eq(e[2]->state, FLOW_SETTLED);
	flowtab_seen(t, e[3], 3100, false);			/* dropped: nothing to mark */
	ck_assert_uint_eq(e[3]->state, FLOW_SETTLED);
	flowtab_seen(t, e[0], 3200, false);			/* draining: drains on */
	ck_assert_uint_eq(e[0]->state, FLOW_DRAINING);
	ck_assert_ptr_eq(flowtab_oldest(t), e[1]);

	/* Settled sessions unseen for long are forgotten, oldest first; a
	 * draining one stops the walk. */
	flowtab_set_state(t, e[1], FLOW_SETTLED);
	flowtab_expire(t, 2000 + FLOW_LINGER_NS);
	ck_assert_uint_eq(flowtab_count(t), 4);
	flowtab_expire(t, 2001 + FLOW_LINGER_NS);
	ck_assert_uint_eq(flowtab_count(t), 3);
	key_of(1, key, &len);
	ck_assert_ptr_null(flowtab_find(t, key, len));
	flowtab_expire(t, 3100 + FLOW_LINGER_NS);		/* e[2], e[3], then e[0] */
	ck_assert_uint_eq(flowtab_count(t), 3);
	ck_assert_ptr_eq(flowtab_oldest(t), e[2]);
	flowtab_expire(t, 10000 + FLOW_LINGER_NS);
	ck_assert_uint_eq(flowtab_count(t), 1);
	ck_assert_ptr_eq(flowtab_oldest(t), e[0]);		/* old, but draining */
	flowtab_free(t);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("flowtab");
	TCase *tc = tcase_create("flowtab");

	tcase_add_test(tc, test_against_model);
	tcase_add_test(tc, test_bad_keys);
	tcase_add_test(tc, test_due);
	tcase_add_test(tc, test_states);
	suite_add_tcase(s, tc);
	return s;
}
