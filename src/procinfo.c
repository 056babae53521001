/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procinfo.h"
#include "units.h"

int procinfo_status_euid(const char *status, uint32_t *ret)
{
	const char *p = strstr(status, "\nUid:");
	unsigned long real, eff;

	if (!p)
		p = strncmp(status, "Uid:", 4) == 0 ? status : NULL;
	else
		p++;
	if (!p || sscanf(p, "Uid:%lu%lu", &real, &eff) != 2)
		return -EINVAL;
	*ret = (uint32_t)eff;
	return 0;
}

int procinfo_stat(const char *stat, uint32_t *ret_ppid, uint64_t *ret_start)
{
	const char *p = strrchr(stat, ')');
	unsigned long ppid;
	unsigned long long start;
	char state;

	/* After the name: state (3), ppid (4), ... starttime (22). */
	if (!p || sscanf(p + 1, " %c %lu %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			 "%*d %*d %llu", &state, &ppid, &start) != 3)
		return -EINVAL;
	*ret_ppid = (uint32_t)ppid;
	*ret_start = start;
	return 0;
}

int procinfo_stat_comm(const char *stat, char *buf, size_t len)
{
	const char *open = strchr(stat, '('), *close = strrchr(stat, ')');
	size_t n;

	if (!open || !close || close < open)
		return -EINVAL;
	n = (size_t)(close - open - 1);
	if (n >= len)
		n = len - 1;
	memcpy(buf, open + 1, n);
	buf[n] = '\0';
	return 0;
}

char *procinfo_cmdline_join(char *buf, size_t len)
{
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return buf;
}

static int copy_line_value(const char *v, char *buf, size_t len)
{
	size_t n = strcspn(v, "\n");

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return 0;
}

int procinfo_cgroup(const char *text, char *buf, size_t len)
{
	const char *p;

	if (strncmp(text, "0::", 3) == 0)
		return copy_line_value(text + 3, buf, len);
	p = strstr(text, "\n0::");
	if (p)
		return copy_line_value(p + 4, buf, len);
	p = strstr(text, ":name=systemd:");
	if (p)
		return copy_line_value(p + 14, buf, len);
	return -ENOENT;
}

static bool is_unit(const char *name, size_t len)
{
	static const char *const suffixes[] = { ".service", ".scope", ".slice", ".socket",
						".timer", ".mount", NULL };

	for (const char *const *s = suffixes; *s; s++) {
		size_t sl = strlen(*s);

		if (len > sl && memcmp(name + len - sl, *s, sl) == 0)
			return true;
	}
	return false;
}

bool procinfo_unit_matches(const char *path, const char *unit)
{
	const char *p = path;

	while (*p) {
		size_t n;
		char comp[256];

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n && n < sizeof(comp) && is_unit(p, n)) {
			memcpy(comp, p, n);
			comp[n] = '\0';
			if (fnmatch(unit, comp, 0) == 0)
				return true;
		}
		p += n;
	}
	return false;
}

uint64_t procinfo_socket_inode(const char *link)
{
	const char *err;
	char num[24];
	uint64_t ino;
	size_t n;

	if (strncmp(link, "socket:[", 8) != 0)
		return 0;
	n = strcspn(link + 8, "]");
	if (n == 0 || n >= sizeof(num) || link[8 + n] != ']' || link[9 + n] != '\0')
		return 0;
	memcpy(num, link + 8, n);
	num[n] = '\0';
	return units_parse_uint(num, UINT64_MAX, &ino, &err) == 0 ? ino : 0;
}
