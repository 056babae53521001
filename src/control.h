/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CONTROL_H
#define QPOD_CONTROL_H

#include <stdint.h>

#include "ctlproto.h"
#include "jsonw.h"

/* The control socket: a Unix stream socket whose peers are checked with
 * SO_PEERCRED (root, or a member of the socket's group), one request per
 * connection (ctlproto.h). It runs in the caller's event loop, never
 * blocks, and bounds every client in bytes and time, so a slow or hostile
 * client costs nothing but its own connection. */

struct control;

enum control_answer {
	CONTROL_DONE,
	CONTROL_LATER,	/* not yet: ask again in a moment */
};

/* What a handler keeps between its tries at one request; zero at first. */
struct control_pending {
	uint64_t ticket;
	uint64_t deadline_ns;
};

/* Answers REQ into W, after the answer's "version": writes "ok" and the
 * rest of the object's members; or returns CONTROL_LATER without writing,
 * when what it needs is not there yet (it is asked again every 20 ms,
 * with the same PENDING, until the client's 10 s are up). */
typedef enum control_answer (*control_handler)(void *arg, const struct ctl_request *req,
					       struct control_pending *pending,
					       struct jsonw *w);

/** Listens on PATH (creating its directory, replacing a stale socket),
 * mode 0660 with group GROUP (0600 if there is no such group). Fails
 * with -EADDRINUSE when a live qpodd listens there already. Logs why. */
int control_new(const char *path, const char *group, control_handler h, void *arg,
		 struct control **ret);

/** Stops listening, drops the clients and removes the socket. Accepts NULL. */
void control_free(struct control *c);

/** A descriptor that is readable when the control socket has work; and
 * that work, done without blocking. */
int control_fd(const struct control *c);
void control_process(struct control *c);

/** For handlers: an answer that says why the request failed. */
void control_fail(struct jsonw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
