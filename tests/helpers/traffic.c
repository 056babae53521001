/* SPDX-License-Identifier: GPL-2.0-or-later */
/* traffic: the load and the measurements of the queueing tests and of
 * bench/altq, in C: under the test VM's emulated CPU an interpreter
 * could not keep the rates and timestamps these tests rely on.
 *
 *   traffic udp ADDR PORT KBIT SIZE SECONDS [ect]
 *	constant-rate UDP, SIZE-byte datagrams each carrying a sequence
 *	number and its send time; prints "sent PACKETS" at the end.  With
 *	"ect" the datagrams are ECN-capable (ECT(0)), so an ECN queue may
 *	mark them rather than drop.
 *   traffic tcp ADDR PORT SECONDS
 *	one TCP connection writing as fast as it may; prints "sent BYTES".
 *   traffic sink ADDR SECONDS INTERVAL_MS PORT/udp|PORT/tcp...
 *	receives on every PORT for SECONDS; prints "ready" once listening,
 *	then a row per interval (seconds since start, kbit/s per port) and
 *	a summary line per port: bytes, rate, packets, and for UDP the
 *	one-way delay percentiles from each datagram's send time to its
 *	kernel receive time (one clock: senders and sink share a kernel). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS 8
#define MAX_CONNS 64
#define MAX_DELAYS (1u << 20)

struct stamp {		/* the head of every UDP datagram */
	uint32_t seq;
	uint32_t pad;
	uint64_t sent_ns;	/* CLOCK_REALTIME */
};

struct port {
	int fd;
	uint16_t num;
	bool tcp;
	uint64_t bytes, packets;
	uint64_t *bins;		/* bytes per interval */
	int64_t *delays_ns;	/* UDP only */
	uint32_t ndelays;
	uint32_t max_seq;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static socklen_t parse_addr(const char *text, const char *port, struct sockaddr_storage *ss)
{
	char *end;
	long p = strtol(port, &end, 10);

	if (*end || p < 0 || p > 65535) {
		fprintf(stderr, "traffic: bad port %s\n", port);
		exit(2);
	}
	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, text, &a->sin6_addr) == 1)
			return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, text, &a->sin_addr) == 1)
			return sizeof(*a);
	}
	fprintf(stderr, "traffic: bad address %s\n", text);
	exit(2);
}

static double parse_positive(const char *text, const char *what)
{
	char *end;
	double v = strtod(text, &end);

	if (*end || !(v > 0)) {
		fprintf(stderr, "traffic: %s must be a positive number, not %s\n", what, text);
		exit(2);
	}
	return v;
}

/* Ask for ECT(0) in the ECN bits; the DSCP bits are qpod's to set. */
static void set_ect(int fd, int family)
{
	int ect = 0x02;

	if (family == AF_INET6 ? setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &ect, sizeof(ect))
			       : setsockopt(fd, IPPROTO_IP, IP_TOS, &ect, sizeof(ect)))
		die("setsockopt ECT");
}

static int send_udp(char **argv, bool ect)
{
	struct sockaddr_storage ss;
	socklen_t sl = parse_addr(argv[0], argv[1], &ss);
	double kbit = parse_positive(argv[2], "KBIT");
	size_t size = (size_t)parse_positive(argv[3], "SIZE");
	double seconds = parse_positive(argv[4], "SECONDS");
	uint64_t gap_ns = (uint64_t)(size * 8 * 1e6 / kbit);
	char buf[65536] = { 0 };
	struct timespec next;
	uint64_t start, end, sent = 0;
	int fd;

	if (size < sizeof(struct stamp) || size > sizeof(buf)) {
		fprintf(stderr, "traffic: SIZE must be %zu..%zu\n", sizeof(struct stamp), sizeof(buf));
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die("udp socket");
	if (ect)
		set_ect(fd, ss.ss_family);
	start = now_ns(CLOCK_MONOTONIC);
	end = start + (uint64_t)(seconds * 1e9);
	/* Stops at the end even if behind: a sender blocked by a full
	 * queue must not go on sending after the sink has gone. */
	for (uint64_t t = start; t < end && now_ns(CLOCK_MONOTONIC) < end; t += gap_ns) {
		struct stamp s = { .seq = (uint32_t)sent };

		next.tv_sec = (time_t)(t / 1000000000u);
		next.tv_nsec = (long)(t % 1000000000u);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		s.sent_ns = now_ns(CLOCK_REALTIME);
		memcpy(buf, &s, sizeof(s));
		/* A full socket buffer is the sender's own loss, not the
		 * network's: wait for room rather than drop. */
		if (send(fd, buf, size, 0) < 0)
			die("udp send");
		sent++;
	}
	printf("sent %" PRIu64 "\n", sent);
	return 0;
}

static int send_tcp(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t sl = parse_addr(argv[0], argv[1], &ss);
	double seconds = parse_positive(argv[2], "SECONDS");
	static char buf[65536];
	uint64_t end, sent = 0;
	int fd, sndbuf = 128 * 1024;

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	/* A small send buffer: the flow stops when its time is up, rather
	 * than drain megabytes through a slow class for seconds after. */
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl) < 0)
		die("tcp connect");
	end = now_ns(CLOCK_MONOTONIC) + (uint64_t)(seconds * 1e9);
	while (now_ns(CLOCK_MONOTONIC) < end) {
		ssize_t n = send(fd, buf, sizeof(buf), 0);

		if (n < 0)
			die("tcp send");
		sent += (uint64_t)n;
	}
	close(fd);
	printf("sent %" PRIu64 "\n", sent);
	return 0;
}

