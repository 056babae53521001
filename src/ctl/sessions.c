/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl sessions: the live sessions, who gets what; filtered, sorted,
 * once or again and again like top. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

struct sessions_opts {
	const char *app, *cls;
	long pid;		/* -1: any */
	const char *sort;
	double watch_s;		/* 0: once */
};

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
		uint64_t va = ctl_num(a, k), vb = ctl_num(b, k);
		int c = va < vb ? -1 : va > vb;

		return strcmp(sort_key, "pid") == 0 ? c : -c;	/* the biggest first */
	}
	if (strcmp(sort_key, "bytes") == 0) {
		uint64_t va = ctl_num(a, "bytes_out") + ctl_num(a, "bytes_in");
		uint64_t vb = ctl_num(b, "bytes_out") + ctl_num(b, "bytes_in");

		return va > vb ? -1 : va < vb;
	}
	return strcmp(ctl_str(a, sort_key), ctl_str(b, sort_key));
}

static bool wanted(const struct sessions_opts *o, const struct ynode *s)
{
	return (!o->app || strcmp(ctl_str(s, "application"), o->app) == 0) &&
	       (!o->cls || strcmp(ctl_str(s, "class"), o->cls) == 0) &&
	       (o->pid < 0 || (uint64_t)o->pid == ctl_num(s, "pid"));
}

static int sessions_once(const struct ctl_opts *co, const struct sessions_opts *o)
{
	struct ctl_request req = { .command = CTL_SESSIONS };
	struct ctl_answer a;
	const struct ynode *list;
	struct row *rows;
	size_t n = 0;
	int r;

	r = ctl_ask(co, &req, &a);
	if (r)
		return r;
	if (!co->json && (r = ctl_check_ok(&a, "sessions"))) {
		ctl_answer_free(&a);
		return r;
	}
	list = ctl_get(a.root, "sessions");
	if (!ctl_is_true(a.root, "ok") || !list || list->type != YNODE_SEQUENCE) {
		ctl_emit(a.root, stdout);
		putchar('\n');
		r = ctl_status_of(&a);
		ctl_answer_free(&a);
		return r ? r : EXIT_FAILED;
	}
	rows = calloc(list->n_items ? list->n_items : 1, sizeof(*rows));
	if (!rows) {
		ctl_answer_free(&a);
		fprintf(stderr, "qpod-ctl: out of memory\n");
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < list->n_items; i++)
		if (wanted(o, list->items[i]))
			rows[n++].s = list->items[i];
	sort_key = o->sort;
	qsort(rows, n, sizeof(*rows), by_key);
	if (co->json) {
		fputs("{\"version\":", stdout);
		fputs(ctl_str(a.root, "version"), stdout);
		fputs(",\"ok\":true,\"sessions\":[", stdout);
		for (size_t i = 0; i < n; i++) {
			if (i)
				putchar(',');
			ctl_emit(rows[i].s, stdout);
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
			       ctl_str(s, "protocol"), ctl_str(s, "local"), ctl_str(s, "remote"),
			       ctl_str(s, "direction"), ctl_str(s, "pid"), ctl_str(s, "application"),
			       ctl_is_true(s, "dropped") ? "(dropped)" : ctl_str(s, "class"), ctl_str(s, "dscp"),
			       ctl_str(s, "decided_by"), ctl_age(ctl_num(s, "age_ms"), b1, sizeof(b1)),
			       ctl_bytes(ctl_num(s, "bytes_out"), b2, sizeof(b2)),
			       ctl_bytes(ctl_num(s, "bytes_in"), b3, sizeof(b3)),
			       ctl_rate(ctl_num(s, "rate_bps"), b4, sizeof(b4)));
		}
		printf("%zu of %zu sessions\n", n, list->n_items);
	}
	free(rows);
	ctl_answer_free(&a);
	return 0;
}

int ctl_sessions_cmd(struct ctl_opts *co, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	enum { OPT_APP = 0x100, OPT_CLASS, OPT_PID, OPT_SORT, OPT_WATCH };
	static const struct option options[] = {
		CTL_LONG_OPTIONS,
		{ "app", required_argument, NULL, OPT_APP },
		{ "class", required_argument, NULL, OPT_CLASS },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "watch", optional_argument, NULL, OPT_WATCH },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const sort_keys[] = { "age", "rate", "bytes", "pid", "class",
						 "application", "local", "remote", NULL };
	struct sessions_opts o = { .pid = -1, .sort = "age" };
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, options, NULL)) != -1) {
		switch (c) {
		case OPT_APP:
			o.app = optarg;
			break;
		case OPT_CLASS:
			o.cls = optarg;
			break;
		case OPT_PID:
			errno = 0;
			o.pid = strtol(optarg, &end, 10);
			if (errno || *end || o.pid <= 0) {
				fprintf(stderr, "qpod-ctl: --pid takes a process id, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_SORT:
			o.sort = NULL;
			for (size_t i = 0; sort_keys[i]; i++)
				if (strcmp(optarg, sort_keys[i]) == 0)
					o.sort = sort_keys[i];
			if (!o.sort) {
				fprintf(stderr, "qpod-ctl: --sort takes age, rate, bytes, pid, class, "
						"application, local or remote, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_WATCH:
			o.watch_s = 1;
			if (optarg) {
				o.watch_s = strtod(optarg, &end);
				if (*end || !(o.watch_s >= 0.1 && o.watch_s <= 3600)) {
					fprintf(stderr, "qpod-ctl: --watch takes 0.1 to 3600 seconds, "
							"not '%s'\n",
						optarg);
					return EXIT_USAGE;
				}
			}
			break;
		default:
			if ((r = ctl_common_option(c, co, cmd)) >= 0)
				return r;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "qpod-ctl sessions: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (o.watch_s <= 0)
		return sessions_once(co, &o);
	for (;;) {
		struct timespec ts = { (time_t)o.watch_s,
				       (long)((o.watch_s - (double)(time_t)o.watch_s) * 1e9) };

		if (!co->json)
			fputs("\033[H\033[2J", stdout);	/* like top: from the top of a clear screen */
		r = sessions_once(co, &o);
		fflush(stdout);
		if (r)
			return r;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}
