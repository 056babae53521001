/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hold-sockets PROCS SOCKETS: starts PROCS processes that together hold
 * SOCKETS open sockets (bound UDP and listening TCP, alternately), prints
 * "ready" when all are open, and keeps them until it gets SIGTERM. The
 * background a session's owner is looked up against. */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(int sockets, int ready_fd)
{
	struct rlimit rl = { (rlim_t)sockets + 64, (rlim_t)sockets + 64 };

	setrlimit(RLIMIT_NOFILE, &rl);
	for (int i = 0; i < sockets; i++) {
		int tcp = i & 1;
		int fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (tcp && listen(fd, 1) < 0)) {
			perror("hold-sockets");
			_exit(1);
		}
	}
	if (write(ready_fd, "x", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

int main(int argc, char **argv)
{
	int procs, sockets, p[2];
	pid_t *pids;
	char c;

	if (argc != 3 || (procs = atoi(argv[1])) <= 0 || (sockets = atoi(argv[2])) < 0) {
		fprintf(stderr, "usage: hold-sockets PROCS SOCKETS\n");
		return 2;
	}
	if (pipe(p) < 0)
		return 1;
	pids = calloc((size_t)procs, sizeof(*pids));
	for (int i = 0; i < procs; i++) {
		int share = sockets / procs + (i < sockets % procs);

		pids[i] = fork();
		if (pids[i] == 0)
			child(share, p[1]);
	}
	for (int i = 0; i < procs; i++)
		if (read(p[0], &c, 1) != 1)
			return 1;
	printf("ready\n");
	fflush(stdout);
	{
		sigset_t set;
		int sig;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sigwait(&set, &sig);
	}
	for (int i = 0; i < procs; i++)
		kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