static void open_port(struct port *p, const char *addr, const char *spec, size_t nbins)
{
	struct sockaddr_storage ss;
	char num[8];
	const char *slash = strchr(spec, '/');
	socklen_t sl;
	int one = 1;

	if (!slash || (size_t)(slash - spec) >= sizeof(num) ||
	    (strcmp(slash, "/udp") && strcmp(slash, "/tcp"))) {
		fprintf(stderr, "traffic: %s is not PORT/udp or PORT/tcp\n", spec);
		exit(2);
	}
	memcpy(num, spec, (size_t)(slash - spec));
	num[slash - spec] = 0;
	sl = parse_addr(addr, num, &ss);
	p->tcp = !strcmp(slash, "/tcp");
	p->num = (uint16_t)atoi(num);
	p->fd = socket(ss.ss_family, p->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (p->fd < 0)
		die("sink socket");
	setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!p->tcp) {
		int rcvbuf = 4 << 20;

		setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
		setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		p->delays_ns = calloc(MAX_DELAYS, sizeof(*p->delays_ns));
	}
	if (bind(p->fd, (struct sockaddr *)&ss, sl) < 0)
		die("sink bind");
	if (p->tcp && listen(p->fd, 16) < 0)
		die("sink listen");
	p->bins = calloc(nbins, sizeof(*p->bins));
	if (!p->bins || (!p->tcp && !p->delays_ns))
		die("calloc");
}

static void count(struct port *p, size_t n, uint64_t since_start_ns, uint64_t interval_ns,
		  size_t nbins)
{
	size_t bin = (size_t)(since_start_ns / interval_ns);

	p->bytes += n;
	p->packets++;
	if (bin < nbins)
		p->bins[bin] += n;
}

