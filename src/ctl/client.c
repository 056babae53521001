/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl's side of the control socket: a request out, the answer in and
 * read (the protocol is in ctlproto.h and qpod-ctl(8)). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "arena.h"
#include "ctl.h"
#include "diag.h"
#include "jsonw.h"
#include "policy.h"

#define ANSWER_MAX (256u << 20)	/* bytes: 10,000 sessions take about 5 MB */

void ctl_answer_free(struct ctl_answer *a)
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

/* Sends REQ and reads the whole answer. */
int ctl_ask(const struct ctl_opts *o, const struct ctl_request *req, struct ctl_answer *ret)
{
	struct diag_list diags;
	struct ynode *root = NULL;
	struct jsonw w;
	const char *line;
	size_t cap = 65536, n = 0;
	bool sent;
	int fd, e;

	memset(ret, 0, sizeof(*ret));
	jsonw_init(&w);
	ctl_format_request(req, &w);
	line = jsonw_finish(&w, &n);
	/* N counts the newline, as CTL_REQUEST_MAX does. */
	if (!line || n > CTL_REQUEST_MAX) {
		fprintf(stderr, "qpod-ctl: %s\n", line ? "the request is too long" : "out of memory");
		jsonw_free(&w);
		return EXIT_FAILED;
	}
	fd = connect_to(o->socket);
	errno = 0;
	sent = fd >= 0 && send(fd, line, n, MSG_NOSIGNAL) == (ssize_t)n;
	e = errno ? errno : EMSGSIZE;	/* sent in part: the socket took less */
	jsonw_free(&w);
	if (fd < 0)
		return EXIT_UNREACHABLE;
	if (!sent) {
		fprintf(stderr, "qpod-ctl: sending to qpodd: %s\n", strerror(e));
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
			ctl_answer_free(ret);
			return EXIT_FAILED;
		}
		got = recv(fd, ret->text + ret->len, cap - 1 - ret->len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "qpod-ctl: reading qpodd's answer: %s\n",
				errno == EAGAIN ? "no answer within 15 s" : strerror(errno));
			close(fd);
			ctl_answer_free(ret);
			return EXIT_UNREACHABLE;
		}
		if (got == 0)
			break;
		ret->len += (size_t)got;
	}
	close(fd);
	ret->text[ret->len] = '\0';
	diag_list_init(&diags);
	if (arena_new(&ret->arena) < 0 ||
	    ytree_parse_max(ret->arena, "answer", ret->text, ret->len, ANSWER_MAX, &root, &diags) <
		    0 ||
	    !root || root->type != YNODE_MAPPING) {
		fprintf(stderr, "qpod-ctl: qpodd's answer cannot be read%s%s\n",
			diags.n ? ": " : "", diags.n ? diags.items[0].msg : "");
		diag_list_clear(&diags);
		ctl_answer_free(ret);
		return EXIT_FAILED;
	}
	diag_list_clear(&diags);
	ret->root = root;
	return 0;
}

int ctl_show(const struct ctl_opts *o, const struct ctl_request *req,
	     int (*table)(const struct ynode *root))
{
	struct ctl_answer a;
	int r = ctl_ask(o, req, &a);

	if (r)
		return r;
	if (o->json) {
		const struct ynode *list = ctl_get(a.root, "sessions");

		ctl_emit(a.root, stdout);
		putchar('\n');
		r = ctl_status_of(&a);
		/* explain found nothing: as without --json. */
		if (!r && req->command == CTL_EXPLAIN && (!list || !list->n_items))
			r = EXIT_FAILED;
	} else if (!(r = ctl_check_ok(&a, ctl_command_name(req->command)))) {
		r = table(a.root);
	}
	ctl_answer_free(&a);
	return r;
}

/* ---- reading the answer ------------------------------------------------------ */

const struct ynode *ctl_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	for (size_t i = 0; i < map->n_items; i++)
		if (strcmp(map->items[2 * i]->value, key) == 0)
			return map->items[2 * i + 1];
	return NULL;
}

const char *ctl_str(const struct ynode *map, const char *key)
{
	const struct ynode *v = ctl_get(map, key);

	return v && v->type == YNODE_SCALAR && !ynode_is_null(v) ? v->value : "-";
}

uint64_t ctl_num(const struct ynode *map, const char *key)
{
	const struct ynode *v = ctl_get(map, key);

	return v && v->type == YNODE_SCALAR ? strtoull(v->value, NULL, 10) : 0;
}

bool ctl_is_true(const struct ynode *map, const char *key)
{
	const struct ynode *v = ctl_get(map, key);

	return v && v->type == YNODE_SCALAR && strcmp(v->value, "true") == 0;
}

/* qpodd refusing the caller is as good as the socket's mode refusing it. */
int ctl_status_of(const struct ctl_answer *a)
{
	if (ctl_is_true(a->root, "ok"))
		return 0;
	return strncmp(ctl_str(a->root, "error"), "permission denied", 17) == 0 ? EXIT_UNREACHABLE
									  : EXIT_FAILED;
}

int ctl_check_ok(const struct ctl_answer *a, const char *cmd)
{
	if (ctl_is_true(a->root, "ok"))
		return 0;
	fprintf(stderr, "qpod-ctl %s: %s\n", cmd, ctl_str(a->root, "error"));
	return ctl_status_of(a);
}

/* qpodd quotes every string, so an unquoted scalar is a number, true,
 * false or null. */
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

void ctl_emit(const struct ynode *n, FILE *out)
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
			ctl_emit(n->items[2 * i + 1], out);
		} else {
			ctl_emit(n->items[i], out);
		}
	}
	fputc(n->type == YNODE_MAPPING ? '}' : ']', out);
}

