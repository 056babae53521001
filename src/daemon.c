/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpodd's life: start, reload, stop. The main thread owns the ruleset and
 * the policy; packet threads only read the current snapshot. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "control.h"
#include "daemon-internal.h"
#include "daemon.h"
#include "datapath.h"
#include "discover.h"
#include "log.h"
#include "marks-file.h"
#include "nft.h"
#include "paths.h"
#include "ruleset.h"
#include "sd.h"
#include "shaper.h"

/* Packets the kernel holds per queue, and how much of each it copies to
 * us: enough for IPv6 with extension headers and a TCP header. */
#define QUEUE_MAX_LEN 16384
#define QUEUE_COPY_BYTES 256

/* Reads and checks the policy; logs every problem, and leaves them in
 * DIAGS (initialised) for the caller. */
static struct qp_policy *load_policy(const struct daemon_options *o, struct diag_list *diags)
{
	struct qp_policy *p = NULL;

	config_load(o->config_file, o->dropin_dir, &p, diags);
	log_diags(diags);
	if (!p)
		log_error("%s: policy is invalid (%zu %s)", o->config_file, diags->n_errors,
			  diags->n_errors == 1 ? "error" : "errors");
	return p;
}

static int commit_ruleset(struct daemon *d, const struct snapshot *s, enum ruleset_queue kind,
			  char *err, size_t errlen, bool *queue_failed)
{
	struct ruleset_opts o = { kind, d->ct_in_verdict };
	struct ruleset_run *runs = NULL;
	struct ruleset *rs = NULL;
	struct nft_batch *b = NULL;
	int r;

	*queue_failed = false;
	r = daemon_run_rules(d, s, &runs, &o.n_runs);
	o.runs = runs;
	if (r == 0)
		r = ruleset_build(s->policy, &s->marks, &o, &rs);
	free(runs);
	if (r < 0) {
		snprintf(err, errlen, "building the ruleset: %s", strerror(-r));
		return r;
	}
	if (nft_batch_new(&b) < 0) {
		ruleset_free(rs);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = ruleset_put_replace(rs, b);
	if (r < 0)
		snprintf(err, errlen, "the ruleset does not fit one transaction");
	else
		r = nft_sock_commit(d->nft, b, err, errlen);
	if (r < 0 && nft_sock_failed_index(d->nft) == ruleset_queue_rule_index(rs))
		*queue_failed = true;
	nft_batch_free(b);
	ruleset_free(rs);
	return r;
}

/* The class values a previous qpodd kept, so that the connections it
 * marked keep their class (see marks-file.h). A file that cannot be read
 * or trusted is no reason not to start: the values are made anew. */
static void load_marks(const struct daemon *d, struct marks *ret)
{
	char path[4096];
	int r;

	if (!d->opts->state_dir)
		return;
	snprintf(path, sizeof(path), "%s/marks", d->opts->state_dir);
	r = marks_file_load(path, ret);
	if (r == -ENOENT)
		log_info("%s: no class values kept from before: giving them afresh", path);
	else if (r == -EINVAL)
		log_warning("%s: not a file of class values that can be trusted: giving them "
			    "afresh", path);
	else if (r < 0)
		log_warning("%s: %s: giving class values afresh", path, strerror(-r));
}

/* Keeps the class values the kernel now has, for the next qpodd. */
static void save_marks(const struct daemon *d, const struct marks *m)
{
	char path[4096];
	int r;

	if (!d->opts->state_dir)
		return;
	snprintf(path, sizeof(path), "%s/marks", d->opts->state_dir);
	r = path_make_parent(path, 0755);
	if (r == 0)
		r = marks_file_save(m, path);
	if (r < 0)
		log_warning("%s: %s: after a restart, live connections may take other classes",
			    path, strerror(-r));
}

/* Installs the ruleset for S, replacing any table of the same name. At the
 * first install, finds out whether the kernel has the native queue
 * expression, falling back to the xtables NFQUEUE target. */
static int install(struct daemon *d, const struct snapshot *s)
{
	char err[256];
	bool queue_failed;
	int r;

	if (!d->queue_kind_known) {
		r = commit_ruleset(d, s, RULESET_QUEUE_NATIVE, err, sizeof(err), &queue_failed);
		if (r == 0) {
			log_info("queueing new sessions with the nft queue expression");
		} else if (queue_failed && (r == -ENOENT || r == -EOPNOTSUPP)) {
			log_notice("this kernel has no nft queue expression (%s): queueing new "
				   "sessions with the xtables NFQUEUE target through nft compat",
				   err);
			r = commit_ruleset(d, s, RULESET_QUEUE_COMPAT, err, sizeof(err),
					   &queue_failed);
			if (r == 0)
				d->queue_kind = RULESET_QUEUE_COMPAT;
		}
		if (r == 0)
			d->queue_kind_known = true;
	} else {
		r = commit_ruleset(d, s, d->queue_kind, err, sizeof(err), &queue_failed);
	}
	if (r < 0)
		log_error("installing the nftables table inet qpod: %s", err);
	return r;
}

/* Has the discovery thread adopt the connections of SCOPE, those of runs
 * getting their run's class. */
static void adopt(struct daemon *d, enum adopt_scope scope)
{
	struct adopt_run *runs = NULL;
	size_t n = 0;

	if (daemon_runs_for_adoption(d, atomic_load(&d->current), &runs, &n) < 0 ||
	    discover_adopt(d->disc, scope, runs, n) < 0)
		log_error("%s: out of memory",
			  scope == ADOPT_ALL ? "adopting the sessions older than qpodd"
			  : scope == ADOPT_KERNEL ? "deciding again the sessions decided in the kernel"
						  : "giving the connections of removed classes a class");
	free(runs);
}

/* Whether OLD has a class P does not. */
static bool classes_removed(const struct qp_policy *old, const struct qp_policy *p)
{
	for (size_t i = 0; i < old->n_classes; i++)
		if (!policy_class_find(p, old->classes[i].name))
			return true;
	return false;
}

/* A restart (systemctl restart, a package upgrade) keeps the table: the
 * connections it marks keep their DSCP until the next qpodd replaces it,
 * as after a crash, and new sessions meanwhile go as queue.fail says. Not
 * when the policy file no longer loads: that qpodd would not start, and
 * the table would stay with no one to decide. */
static bool hand_over(const struct daemon *d)
{
	struct qp_policy *p = NULL;
	struct diag_list diags;

	if (!sd_restarting())
		return false;
	diag_list_init(&diags);
	config_load(d->opts->config_file, d->opts->dropin_dir, &p, &diags);
	diag_list_clear(&diags);
	if (!p) {
		log_warning("stopping for a restart, but %s no longer loads: removing the table",
			    d->opts->config_file);
		return false;
	}
	policy_free(p);
	log_info("stopping for a restart: the table stays, so that live sessions keep their "
		 "class until the next qpodd takes over");
	return true;
}

static int remove_ruleset(struct daemon *d)
{
	struct nft_batch *b;
	char err[256];
	int r;

	if (nft_batch_new(&b) < 0)
		return -ENOMEM;
	r = ruleset_put_delete(b);
	if (r == 0)
		r = nft_sock_commit(d->nft, b, err, sizeof(err));
	if (r < 0)
		log_error("removing the nftables table inet qpod: %s", err);
	nft_batch_free(b);
	return r;
}

static int start_datapaths(struct daemon *d, const struct qp_policy *p)
{
	d->dps = calloc(p->queue.threads, sizeof(*d->dps));
	if (!d->dps)
		return -ENOMEM;
	for (unsigned i = 0; i < p->queue.threads; i++) {
		struct nfq_sock_config cfg = {
			.queue_num = (uint16_t)(p->queue.num + i),
			.fail_open = p->queue.fail == QP_FAIL_OPEN,
			.max_len = QUEUE_MAX_LEN,
			.copy_bytes = QUEUE_COPY_BYTES,
		};
		int r = datapath_start(&d->current, &cfg, d->disc, i, &d->dps[i]);

		if (r < 0) {
			log_error("queue %u: %s%s", cfg.queue_num, strerror(-r),
				  r == -EBUSY  ? " (another program is bound to this queue)"
				  : r == -EPERM ? " (qpodd needs CAP_NET_ADMIN: run it as root)"
						: "");
			return r;
		}
		d->n_dps++;
	}
	d->ct_in_verdict = true;
	for (size_t i = 0; i < d->n_dps; i++)
		d->ct_in_verdict &= datapath_ct_in_verdict(d->dps[i]);
	if (d->ct_in_verdict)
		log_info("a TCP session's connection is marked in the verdict on its SYN");
	else
		log_info("this kernel takes no connection mark in a queue verdict "
			 "(CONFIG_NETFILTER_NETLINK_GLUE_CT): a TCP session's mark is saved by "
			 "nft rules");
	return 0;
}

static void stop_datapaths(struct daemon *d)
{
	for (size_t i = 0; i < d->n_dps; i++)
		datapath_stop(d->dps[i]);
	free(d->dps);
	d->dps = NULL;
	d->n_dps = 0;
}

/* Waits until every thread has taken generation GEN. */
static void wait_for_threads(struct daemon *d, uint64_t gen)
{
	struct timespec ts = { 0, 100000 };

	for (size_t i = 0; i < d->n_dps; i++) {
		datapath_wake(d->dps[i]);
		while (datapath_seen_gen(d->dps[i]) < gen)
			nanosleep(&ts, NULL);
	}
	if (d->disc) {
		discover_wake(d->disc);
		while (discover_seen_gen(d->disc) < gen)
			nanosleep(&ts, NULL);
	}
}

/* Per-connection byte and packet counters, in the kernel: what qpod-ctl
 * shows of each session, and what max-rate budgets are measured by. A
 * connection has them only if it started with accounting on. */
static void ensure_accounting(void)
{
	static const char path[] = "/proc/sys/net/netfilter/nf_conntrack_acct";
	char now[4] = "";
	FILE *f = fopen(path, "r");
	bool ok;

	if (f) {
		if (!fgets(now, sizeof(now), f))
			now[0] = '\0';
		fclose(f);
	}
	if (now[0] == '1')
		return;
	f = fopen(path, "w");
	ok = f && fputs("1", f) >= 0;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok) {
		log_warning("cannot turn on conntrack accounting (%s): sessions show no traffic "
			    "and max-rate budgets are not enforced",
			    strerror(errno));
		return;
	}
	log_info("conntrack accounting on (net.netfilter.nf_conntrack_acct=1): sessions' "
		 "traffic and max-rate budgets are measured by it");
}

