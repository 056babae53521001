/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <unistd.h>

#include "sdbus.h"

#define SYSTEMD_PRIVATE "unix:path=/run/systemd/private"

int sdbus_open_manager(sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	if (geteuid() != 0)
		return sd_bus_open_user(ret);
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, SYSTEMD_PRIVATE);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0) {
		*ret = bus;
		return 0;
	}
	sd_bus_unref(bus);
	return sd_bus_open_system(ret);
}
