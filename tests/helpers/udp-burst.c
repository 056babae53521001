/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp-burst ADDR PORT COUNT [EVERY PAUSE_US]: sends COUNT datagrams back
 * to back from one socket, each starting with its sequence number as 8
 * decimal digits; with EVERY and PAUSE_US, pauses PAUSE_US microseconds
 * after every EVERY datagrams. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	char buf[100];
	int fd, n, family, every = 0;
	long pause_us = 0;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: udp-burst ADDR PORT COUNT [EVERY PAUSE_US]\n");
		return 2;
	}
	if (argc == 6) {
		every = atoi(argv[4]);
		pause_us = atol(argv[5]);
		if (every < 1 || pause_us < 0 || pause_us > 999999)
			return 2;
	}
	family = strchr(argv[1], ':') ? AF_INET6 : AF_INET;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)atoi(argv[2]));
		if (inet_pton(AF_INET, argv[1], &a->sin_addr) != 1)
			return 2;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)atoi(argv[2]));
		if (inet_pton(AF_INET6, argv[1], &a->sin6_addr) != 1)
			return 2;
		sl = sizeof(*a);
	}
	n = atoi(argv[3]);
	if (n < 0 || n > 99999999)
		return 2;
	fd = socket(family, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < n; i++) {
		char seq[16];

		snprintf(seq, sizeof(seq), "%08d", i % 100000000);
		memcpy(buf, seq, 8);
		if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, sl) < 0) {
			perror("sendto");
			return 1;
		}
		if (every && (i + 1) % every == 0) {
			struct timespec ts = { 0, pause_us * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	return 0;
}
