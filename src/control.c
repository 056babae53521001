/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
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
#include "paths.h"

#define MAX_CLIENTS 16
#define CLIENT_TIMEOUT_NS (10 * 1000000000ull)	/* request and answer, in all */
#define RETRY_NS (20 * 1000000ull)	/* a deferred answer is tried again */
#define MAX_GROUPS 1024		/* a peer's supplementary groups looked at */
/* Work one call of control_process() does at most: the main loop has other
 * things to see to between calls. */
#define EVENTS_PER_RUN 8
#define DRAIN_PER_RUN 65536

struct client {
	int fd;			/* -1: a free slot */
	struct ucred cred;
	bool allowed;
	uint64_t deadline_ns;
	char in[CTL_REQUEST_MAX];
	size_t in_len;
	bool in_group;		/* the socket's group is among the peer's */
	struct ctl_request req;
	struct control_pending pending;
	bool waiting;		/* the handler said later */
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

/* Whether the socket's group is among the peer's supplementary groups,
 * as they were when it connected (SO_PEERGROUPS: no /proc, no pid). */
static bool peer_in_group(int fd, gid_t gid)
{
	gid_t groups[MAX_GROUPS];
	socklen_t len = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return false;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static bool allowed(const struct control *c, const struct client *cl)
{
	if (cl->cred.uid == 0)
		return true;
	return c->has_group && (cl->cred.gid == c->gid || cl->in_group);
}

/* ---- clients -------------------------------------------------------------- */

/* The timer: every RETRY_NS while an answer waits, every second while
 * clients are connected (their deadlines), else off. */
static void arm_timer(struct control *c)
{
	struct itimerspec its = { 0 };
	bool waiting = false;

	for (size_t i = 0; i < MAX_CLIENTS; i++)
		waiting |= c->clients[i].fd >= 0 && c->clients[i].waiting;
	if (waiting)
		its.it_interval.tv_nsec = (long)RETRY_NS;
	else if (c->n_clients)
		its.it_interval.tv_sec = 1;
	its.it_value = its.it_interval;
	/* Fails only for a bad descriptor or value, neither possible here. */
	(void)timerfd_settime(c->timer_fd, 0, &its, NULL);
}

static void drop(struct control *c, struct client *cl)
{
	/* Closing removes it from the epoll set anyway. */
	(void)epoll_ctl(c->epoll_fd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	jsonw_free(&cl->out);
	cl->fd = -1;
	cl->waiting = false;
	c->n_clients--;
	arm_timer(c);
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

	/* A bounded share per call; the rest when epoll says so again. */
	for (size_t got = 0; got < DRAIN_PER_RUN;) {
		ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop(c, cl);
			return;
		}
		got += (size_t)n;
	}
}

/* An answer's first member. */
static void begin(struct jsonw *w)
{
	jsonw_object(w, NULL);
	jsonw_u64(w, "version", CTL_VERSION);
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
	/* Changing a registered descriptor's events cannot fail. */
	(void)epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, cl->fd, &ev);
	drain(c, cl);
}

/* Ends the answer begun in CL's buffer and starts sending it. */
static void finish(struct control *c, struct client *cl)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = cl };
	size_t n;

	jsonw_end_object(&cl->out);
	if (!jsonw_finish(&cl->out, &n)) {
		/* No memory for it: a short one instead. */
		jsonw_free(&cl->out);
		begin(&cl->out);
		control_fail(&cl->out, "out of memory");
		jsonw_end_object(&cl->out);
		if (!jsonw_finish(&cl->out, &n)) {
			drop(c, cl);
			return;
		}
	}
	cl->answering = true;
	/* Changing a registered descriptor's events cannot fail. */
	(void)epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, cl->fd, &ev);
	send_answer(c, cl);
}

/* Has the handler answer CL's request, or wait for it to say it can. */
static void try_answer(struct control *c, struct client *cl)
{
	bool was_waiting = cl->waiting;

	jsonw_free(&cl->out);
	begin(&cl->out);
	cl->waiting = c->handle(c->arg, &cl->req, &cl->pending, &cl->out) == CONTROL_LATER;
	if (cl->waiting != was_waiting)
		arm_timer(c);
	if (!cl->waiting)
		finish(c, cl);
}

