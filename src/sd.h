/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SD_H
#define QPOD_SD_H

/* Everything qpodd tells systemd (sd_notify); each is a no-op when qpodd
 * does not run under systemd. */

/** READY=1, with a STATUS line. */
void sd_ready(const char *status);

/** RELOADING=1 (then sd_ready again). */
void sd_reloading(void);

/** STOPPING=1. */
void sd_stopping(void);

#endif
