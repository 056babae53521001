/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_POLICY_H
#define QPOD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "netaddr.h"

/* The policy read from /etc/qpod.yaml and /etc/qpod.d/: built once by
 * config_load(), then only read. Everything lives in its arena. */

#define QP_NAME_MAX 32		/* class and application names */

enum qp_fail_mode {
	QP_FAIL_OPEN,		/* without qpodd, sessions pass unmarked */
	QP_FAIL_CLOSED,		/* without qpodd, new sessions are dropped */
};

enum qp_log_kind {
	QP_LOG_FILE,
	QP_LOG_JOURNAL,
	QP_LOG_OFF,
};

enum qp_scheduler {
	QP_SCHED_HFSC,
	QP_SCHED_HTB,
	QP_SCHED_NONE,
};

/* A bandwidth given as a rate or as a share of the interface's bandwidth. */
enum qp_bw_kind {
	QP_BW_UNSET,
	QP_BW_RATE,
	QP_BW_PERCENT,
};

struct qp_bw {
	enum qp_bw_kind kind;
	uint64_t bps;		/* QP_BW_RATE: bits per second */
	uint32_t ppm;		/* QP_BW_PERCENT: parts per million */
};

enum qp_leaf_kind {
	QP_LEAF_FIFO,
	QP_LEAF_RED,
	QP_LEAF_FQ_CODEL,
};

struct qp_red {
	uint64_t min;		/* bytes */
	uint64_t max;
	uint64_t limit;
	double probability;
	bool ecn;
};

struct qp_leaf {
	enum qp_leaf_kind kind;
	uint32_t fifo_limit;	/* packets */
	struct qp_red red;
};

struct qp_class {
	const char *name;
	unsigned index;		/* in policy->classes; mark value is index + 1 */
	uint8_t dscp;
	struct qp_bw guarantee;	/* real-time service */
	uint64_t delay_usec;	/* 0: none */
	struct qp_bw share;	/* link sharing; never unset once loaded */
	bool share_default;	/* share was computed, not written */
	struct qp_bw limit;	/* upper limit */
	struct qp_leaf leaf;
	struct qp_loc loc;
};

enum qp_target_kind {
	QP_TARGET_CLASS,
	QP_TARGET_DROP,
};

/* Where a decision sends a session: a class, or drop. */
struct qp_target {
	enum qp_target_kind kind;
	const char *name;		/* as written */
	const struct qp_class *cls;	/* QP_TARGET_CLASS */
	struct qp_loc loc;
};

struct qp_interface {
	const char *name;
	uint64_t bandwidth_bps;	/* 0: not given (scheduler none) */
	enum qp_scheduler scheduler;
	bool fallback;		/* without HFSC or RED in the kernel: HTB, fifo */
	struct qp_loc loc;
};

enum qp_proto {
	QP_PROTO_ANY = 0,
	QP_PROTO_TCP = 6,
	QP_PROTO_UDP = 17,
};

enum qp_direction {
	QP_DIR_ANY,
	QP_DIR_OUT,		/* opened by this host */
	QP_DIR_IN,		/* accepted by this host */
};

/* Conditions on a session, as its first packet shows it: src and dst
 * are that packet's, so dst is the remote end of an outgoing session
 * and the local end of an incoming one. Unset fields match anything. */
struct qp_flow_match {
	enum qp_proto proto;
	enum qp_direction direction;
	bool has_src, has_dst;
	struct qp_cidr src, dst;
	bool has_sport, has_dport, has_port;
	struct qp_port_range sport, dport;
	struct qp_port_range port;	/* either end */
};

/* A session that never needs QoS: accepted in the kernel, never queued. */
struct qp_filtered {
	struct qp_flow_match match;
	struct qp_loc loc;
};

struct qp_app_match {
	const char *exe;	/* path or glob */
	const char *comm;	/* kernel process name or glob */
	const char *cmdline;	/* glob over the space-joined arguments */
	const char *user;	/* as written */
	bool has_uid;
	uint32_t uid;
	const char *unit;	/* systemd unit name or glob */
};

