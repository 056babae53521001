/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SESSIONVIEW_H
#define QPOD_SESSIONVIEW_H

#include <stdint.h>

#include "snapshot.h"
#include "jsonw.h"
#include "sessiontab.h"

/* A session as people read it: the fields qpod-ctl lists and the session
 * log records (qpod-ctl(8) names them), told one at a time to whatever
 * writes them: JSON, or journal fields. */
struct session_sink {
	void (*str)(void *arg, const char *key, const char *value);
	void (*num)(void *arg, const char *key, uint64_t value);
	void (*flag)(void *arg, const char *key, bool value);
	void (*null)(void *arg, const char *key);	/* not known */
	void *arg;
	/* The session ended: its pid may be another process's by now, so
	 * its exe is not looked up. */
	bool ended;
};

/** Tells OUT session S's fields, names as SNAP's policy has them, its age
 * as of NOW_REAL_NS (CLOCK_REALTIME). */
void session_view(const struct snapshot *snap, const struct session *s, uint64_t now_real_ns,
		  const struct session_sink *out);

/** S's ends, this host's and the other, as "ADDR:PORT" or "[ADDR]:PORT". */
void session_endpoints(const struct session *s, char *local, size_t local_len, char *remote,
		       size_t remote_len);

/** session_view() as the members of a JSON object W has open. */
void session_json(struct jsonw *w, const struct snapshot *snap, const struct session *s,
		  uint64_t now_real_ns, bool ended);

/** What `qpod-ctl sessions` calls REASON (enum session_reason) in
 * decided_by: "rule", "no-process", ... */
const char *session_reason_name(unsigned int reason);

/** The class S's mark names in SNAP (classes keep their marks across
 * reloads), or NULL. */
const struct qp_class *session_class(const struct snapshot *snap, const struct session *s);

/** The application S was decided for, if SNAP's policy still has it. */
const struct qp_app *session_app(const struct snapshot *snap, const struct session *s);

#endif
