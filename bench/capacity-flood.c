/* SPDX-License-Identifier: GPL-2.0-or-later */
/* capacity-flood: the load and the probe of bench/capacity.
 *
 *   capacity-flood flood -d ADDR -p DPORT [-P NPORTS] [-s SPORT] [-n NSOCK]
 *                        [-r RATE] [-t SECONDS] [-c COUNT] [-l LEN]
 *                        [-k PID] [-i MS] [-w]
 *     Binds NSOCK UDP sockets (default 16384) to source ports SPORT,
 *     SPORT+1, ... (default 20000), then sends one LEN-byte datagram
 *     (default 32) from each in turn to ADDR: the first round of sockets
 *     to port DPORT, the next to DPORT+1, and so on for at most NPORTS
 *     ports (default 1000). Each datagram is thus a new session (a 4-tuple
 *     not seen before in the run), sent by a live socket its process
 *     holds, as a program with many sockets would: qpodd finds the owner
 *     of every one. Sockets are made before the flood, so the flood pays
 *     one sendto() a session. It sends at RATE datagrams a second (0, the
 *     default: as fast as it can) for SECONDS (default 5) or COUNT
 *     datagrams, whichever ends first.
 *     With -w it first sends one datagram from the first socket to port
 *     DPORT-1 (so that qpodd learns this process's sockets before the
 *     flood, as it would have for a program running a while), prints
 *     "ready" and waits for SIGUSR2; after the flood it keeps its sockets
 *     until a second SIGUSR2 (the sessions still queued have their owner).
 *     When the flood starts it prints "start T", T the CLOCK_MONOTONIC time
 *     in milliseconds. With -k PID it sends SIGUSR1 to PID every MS
 *     milliseconds (default 200) during the flood, and prints "tick T
 *     SENT" just before each: bench/capacity pairs each tick with qpodd's
 *     counts. At the end: "done sent=N seconds=S rate=R errors=E" and a
 *     line per errno seen ("error EPERM 12").
 *
 *   capacity-flood probe -d ADDR -p PORT [-i MS] [-t SECONDS]
 *     Opens a new TCP connection to ADDR:PORT every MS milliseconds
 *     (default 20) for SECONDS (default 5), and prints, for each, when it
 *     started (CLOCK_MONOTONIC, milliseconds) and how long connect() took,
 *     in microseconds ("T US", or "T fail ERRNO"); then "probe n=.. p50=..
 *     p99=.. max=.. failed=..".
 *
 * Exit status: 0 done, 1 a failure (printed), 2 bad usage. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK_EVERY 16		/* sends between looks at the clock */

struct opts {
	struct sockaddr_in dst;
	unsigned dport, nports, sport, nsock, len, interval_ms;
	double rate, seconds;
	unsigned long long count;
	pid_t tick_pid;
	bool wait_go;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };

	nanosleep(&ts, NULL);
}

static int usage(void)
{
	fprintf(stderr, "usage: capacity-flood flood -d ADDR -p DPORT [-P NPORTS] [-s SPORT] "
			"[-n NSOCK] [-r RATE] [-t SECONDS] [-c COUNT] [-l LEN] [-k PID] [-i MS] [-w]\n"
			"       capacity-flood probe -d ADDR -p PORT [-i MS] [-t SECONDS]\n");
	return 2;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "d:p:P:s:n:r:t:c:l:k:i:w")) != -1) {
		switch (c) {
		case 'd':
			if (inet_pton(AF_INET, optarg, &o->dst.sin_addr) != 1)
				return -1;
			break;
		case 'p': o->dport = (unsigned)atoi(optarg); break;
		case 'P': o->nports = (unsigned)atoi(optarg); break;
		case 's': o->sport = (unsigned)atoi(optarg); break;
		case 'n': o->nsock = (unsigned)atoi(optarg); break;
		case 'r': o->rate = atof(optarg); break;
		case 't': o->seconds = atof(optarg); break;
		case 'c': o->count = strtoull(optarg, NULL, 10); break;
		case 'l': o->len = (unsigned)atoi(optarg); break;
		case 'k': o->tick_pid = (pid_t)atoi(optarg); break;
		case 'i': o->interval_ms = (unsigned)atoi(optarg); break;
		case 'w': o->wait_go = true; break;
		default: return -1;
		}
	}
	if (!o->dst.sin_addr.s_addr || !o->dport || o->dport > 65535 || o->seconds <= 0 ||
	    !o->interval_ms || o->rate < 0)
		return -1;
	return 0;
}

/* ---- flood --------------------------------------------------------------- */

