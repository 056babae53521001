/* SPDX-License-Identifier: GPL-2.0-or-later */
/* socktag: a prototype of tagging sockets with a class at creation, in the
 * kernel, so that a new process's first packet needs no owner lookup. A
 * cgroup BPF program runs at each IPv4/IPv6 socket's creation in CGROUP
 * (BPF_CGROUP_INET_SOCK_CREATE, in the creating process) and sets the
 * socket's mark to MARK when the process is one of the policy's; every
 * packet the socket sends then carries MARK, which a rule turns into the
 * connection's mark before qpodd's queue rule sees it. Two ways to know
 * the process:
 *
 * socktag exec CGROUP MARK COMM: as qpodd would from process events: at
 *   each exec (proc connector), read the new program's name from
 *   /proc/PID/stat; if it is COMM, put the process in a map (tgid -> MARK)
 *   the program looks up; remove it at its exit. A socket created before
 *   its exec was read is not tagged: the race this prototype measures.
 * socktag comm CGROUP MARK COMM: in the kernel alone: the program reads
 *   the process's name (bpf_get_current_comm) and looks it up in a map
 *   filled once (COMM -> MARK); no race, but only a name can be matched.
 *
 * Both print "ready" once the program is attached, then run until SIGTERM
 * or SIGINT, detach (the program is attached by a BPF link this process
 * holds: it cannot outlive it) and print "TAGGED UNTAGGED EXECS": the
 * inet sockets created in CGROUP with and without MARK, and the execs of
 * COMM seen (exec mode; 0 in comm mode).
 *
 * socktag cost CGROUP N ROUNDS: what the program costs a socket: moves
 * itself into CGROUP and times N socket()+close() pairs, alternately
 * without the program and with it (comm mode, this process's own name in
 * the map: the path that tags), ROUNDS times each; prints the medians
 * "BARE_NS TAGGED_NS" per pair.
 *
 * Needs root (CAP_BPF, CAP_NET_ADMIN, cgroup v2). Uses the bpf() system
 * call directly: a dozen instructions need no compiler or loader library. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Instruction encodings, as the kernel's documentation of eBPF gives them. */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i) INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STX_W(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define ATOMIC_ADD_DW(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, BPF_ADD)
/* A map's file descriptor as a 64-bit immediate: two instructions, the
 * second holding the (zero) upper half. */
#define LD_MAP(d, fd) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd)
#define LD_MAP_HI() INSN(0, 0, 0, 0, 0)

enum { COUNT_TAGGED, COUNT_UNTAGGED, COUNTS };

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int map_create(enum bpf_map_type type, unsigned key, unsigned value, unsigned max)
{
	union bpf_attr a = { 0 };

	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	return bpf(BPF_MAP_CREATE, &a);
}

static int map_update(int fd, const void *key, const void *value)
{
	union bpf_attr a = { 0 };

	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	return bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static void map_delete(int fd, const void *key)
{
	union bpf_attr a = { 0 };

	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	bpf(BPF_MAP_DELETE_ELEM, &a);
}

static uint64_t count(int fd, uint32_t index)
{
	union bpf_attr a = { 0 };
	uint64_t v = 0;

	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)&index;
	a.value = (uintptr_t)&v;
	bpf(BPF_MAP_LOOKUP_ELEM, &a);
	return v;
}

/* The program: look the process up in TAGS (by tgid, or by name when
 * BY_COMM), set the socket's mark to what it finds, count the socket as
 * tagged or not in COUNTS. Always allows the socket. */
static int load(int tags, int counts, int by_comm)
{
	static char log[65536];
	struct bpf_insn prog[40];
	union bpf_attr a = { 0 };
	int n = 0, fd;

	prog[n++] = MOV_REG(BPF_REG_6, BPF_REG_1);
	if (by_comm) {
		prog[n++] = MOV_REG(BPF_REG_1, BPF_REG_10);
		prog[n++] = ADD_IMM(BPF_REG_1, -16);
		prog[n++] = MOV_IMM(BPF_REG_2, 16);
		prog[n++] = CALL(BPF_FUNC_get_current_comm);
		prog[n++] = MOV_REG(BPF_REG_2, BPF_REG_10);
		prog[n++] = ADD_IMM(BPF_REG_2, -16);
	} else {
		prog[n++] = CALL(BPF_FUNC_get_current_pid_tgid);
		prog[n++] = RSH_IMM(BPF_REG_0, 32);
		prog[n++] = STX_W(BPF_REG_10, BPF_REG_0, -16);
		prog[n++] = MOV_REG(BPF_REG_2, BPF_REG_10);
		prog[n++] = ADD_IMM(BPF_REG_2, -16);
	}
	prog[n++] = LD_MAP(BPF_REG_1, tags);
	prog[n++] = LD_MAP_HI();
	prog[n++] = CALL(BPF_FUNC_map_lookup_elem);
	prog[n++] = MOV_IMM(BPF_REG_7, COUNT_UNTAGGED);
	prog[n++] = JEQ_IMM(BPF_REG_0, 0, 3);
	prog[n++] = LDX_W(BPF_REG_1, BPF_REG_0, 0);
	prog[n++] = STX_W(BPF_REG_6, BPF_REG_1, offsetof(struct bpf_sock, mark));
	prog[n++] = MOV_IMM(BPF_REG_7, COUNT_TAGGED);
	prog[n++] = STX_W(BPF_REG_10, BPF_REG_7, -24);
	prog[n++] = LD_MAP(BPF_REG_1, counts);
	prog[n++] = LD_MAP_HI();
	prog[n++] = MOV_REG(BPF_REG_2, BPF_REG_10);
	prog[n++] = ADD_IMM(BPF_REG_2, -24);
	prog[n++] = CALL(BPF_FUNC_map_lookup_elem);
	prog[n++] = JEQ_IMM(BPF_REG_0, 0, 2);
	prog[n++] = MOV_IMM(BPF_REG_1, 1);
	prog[n++] = ATOMIC_ADD_DW(BPF_REG_0, BPF_REG_1, 0);
	prog[n++] = MOV_IMM(BPF_REG_0, 1);
	prog[n++] = EXIT();

	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK;
	a.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		fprintf(stderr, "socktag: loading the program: %s\n%s", strerror(errno), log);
	return fd;
}

/* attach PROG to the cgroup at PATH through a link: detached when this
 * process closes it or ends. */
static int attach(int prog, const char *path)
{
	union bpf_attr a = { 0 };
	int cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), link;

	if (cg < 0) {
		fprintf(stderr, "socktag: %s: %s\n", path, strerror(errno));
		return -1;
	}
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.target_fd = (uint32_t)cg;
	a.link_create.attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	link = bpf(BPF_LINK_CREATE, &a);
	if (link < 0)
		fprintf(stderr, "socktag: attaching to %s: %s\n", path, strerror(errno));
	close(cg);
	return link;
}