/* LINE (LEN bytes, no newline) is the client's request: answer it. */
static void answer(struct control *c, struct client *cl, const char *line, size_t len)
{
	/* The request is whole: nothing more to read before the answer. */
	struct epoll_event none = { .events = 0, .data.ptr = cl };
	char err[256];

	if (!cl->allowed) {
		begin(&cl->out);
		control_fail(&cl->out,
			     "permission denied: uid %u is neither root nor in the control socket's "
			     "group",
			     (unsigned)cl->cred.uid);
		if (log_ratelimit_ok(&c->rl))
			log_warning("control: refused uid %u (pid %d): not root, not in the group",
				    (unsigned)cl->cred.uid, (int)cl->cred.pid);
		finish(c, cl);
	} else if (ctl_parse_request(line, len, &cl->req, err, sizeof(err)) < 0) {
		begin(&cl->out);
		control_fail(&cl->out, "bad request: %s", err);
		finish(c, cl);
	} else {
		cl->req.peer_pid = cl->cred.pid;
		cl->req.peer_uid = cl->cred.uid;
		/* Changing a registered descriptor's events cannot fail. */
		(void)epoll_ctl(c->epoll_fd, EPOLL_CTL_MOD, cl->fd, &none);
		try_answer(c, cl);
	}
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
	for (int round = 0; round < MAX_CLIENTS; round++) {
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
		/* The credentials it connected with, not what its pid is now. */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cl->cred, &sl) < 0) {
			cl->cred.uid = (uid_t)-1;
			cl->cred.gid = (gid_t)-1;
		}
		cl->in_group = c->has_group && peer_in_group(fd, c->gid);
		cl->allowed = allowed(c, cl);
		cl->deadline_ns = clock_mono_ns() + CLIENT_TIMEOUT_NS;
		ev.data.ptr = cl;
		if (epoll_ctl(c->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			cl->fd = -1;
			continue;
		}
		if (c->n_clients++ == 0)
			arm_timer(c);
	}
}

/* The timer: answers that waited are tried again, clients past their
 * deadline dropped. */
static void on_timer(struct control *c)
{
	uint64_t now = clock_mono_ns(), v;

	if (read(c->timer_fd, &v, sizeof(v)) < 0)
		v = 0;
	for (size_t i = 0; i < MAX_CLIENTS; i++) {
		struct client *cl = &c->clients[i];

		if (cl->fd >= 0 && cl->waiting)
			try_answer(c, cl);
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

void control_process(struct control *c)
{
	struct epoll_event ev[EVENTS_PER_RUN];
	/* One batch: what is left keeps the descriptor readable, and the
	 * main loop calls again after its other work. */
	int n = epoll_wait(c->epoll_fd, ev, EVENTS_PER_RUN, 0);

	for (int i = 0; i < n; i++) {
		struct client *cl = ev[i].data.ptr;

		if (cl == NULL)
			accept_clients(c);
		else if ((void *)cl == (void *)c)
			on_timer(c);
		else if (cl->fd < 0)
			continue;	/* dropped earlier in this batch */
		else if (cl->waiting && (ev[i].events & (EPOLLHUP | EPOLLERR)))
			drop(c, cl);	/* gone while its answer waited */
		else if (cl->waiting)
			continue;
		else if (cl->answering)
			send_answer(c, cl);
		else if (cl->draining)
			drain(c, cl);
		else
			receive(c, cl);
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
	/* Non-blocking: a full backlog says EAGAIN, not wait. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? errno : 0;
	close(fd);
	if (r == ECONNREFUSED)	/* no one listens: stale */
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	if (r == 0 || r == EAGAIN) {
		log_error("control: another qpodd listens on %s", path);
		return -EADDRINUSE;
	}
	log_error("control: %s is there and cannot be tried: %s", path, strerror(r));
	return -EEXIST;
}

static int listen_on(struct control *c, const char *path, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *gr;
	struct stat st;
	mode_t old_mask;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path) || path[0] != '/')
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((r = path_make_parent(path, 0755)) < 0 || (r = clear_stale(path)) < 0)
		return r;
	gr = getgrnam(group);
	if (gr) {
		c->has_group = true;
		c->gid = gr->gr_gid;
	} else {
		log_warning("control: there is no group '%s': only root may use %s", group, path);
	}
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		return -errno;
	/* Born with its mode (0660, or 0600 without a group): no chmod of a
	 * path that could have been swapped. qpodd has no threads yet. */
	old_mask = umask(c->has_group ? 0117 : 0177);
	r = bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old_mask);
	if (r == -EADDRINUSE)
		log_error("control: %s was taken while qpodd looked", path);
	if (r < 0)
		return r;
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (lstat(path, &st) < 0)
		return -errno;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	/* Born in the group when qpodd runs with it (its unit's Group=), which
	 * spares it CAP_CHOWN and chown(2). */
	if (c->has_group && st.st_gid != c->gid &&
	    fchownat(AT_FDCWD, path, 0, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return listen(c->listen_fd, MAX_CLIENTS) < 0 ? -errno : 0;
}

int control_new(const char *path, const char *group, control_handler h, void *arg,
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
	control_free(c);
	return r;
}

void control_free(struct control *c)
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
