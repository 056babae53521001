/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define MAX_CLIENTS 16
#define CLIENT_TIMEOUT_NS (10 * 1000000000ull)	/* request and answer, in all */

struct client {
	int fd;			/* -1: a free slot */
	struct ucred cred;
	bool allowed;
	uint64_t deadline_ns;
	char in[CTL_REQUEST_MAX];
	size_t in_len;
	struct jsonw out;	/* the answer, once there is one */
	size_t out_off;
	bool answering;
	bool draining;		/* answered: reading what is left until the end */
};

struct control {
	int listen_fd;
	int epoll_fd;
	int timer_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	bool has_group;
	gid_t gid;
	control_handler handle;
	void *arg;
	struct client clients[MAX_CLIENTS];
	size_t n_clients;
	struct log_ratelimit rl;
};

/* ---- who may ask ---------------------------------------------------------- */

/* Whether process PID has GID among its supplementary groups. */
static bool in_groups(pid_t pid, gid_t gid)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line + 7, *end;

		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (;;) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == gid)
				found = true;
			p = end;
		}
		break;
	}
	fclose(f);
	return found;
}

static bool allowed(const struct control *c, const struct ucred *cr)
{
	if (cr->uid == 0)
		return true;
	if (!c->has_group)
		return false;
	return cr->gid == c->gid || (cr->pid > 0 && in_groups(cr->pid, c->gid));
}

/* ---- clients -------------------------------------------------------------- */

static void drop(struct control *c, struct client *cl)
{
	epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	jsonw_free(&cl->out);
	cl->fd = -1;
	if (--c->n_clients == 0) {
		struct itimerspec off = { 0 };

		timerfd_settime(c->timer_fd, 0, &off, NULL);
	}
}

void control_fail(struct jsonw *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jsonw_bool(w, "ok", false);
	jsonw_str(w, "error", msg);
}

/* After the answer: what the client still sends is read and dropped until
 * it closes. Closing with unread data would reset the connection, and the
 * client could lose the answer (a request too long, say). */
static void drain(struct control *c, struct client *cl)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop(c, cl);
			return;
		}
	}
}

/* Sends what is left of the answer; then only waits for the end. */
static void send_answer(struct control *c, struct client *cl)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = cl };

	while (cl->out_off < cl->out.len) {
		ssize_t n = send(cl->fd, cl->out.buf + cl->out_off, cl->out.len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;		/* EPOLLOUT brings us back */
		if (n < 0) {
			drop(c, cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	shutdown(cl->fd, SHUT_WR);
	cl->answering = false;
	cl->draining = true;
	epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, cl->fd, &ev);
	drain(c, cl);
}

/* LINE (LEN bytes, no newline) is the client's request: answer it. */
static void answer(struct control *c, struct client *cl, const char *line, size_t len)
{
	struct ctl_request req;
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = cl };
	char err[256];
	size_t n;

	jsonw_object(&cl->out, NULL);
	jsonw_u64(&cl->out, "version", CTL_VERSION);
	if (!cl->allowed) {
		control_fail(&cl->out, "permission denied: uid %u is neither root nor in the "
			     "control socket's group",
			     (unsigned)cl->cred.uid);
		if (log_ratelimit_ok(&c->rl))
			log_warning("control: refused uid %u (pid %d): not root, not in the group",
				    (unsigned)cl->cred.uid, (int)cl->cred.pid);
	} else if (ctl_parse_request(line, len, &req, err, sizeof(err)) < 0) {
		control_fail(&cl->out, "bad request: %s", err);
	} else {
		c->handle(c->arg, &req, &cl->out);
	}
	jsonw_end_object(&cl->out);
	if (!jsonw_finish(&cl->out, &n)) {
		/* No memory for the answer: a short one from the stack. */
		static const char oom[] = "{\"version\":1,\"ok\":false,\"error\":\"out of memory\"}\n";

		(void)!send(cl->fd, oom, sizeof(oom) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		drop(c, cl);
		return;
	}
	cl->answering = true;
	epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, cl->fd, &ev);
	send_answer(c, cl);
}

static void receive(struct control *c, struct client *cl)
{
	for (;;) {
		ssize_t n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len,
				 MSG_DONTWAIT);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			drop(c, cl);
			return;
		}
		if (n == 0) {
			/* The end without a newline: what came is the request. */
			if (cl->in_len)
				answer(c, cl, cl->in, cl->in_len);
			else
				drop(c, cl);
			return;
		}
		cl->in_len += (size_t)n;
		nl = memchr(cl->in, '\n', cl->in_len);
		if (nl) {
			answer(c, cl, cl->in, (size_t)(nl - cl->in));
			return;
		}
		if (cl->in_len == sizeof(cl->in)) {
			answer(c, cl, cl->in, cl->in_len);	/* too long: says so */
			return;
		}
	}
}