static void receive_udp(struct port *p, uint64_t start, uint64_t interval_ns, size_t nbins)
{
	static char buf[65536];
	char control[CMSG_SPACE(sizeof(struct timespec))];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (;;) {
		struct stamp s;
		uint64_t rx_ns = 0;

		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		n = recvmsg(p->fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;

				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				rx_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			}
		count(p, (size_t)n, now_ns(CLOCK_MONOTONIC) - start, interval_ns, nbins);
		if ((size_t)n < sizeof(s))
			continue;
		memcpy(&s, buf, sizeof(s));
		if (s.seq > p->max_seq)
			p->max_seq = s.seq;
		if (rx_ns && p->ndelays < MAX_DELAYS)
			p->delays_ns[p->ndelays++] = (int64_t)(rx_ns - s.sent_ns);
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double percentile_ms(const struct port *p, double q)
{
	size_t i;

	if (!p->ndelays)
		return 0;
	i = (size_t)(q * (p->ndelays - 1));
	return (double)p->delays_ns[i] / 1e6;
}

static int sink(int argc, char **argv)
{
	double seconds = parse_positive(argv[1], "SECONDS");
	uint64_t interval_ns = (uint64_t)(parse_positive(argv[2], "INTERVAL_MS") * 1e6);
	size_t nports = (size_t)argc - 3;
	size_t nbins = (size_t)(seconds * 1e9 / (double)interval_ns) + 1;
	struct port ports[MAX_PORTS] = { 0 };
	struct pollfd pfd[MAX_PORTS + MAX_CONNS];
	int conn_fd[MAX_CONNS];
	size_t conn_of[MAX_CONNS];
	size_t nconns = 0;
	uint64_t start, end;

	if (nports < 1 || nports > MAX_PORTS) {
		fprintf(stderr, "traffic: sink takes 1..%d ports\n", MAX_PORTS);
		return 2;
	}
	for (size_t i = 0; i < nports; i++)
		open_port(&ports[i], argv[0], argv[3 + i], nbins);
	printf("ready\n");
	fflush(stdout);
	start = now_ns(CLOCK_MONOTONIC);
	end = start + (uint64_t)(seconds * 1e9);
	for (uint64_t now = start; now < end; now = now_ns(CLOCK_MONOTONIC)) {
		size_t n = 0;

		for (size_t i = 0; i < nports; i++)
			pfd[n++] = (struct pollfd){ .fd = ports[i].fd, .events = POLLIN };
		for (size_t i = 0; i < nconns; i++)
			pfd[n++] = (struct pollfd){ .fd = conn_fd[i], .events = POLLIN };
		if (poll(pfd, n, (int)((end - now) / 1000000u) + 1) < 0 && errno != EINTR)
			die("poll");
		now = now_ns(CLOCK_MONOTONIC);
		for (size_t i = 0; i < nports; i++) {
			int c;

			if (!(pfd[i].revents & POLLIN))
				continue;
			if (!ports[i].tcp) {
				receive_udp(&ports[i], start, interval_ns, nbins);
				continue;
			}
			c = accept(ports[i].fd, NULL, NULL);

			if (c >= 0 && nconns < MAX_CONNS) {
				conn_fd[nconns] = c;
				conn_of[nconns++] = i;
			} else if (c >= 0) {
				close(c);
			}
		}
		for (size_t i = 0; i < nconns; i++) {
			static char buf[262144];
			ssize_t got;

			if (conn_fd[i] < 0 || !(pfd[nports + i].revents & (POLLIN | POLLHUP)))
				continue;
			got = recv(conn_fd[i], buf, sizeof(buf), MSG_DONTWAIT);
			if (got > 0) {
				count(&ports[conn_of[i]], (size_t)got, now - start, interval_ns,
				      nbins);
			} else if (got == 0 || errno != EAGAIN) {
				close(conn_fd[i]);
				conn_fd[i] = -1;	/* poll() skips it */
			}
		}
	}
	printf("# t_s");
	for (size_t i = 0; i < nports; i++)
		printf(" %u/%s_kbit", ports[i].num, ports[i].tcp ? "tcp" : "udp");
	printf("\n");
	for (size_t b = 0; b + 1 < nbins; b++) {
		printf("%.3f", (double)(b + 1) * (double)interval_ns / 1e9);
		for (size_t i = 0; i < nports; i++)
			printf(" %.0f", (double)ports[i].bins[b] * 8 / ((double)interval_ns / 1e6));
		printf("\n");
	}
	for (size_t i = 0; i < nports; i++) {
		struct port *p = &ports[i];

		printf("summary %u/%s bytes %" PRIu64 " kbit %.0f", p->num, p->tcp ? "tcp" : "udp",
		       p->bytes, (double)p->bytes * 8 / seconds / 1000);
		if (!p->tcp) {
			qsort(p->delays_ns, p->ndelays, sizeof(*p->delays_ns), cmp_i64);
			printf(" packets %" PRIu64 " delay_p50_ms %.3f delay_p95_ms %.3f"
			       " delay_p99_ms %.3f delay_max_ms %.3f",
			       p->packets, percentile_ms(p, 0.5), percentile_ms(p, 0.95),
			       percentile_ms(p, 0.99), percentile_ms(p, 1.0));
		}
		printf("\n");
		free(p->bins);
		free(p->delays_ns);
		close(p->fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((argc == 7 || (argc == 8 && !strcmp(argv[7], "ect"))) && !strcmp(argv[1], "udp"))
		return send_udp(argv + 2, argc == 8);
	if (argc == 5 && !strcmp(argv[1], "tcp"))
		return send_tcp(argv + 2);
	if (argc >= 6 && !strcmp(argv[1], "sink"))
		return sink(argc - 2, argv + 2);
	fprintf(stderr, "usage: traffic udp ADDR PORT KBIT SIZE SECONDS [ect]\n"
			"       traffic tcp ADDR PORT SECONDS\n"
			"       traffic sink ADDR SECONDS INTERVAL_MS PORT/udp|PORT/tcp...\n");
	return 2;
}
