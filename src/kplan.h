/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_KPLAN_H
#define QPOD_KPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "tuple.h"

/* Which sessions the kernel can decide alone, exactly as decide_session()
 * would: a plan of chains of steps that ruleset.c writes as nftables
 * rules. A step matches on the session's first packet and on the user
 * that owns its socket (nft's `meta skuid`, known only for a packet this
 * host sends); then it decides a class, sends the session on to qpodd
 * (KSTEP_QUEUE: its class may depend on what its owner is), or goes to
 * another chain. A chain that ends without a match sends it on to qpodd.
 *
 * An application is told apart in the kernel when it is matched by user
 * alone and has no budget: its sessions follow its own chain. Any other
 * application leaves the owner unknown from there on: session rules that
 * do not name an application still decide (unless a possible owner has
 * a budget), and those that do send their sessions to qpodd. Pure: no
 * I/O, unit-tested against decide_session(). */

#define KPLAN_CHAINS_MAX 64	/* applications told apart, beyond: qpodd decides */

enum kstep_kind {
	KSTEP_CLASS,		/* decided: the class */
	KSTEP_QUEUE,		/* qpodd decides */
	KSTEP_GOTO,		/* on in chain CHAIN */
};

struct kstep {
	const struct qp_flow_match *flow;	/* NULL: any session */
	bool has_uid;
	uint32_t uid;				/* the socket's owner */
	enum kstep_kind kind;
	const struct qp_class *cls;		/* KSTEP_CLASS */
	unsigned chain;				/* KSTEP_GOTO */
	int rule;				/* the session rule it stands for, or -1 */
};

struct kchain {
	char name[48];
	enum qp_direction dir;		/* the sessions it sees: out or in */
	struct kstep *steps;
	size_t n_steps;
};

/* Chains 0 and 1 are where sessions out and in enter. */
#define KPLAN_OUT 0
#define KPLAN_IN 1

struct kplan {
	struct kchain chains[KPLAN_CHAINS_MAX];
	size_t n_chains;
	bool *rule_decided;		/* per session rule: some step decides by it */
	bool *app_told;			/* per application: told apart */
};

/** Plans P's decisions in the kernel. Returns 0 or -ENOMEM. */
int kplan_build(const struct qp_policy *p, struct kplan *ret);
void kplan_free(struct kplan *kp);

/** What the plan does with a session whose first packet has tuple T and
 * travels in DIR; HAS_UID and UID: its socket's owner, when the kernel
 * knows it. Returns the class, or NULL: qpodd decides. */
const struct qp_class *kplan_eval(const struct kplan *kp, const struct tuple *t,
				  enum qp_direction dir, bool has_uid, uint32_t uid);

/** True if application APP is told apart in the kernel. */
bool kplan_app_told(const struct kplan *kp, const struct qp_app *app);

/** Says in BUF which session rules and applications of P (planned in KP)
 * the kernel decides by, for --check-config. */
void kplan_describe(const struct kplan *kp, const struct qp_policy *p, char *buf, size_t len);

#endif
