/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp-client ADDR PORT BYTES [HOLD_MS [EVERY_MS]]: connects, sends BYTES,
 * keeps the session open HOLD_MS milliseconds (sending 100 bytes every
 * EVERY_MS meanwhile, each in a segment of its own), closes. A program of
 * its own, so a test can copy it to several paths and run it as several
 * users. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
	char buf[4096];
	long left, hold_ms, every_ms;
	int fd, family, one = 1;

	if (argc < 4 || argc > 6) {
		fprintf(stderr, "usage: tcp-client ADDR PORT BYTES [HOLD_MS [EVERY_MS]]\n");
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
	left = atol(argv[3]);
	hold_ms = argc >= 5 ? atol(argv[4]) : 0;
	every_ms = argc == 6 ? atol(argv[5]) : 0;
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
	    connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		perror("connect");
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	while (left > 0) {
		ssize_t n = send(fd, buf, left < (long)sizeof(buf) ? (size_t)left : sizeof(buf), 0);

		if (n < 0) {
			perror("send");
			return 1;
		}
		left -= n;
	}
	for (long held = 0; held < hold_ms;) {
		long step = every_ms > 0 && every_ms < hold_ms - held ? every_ms : hold_ms - held;
		struct timespec ts = { step / 1000, (step % 1000) * 1000000 };

		nanosleep(&ts, NULL);
		held += step;
		if (every_ms > 0 && send(fd, buf, 100, 0) < 0) {
			perror("send");
			return 1;
		}
	}
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	return 0;
}
