/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl: talks to a running qpodd over its control socket (the
 * protocol is in ctlproto.h and qpod-ctl(8)). Dispatches from the command
 * table; every command prints a table, or with --json qpodd's answer. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "ctlproto.h"
#include "diag.h"
#include "policy.h"
#include "run-scope.h"
#include "yaml-tree.h"

/* Exit statuses (qpod-ctl(8)). */
enum {
	EXIT_FAILED = 1,	/* qpodd answered: the request failed */
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,	/* no qpodd, or not allowed to talk to it */
};

#define ANSWER_MAX (256u << 20)	/* bytes: 10,000 sessions take about 5 MB */

struct opts {
	const char *socket;
	bool json;
	/* sessions */
	const char *app, *cls;
	long pid;
	const char *sort;
	double watch_s;		/* 0: once */
};

struct cli_command {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(struct opts *o, int argc, char **argv);
};

/* ---- talking to qpodd ------------------------------------------------------ */

struct answer {
	struct arena *arena;
	char *text;
	size_t len;
	const struct ynode *root;
};

static void answer_free(struct answer *a)
{
	arena_free(a->arena);
	free(a->text);
	memset(a, 0, sizeof(*a));
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval timeout = { .tv_sec = 15 };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "qpod-ctl: socket path '%s' is too long\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* qpodd answers within its 10 s per client, or not at all (and a full
	 * backlog does not keep connect waiting either). */
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "qpod-ctl: qpodd is not running (nothing listens on %s)\n",
				path);
		else if (e == EACCES || e == EPERM)
			fprintf(stderr, "qpod-ctl: permission denied on %s: root or the qpod "
					"group may use it\n",
				path);
		else
			fprintf(stderr, "qpod-ctl: %s: %s\n", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Sends COMMAND (with EXTRA members, JSON, or "") and reads the whole
 * answer. Returns 0, or an exit status. */
static int ask_with(const struct opts *o, enum ctl_command command, const char *extra,
		    struct answer *ret)
{
	char req[256];
	struct diag_list diags;
	struct ynode *root = NULL;
	size_t cap = 65536;
	int fd, n;

	memset(ret, 0, sizeof(*ret));
	fd = connect_to(o->socket);
	if (fd < 0)
		return EXIT_UNREACHABLE;
	n = snprintf(req, sizeof(req), "{\"version\": %d, \"command\": \"%s\"%s%s}\n",
		     CTL_VERSION, ctl_command_name(command), *extra ? ", " : "", extra);
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		fprintf(stderr, "qpod-ctl: sending to qpodd: %s\n", strerror(errno));
		close(fd);
		return EXIT_UNREACHABLE;
	}
	ret->text = malloc(cap);
	for (;;) {
		ssize_t got;

		if (ret->text && ret->len + 1 == cap && cap < ANSWER_MAX) {
			char *t = realloc(ret->text, cap * 2);

			if (t)
				cap *= 2;
			if (!t)
				free(ret->text);
			ret->text = t;
		}
		if (!ret->text || ret->len + 1 == cap) {
			fprintf(stderr, "qpod-ctl: qpodd's answer is too large\n");
			close(fd);
			answer_free(ret);
			return EXIT_FAILED;
		}
		got = recv(fd, ret->text + ret->len, cap - 1 - ret->len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "qpod-ctl: reading qpodd's answer: %s\n",
				errno == EAGAIN ? "no answer within 15 s" : strerror(errno));
			close(fd);
			answer_free(ret);
			return EXIT_UNREACHABLE;
		}
		if (got == 0)
			break;
		ret->len += (size_t)got;
	}
	close(fd);
	ret->text[ret->len] = '\0';
	ret->arena = NULL;
	diag_list_init(&diags);
	if (arena_new(&ret->arena) < 0 ||
	    ytree_parse_max(ret->arena, "answer", ret->text, ret->len, ANSWER_MAX, &root, &diags) <
		    0 ||
	    !root || root->type != YNODE_MAPPING) {
		fprintf(stderr, "qpod-ctl: qpodd's answer cannot be read%s%s\n",
			diags.n ? ": " : "", diags.n ? diags.items[0].msg : "");
		diag_list_clear(&diags);
		answer_free(ret);
		return EXIT_FAILED;
	}
	diag_list_clear(&diags);
	ret->root = root;
	return 0;
}

