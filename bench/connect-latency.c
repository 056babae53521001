/* SPDX-License-Identifier: GPL-2.0-or-later */
/* connect-latency ADDR PORT COUNT: opens COUNT TCP connections one after
 * another (a new socket each, closed at once) and prints the connect()
 * times in microseconds: "n=.. p50=.. p90=.. p99=.. max=..". */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	double *t;
	int n;

	if (argc != 4) {
		fprintf(stderr, "usage: connect-latency ADDR PORT COUNT\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	n = atoi(argv[3]);
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1 || n <= 0)
		return 2;
	t = calloc((size_t)n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		double t0 = now_us();

		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
			perror("connect");
			return 1;
		}
		t[i] = now_us() - t0;
		close(fd);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("n=%d p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", n, t[n / 2], t[n * 9 / 10],
	       t[n * 99 / 100], t[n - 1]);
	return 0;
}
