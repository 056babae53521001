/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DAEMON_H
#define QPOD_DAEMON_H

struct cnproc;

struct daemon_options {
	const char *config_file;
	const char *dropin_dir;		/* NULL: derived from config_file */
	struct cnproc *cnproc;		/* process events, opened already; may be NULL */
	const char *control_socket;	/* NULL: the policy's control.socket */
	const char *state_dir;		/* where class values are kept; NULL: nowhere */
};

/* systemd's StateDirectory=qpod, beside /run/qpod and /var/log/qpod. */
#define DAEMON_STATE_DIR "/var/lib/qpod"

/** Runs qpodd until SIGTERM or SIGINT: installs the ruleset, decides
 * queued sessions, reloads on SIGHUP, and on the way out removes what it
 * installed. Returns the process exit status. */
int daemon_main(const struct daemon_options *o);

#endif
