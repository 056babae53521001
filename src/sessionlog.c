/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sessionlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonw.h"
#include "log.h"
#include "paths.h"
#include "sd.h"
#include "sessionview.h"

#define BUF_FLUSH (48 * 1024)	/* bytes held before a write */
#define JOURNAL_FIELDS 32

struct sessionlog {
	enum qp_log_kind kind;
	char *path;
	int fd;
	struct jsonw buf;	/* records not yet written */
	size_t buf_records;
	bool cut;		/* a write stopped within a line: the next starts anew */
	_Atomic uint64_t written, failed;
	struct log_ratelimit rl;
};

int sessionlog_new(struct sessionlog **ret)
{
	struct sessionlog *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->kind = QP_LOG_OFF;
	l->fd = -1;
	jsonw_init(&l->buf);
	*ret = l;
	return 0;
}

void sessionlog_apply(struct sessionlog *l, const struct qp_policy *p)
{
	int r;

	sessionlog_flush(l);
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
	free(l->path);
	l->path = NULL;
	l->kind = p->log.kind;
	l->cut = false;
	if (l->kind != QP_LOG_FILE)
		return;
	l->path = strdup(p->log.path);
	r = path_make_parent(p->log.path, 0750);
	if (r < 0)
		log_warning("session log: creating the directory of %s: %s", p->log.path,
			    strerror(-r));
	/* A new file is 0640 whatever the umask (the unit's is 0077); an
	 * existing one keeps the mode it has. */
	l->fd = open(p->log.path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (l->fd >= 0)
		fchmod(l->fd, 0640);
	else if (errno == EEXIST)
		l->fd = open(p->log.path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (l->fd < 0)
		log_error("session log %s: %s: ended sessions are not recorded", p->log.path,
			  strerror(errno));
}

/* Whatever is buffered, appended to the file; lost (and counted) if it
 * cannot be. */
void sessionlog_flush(struct sessionlog *l)
{
	size_t off = 0;

	if (l->buf.oom)
		off = l->buf.len + 1;	/* a record cut short: none of them */
	if (l->cut && l->fd >= 0 && off < l->buf.len && write(l->fd, "\n", 1) == 1)
		l->cut = false;
	while (l->fd >= 0 && off < l->buf.len && !l->cut) {
		ssize_t n = write(l->fd, l->buf.buf + off, l->buf.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (log_ratelimit_ok(&l->rl))
				log_error("session log %s: %s: records lost", l->path,
					  n < 0 ? strerror(errno) : "short write");
			l->cut = off > 0;
			break;
		}
		off += (size_t)n;
	}
	if (off == l->buf.len)
		atomic_fetch_add(&l->written, l->buf_records);
	else
		atomic_fetch_add(&l->failed, l->buf_records);
	l->buf.len = 0;
	l->buf.need_comma = false;
	l->buf.oom = false;
	l->buf_records = 0;
}

/* ---- the journal ---------------------------------------------------------- */

struct fields {
	char *items[JOURNAL_FIELDS];
	size_t n;
};

static void add(struct fields *f, const char *key, const char *value)
{
	char name[64];
	size_t i;

	if (f->n == JOURNAL_FIELDS)
		return;
	/* Journal field names: QPOD_ and the key in capitals. */
	for (i = 0; key[i] && i < sizeof(name) - 1; i++)
		name[i] = key[i] >= 'a' && key[i] <= 'z' ? (char)(key[i] - 'a' + 'A') : key[i];
	name[i] = '\0';
	if (asprintf(&f->items[f->n], "QPOD_%s=%s", name, value) >= 0)
		f->n++;
}

static void f_str(void *arg, const char *k, const char *v)
{
	add(arg, k, v);
}

static void f_num(void *arg, const char *k, uint64_t v)
{
	char b[24];

	snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	add(arg, k, b);
}

static void f_flag(void *arg, const char *k, bool v)
{
	add(arg, k, v ? "true" : "false");
}

static void f_null(void *arg, const char *k)
{
	(void)arg;
	(void)k;	/* not known: no field */
}

static void to_journal(struct sessionlog *l, const struct snapshot *snap, const struct session *s,
		       uint64_t end_real_ns, bool end_seen)
{
	struct fields f = { .n = 0 };
	const struct session_sink sink = { f_str, f_num, f_flag, f_null, &f, true };
	const struct qp_class *cls = session_class(snap, s);
	const struct qp_app *app = session_app(snap, s);
	char msg[256];

	session_view(snap, s, end_real_ns, &sink);
	f_num(&f, "ended", end_real_ns / 1000000000u);
	f_flag(&f, "end_seen", end_seen);
	snprintf(msg, sizeof(msg), "session ended: pid %u, application %s, class %s, %llu bytes",
		 s->pid, app ? app->name : "-", cls ? cls->name : "-",
		 (unsigned long long)s->bytes);
	if (sd_journal_record(msg, f.items, f.n) < 0)
		atomic_fetch_add(&l->failed, 1);
	else
		atomic_fetch_add(&l->written, 1);
	for (size_t i = 0; i < f.n; i++)
		free(f.items[i]);
}

void sessionlog_write(struct sessionlog *l, const struct snapshot *snap, const struct session *s,
		      uint64_t end_real_ns, bool end_seen)
{
	if (l->kind == QP_LOG_JOURNAL) {
		to_journal(l, snap, s, end_real_ns, end_seen);
		return;
	}
	if (l->kind != QP_LOG_FILE)
		return;
	if (l->fd < 0) {
		atomic_fetch_add(&l->failed, 1);
		return;
	}
	jsonw_object(&l->buf, NULL);
	session_json(&l->buf, snap, s, end_real_ns, true);
	jsonw_u64(&l->buf, "ended", end_real_ns / 1000000000u);
	jsonw_bool(&l->buf, "end_seen", end_seen);
	jsonw_end_object(&l->buf);
	jsonw_line_end(&l->buf);
	l->buf_records++;
	if (l->buf.oom || l->buf.len >= BUF_FLUSH)
		sessionlog_flush(l);
}

void sessionlog_free(struct sessionlog *l)
{
	if (!l)
		return;
	sessionlog_flush(l);
	if (l->fd >= 0)
		close(l->fd);
	free(l->path);
	jsonw_free(&l->buf);
	free(l);
}

uint64_t sessionlog_written(const struct sessionlog *l)
{
	return atomic_load(&l->written);
}

uint64_t sessionlog_failed(const struct sessionlog *l)
{
	return atomic_load(&l->failed);
}