static void log_class_stats(const struct shaper_class_stats *cs, void *arg)
{
	const struct snapshot *snap = arg;
	const char *name = cs->class_index >= 0 && (size_t)cs->class_index < snap->policy->n_classes
				   ? snap->policy->classes[cs->class_index].name
				   : "(root)";

	log_info("%s class %x:%x %s: %llu bytes, %llu packets, %u dropped, %u overlimits, "
		 "backlog %u bytes/%u packets, RED early %u marked %u",
		 cs->ifname, cs->classid >> 16, cs->classid & 0xffff, name,
		 (unsigned long long)cs->bytes, (unsigned long long)cs->packets, cs->drops,
		 cs->overlimits, cs->backlog, cs->qlen, cs->red_early, cs->red_marked);
}

static void log_stats(struct daemon *d)
{
	struct snapshot *snap = atomic_load(&d->current);
	int r;

	for (size_t i = 0; i < d->n_dps; i++)
		datapath_request_stats(d->dps[i]);
	if (d->disc)
		discover_log_stats(d->disc);
	if (d->shaper && (r = shaper_read_stats(d->shaper, &snap->marks, log_class_stats, snap)) < 0)
		log_error("reading the queueing classes' counters: %s", strerror(-r));
}

int daemon_reload(struct daemon *d, struct diag_list *diags, char *why, size_t whylen)
{
	struct snapshot *old = atomic_load(&d->current), *s;
	struct qp_policy *p;
	int r = -EINVAL;

	sd_reloading();
	log_info("reloading %s", d->opts->config_file);
	p = load_policy(d->opts, diags);
	if (!p) {
		snprintf(why, whylen, "%s: policy is invalid (%zu %s)", d->opts->config_file,
			 diags->n_errors, diags->n_errors == 1 ? "error" : "errors");
		goto out;
	}
	if (p->queue.num != old->policy->queue.num ||
	    p->queue.threads != old->policy->queue.threads ||
	    p->queue.fail != old->policy->queue.fail ||
	    p->queue.mark_mask != old->policy->queue.mark_mask) {
		snprintf(why, whylen, "queue settings (num, threads, fail, mark-mask) change only "
				      "with a restart");
		policy_free(p);
		goto out;
	}
	r = snapshot_new(p, &old->marks, ++d->gen, &s);
	if (r < 0) {
		snprintf(why, whylen, "marking the classes: %s", strerror(-r));
		goto out;
	}
	r = -EINVAL;
	ensure_accounting();
	if (install(d, s) < 0) {
		snprintf(why, whylen, "the kernel refused the new ruleset (see qpodd's log)");
		snapshot_free(s);
		goto out;
	}
	atomic_store(&d->current, s);
	save_marks(d, &s->marks);
	wait_for_threads(d, s->gen);
	/* Listed sessions are decided again by now; connections no session
	 * stands for (those of runs, above all) may still carry a removed
	 * class's value. */
	if (old->policy->queue.kernel_decisions)
		adopt(d, ADOPT_KERNEL);	/* those too may have another class now */
	else if (classes_removed(old->policy, p))
		adopt(d, ADOPT_RETIRED);
	snapshot_free(old);
	d->reloaded_ns = clock_real_ns();
	d->reload_moved = d->disc ? discover_reload_moved(d->disc) : 0;
	/* The queueing follows the marks: between the two a packet whose class
	 * has no tc class yet (or no longer) goes to the default class. */
	if (shaper_apply(d->shaper, p, &s->marks) < 0)
		log_error("the queueing could not follow the new policy on every interface");
	log_info("policy reloaded: %llu live sessions moved to another class",
		 (unsigned long long)d->reload_moved);
	r = 0;
out:
	if (r < 0)
		log_error("%s; keeping the running policy", why);
	sd_ready("running");
	return r;
}

