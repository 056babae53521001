/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sessionview.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

#include "dscp.h"
#include "jsonw.h"

static const char *const reason_names[] = {
	[SESSION_BY_RULE] = "rule",
	[SESSION_BY_APP] = "application",
	[SESSION_OVER_BUDGET] = "over-budget",
	[SESSION_DEFAULT] = "default",
	[SESSION_NO_SOCKET] = "no-socket",
	[SESSION_NO_PROCESS] = "no-process",
	[SESSION_UNDISCOVERED] = "undiscovered",
};

const char *session_reason_name(unsigned int reason)
{
	return reason < sizeof(reason_names) / sizeof(reason_names[0]) && reason_names[reason]
		       ? reason_names[reason]
		       : "?";
}

const struct qp_class *session_class(const struct snapshot *snap, const struct session *s)
{
	int i = s->mark ? marks_class_of_value(&snap->marks, marks_value(&snap->marks, s->mark)) : -1;

	return i >= 0 && (size_t)i < snap->policy->n_classes ? &snap->policy->classes[i] : NULL;
}

const struct qp_app *session_app(const struct snapshot *snap, const struct session *s)
{
	return s->app >= 0 && (size_t)s->app < snap->policy->n_apps ? &snap->policy->apps[s->app]
								     : NULL;
}

/* "198.18.0.1:80" or "[2001:db8::1]:80". */
static void endpoint(const struct tuple *k, bool src, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(k->family, src ? k->saddr : k->daddr, a, sizeof(a));
	snprintf(buf, len, k->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 src ? k->sport : k->dport);
}

void session_endpoints(const struct session *s, char *local, size_t local_len, char *remote,
		       size_t remote_len)
{
	bool sent = s->direction != QP_DIR_IN;

	endpoint(&s->key, sent, local, local_len);
	endpoint(&s->key, !sent, remote, remote_len);
}

void session_view(const struct snapshot *snap, const struct session *s, uint64_t now_real_ns,
		  const struct session_sink *out)
{
	const struct qp_class *cls = session_class(snap, s);
	const struct qp_app *app = session_app(snap, s);
	/* The first packet's source is this host's end of an outgoing session,
	 * and conntrack's original direction is the first packet's. */
	bool sent = s->direction != QP_DIR_IN;
	uint64_t bytes_reply = s->bytes > s->bytes_orig ? s->bytes - s->bytes_orig : 0;
	char local[64], remote[64], path[64], exe[4096];
	ssize_t n = -1;
	void *a = out->arg;

	session_endpoints(s, local, sizeof(local), remote, sizeof(remote));
	if (s->key.proto == IPPROTO_TCP)
		out->str(a, "protocol", "tcp");
	else if (s->key.proto == IPPROTO_UDP)
		out->str(a, "protocol", "udp");
	else
		out->num(a, "protocol", s->key.proto);
	out->str(a, "family", s->key.family == AF_INET6 ? "ipv6" : "ipv4");
	out->str(a, "direction", sent ? "out" : "in");
	out->str(a, "local", local);
	out->str(a, "remote", remote);
	if (s->pid) {
		out->num(a, "pid", s->pid);
		snprintf(path, sizeof(path), "/proc/%u/exe", s->pid);
		if (!out->ended)
			n = readlink(path, exe, sizeof(exe) - 1);
	} else {
		out->null(a, "pid");
	}
	if (n > 0) {
		exe[n] = '\0';
		out->str(a, "exe", exe);
	} else {
		out->null(a, "exe");	/* unknown, or the process is gone */
	}
	if (s->uid != UINT32_MAX)
		out->num(a, "uid", s->uid);
	else
		out->null(a, "uid");
	if (app)
		out->str(a, "application", app->name);
	else
		out->null(a, "application");
	if (cls && !s->drop) {
		out->str(a, "class", cls->name);
		out->str(a, "dscp", dscp_name(cls->dscp));
	} else {
		out->null(a, "class");	/* dropped, or a class a reload removed */
		out->null(a, "dscp");
	}
	out->flag(a, "dropped", s->drop);
	/* The rule and application still say which part of the policy. */
	out->str(a, "decided_by", s->adopted ? "adopted" : s->kernel ? "kernel"
							      : session_reason_name(s->reason));
	if (s->rule >= 0)
		out->num(a, "rule", (uint64_t)s->rule + 1);
	else
		out->null(a, "rule");
	out->num(a, "started", s->start_ns / 1000000000u);
	out->num(a, "age_ms", now_real_ns > s->start_ns ? (now_real_ns - s->start_ns) / 1000000u : 0);
	out->num(a, "bytes_out", sent ? s->bytes_orig : bytes_reply);
	out->num(a, "bytes_in", sent ? bytes_reply : s->bytes_orig);
	out->num(a, "packets_out", sent ? s->packets_orig : s->packets_reply);
	out->num(a, "packets_in", sent ? s->packets_reply : s->packets_orig);
	out->num(a, "rate_bps", s->rate_bps);
	out->num(a, "hold_us", s->hold_ns / 1000u);
}

/* session_view() into a JSON object. */
static void j_str(void *w, const char *k, const char *v)
{
	jsonw_str(w, k, v);
}

static void j_num(void *w, const char *k, uint64_t v)
{
	jsonw_u64(w, k, v);
}

static void j_flag(void *w, const char *k, bool v)
{
	jsonw_bool(w, k, v);
}

static void j_null(void *w, const char *k)
{
	jsonw_null(w, k);
}

void session_json(struct jsonw *w, const struct snapshot *snap, const struct session *s,
		  uint64_t now_real_ns, bool ended)
{
	const struct session_sink sink = { j_str, j_num, j_flag, j_null, w, ended };

	session_view(snap, s, now_real_ns, &sink);
}
