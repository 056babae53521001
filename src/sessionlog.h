/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SESSIONLOG_H
#define QPOD_SESSIONLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"
#include "sessiontab.h"

/* The session log (log.sessions): one record per session that ended, as
 * a JSON line in a file or as structured journal fields. Written by the
 * discovery thread, which sees the ends; buffered, and flushed each
 * second. */
struct sessionlog;

/** Makes a session log that writes nowhere until sessionlog_apply(): 0, or
 * -ENOMEM. */
int sessionlog_new(struct sessionlog **ret);

/** Follows P's log.sessions: opens the file anew (after a rotation, a
 * reload is all it takes), or switches to the journal or to nothing. */
void sessionlog_apply(struct sessionlog *l, const struct qp_policy *p);

/** Records session S, which ended at END_REAL_NS (CLOCK_REALTIME); with
 * END_SEEN false its end event was lost and a listing of conntrack found
 * it gone. */
void sessionlog_write(struct sessionlog *l, const struct snapshot *snap, const struct session *s,
		      uint64_t end_real_ns, bool end_seen);

void sessionlog_flush(struct sessionlog *l);

/** Flushes and closes; accepts NULL. */
void sessionlog_free(struct sessionlog *l);

/** Records written, and records that could not be (a full disk). */
uint64_t sessionlog_written(const struct sessionlog *l);
uint64_t sessionlog_failed(const struct sessionlog *l);

#endif
