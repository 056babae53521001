/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CTLPROTO_H
#define QPOD_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The control protocol (qpod-ctl(8) describes it): over a Unix stream
 * socket, one request per connection, a JSON object on one line,
 *	{"version": 1, "command": "sessions"}
 * ("explain" takes "pid": N or "endpoint": "ADDR:PORT" as well; "run"
 * takes "class": "NAME", and "scope": true when the asker is in a systemd
 * scope of its own already)
 * and one answer, a JSON object on one line, after which qpodd closes:
 *	{"version": 1, "ok": true, ...}  or  {"version": 1, "ok": false, "error": "..."}
 */

#define CTL_VERSION 1
#define CTL_REQUEST_MAX 4096	/* bytes, the newline included */

enum ctl_command {
	CTL_STATUS,
	CTL_SESSIONS,
	CTL_APPS,
	CTL_CLASSES,
	CTL_RELOAD,
	CTL_EXPLAIN,
	CTL_RUN,
	CTL_N_COMMANDS,
};

#define CTL_ENDPOINT_MAX 64	/* "[2001:db8::1]:65535" and room */
/* The largest process id Linux gives (PID_MAX_LIMIT on 64-bit systems). */
#define CTL_PID_MAX 4194304
#define CTL_CLASS_MAX 64	/* longer than any class name */

struct ctl_request {
	unsigned version;
	enum ctl_command command;
	/* explain: the sessions of a process, or those with an end here */
	uint32_t pid;			/* 0: none */
	char endpoint[CTL_ENDPOINT_MAX];	/* "ADDR:PORT", "[ADDR]:PORT"; "": none */
	/* run: the class the asker's cgroup gets; whether that cgroup is the
	 * systemd scope it is in (else qpodd makes one) */
	char cls[CTL_CLASS_MAX];
	bool scope;
	/* Who asks (SO_PEERCRED), filled in by the control socket. */
	int32_t peer_pid;
	uint32_t peer_uid;
};

/** ARG as an endpoint as qpodd writes sessions' ends: "ADDR:PORT" or
 * "[ADDR]:PORT", an IPv6 address in its canonical form, a port from 1 to
 * 65535. Writes it to OUT (LEN bytes); false if ARG is not one. */
bool ctl_endpoint_canonical(const char *arg, char *out, size_t len);

/** The command's name in requests. */
const char *ctl_command_name(enum ctl_command c);

struct jsonw;

/** Writes REQ (version 0: CTL_VERSION) to W as a request: the members its
 * command takes, those it has. jsonw_finish() gives the line. */
void ctl_format_request(const struct ctl_request *req, struct jsonw *w);

/** Reads one request: BUF holds LEN bytes, the line without its newline.
 * Returns 0, or -EINVAL with the reason in ERR (ERRLEN bytes). */
int ctl_parse_request(const char *buf, size_t len, struct ctl_request *ret, char *err,
		      size_t errlen);

#endif
