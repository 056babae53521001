/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SD_H
#define QPOD_SD_H

#include <stddef.h>
#include <stdint.h>

/* Everything qpodd tells systemd (sd_notify); each is a no-op when qpodd
 * does not run under systemd. */

/** READY=1, with a STATUS line. */
void sd_ready(const char *status);

/** RELOADING=1 (then sd_ready again). */
void sd_reloading(void);

/** STOPPING=1. */
void sd_stopping(void);

/** The interval at which systemd wants WATCHDOG=1 (half its WatchdogSec,
 * as it advises), in microseconds; 0 when there is no watchdog. */
uint64_t sd_watchdog_interval_usec(void);

/** WATCHDOG=1: the main loop is alive. */
void sd_watchdog_ping(void);

/** A structured journal entry: MESSAGE and FIELDS ("NAME=value", N of
 * them). Returns 0 or a negative errno. */
int sd_journal_record(const char *message, char *const *fields, size_t n);

#endif
