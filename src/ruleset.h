/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_RULESET_H
#define QPOD_RULESET_H

#include <stdbool.h>
#include <stdio.h>

#include "marks.h"
#include "nft.h"
#include "policy.h"

/* The nftables table "inet qpod": everything qpod puts in the kernel's
 * packet path, built from a policy (libnftnl objects; no I/O here).
 *
 *   decide_out/decide_in  decided, pending (back to the queue), not new,
 *                         loopback, filtered, jump run, not TCP/UDP, else
 *                         mark the connection pending and queue to qpodd
 *   run                   a socket in a cgroup of `qpod-ctl run` -> its
 *                         class, decided in the kernel
 *   save_out/save_in      a later priority: a TCP SYN's verdict mark becomes
 *                         the conntrack mark (other sessions: qpodd sets it
 *                         over ctnetlink once they are quiet); left out where
 *                         the verdict itself marks the connection
 *   classify              postrouting: ct mark (or, until qpodd sets it, the
 *                         packet mark) -> goto class_NAME
 *   class_NAME            set DSCP (IPv4 and IPv6) and the tc class
 */

#define RULESET_TABLE "qpod"
/* Outgoing: after conntrack (-200), before destination NAT (-100), so
 * qpodd sees the address the program's socket was connected to.
 * Incoming: after NAT and the filter chains (0), as the socket sees it. */
#define RULESET_PRIO_DECIDE_OUT (-150)
#define RULESET_PRIO_DECIDE_IN 10
#define RULESET_PRIO_SAVE 20		/* an accept verdict resumes here */
#define RULESET_PRIO_CLASSIFY 200	/* after source NAT (100) */

enum ruleset_queue {
	RULESET_QUEUE_NATIVE,	/* the nft queue expression */
	RULESET_QUEUE_COMPAT,	/* the xtables NFQUEUE target through nft compat */
};

/* A cgroup whose sockets' sessions all get one class (`qpod-ctl run`). */
struct ruleset_run {
	uint64_t cgroup_id;	/* the cgroup v2 id: its directory's inode */
	uint32_t level;		/* its depth below the root cgroup */
	uint32_t mark;		/* marks_class() of its class */
};

struct ruleset_opts {
	enum ruleset_queue queue;
	bool ct_in_verdict;	/* qpodd's verdict marks a SYN's connection */
	const struct ruleset_run *runs;
	size_t n_runs;
};

struct ruleset;

/** Builds the table for P with class values M. Returns 0 or -ENOMEM. */
int ruleset_build(const struct qp_policy *p, const struct marks *m,
		  const struct ruleset_opts *o, struct ruleset **ret);
void ruleset_free(struct ruleset *rs);

/** Adds to B the messages that replace any "inet qpod" table with RS. */
int ruleset_put_replace(const struct ruleset *rs, struct nft_batch *b);

/** Adds to B the messages that remove the table, present or not. */
int ruleset_put_delete(struct nft_batch *b);

/** Adds to B the messages that replace the rules of chain run with
 * the N RUNS (mask M), for a cgroup that comes or goes between two builds
 * of the table. Returns 0, -ENOMEM or -E2BIG. */
int ruleset_put_runs(const struct ruleset_run *runs, size_t n, const struct marks *m,
		     struct nft_batch *b);

/** Index of the queue rule among the messages ruleset_put_replace adds,
 * so that a failure there can be told from others. */
int ruleset_queue_rule_index(const struct ruleset *rs);

/** Writes every chain and rule with its expressions, for tests and
 * debugging. */
void ruleset_format(const struct ruleset *rs, FILE *out);

#endif