static int cn_listen(void)
{
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) msg = { 0 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0 };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("socktag: proc connector");
		return -1;
	}
	msg.nl.nlmsg_len = sizeof(msg);
	msg.nl.nlmsg_type = NLMSG_DONE;
	msg.nl.nlmsg_pid = (uint32_t)getpid();
	msg.cn.id.idx = CN_IDX_PROC;
	msg.cn.id.val = CN_VAL_PROC;
	msg.cn.len = sizeof(msg.op);
	msg.op = PROC_CN_MCAST_LISTEN;
	if (send(fd, &msg, sizeof(msg), 0) < 0) {
		perror("socktag: proc connector listen");
		return -1;
	}
	return fd;
}

/* The name in /proc/PID/stat, between its first '(' and last ')'. */
static int read_comm(pid_t pid, char comm[16])
{
	char path[64], buf[512], *l, *r;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	l = strchr(buf, '(');
	r = strrchr(buf, ')');
	if (!l || !r || r - l - 1 > 15)
		return -1;
	memset(comm, 0, 16);
	memcpy(comm, l + 1, (size_t)(r - l - 1));
	return 0;
}

/* Follows execs and exits until stopped; returns the execs of COMM seen. */
static uint64_t follow(int cn, int tags, uint32_t mark, const char *want)
{
	char buf[8192] __attribute__((aligned(8)));
	uint64_t execs = 0;

	while (!stopping) {
		ssize_t len = recv(cn, buf, sizeof(buf), 0);
		struct nlmsghdr *nl;

		if (len < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			perror("socktag: proc connector");
			break;
		}
		for (nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, (size_t)len); nl = NLMSG_NEXT(nl, len)) {
			struct cn_msg *cm = NLMSG_DATA(nl);
			struct proc_event *ev = (struct proc_event *)cm->data;
			char comm[16];
			uint32_t tgid;

			if (ev->what == PROC_EVENT_EXEC) {
				tgid = (uint32_t)ev->event_data.exec.process_tgid;
				if (read_comm((pid_t)tgid, comm) == 0 && strcmp(comm, want) == 0) {
					map_update(tags, &tgid, &mark);
					execs++;
				}
			} else if (ev->what == PROC_EVENT_EXIT &&
				   ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid) {
				tgid = (uint32_t)ev->event_data.exit.process_tgid;
				map_delete(tags, &tgid);
			}
		}
	}
	return execs;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double sockets_ns(long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0) {
			perror("socktag: socket");
			exit(1);
		}
		close(fd);
	}
	return (now_ns() - t0) / (double)n;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cost(const char *cgroup, long n, int rounds, int tags, int counts)
{
	char path[4096], comm[16] = { 0 }, pid[16];
	double bare[64], tagged[64];
	uint32_t mark = 0x00040000;
	int fd, prog, link;

	if (rounds < 1 || rounds > 64 || n < 1)
		return 2;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (fd < 0 || write(fd, pid, strlen(pid)) < 0) {
		fprintf(stderr, "socktag: joining %s: %s\n", cgroup, strerror(errno));
		return 1;
	}
	close(fd);
	if (read_comm(getpid(), comm) < 0 || map_update(tags, comm, &mark) < 0)
		return 1;
	prog = load(tags, counts, 1);
	if (prog < 0)
		return 1;
	sockets_ns(n); /* warm */
	for (int r = 0; r < rounds; r++) {
		bare[r] = sockets_ns(n);
		link = attach(prog, cgroup);
		if (link < 0)
			return 1;
		tagged[r] = sockets_ns(n);
		close(link);
	}
	if (count(counts, COUNT_TAGGED) != (uint64_t)n * (uint64_t)rounds) {
		fprintf(stderr, "socktag: %llu sockets tagged, not %ld\n",
			(unsigned long long)count(counts, COUNT_TAGGED), n * rounds);
		return 1;
	}
	qsort(bare, (size_t)rounds, sizeof(double), by_value);
	qsort(tagged, (size_t)rounds, sizeof(double), by_value);
	printf("%.0f %.0f\n", bare[rounds / 2], tagged[rounds / 2]);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: socktag exec|comm CGROUP MARK COMM\n"
			"       socktag cost CGROUP N ROUNDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	int by_comm, tags, counts, prog, link, cn = -1;
	uint64_t execs = 0;
	uint32_t mark;
	char key[16] = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc != 5)
		return usage();
	counts = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, COUNTS);
	if (strcmp(argv[1], "cost") == 0) {
		tags = map_create(BPF_MAP_TYPE_HASH, 16, 4, 16);
		if (tags < 0 || counts < 0) {
			perror("socktag: maps");
			return 1;
		}
		return cost(argv[2], atol(argv[3]), atoi(argv[4]), tags, counts);
	}
	if (strcmp(argv[1], "exec") != 0 && strcmp(argv[1], "comm") != 0)
		return usage();
	by_comm = strcmp(argv[1], "comm") == 0;
	mark = (uint32_t)strtoul(argv[3], NULL, 0);
	if (strlen(argv[4]) > 15) {
		fprintf(stderr, "socktag: a process's name has at most 15 characters: %s\n", argv[4]);
		return 2;
	}
	tags = by_comm ? map_create(BPF_MAP_TYPE_HASH, 16, 4, 16) : map_create(BPF_MAP_TYPE_HASH, 4, 4, 65536);
	if (tags < 0 || counts < 0) {
		perror("socktag: maps");
		return 1;
	}
	if (by_comm) {
		memcpy(key, argv[4], strlen(argv[4]));
		if (map_update(tags, key, &mark) < 0) {
			perror("socktag: map");
			return 1;
		}
	} else if ((cn = cn_listen()) < 0) {
		return 1;
	}
	prog = load(tags, counts, by_comm);
	if (prog < 0)
		return 1;
	link = attach(prog, argv[2]);
	if (link < 0)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	if (by_comm)
		while (!stopping)
			pause();
	else
		execs = follow(cn, tags, mark, argv[4]);
	close(link);
	printf("%llu %llu %llu\n", (unsigned long long)count(counts, COUNT_TAGGED),
	       (unsigned long long)count(counts, COUNT_UNTAGGED), (unsigned long long)execs);
	return 0;
}