static int ask(const struct opts *o, enum ctl_command command, struct answer *ret)
{
	return ask_with(o, command, "", ret);
}

/* ---- reading the answer ------------------------------------------------------ */

static const struct ynode *get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	for (size_t i = 0; i < map->n_items; i++)
		if (strcmp(map->items[2 * i]->value, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}

/* A member's text: "-" when it is null or missing. */
static const char *str(const struct ynode *map, const char *key)
{
	const struct ynode *v = get(map, key);

	return v && v->type == YNODE_SCALAR && !ynode_is_null(v) ? v->value : "-";
}

static uint64_t num(const struct ynode *map, const char *key)
{
	const struct ynode *v = get(map, key);

	return v && v->type == YNODE_SCALAR ? strtoull(v->value, NULL, 10) : 0;
}

static bool is_true(const struct ynode *map, const char *key)
{
	const struct ynode *v = get(map, key);

	return v && v->type == YNODE_SCALAR && strcmp(v->value, "true") == 0;
}

/* The exit status an answer means: qpodd refusing the caller is as good
 * as the socket's mode refusing it. */
static int status_of(const struct answer *a)
{
	if (is_true(a->root, "ok"))
		return 0;
	return strncmp(str(a->root, "error"), "permission denied", 17) == 0 ? EXIT_UNREACHABLE
									  : EXIT_FAILED;
}

/* An answer that says ok; else its error on stderr and its status. */
static int check_ok(const struct answer *a, const char *cmd)
{
	if (is_true(a->root, "ok"))
		return 0;
	fprintf(stderr, "qpod-ctl %s: %s\n", cmd, str(a->root, "error"));
	return status_of(a);
}

/* JSON again, from the tree: qpodd quotes every string, so an unquoted
 * scalar is a number, true, false or null. */
static void emit_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void emit(const struct ynode *n, FILE *out)
{
	if (n->type == YNODE_SCALAR) {
		if (n->quoted)
			emit_string(n->value, out);
		else
			fputs(ynode_is_null(n) ? "null" : n->value, out);
		return;
	}
	fputc(n->type == YNODE_MAPPING ? '{' : '[', out);
	for (size_t i = 0; i < n->n_items; i++) {
		if (i)
			fputc(',', out);
		if (n->type == YNODE_MAPPING) {
			emit_string(n->items[2 * i]->value, out);
			fputc(':', out);
			emit(n->items[2 * i + 1], out);
		} else {
			emit(n->items[i], out);
		}
	}
	fputc(n->type == YNODE_MAPPING ? '}' : ']', out);
}

/* ---- formatting ------------------------------------------------------------- */

static const char *rate(uint64_t bps, char *buf, size_t len)
{
	if (bps >= 1000000000)
		snprintf(buf, len, "%.1fG", (double)bps / 1e9);
	else if (bps >= 1000000)
		snprintf(buf, len, "%.1fM", (double)bps / 1e6);
	else if (bps >= 1000)
		snprintf(buf, len, "%.1fk", (double)bps / 1e3);
	else
		snprintf(buf, len, "%" PRIu64, bps);
	return buf;
}

static const char *bytes(uint64_t b, char *buf, size_t len)
{
	if (b >= 10u << 30)
		snprintf(buf, len, "%" PRIu64 "G", b >> 30);
	else if (b >= 10u << 20)
		snprintf(buf, len, "%" PRIu64 "M", b >> 20);
	else if (b >= 10u << 10)
		snprintf(buf, len, "%" PRIu64 "K", b >> 10);
	else
		snprintf(buf, len, "%" PRIu64, b);
	return buf;
}

static const char *age(uint64_t ms, char *buf, size_t len)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "s", s, ms % 1000 / 100);
	return buf;
}

/* ---- commands ---------------------------------------------------------------- */

/* A command whose answer is printed whole: TABLE prints it for people
 * (and returns an exit status). EXTRA: the request's other members. */
static int show(struct opts *o, enum ctl_command c, const char *extra,
		int (*table)(const struct ynode *root))
{
	struct answer a;
	int r = ask_with(o, c, extra, &a);

	if (r)
		return r;
	if (o->json) {
		const struct ynode *list = get(a.root, "sessions");

		emit(a.root, stdout);
		putchar('\n');
		r = status_of(&a);
		/* explain found nothing: as without --json. */
		if (!r && c == CTL_EXPLAIN && (!list || !list->n_items))
			r = EXIT_FAILED;
	} else if (!(r = check_ok(&a, ctl_command_name(c)))) {
		r = table(a.root);
	}
	answer_free(&a);
	return r;
}

