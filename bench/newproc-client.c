/* SPDX-License-Identifier: GPL-2.0-or-later */
/* newproc-client ADDR PORT [FILE]: a process that lives for one TCP
 * connection: connects to ADDR (IPv4 or IPv6) PORT, closes, exits 0 (1 if
 * it failed). With FILE, appends to it how long connect() took, in
 * microseconds: the part of the process's life a queueing daemon holds.
 *
 * newproc-client -n COUNT [-p PID] PROGRAM [ARG...]: starts PROGRAM COUNT
 * times, one after another (fork, exec, wait: a shell loop without the
 * shell's own cost in the figure), and prints "WALL_MS CPU_NS TICKS FORKS
 * P50_US": the wall time of all COUNT runs, and what process PID (a daemon watching
 * them) spent meanwhile: the CPU time of its threads in nanoseconds
 * (schedstat) and its utime+stime in clock ticks (stat; coarse, 10 ms at
 * USER_HZ 100); then FORKS, the processes and threads the whole host
 * started meanwhile (a daemon on process events sees them all, ours are
 * COUNT of them); last, the median run, fork to wait, in microseconds
 * (less moved than the sum by whatever else the machine does). Sampled
 * here, not by the caller, so that no process but the COUNT runs starts
 * in between. Exits 1 at the first run that fails.
 *
 * newproc-client -s: what this machine charges for the system calls a
 * daemon on process events makes: prints "CALL_US PROCFILE_US", a trivial
 * system call and an open, read and close of a /proc file. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int connect_once(const char *addr, const char *port, const char *file)
{
	char line[32];
	double t0;
	int n;
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	uint16_t p = htons((uint16_t)atoi(port));
	socklen_t len;
	int fd;

	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = p;
		len = sizeof(*a4);
	} else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = p;
		len = sizeof(*a6);
	} else {
		fprintf(stderr, "newproc-client: not an address: %s\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	t0 = now_ms();
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("newproc-client: connect");
		return 1;
	}
	n = snprintf(line, sizeof(line), "%.1f\n", (now_ms() - t0) * 1000);
	close(fd);
	if (file) {
		/* One write with O_APPEND: a line, whole, from each process. */
		fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, line, (size_t)n) != n) {
			perror(file);
			return 1;
		}
		close(fd);
	}
	return 0;
}

/* CPU time of all of PID's threads, ns (the first field of each thread's
 * schedstat); -1 if PID is gone. */
static long long cpu_ns(long pid)
{
	char path[64];
	struct dirent *de;
	long long sum = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		unsigned long long v;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/schedstat", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;	/* a thread that just ended */
		if (fscanf(f, "%llu", &v) == 1)
			sum += (long long)v;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/* utime+stime of PID, clock ticks; -1 if PID is gone. */
static long long cpu_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* comm may hold spaces */
	/* After the comm: state, then fields 4..13, then utime (14), stime (15). */
	if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

/* Processes and threads started on the host since boot (/proc/stat). */
static long long host_forks(void)
{
	char line[256];
	long long v = -1;
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "processes %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Lets PID finish with the last run: until its CPU time grows by less
 * than 20 us in 2 ms (it sees every process on the host, so never by
 * nothing), 50 ms at most. */
static void settle(long pid)
{
	struct timespec ts = { 0, 2000000 };
	long long a = cpu_ns(pid), b;

	for (int i = 0; i < 25; i++) {
		nanosleep(&ts, NULL);
		b = cpu_ns(pid);
		if (b - a < 20000)
			return;
		a = b;
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_many(long count, long pid, char **argv)
{
	long long c0 = 0, k0 = 0, c1 = 0, k1 = 0, f0, f1;
	double t0, t1, *each = calloc((size_t)count, sizeof(*each));

	if (!each) {
		perror("newproc-client");
		return 1;
	}

	if (pid > 0 && ((c0 = cpu_ns(pid)) < 0 || (k0 = cpu_ticks(pid)) < 0)) {
		fprintf(stderr, "newproc-client: no process %ld\n", pid);
		return 1;
	}
	f0 = host_forks();
	t0 = now_ms();
	for (long i = 0; i < count; i++) {
		double start = now_ms();
		int status;
		pid_t child = fork();

		if (child < 0) {
			perror("newproc-client: fork");
			return 1;
		}
		if (child == 0) {
			execv(argv[0], argv);
			perror("newproc-client: exec");
			_exit(127);
		}
		if (waitpid(child, &status, 0) < 0) {
			perror("newproc-client: waitpid");
			return 1;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "newproc-client: run %ld of %s failed (status %#x)\n",
				i + 1, argv[0], status);
			return 1;
		}
		each[i] = now_ms() - start;
	}
	t1 = now_ms();
	f1 = host_forks();
	if (pid > 0) {
		settle(pid);
		if ((c1 = cpu_ns(pid)) < 0 || (k1 = cpu_ticks(pid)) < 0) {
			fprintf(stderr, "newproc-client: process %ld ended during the runs\n", pid);
			return 1;
		}
	}
	qsort(each, (size_t)count, sizeof(*each), cmp);
	printf("%.3f %lld %lld %lld %.1f\n", t1 - t0, c1 - c0, k1 - k0, f1 - f0,
	       each[count / 2] * 1000);
	free(each);
	return 0;
}

static int calibrate(void)
{
	const int calls = 100000, files = 10000;
	char buf[4096];
	double t0, t1, t2;

	t0 = now_ms();
	for (int i = 0; i < calls; i++)
		syscall(SYS_getppid);
	t1 = now_ms();
	for (int i = 0; i < files; i++) {
		int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0) {
			perror("newproc-client: /proc/self/stat");
			return 1;
		}
		close(fd);
	}
	t2 = now_ms();
	printf("%.2f %.2f\n", (t1 - t0) * 1000 / calls, (t2 - t1) * 1000 / files);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "-s") == 0)
		return calibrate();
	if (argc >= 4 && strcmp(argv[1], "-n") == 0) {
		long count = strtol(argv[2], NULL, 10), pid = 0;

		argv += 3;
		argc -= 3;
		if (argc >= 2 && strcmp(argv[0], "-p") == 0) {
			pid = strtol(argv[1], NULL, 10);
			argv += 2;
			argc -= 2;
		}
		if (count <= 0 || argc < 1 || argv[0][0] != '/') {
			fprintf(stderr, "newproc-client: -n wants a count and an absolute path\n");
			return 2;
		}
		return run_many(count, pid, argv);
	}
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: newproc-client ADDR PORT [FILE]\n"
				"       newproc-client -n COUNT [-p PID] PROGRAM [ARG...]\n"
				"       newproc-client -s\n");
		return 2;
	}
	return connect_once(argv[1], argv[2], argc == 4 ? argv[3] : NULL);
}