static int flood(struct opts *o)
{
	static unsigned long long errs[256];
	char buf[1500] = { 0 };
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct rlimit rl = { o->nsock + 64, o->nsock + 64 };
	unsigned long long sent = 0, nerr = 0;
	uint64_t start, end, next_tick, now;
	unsigned pass = 0, i = 0;
	bool stop = false;
	sigset_t set;
	int sig, *fds;

	if (!o->nsock || o->sport + o->nsock > 65536 || o->dport + o->nports > 65536 ||
	    o->len > sizeof(buf) || o->dport < 2)
		return usage();
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("setrlimit(RLIMIT_NOFILE)");
		return 1;
	}
	fds = calloc(o->nsock, sizeof(*fds));
	if (!fds)
		return 1;
	for (unsigned k = 0; k < o->nsock; k++) {
		fds[k] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		src.sin_port = htons((uint16_t)(o->sport + k));
		if (fds[k] < 0 || bind(fds[k], (struct sockaddr *)&src, sizeof(src)) < 0) {
			fprintf(stderr, "capacity-flood: socket bound to port %u: %s\n", o->sport + k,
				strerror(errno));
			return 1;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (o->wait_go) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		o->dst.sin_port = htons((uint16_t)(o->dport - 1));
		if (sendto(fds[0], buf, o->len, 0, (struct sockaddr *)&o->dst, sizeof(o->dst)) < 0) {
			perror("capacity-flood: the warm-up datagram");
			return 1;
		}
		printf("ready\n");
		fflush(stdout);
		sigwait(&set, &sig);
	}
	start = now_ns();
	printf("start %.3f\n", (double)start / 1e6);
	end = start + (uint64_t)(o->seconds * 1e9);
	next_tick = start + o->interval_ms * 1000000ull;
	o->dst.sin_port = htons((uint16_t)o->dport);
	while (!stop) {
		if (sent % CHECK_EVERY == 0) {
			now = now_ns();
			if (now >= end)
				break;
			if (o->tick_pid && now >= next_tick) {
				printf("tick %.3f %llu\n", (double)now / 1e6, sent);
				fflush(stdout);
				kill(o->tick_pid, SIGUSR1);
				next_tick += o->interval_ms * 1000000ull;
			}
			/* Paced: no more than RATE a second since the start. */
			while (o->rate > 0 && (double)sent > (double)(now - start) * o->rate / 1e9) {
				sleep_ns(20000);
				now = now_ns();
			}
		}
		if (o->count && sent >= o->count)
			break;
		if (sendto(fds[i], buf, o->len, 0, (struct sockaddr *)&o->dst, sizeof(o->dst)) < 0) {
			nerr++;
			errs[errno & 255]++;
		}
		sent++;
		if (++i == o->nsock) {
			i = 0;
			if (++pass == o->nports) {
				fprintf(stderr, "capacity-flood: all %u destination ports used: raise -P\n",
					o->nports);
				stop = true;
			}
			o->dst.sin_port = htons((uint16_t)(o->dport + pass));
		}
	}
	now = now_ns();
	printf("done sent=%llu seconds=%.3f rate=%.0f errors=%llu\n", sent,
	       (double)(now - start) / 1e9, (double)sent * 1e9 / (double)(now - start), nerr);
	for (int e = 0; e < 256; e++)
		if (errs[e])
			printf("error %s %llu\n", strerrorname_np(e) ? strerrorname_np(e) : "?", errs[e]);
	if (o->wait_go)
		sigwait(&set, &sig);
	return stop ? 1 : 0;
}

/* ---- probe --------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int probe(struct opts *o)
{
	size_t cap = (size_t)(o->seconds * 1000 / o->interval_ms) + 16, n = 0;
	double *t = calloc(cap, sizeof(*t));
	uint64_t start = now_ns(), next = start;
	unsigned failed = 0;

	if (!t)
		return 1;
	o->dst.sin_port = htons((uint16_t)o->dport);
	while (now_ns() - start < (uint64_t)(o->seconds * 1e9) && n < cap) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		uint64_t t0 = now_ns();
		double at = (double)t0 / 1e6;

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		if (connect(fd, (struct sockaddr *)&o->dst, sizeof(o->dst)) < 0) {
			printf("%.3f fail %s\n", at, strerrorname_np(errno));
			failed++;
		} else {
			t[n] = (double)(now_ns() - t0) / 1e3;
			printf("%.3f %.1f\n", at, t[n]);
			n++;
		}
		close(fd);
		next += o->interval_ms * 1000000ull;
		if (now_ns() < next)
			sleep_ns(next - now_ns());
	}
	qsort(t, n, sizeof(*t), cmp_double);
	if (n)
		printf("probe n=%zu p50=%.1f p99=%.1f max=%.1f failed=%u\n", n, t[n / 2],
		       t[n * 99 / 100], t[n - 1], failed);
	else
		printf("probe n=0 failed=%u\n", failed);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.dst = { .sin_family = AF_INET },
		.nports = 1000, .sport = 20000, .nsock = 16384, .len = 32,
		.interval_ms = 200, .seconds = 5,
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "probe") == 0)
		o.interval_ms = 20;
	else if (strcmp(argv[1], "flood") != 0)
		return usage();
	if (parse(argc - 1, argv + 1, &o) < 0)
		return usage();
	return strcmp(argv[1], "probe") == 0 ? probe(&o) : flood(&o);
}
