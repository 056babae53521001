/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DAEMON_INTERNAL_H
#define QPOD_DAEMON_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "datapath.h"
#include "diag.h"
#include "ruleset.h"
#include "adopt.h"
#include "runcg.h"

/* What the main thread keeps of a running qpodd: shared by its life
 * (daemon.c) and its answers on the control socket (daemon-control.c). */
struct daemon {
	const struct daemon_options *opts;
	_Atomic(struct snapshot *) current;
	struct nft_sock *nft;
	enum ruleset_queue queue_kind;
	bool ct_in_verdict;	/* the datapaths mark a SYN's connection */
	bool queue_kind_known;
	struct datapath **dps;
	size_t n_dps;
	struct discover *disc;
	struct shaper *shaper;
	struct control *control;
	struct runcg *runs;	/* qpod-ctl run's cgroups; NULL: none to be had */
	uint64_t gen;
	uint64_t started_ns;	/* CLOCK_REALTIME */
	uint64_t started_mono_ns;
	uint64_t reloaded_ns;	/* 0: never */
	uint64_t reload_moved;	/* sessions the last reload moved to another class */
};

/** Loads the policy file anew and switches to it, or keeps the running
 * policy: returns 0, or a negative errno with the reason in WHY and the
 * file's problems in DIAGS (initialised by the caller). */
int daemon_reload(struct daemon *d, struct diag_list *diags, char *why, size_t whylen);

/** Answers a control request (a control_handler; ARG is the daemon). */
enum control_answer daemon_answer(void *arg, const struct ctl_request *req,
				  struct control_pending *pending, struct jsonw *w);

/** The rules of chain run for the runs there are, with S's classes (the
 * default class for a run whose class S lacks): an array to free. */
int daemon_run_rules(const struct daemon *d, const struct snapshot *s, struct ruleset_run **ret,
		     size_t *ret_n);

/** Takes back the runs an earlier qpodd kept in its state directory whose
 * commands still live, before the ruleset is installed. */
void daemon_runs_restore(struct daemon *d);

/** The runs, as adoption looks for them (adopt.h), with their class's
 * mark under S: an array to free. */
int daemon_runs_for_adoption(const struct daemon *d, const struct snapshot *s,
			     struct adopt_run **ret, size_t *ret_n);

/** Forgets the runs whose cgroups emptied, and their rules. */
void daemon_runs_reap(struct daemon *d);

/** Answers "run": the asker's cgroup gets REQ's class. */
void daemon_answer_run(struct daemon *d, const struct snapshot *snap,
		       const struct ctl_request *req, struct jsonw *w);

/** The runs, as member "runs" of the answer W. */
void daemon_runs_json(const struct daemon *d, const struct snapshot *snap, struct jsonw *w);

#endif
