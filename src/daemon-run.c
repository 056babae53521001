/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `qpod-ctl run`: the cgroups whose sessions get one class in the kernel
 * (runcg.h), kept in the nftables chain run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-internal.h"
#include "daemon.h"
#include "dscp.h"
#include "log.h"
#include "nft.h"
#include "paths.h"
#include "runcg.h"
#include "runs-file.h"

/* The run's class in S's policy; the default class if a reload took its
 * class away. */
static const struct qp_class *class_of(const struct snapshot *s, const struct runcg_entry *e)
{
	const struct qp_class *cls = policy_class_find(s->policy, e->cls);

	return cls ? cls : s->policy->default_class.cls;
}

int daemon_run_rules(const struct daemon *d, const struct snapshot *s, struct ruleset_run **ret,
		     size_t *ret_n)
{
	size_t n = d->runs ? runcg_count(d->runs) : 0;
	struct ruleset_run *rr = n ? calloc(n, sizeof(*rr)) : NULL;

	if (n && !rr)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct runcg_entry *e = runcg_get(d->runs, (unsigned)i);

		rr[i].cgroup_id = e->id;
		rr[i].level = e->level;
		rr[i].mark = marks_class(&s->marks, class_of(s, e)->index);
	}
	*ret = rr;
	*ret_n = n;
	return 0;
}

int daemon_runs_for_adoption(const struct daemon *d, const struct snapshot *s,
			     struct adopt_run **ret, size_t *ret_n)
{
	size_t n = d->runs ? runcg_count(d->runs) : 0;
	struct adopt_run *ar = n ? calloc(n, sizeof(*ar)) : NULL;

	if (n && !ar)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct runcg_entry *e = runcg_get(d->runs, i);

		ar[i].id = e->id;
		snprintf(ar[i].path, sizeof(ar[i].path), "%s", e->path);
		ar[i].mark = marks_class(&s->marks, class_of(s, e)->index);
	}
	*ret = ar;
	*ret_n = n;
	return 0;
}

/* Keeps the runs there are for the next qpodd (runs-file.h). */
static void save_runs(const struct daemon *d)
{
	char path[4096];
	int r;

	if (!d->opts->state_dir || !d->runs)
		return;
	snprintf(path, sizeof(path), "%s/runs", d->opts->state_dir);
	r = path_make_parent(path, 0755);
	if (r == 0)
		r = runs_file_save(path, runcg_all(d->runs), runcg_count(d->runs));
	if (r < 0)
		log_warning("%s: %s: after a restart, the commands of qpod-ctl run would lose "
			    "their class",
			    path, strerror(-r));
}

void daemon_runs_restore(struct daemon *d)
{
	struct runcg_entry *runs = NULL;
	char path[4096];
	size_t n = 0;
	int r;

	if (!d->opts->state_dir || !d->runs)
		return;
	snprintf(path, sizeof(path), "%s/runs", d->opts->state_dir);
	r = runs_file_load(path, &runs, &n);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warning("%s: %s: no runs of qpod-ctl run taken back", path,
			    r == -EINVAL ? "not a file of runs that can be trusted" : strerror(-r));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		r = runcg_restore(d->runs, &runs[i]);
		if (r >= 0)
			log_info("run: process %d and its children keep class %s (cgroup %s)",
				 (int)runs[i].pid, runs[i].cls, runs[i].path);
		else if (r != -ESRCH && r != -ENOENT)
			log_warning("run: the run of process %d (cgroup %s): %s", (int)runs[i].pid,
				    runs[i].path, strerror(-r));
	}
	free(runs);
	save_runs(d);
}

/* Puts the runs there are now into chain run. */
static int commit_runs(struct daemon *d, char *err, size_t errlen)
{
	const struct snapshot *s = atomic_load(&d->current);
	struct ruleset_run *rr = NULL;
	struct nft_batch *b;
	size_t n;
	int r;

	r = daemon_run_rules(d, s, &rr, &n);
	if (r < 0 || nft_batch_new(&b) < 0) {
		free(rr);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = ruleset_put_runs(rr, n, &s->marks, b);
	if (r < 0)
		snprintf(err, errlen, "the runs do not fit one transaction");
	else
		r = nft_sock_commit(d->nft, b, err, errlen);
	nft_batch_free(b);
	free(rr);
	return r;
}

void daemon_runs_reap(struct daemon *d)
{
	char err[256];

	if (runcg_reap(d->runs) == 0)
		return;
	save_runs(d);
	if (commit_runs(d, err, sizeof(err)) < 0)
		log_error("removing a finished run's rule: %s", err);
}

void daemon_answer_run(struct daemon *d, const struct snapshot *snap,
		       const struct ctl_request *req, struct jsonw *w)
{
	const struct qp_class *cls = policy_class_find(snap->policy, req->cls);
	const struct runcg_entry *e;
	char err[256];
	int i, r;

	if (!cls) {
		control_fail(w, "no class '%s' in the policy", req->cls);
		return;
	}
	if (!d->runs) {
		control_fail(w, "runs are not to be had: no inotify here");
		return;
	}
	i = runcg_add(d->runs, req->peer_pid, req->scope, cls->name, err, sizeof(err));
	if (i < 0) {
		control_fail(w, "%s", err);
		return;
	}
	/* The rule first: the process's first socket is already in it. */
	r = commit_runs(d, err, sizeof(err));
	if (r == 0)
		r = runcg_enter(d->runs, (size_t)i, err, sizeof(err));
	if (r < 0) {
		char again[256];

		runcg_remove(d->runs, (size_t)i);
		if (commit_runs(d, again, sizeof(again)) < 0)
			log_error("removing a failed run's rule: %s", again);
		control_fail(w, "%s", err);
		return;
	}
	save_runs(d);
	e = runcg_get(d->runs, (size_t)i);
	log_info("run: process %d (uid %u) and its children get class %s (cgroup %s)",
		 (int)e->pid, (unsigned)req->peer_uid, cls->name, e->path);
	jsonw_bool(w, "ok", true);
	jsonw_str(w, "class", cls->name);
	jsonw_str(w, "dscp", dscp_name(cls->dscp));
	jsonw_str(w, "cgroup", e->path);
}

void daemon_runs_json(const struct daemon *d, const struct snapshot *snap, struct jsonw *w)
{
	size_t n = d->runs ? runcg_count(d->runs) : 0;

	jsonw_array(w, "runs");
	for (size_t i = 0; i < n; i++) {
		const struct runcg_entry *e = runcg_get(d->runs, i);

		jsonw_object(w, NULL);
		jsonw_u64(w, "pid", (uint64_t)e->pid);
		jsonw_str(w, "class", class_of(snap, e)->name);
		jsonw_str(w, "cgroup", e->path);
		jsonw_u64(w, "started", e->started_ns / 1000000000u);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}