static int status_table(const struct ynode *root)
{
	const struct ynode *q = get(root, "queue");
	char b[32];

	printf("qpodd %s, pid %s, up %s\n", str(root, "qpodd"), str(root, "pid"),
	       age(num(root, "uptime_s") * 1000, b, sizeof(b)));
	printf("policy    %s: %s\n", str(root, "config"), str(root, "policy"));
	printf("sessions  %" PRIu64 " live (room for %" PRIu64 ")\n", num(root, "sessions"),
	       num(root, "session_capacity"));
	printf("queues    %s-%" PRIu64 ", fail %s, %s%s\n", str(q, "num"),
	       num(q, "num") + num(q, "threads") - 1, str(q, "fail"), str(q, "path"),
	       is_true(q, "ct_mark_in_verdict") ? ", ct mark in the verdict" : "");
	q = get(root, "session_log");
	printf("log       %s: %s records, %s lost; %s sessions ended unseen (%s events lost)\n",
	       str(q, "to"), str(q, "records"), str(q, "lost"), str(q, "ended_unseen"),
	       str(q, "lost_events"));
	return 0;
}

static int cmd_status(struct opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show(o, CTL_STATUS, "", status_table);
}

/* Sessions, filtered and sorted for the table and for --json alike. */
struct row {
	const struct ynode *s;
};

static const char *sort_key;

static int by_key(const void *x, const void *y)
{
	const struct ynode *a = ((const struct row *)x)->s, *b = ((const struct row *)y)->s;

	if (strcmp(sort_key, "rate") == 0 || strcmp(sort_key, "pid") == 0 ||
	    strcmp(sort_key, "age") == 0) {
		const char *k = strcmp(sort_key, "rate") == 0 ? "rate_bps"
			      : strcmp(sort_key, "pid") == 0  ? "pid"
							      : "age_ms";
		uint64_t va = num(a, k), vb = num(b, k);
		int c = va < vb ? -1 : va > vb;

		return strcmp(sort_key, "pid") == 0 ? c : -c;	/* the biggest first */
	}
	if (strcmp(sort_key, "bytes") == 0) {
		uint64_t va = num(a, "bytes_out") + num(a, "bytes_in");
		uint64_t vb = num(b, "bytes_out") + num(b, "bytes_in");

		return va > vb ? -1 : va < vb;
	}
	return strcmp(str(a, sort_key), str(b, sort_key));
}

static bool wanted(const struct opts *o, const struct ynode *s)
{
	return (!o->app || strcmp(str(s, "application"), o->app) == 0) &&
	       (!o->cls || strcmp(str(s, "class"), o->cls) == 0) &&
	       (o->pid < 0 || (uint64_t)o->pid == num(s, "pid"));
}