static void accept_clients(struct control *c)
{
	for (;;) {
		int fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		socklen_t sl = sizeof(struct ucred);
		struct client *cl = NULL;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && log_ratelimit_ok(&c->rl))
				log_error("control: accept: %s", strerror(errno));
			return;
		}
		for (size_t i = 0; i < MAX_CLIENTS && !cl; i++)
			if (c->clients[i].fd < 0)
				cl = &c->clients[i];
		if (!cl) {
			static const char busy[] =
				"{\"version\":1,\"ok\":false,\"error\":\"busy: too many clients\"}\n";

			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		memset(cl, 0, sizeof(*cl));
		cl->fd = fd;
		jsonw_init(&cl->out);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &sl) < 0) {
			cl->cred.uid = (uid_t)-1;
			cl->cred.gid = (gid_t)-1;
		}
		cl->allowed = allowed(c, &cl->cred);
		cl->deadline_ns = clock_mono_ns() + CLIENT_TIMEOUT_NS;
		ev.data.ptr = cl;
		if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			cl->fd = -1;
			continue;
		}
		if (c->n_clients++ == 0) {
			struct itimerspec its = { { 1, 0 }, { 1, 0 } };

			timerfd_settime(c->timer_fd, 0, &its, NULL);
		}
	}
}

static void expire(struct control *c)
{
	uint64_t now = clock_mono_ns(), v;

	if (read(c->timer_fd, &v, sizeof(v)) < 0)
		v = 0;
	for (size_t i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd < 0 || now < cl->deadline_ns)
			continue;
		if (log_ratelimit_ok(&c->rl))
			log_warning("control: dropped a client (uid %u, pid %d) that took more than "
				    "%llu s",
				    (unsigned)cl->cred.uid, (int)cl->cred.pid,
				    CLIENT_TIMEOUT_NS / 1000000000ull);
		drop(c, cl);
	}
}

int control_fd(const struct control *c)
{
	return c->epoll_fd;
}

void control_run(struct control *c)
{
	struct epoll_event ev[8];
	int n;

	while ((n = epoll_wait(c->epoll_fd, ev, 8, 0)) > 0) {
		for (int i = 0; i < n; i++) {
			struct client *cl = ev[i].data.ptr;

			if (cl == NULL)
				accept_clients(c);
			else if ((void *)cl == (void *)c)
				expire(c);
			else if (cl->fd < 0)
				continue;	/* dropped earlier in this round */
			else if (cl->answering)
				send_answer(c, cl);
			else if (cl->draining)
				drain(c, cl);
			else
				receive(c, cl);
		}
	}
}

/* ---- the socket ----------------------------------------------------------- */

/* A socket file at PATH: gone if no one listens, -EADDRINUSE if someone does. */
static int clear_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("control: %s exists and is not a socket", path);
		return -EEXIST;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0) {
		log_error("control: another qpodd listens on %s", path);
		return -EADDRINUSE;
	}
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

/* The socket's directory (/run/qpod), if missing; its parent must exist. */
static int make_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int listen_on(struct control *c, const char *path, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *gr;
	struct stat st;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/')
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((r = make_dir(path)) < 0 || (r = clear_stale(path)) < 0)
		return r;
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return -errno;
	if (bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (stat(path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	gr = getgrnam(group);
	if (gr) {
		c->has_group = true;
		c->gid = gr->gr_gid;
		if (chown(path, 0, c->gid) < 0 || chmod(path, 0660) < 0)
			return -errno;
	} else {
		log_warning("control: there is no group '%s': only root may use %s", group, path);
		if (chmod(path, 0600) < 0)
			return -errno;
	}
	return listen(c->listen_fd, MAX_CLIENTS) < 0 ? -errno : 0;
}

int control_open(const char *path, const char *group, control_handler h, void *arg,
		 struct control **ret)
{
	struct control *c = calloc(1, sizeof(*c));
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	struct epoll_event tev = { .events = EPOLLIN };
	int r;

	if (!c)
		return -ENOMEM;
	c->listen_fd = c->timer_fd = -1;
	c->handle = h;
	c->arg = arg;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		c->clients[i].fd = -1;
	c->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->epoll_fd < 0 || c->timer_fd < 0) {
		r = -errno;
		goto fail;
	}
	r = listen_on(c, path, group);
	if (r < 0)
		goto fail;
	tev.data.ptr = c;
	if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->listen_fd, &lev) < 0 ||
	    epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, c->timer_fd, &tev) < 0) {
		r = -errno;
		goto fail;
	}
	log_info("control socket %s (group %s%s)", path, group, c->has_group ? "" : ", missing");
	*ret = c;
	return 0;
fail:
	if (r != -EADDRINUSE && r != -EEXIST)
		log_error("control: listening on %s: %s", path, strerror(-r));
	control_close(c);
	return r;
}

void control_close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	for (size_t i = 0; i < MAX_CLIENTS; i++)
		if (c->clients[i].fd >= 0)
			drop(c, &c->clients[i]);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		/* Only our socket: a newer qpodd may have put its own there. */
		if (c->path[0] && stat(c->path, &st) == 0 && st.st_dev == c->dev &&
		    st.st_ino == c->ino)
			unlink(c->path);
	}
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	if (c->epoll_fd >= 0)
		close(c->epoll_fd);
	free(c);
}
