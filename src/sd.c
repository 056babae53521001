/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <systemd/sd-daemon.h>
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
