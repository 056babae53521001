/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "sd.h"

void sd_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void sd_reloading(void)
{
	struct timespec ts;

	/* Type=notify-reload wants the time the reload began. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
		   (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
}

void sd_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

uint64_t sd_watchdog_interval_usec(void)
{
	uint64_t usec = 0;

	return sd_watchdog_enabled(0, &usec) > 0 ? usec / 2 : 0;
}

void sd_watchdog_ping(void)
{
	sd_notify(0, "WATCHDOG=1");
}

int sd_journal_record(const char *message, char *const *fields, size_t n)
{
	static char priority[] = "PRIORITY=6";
	struct iovec iov[64];
	char *msg = NULL;
	size_t k = 0;
	int r;

	if (asprintf(&msg, "MESSAGE=%s", message) < 0)
		return -ENOMEM;
	iov[k++] = (struct iovec){ msg, strlen(msg) };
	iov[k++] = (struct iovec){ priority, strlen(priority) };
	for (size_t i = 0; i < n && k < sizeof(iov) / sizeof(iov[0]); i++)
		iov[k++] = (struct iovec){ fields[i], strlen(fields[i]) };
	r = sd_journal_sendv(iov, (int)k);
	free(msg);
	return r;
}