static int sessions_once(struct opts *o)
{
	struct answer a;
	const struct ynode *list;
	struct row *rows;
	size_t n = 0;
	int r;

	r = ask(o, CTL_SESSIONS, &a);
	if (r)
		return r;
	if (!o->json && (r = check_ok(&a, "sessions"))) {
		answer_free(&a);
		return r;
	}
	list = get(a.root, "sessions");
	if (!is_true(a.root, "ok") || !list || list->type != YNODE_SEQUENCE) {
		emit(a.root, stdout);
		putchar('\n');
		r = status_of(&a);
		answer_free(&a);
		return r ? r : EXIT_FAILED;
	}
	rows = calloc(list->n_items ? list->n_items : 1, sizeof(*rows));
	if (!rows) {
		answer_free(&a);
		fprintf(stderr, "qpod-ctl: out of memory\n");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < list->n_items; i++)
		if (wanted(o, list->items[i]))
			rows[n++].s = list->items[i];
	sort_key = o->sort;
	qsort(rows, n, sizeof(*rows), by_key);
	if (o->json) {
		fputs("{\"version\":", stdout);
		fputs(str(a.root, "version"), stdout);
		fputs(",\"ok\":true,\"sessions\":[", stdout);
		for (size_t i = 0; i < n; i++) {
			if (i)
				putchar(',');
			emit(rows[i].s, stdout);
		}
		fputs("]}\n", stdout);
	} else {
		printf("%-5s %-22s %-22s %-3s %7s %-12s %-12s %-5s %-11s %7s %6s %6s %7s\n",
		       "PROTO", "LOCAL", "REMOTE", "DIR", "PID", "APPLICATION", "CLASS", "DSCP",
		       "DECIDED-BY", "AGE", "OUT", "IN", "RATE");
		for (size_t i = 0; i < n; i++) {
			const struct ynode *s = rows[i].s;
			char b1[16], b2[16], b3[16], b4[16];

			printf("%-5s %-22s %-22s %-3s %7s %-12s %-12s %-5s %-11s %7s %6s %6s %7s\n",
			       str(s, "protocol"), str(s, "local"), str(s, "remote"),
			       str(s, "direction"), str(s, "pid"), str(s, "application"),
			       is_true(s, "dropped") ? "(dropped)" : str(s, "class"), str(s, "dscp"),
			       str(s, "decided_by"), age(num(s, "age_ms"), b1, sizeof(b1)),
			       bytes(num(s, "bytes_out"), b2, sizeof(b2)),
			       bytes(num(s, "bytes_in"), b3, sizeof(b3)),
			       rate(num(s, "rate_bps"), b4, sizeof(b4)));
		}
		printf("%zu of %zu sessions\n", n, list->n_items);
	}
	free(rows);
	answer_free(&a);
	return 0;
}