static void reload(struct daemon *d)
{
	struct diag_list diags;
	char why[256];

	diag_list_init(&diags);
	daemon_reload(d, &diags, why, sizeof(why));
	diag_list_clear(&diags);
}

static int block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return -errno;
	return 0;
}

/* Until a signal to stop (0) or a failure (-1). */
static int main_loop(struct daemon *d, int sfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	const int fds[] = { sfd, shaper_link_fd(d->shaper), control_fd(d->control),
			    d->runs ? runcg_fd(d->runs) : -1 };
	/* systemd's watchdog, pinged from here: a stuck main loop is restarted. */
	uint64_t watchdog_us = sd_watchdog_interval_usec(), pinged_us = 0;
	int status = -1;

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

		if (fds[i] < 0)
			continue;
		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
			log_error("epoll: %s", strerror(errno));
			goto out;
		}
	}
	for (;;) {
		struct signalfd_siginfo si;
		struct epoll_event got;
		ssize_t n;
		/* Woken at least twice per interval: a ping is never late. */
		int ready = epoll_wait(ep, &got, 1, watchdog_us ? (int)(watchdog_us / 2000) : -1);

		if (watchdog_us && clock_mono_ns() / 1000 - pinged_us >= watchdog_us / 2) {
			sd_watchdog_ping();
			pinged_us = clock_mono_ns() / 1000;
		}
		if (ready == 0 || (ready < 0 && errno == EINTR))
			continue;
		if (ready < 0) {
			log_error("epoll_wait: %s", strerror(errno));
			goto out;
		}
		if (got.data.fd == control_fd(d->control)) {
			control_process(d->control);
			continue;
		}
		if (d->runs && got.data.fd == runcg_fd(d->runs)) {
			daemon_runs_reap(d);
			continue;
		}
		if (got.data.fd != sfd) {
			struct snapshot *snap = atomic_load(&d->current);

			shaper_link_events(d->shaper, snap->policy, &snap->marks);
			continue;
		}
		n = read(sfd, &si, sizeof(si));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n != (ssize_t)sizeof(si)) {
			log_error("reading signals: %s", n < 0 ? strerror(errno) : "short read");
			goto out;
		}
		if (si.ssi_signo == SIGHUP) {
			reload(d);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			log_stats(d);
			continue;
		}
		log_info("%s: stopping", strsignal((int)si.ssi_signo));
		status = 0;
		goto out;
	}
