/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SDBUS_H
#define QPOD_SDBUS_H

#include <systemd/sd-bus.h>

/* Talking to the systemd manager over D-Bus, for qpodd and qpod-ctl. */

/** Opens a connection to the manager that runs the caller: for root the
 * system manager directly, as systemctl does (no D-Bus daemon needed,
 * early in boot or on a minimal system), else through the system bus;
 * for others their own manager on the user bus. Returns 0 or a negative
 * errno. */
int sdbus_open_manager(sd_bus **ret);

#endif