static int cmd_sessions(struct opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (o->watch_s <= 0)
		return sessions_once(o);
	for (;;) {
		struct timespec ts = { (time_t)o->watch_s,
				       (long)((o->watch_s - (double)(time_t)o->watch_s) * 1e9) };
		int r;

		if (!o->json)
			fputs("\033[H\033[2J", stdout);	/* like top: from the top of a clear screen */
		r = sessions_once(o);
		fflush(stdout);
		if (r)
			return r;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

static int apps_table(const struct ynode *root)
{
	const struct ynode *list = get(root, "applications");

	printf("%-20s %-12s %8s %8s %8s %12s %10s\n", "APPLICATION", "CLASS", "SESSIONS", "BYTES",
	       "RATE", "MAX-SESSIONS", "MAX-RATE");
	for (size_t i = 0; list && list->type == YNODE_SEQUENCE && i < list->n_items; i++) {
		const struct ynode *x = list->items[i], *max_rate = get(x, "max_rate_bps");
		char b1[16], b2[16], b3[16];

		printf("%-20s %-12s %8" PRIu64 " %8s %8s %12s %10s\n", str(x, "name"), str(x, "class"),
		       num(x, "sessions"), bytes(num(x, "bytes"), b1, sizeof(b1)),
		       rate(num(x, "rate_bps"), b2, sizeof(b2)), str(x, "max_sessions"),
		       max_rate && !ynode_is_null(max_rate) ? rate(num(x, "max_rate_bps"), b3, sizeof(b3))
							  : "-");
	}
	return 0;
}

static int cmd_apps(struct opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show(o, CTL_APPS, "", apps_table);
}

static int classes_table(const struct ynode *root)
{
	const struct ynode *list = get(root, "classes");

	printf("%-14s %-5s %8s %8s %8s  %s\n", "CLASS", "DSCP", "SESSIONS", "BYTES", "RATE",
	       "QUEUES (interface tc-class: sent, drops, backlog, RED early/marked)");
	for (size_t i = 0; list && list->type == YNODE_SEQUENCE && i < list->n_items; i++) {
		const struct ynode *x = list->items[i], *qs = get(x, "queues");
		char b1[16], b2[16], b3[16], name[64];

		snprintf(name, sizeof(name), "%s%s", str(x, "name"), is_true(x, "default") ? "*" : "");
		printf("%-14s %-5s %8" PRIu64 " %8s %8s ", name, str(x, "dscp"), num(x, "sessions"),
		       bytes(num(x, "bytes"), b1, sizeof(b1)), rate(num(x, "rate_bps"), b2, sizeof(b2)));
		for (size_t j = 0; qs && qs->type == YNODE_SEQUENCE && j < qs->n_items; j++) {
			const struct ynode *q = qs->items[j];

			printf(" %s %s: %s, %s, %s, %s/%s", str(q, "interface"), str(q, "tc_class"),
			       bytes(num(q, "bytes"), b3, sizeof(b3)), str(q, "drops"),
			       str(q, "backlog_bytes"), str(q, "red_early"), str(q, "red_marked"));
		}
		putchar('\n');
	}
	return 0;
}

static int cmd_classes(struct opts *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return show(o, CTL_CLASSES, "", classes_table);
}

static int cmd_reload(struct opts *o, int argc, char **argv)
{
	struct answer a;
	const struct ynode *diags;
	int r;

	(void)argc;
	(void)argv;
	r = ask(o, CTL_RELOAD, &a);
	if (r)
		return r;
	r = status_of(&a);
	if (o->json) {
		emit(a.root, stdout);
		putchar('\n');
	} else {
		diags = get(a.root, "diagnostics");
		for (size_t i = 0; diags && diags->type == YNODE_SEQUENCE && i < diags->n_items; i++)
			fprintf(stderr, "%s\n", diags->items[i]->value);
		if (r)
			fprintf(stderr, "qpod-ctl reload: %s\n", str(a.root, "error"));
		else
			printf("policy reloaded\n");
	}
	answer_free(&a);
	return r;
}

static int explain_table(const struct ynode *root)
{
	const struct ynode *list = get(root, "sessions");

	for (size_t i = 0; list && list->type == YNODE_SEQUENCE && i < list->n_items; i++) {
		const struct ynode *s = list->items[i];

		printf("%s %s -> %s (%s), pid %s %s: %s %s\n  %s\n", str(s, "protocol"),
		       str(s, "local"), str(s, "remote"), str(s, "direction"), str(s, "pid"),
		       str(s, "exe"), str(s, "class"), str(s, "dscp"), str(s, "why"));
	}
	if (list && list->n_items)
		return 0;
	fprintf(stderr, "qpod-ctl explain: no live session matches\n");
	return EXIT_FAILED;
}

/* ADDR:PORT or [ADDR]:PORT as qpodd writes it (an IPv6 address in its
 * canonical form), in OUT; false if it is not one. */
static bool canonical_endpoint(const char *arg, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *colon = strrchr(arg, ':');
	bool v6 = arg[0] == '[';
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - arg) >= sizeof(addr))
		return false;
	memcpy(addr, arg, (size_t)(colon - arg));
	addr[colon - arg] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
		return false;
	if (v6) {
		size_t n = strlen(addr);

		if (n < 3 || addr[n - 1] != ']')
			return false;
		addr[n - 1] = '\0';
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? addr + 1 : addr, bin) != 1 ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, bin, canon, sizeof(canon)))
		return false;
	snprintf(out, len, v6 ? "[%s]:%lu" : "%s:%lu", canon, port);
	return true;
}

/* explain PID|ADDR:PORT: each matching session, and why it has its class. */
static int cmd_explain(struct opts *o, int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : "";
	char extra[128], endpoint[CTL_ENDPOINT_MAX];
	unsigned long pid = 0;
	char *end;

	if (*arg && strspn(arg, "0123456789") == strlen(arg)) {
		errno = 0;
		pid = strtoul(arg, &end, 10);
	}
	if (pid > 0 && pid <= UINT32_MAX && !errno) {
		snprintf(extra, sizeof(extra), "\"pid\": %lu", pid);
	} else if (canonical_endpoint(arg, endpoint, sizeof(endpoint))) {
		snprintf(extra, sizeof(extra), "\"endpoint\": \"%s\"", endpoint);
	} else {
		fprintf(stderr, "qpod-ctl explain: give a process id or an ADDR:PORT "
				"([ADDR]:PORT for IPv6), not '%s'\n",
			arg);
		return EXIT_USAGE;
	}
	return show(o, CTL_EXPLAIN, extra, explain_table);
}

/* A class name that can go into a request as it is. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < CTL_CLASS_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* run --class CLASS [--] COMMAND [ARGS]: ARGV is the command. qpod-ctl
 * puts itself in a cgroup of its own, has qpodd give that cgroup the
 * class, and becomes the command: it and its children keep the cgroup. */
