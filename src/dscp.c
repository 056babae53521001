/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "dscp.h"
#include "units.h"

struct dscp_name {
	const char *name;
	uint8_t value;
};

/* RFC 2474 (CS), 2597 (AF), 3246 (EF), 5865 (VA), 8622 (LE). The first
 * name for a value is the one printed. */
static const struct dscp_name names[] = {
	{ "BE", 0 }, { "DF", 0 }, { "CS0", 0 },
	{ "LE", 1 },
	{ "CS1", 8 }, { "AF11", 10 }, { "AF12", 12 }, { "AF13", 14 },
	{ "CS2", 16 }, { "AF21", 18 }, { "AF22", 20 }, { "AF23", 22 },
	{ "CS3", 24 }, { "AF31", 26 }, { "AF32", 28 }, { "AF33", 30 },
	{ "CS4", 32 }, { "AF41", 34 }, { "AF42", 36 }, { "AF43", 38 },
	{ "CS5", 40 }, { "VA", 44 }, { "EF", 46 },
	{ "CS6", 48 }, { "CS7", 56 },
};

int dscp_parse(const char *s, uint8_t *ret)
{
	const char *err;
	uint64_t v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*ret = names[i].value;
			return 0;
		}
	}
	if (units_parse_uint(s, DSCP_MAX, &v, &err) < 0)
		return -EINVAL;
	*ret = (uint8_t)v;
	return 0;
}

const char *dscp_name(uint8_t dscp)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].value == dscp)
			return names[i].name;
	return NULL;
}

void dscp_format(uint8_t dscp, char *buf, size_t len)
{
	const char *n = dscp_name(dscp);

	if (n)
		snprintf(buf, len, "%s", n);
	else
		snprintf(buf, len, "%u", dscp);
}
