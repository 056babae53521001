/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_RUN_SCOPE_H
#define QPOD_RUN_SCOPE_H

#include <stddef.h>

/* qpod-ctl run, where systemd runs: the calling process moves into a
 * transient scope of its own, qpod-run-PID.scope, made through sd-bus
 * (the system manager for root, the user's own manager otherwise). */

/** Returns 0 once the caller is in the scope. Otherwise -1, with WHY
 * empty if systemd does not run here, or saying what failed. */
int run_scope_enter(const char *cls, const char *command, char *why, size_t whylen);

#endif
