/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check-main.h"
#include "test-util.h"

char test_file_dir[64];
char test_file_path[96];

void test_tuple(int family, uint8_t proto, const char *src, uint16_t sport, const char *dst,
		uint16_t dport, struct tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = (uint8_t)family;
	t->proto = proto;
	t->has_ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP;
	t->sport = sport;
	t->dport = dport;
	ck_assert_int_eq(inet_pton(family, src, t->saddr), 1);
	ck_assert_int_eq(inet_pton(family, dst, t->daddr), 1);
}

void test_file_setup(const char *name)
{
	snprintf(test_file_dir, sizeof(test_file_dir), "/tmp/qpod-test-%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(test_file_dir));
	snprintf(test_file_path, sizeof(test_file_path), "%s/%s", test_file_dir, name);
}

void test_file_teardown(void)
{
	unlink(test_file_path);
	rmdir(test_file_dir);
}

void test_file_write(const char *text)
{
	FILE *f = fopen(test_file_path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}