struct qp_app {
	const char *name;
	unsigned index;
	struct qp_app_match match;
	struct qp_target target;
	uint32_t max_sessions;	/* 0: no limit */
	uint64_t max_rate_bps;	/* 0: no limit */
	struct qp_target over_budget;
	struct qp_loc loc;
};

struct qp_session_rule {
	const char *app_name;		/* NULL: any application */
	const struct qp_app *app;
	struct qp_loc app_loc;
	struct qp_flow_match match;
	struct qp_target target;
	struct qp_loc loc;
};

struct qp_queue_config {
	uint16_t num;		/* first NFQUEUE number */
	uint16_t threads;	/* queues num .. num + threads - 1 */
	enum qp_fail_mode fail;
	uint32_t mark_mask;	/* the packet/ct mark bits qpod owns */
	bool kernel_decisions;	/* sessions the kernel can decide skip qpodd */
};

struct qp_policy {
	struct arena *arena;
	unsigned version;
	struct qp_queue_config queue;
	struct {
		const char *socket;
		const char *group;
	} control;
	struct {
		enum qp_log_kind kind;
		const char *path;	/* QP_LOG_FILE */
	} log;
	struct qp_interface *interfaces;
	size_t n_interfaces;
	struct qp_class *classes;
	size_t n_classes;
	struct qp_target default_class;
	struct qp_filtered *filtered;
	size_t n_filtered;
	struct qp_app *apps;
	size_t n_apps;
	struct qp_session_rule *sessions;
	size_t n_sessions;
	const char **files;	/* the files read, in order */
	size_t n_files;
};

/* Defaults, documented in qpod.yaml(5). */
#define QP_DEFAULT_QUEUE_NUM 0
#define QP_DEFAULT_QUEUE_THREADS 1
#define QP_MAX_QUEUE_THREADS 64
#define QP_DEFAULT_MARK_MASK 0x00ff0000u
#define QP_DEFAULT_SOCKET "/run/qpod/control.sock"
#define QP_DEFAULT_GROUP "qpod"
#define QP_DEFAULT_SESSION_LOG "/var/log/qpod/sessions.jsonl"
#define QP_DEFAULT_CLASS_NAME "default"
#define QP_DEFAULT_FIFO_LIMIT 1000
#define QP_DEFAULT_RED_MIN (30 * 1024)
#define QP_DEFAULT_RED_MAX (90 * 1024)
#define QP_DEFAULT_RED_PROBABILITY 0.02
#define QP_MAX_QUEUED_CLASSES 256	/* tc classes per interface qpod builds */
#define QP_HFSC_MAX_BPS (UINT64_C(0xffffffff) * 8)	/* HFSC curves: u32 bytes/s */

/** Frees a policy; accepts NULL. */
void policy_free(struct qp_policy *p);

/** Looks a class or an application up by name; NULL if there is none. */
const struct qp_class *policy_class_find(const struct qp_policy *p, const char *name);
const struct qp_app *policy_app_find(const struct qp_policy *p, const char *name);

/** Whether S may name a class or an application: a letter, then letters,
 * digits, '-' and '_', at most QP_NAME_MAX in all. */
bool policy_name_valid(const char *s);

/** The lowest set bit of the mark mask, and the largest value it holds. */
unsigned policy_mark_shift(const struct qp_policy *p);
uint32_t policy_mark_max(const struct qp_policy *p);

/** The mark (within the mask) that sends a session to CLS. */
uint32_t policy_class_mark(const struct qp_policy *p, const struct qp_class *cls);

/** The mark of "decided, not managed": such sessions never return to qpodd. */
uint32_t policy_unmanaged_mark(const struct qp_policy *p);

/** One line: "5 classes, 3 applications, 2 session rules, ...". */
void policy_summary(const struct qp_policy *p, char *buf, size_t len);

/** An application's match, or a session rule's, as the policy file would
 * say it ("exe: \"/usr/bin/x\"", "proto: tcp, dport: 80"). */
void policy_format_app_match(const struct qp_app_match *m, char *buf, size_t len);
void policy_format_flow_match(const struct qp_flow_match *m, char *buf, size_t len);

/** Writes the effective policy, defaults included, as YAML that
 * config_load() reads back to the same policy. */
int policy_write_yaml(const struct qp_policy *p, FILE *out);

#endif
