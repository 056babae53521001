/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SD_H
#define QPOD_SD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Everything qpodd tells systemd (sd_notify) or asks of it; each is a
 * no-op when qpodd does not run under systemd. */

/** READY=1, with a STATUS line. */
void sd_ready(const char *status);

/** RELOADING=1 (then sd_ready again). */
void sd_reloading(void);

/** STOPPING=1. */
void sd_stopping(void);

/** Whether systemd stops qpodd to start it again (a restart job on its
 * unit: `systemctl restart`, a package upgrade), asked over D-Bus. False
 * when qpodd is not a systemd service or systemd cannot be asked. */
bool sd_restarting(void);

/** The interval at which systemd wants WATCHDOG=1 (half its WatchdogSec,
 * as it advises), in microseconds; 0 when there is no watchdog. */
uint64_t sd_watchdog_interval_usec(void);

/** WATCHDOG=1: the main loop is alive. */
void sd_watchdog_ping(void);

/** A structured journal entry: MESSAGE and FIELDS ("NAME=value", N of
 * them). Returns 0 or a negative errno. */
int sd_journal_record(const char *message, char *const *fields, size_t n);

#endif