out:
	if (ep >= 0)
		close(ep);
	return status;
}

int daemon_main(const struct daemon_options *o)
{
	struct daemon d = { .opts = o, .started_ns = clock_real_ns(),
			    .started_mono_ns = clock_mono_ns() };
	struct snapshot *s = NULL;
	struct marks kept = { 0 };
	struct qp_policy *p;
	struct diag_list diags;
	char summary[256];
	int sfd = -1, status = EXIT_FAILURE, r;
	bool keep_table = false;
	sigset_t set;

	if (block_signals(&set) < 0 || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		log_error("signals: %s", strerror(errno));
		return EXIT_FAILURE;
	}
	diag_list_init(&diags);
	p = load_policy(o, &diags);
	diag_list_clear(&diags);
	if (!p)
		goto out;
	/* First: a qpodd already running there is not to be disturbed. */
	if (control_new(o->control_socket ? o->control_socket : p->control.socket,
			 p->control.group, daemon_answer, &d, &d.control) < 0) {
		policy_free(p);
		goto out;
	}
	load_marks(&d, &kept);
	r = snapshot_new(p, &kept, ++d.gen, &s);
	marks_clear(&kept);
	if (r < 0) {
		log_error("marking the classes: %s", strerror(-r));
		goto out;
	}
	atomic_store(&d.current, s);
	if ((r = nft_sock_new(&d.nft)) < 0) {
		log_error("cannot talk to nftables: %s", strerror(-r));
		goto out;
	}
	r = runcg_new(&d.runs);
	if (r < 0)
		log_warning("no qpod-ctl run here: inotify: %s", strerror(-r));
	daemon_runs_restore(&d);
	r = discover_start(&d.current, p->queue.threads, o->cnproc, &d.disc);
	if (r < 0) {
		log_error("session discovery: %s", strerror(-r));
		goto out;
	}
	if (!o->cnproc)
		log_notice("no process events here (the proc connector needs the initial "
			   "network namespace): owners are found by reading /proc");
	/* Queues first: a packet queued before anyone listens would be
	 * dropped (fail: closed) or pass unmarked (fail: open). */
	if (start_datapaths(&d, p) < 0)
		goto out;
	/* A failed install may leave the table a dead qpodd had: it goes too. */
	if (install(&d, s) < 0)
		goto out_ruleset;
	save_marks(&d, &s->marks);
	/* After the install, which loads nf_conntrack where it is a module. */
	ensure_accounting();
	/* With the ruleset in place: a connection that is not in conntrack
	 * by now is queued as new. */
	adopt(&d, ADOPT_ALL);
	r = shaper_new(&d.shaper);
	if (r < 0) {
		log_error("rtnetlink: %s", strerror(-r));
		goto out_ruleset;
	}
	if (shaper_apply(d.shaper, p, &s->marks) < 0) {
		log_error("the queueing could not be built: not starting");
		goto out_ruleset;
	}
	policy_summary(p, summary, sizeof(summary));
	log_info("running: %s; queues %u-%u, fail %s", summary, p->queue.num,
		 p->queue.num + p->queue.threads - 1, p->queue.fail == QP_FAIL_OPEN ? "open" : "closed");
	sd_ready("running");

	r = main_loop(&d, sfd);

	sd_stopping();
	status = r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	keep_table = r == 0 && hand_over(&d);
out_ruleset:
	if (!keep_table && remove_ruleset(&d) < 0)
		status = EXIT_FAILURE;
	if (d.shaper)
		shaper_restore(d.shaper);
out:
	/* With the table gone no packet is queued any more: threads give the
	 * ones still held their verdicts and exit. */
	stop_datapaths(&d);
	discover_stop(d.disc);
	control_free(d.control);
	runcg_free(d.runs);
	shaper_free(d.shaper);
	nft_sock_free(d.nft);
	snapshot_free(atomic_load(&d.current));
	if (sfd >= 0)
		close(sfd);
	return status;
}