static int cmd_run(struct opts *o, int argc, char **argv)
{
	char extra[128], why[256] = "";
	struct answer a;
	bool scope;
	int r;

	if (!o->cls) {
		fprintf(stderr, "qpod-ctl run: --class CLASS is required\n");
		return EXIT_USAGE;
	}
	if (argc < 1) {
		fprintf(stderr, "qpod-ctl run: no command to run\n");
		return EXIT_USAGE;
	}
	if (!plain_name(o->cls)) {
		fprintf(stderr, "qpod-ctl run: '%s' is not a class name\n", o->cls);
		return EXIT_USAGE;
	}
	/* Where systemd runs, it keeps the cgroups: a scope of its making. */
	scope = run_scope_enter(o->cls, argv[0], why, sizeof(why)) == 0;
	if (!scope && *why)
		fprintf(stderr, "qpod-ctl run: no systemd scope (%s): asking qpodd for a cgroup\n",
			why);
	snprintf(extra, sizeof(extra), "\"class\": \"%s\", \"scope\": %s", o->cls,
		 scope ? "true" : "false");
	r = ask_with(o, CTL_RUN, extra, &a);
	if (r)
		return r;
	if (o->json) {
		/* Standard output is the command's. */
		emit(a.root, stderr);
		fputc('\n', stderr);
	}
	r = check_ok(&a, "run");
	answer_free(&a);
	if (r)
		return r;
	execvp(argv[0], argv);
	fprintf(stderr, "qpod-ctl run: %s: %s\n", argv[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static int cmd_version(struct opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	printf("qpod-ctl %s\n", PACKAGE_VERSION);
	return EXIT_SUCCESS;
}

static int cmd_help(struct opts *o, int argc, char **argv);

static const struct cli_command commands[] = {
	{ "status", "", "what runs: version, policy, sessions, queues", cmd_status },
	{ "sessions", "[--app NAME] [--class NAME] [--pid PID] [--sort KEY] [--watch[=SECONDS]]",
	  "the live sessions: who gets what", cmd_sessions },
	{ "apps", "", "per application: sessions, traffic, budgets", cmd_apps },
	{ "classes", "", "per class: sessions, traffic, and the queues' counters", cmd_classes },
	{ "reload", "", "load the policy file again (the running one stays if it is bad)",
	  cmd_reload },
	{ "explain", "PID|ADDR:PORT", "why a process's sessions, or a session, have their class",
	  cmd_explain },
	{ "run", "--class CLASS [--] COMMAND [ARGS]",
	  "run a command whose sessions, and its children's, all get CLASS", cmd_run },
	{ "version", "", "show qpod-ctl's version", cmd_version },
	{ "help", "", "show the commands", cmd_help },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage: qpod-ctl [--json] [--socket PATH] COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nOptions for every command:\n"
		     "  -j, --json          qpodd's answer as JSON (qpod-ctl(8) lists the fields)\n"
		     "  -s, --socket PATH   qpodd's control socket (default $QPOD_SOCKET, else %s)\n"
		     "  -h, --help          help, for qpod-ctl or for a command\n"
		     "\nExit status: 0 success, 1 the request failed, 2 bad usage, 3 qpodd not\n"
		     "reachable (not running, or permission denied).\n",
		QP_DEFAULT_SOCKET);
}

static void command_usage(const struct cli_command *c, FILE *out)
{
	fprintf(out, "Usage: qpod-ctl %s %s\n%s.\n", c->name, c->args, c->summary);
	if (strcmp(c->name, "sessions") == 0)
		fprintf(out, "\n  --app NAME        only sessions of application NAME\n"
			     "  --class NAME      only sessions in class NAME\n"
			     "  --pid PID         only sessions of process PID\n"
			     "  --sort KEY        age (default), rate, bytes, pid, class, application,\n"
			     "                    local or remote\n"
			     "  --watch[=SECONDS] show them again every SECONDS (1), like top\n");
}

static int cmd_help(struct opts *o, int argc, char **argv)
{
	(void)o;
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_SUCCESS;
}

/* Options given, for the commands that take them. */
enum {
	GIVEN_SESSIONS = 1,	/* --app, --pid, --sort, --watch */
	GIVEN_CLASS = 2,	/* --class: sessions and run */
	GIVEN_HELP = 4,
};

/* Reads options from ARGV with getopt's OPTSTRING into O, adding to GIVEN
 * those it saw. Returns -1, or an exit status to leave with. */
static int parse_options(int argc, char **argv, const char *optstring, struct opts *o,
			 unsigned *given)
{
	enum { OPT_APP = 0x100, OPT_CLASS, OPT_PID, OPT_SORT, OPT_WATCH };
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "app", required_argument, NULL, OPT_APP },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "watch", optional_argument, NULL, OPT_WATCH },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const sort_keys[] = { "age", "rate", "bytes", "pid", "class",
						 "application", "local", "remote", NULL };
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, optstring, long_opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'h':
			*given |= GIVEN_HELP;
			break;
		case 'V':
			return cmd_version(o, 0, NULL);
		case OPT_APP:
			o->app = optarg;
			*given |= GIVEN_SESSIONS;
			break;
		case OPT_CLASS:
			o->cls = optarg;
			*given |= GIVEN_CLASS;
			break;
		case OPT_PID:
			errno = 0;
			o->pid = strtol(optarg, &end, 10);
			if (errno || *end || o->pid <= 0) {
				fprintf(stderr, "qpod-ctl: --pid takes a process id, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			*given |= GIVEN_SESSIONS;
			break;
		case OPT_SORT:
			o->sort = NULL;
			for (size_t i = 0; sort_keys[i]; i++)
				if (strcmp(optarg, sort_keys[i]) == 0)
					o->sort = sort_keys[i];
			if (!o->sort) {
				fprintf(stderr, "qpod-ctl: --sort takes age, rate, bytes, pid, class, "
						"application, local or remote, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			*given |= GIVEN_SESSIONS;
			break;
		case OPT_WATCH:
			o->watch_s = 1;
			if (optarg) {
				o->watch_s = strtod(optarg, &end);
				if (*end || !(o->watch_s >= 0.1 && o->watch_s <= 3600)) {
					fprintf(stderr, "qpod-ctl: --watch takes 0.1 to 3600 seconds, "
							"not '%s'\n",
						optarg);
					return EXIT_USAGE;
				}
			}
			*given |= GIVEN_SESSIONS;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .socket = getenv("QPOD_SOCKET"), .pid = -1, .sort = "age" };
	const struct cli_command *cmd = NULL;
	unsigned given = 0;
	int r, first;

	if (!o.socket || !*o.socket)
		o.socket = QP_DEFAULT_SOCKET;
	/* The options before the command, then the command's: anywhere after
	 * it, but for run, whose options end where its command begins. */
	r = parse_options(argc, argv, "+js:hV", &o, &given);
	if (r >= 0)
		return r;
	if (optind == argc) {
		usage(given & GIVEN_HELP ? stdout : stderr);
		return given & GIVEN_HELP ? EXIT_SUCCESS : EXIT_USAGE;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "qpod-ctl: unknown command '%s' (see qpod-ctl help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	optind = 0;
	r = parse_options(argc, argv, cmd->run == cmd_run ? "+js:hV" : "js:hV", &o, &given);
	if (r >= 0)
		return r;
	if (given & GIVEN_HELP) {
		command_usage(cmd, stdout);
		return EXIT_SUCCESS;
	}
	first = optind;		/* the command's first argument */
	if (cmd->run == cmd_run && given & GIVEN_SESSIONS) {
		fprintf(stderr, "qpod-ctl run: --app, --pid, --sort and --watch are for sessions\n");
		return EXIT_USAGE;
	}
	if (cmd->run == cmd_run)
		return cmd_run(&o, argc - first, argv + first);
	/* explain takes one argument; the others none. */
	if (first + (cmd->run == cmd_explain) < argc) {
		fprintf(stderr, "qpod-ctl %s: unexpected argument '%s'\n", cmd->name,
			argv[first + (cmd->run == cmd_explain)]);
		return EXIT_USAGE;
	}
	if ((given & GIVEN_SESSIONS || (given & GIVEN_CLASS)) && strcmp(cmd->name, "sessions") != 0) {
		fprintf(stderr, "qpod-ctl %s: --app, --class, --pid, --sort and --watch are for "
				"sessions\n",
			cmd->name);
		return EXIT_USAGE;
	}
	/* The command's name first, as before. */
	argv[first - 1] = argv[0];
	return cmd->run(&o, argc - first + 1, argv + first - 1);
}
