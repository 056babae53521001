/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cnproc.h"

/* Each event is a datagram of its own, of about a hundred bytes: read
 * many per system call. */
#define BATCH 64
#define EVENT_MAX 256

struct cnproc {
	int fd;
	char bufs[BATCH][EVENT_MAX];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
};

static int listen_msg(int fd, enum proc_cn_mcast_op op)
{
	char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nlh);

	nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
	nlh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	return send(fd, nlh, nlh->nlmsg_len, 0) < 0 ? -errno : 0;
}

int cnproc_new(struct cnproc **ret)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	struct cnproc *c = calloc(1, sizeof(*c));
	int size = 4 * 1024 * 1024, r;

	if (!c)
		return -ENOMEM;
	c->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	if (c->fd < 0) {
		r = -errno;
		free(c);
		return r;
	}
	/* A fork storm must not overflow the buffer before we read it. A
	 * smaller one only loses events sooner, which is noticed (ENOBUFS). */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	r = bind(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	if (r == 0)
		r = listen_msg(c->fd, PROC_CN_MCAST_LISTEN);
	if (r < 0) {
		cnproc_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

void cnproc_free(struct cnproc *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

int cnproc_fd(const struct cnproc *c)
{
	return c->fd;
}

static void apply(const struct proc_event *ev, struct procmap *pm, uint64_t now_ns)
{
	switch (ev->what) {
	case PROC_EVENT_FORK:
		/* A new thread is no new process. */
		if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
			procmap_fork(pm, (uint32_t)ev->event_data.fork.child_tgid,
				     (uint32_t)ev->event_data.fork.parent_tgid);
		break;
	case PROC_EVENT_EXEC:
		procmap_exec(pm, (uint32_t)ev->event_data.exec.process_tgid);
		break;
	case PROC_EVENT_EXIT:
		if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid)
			procmap_exit(pm, (uint32_t)ev->event_data.exit.process_tgid, now_ns);
		break;
	default:
		break;
	}
}

int cnproc_read(struct cnproc *c, struct procmap *pm, uint64_t now_ns)
{
	int events = 0, n;

	for (int i = 0; i < BATCH; i++) {
		c->iov[i] = (struct iovec){ c->bufs[i], sizeof(c->bufs[i]) };
		c->msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &c->iov[i], .msg_iovlen = 1 } };
	}
	while ((n = recvmmsg(c->fd, c->msgs, BATCH, MSG_DONTWAIT, NULL)) > 0) {
		for (int i = 0; i < n; i++) {
			struct nlmsghdr *nlh = (struct nlmsghdr *)c->bufs[i];
			size_t len = c->msgs[i].msg_len;

			for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
				struct cn_msg *cn = NLMSG_DATA(nlh);

				if (nlh->nlmsg_type != NLMSG_DONE || cn->id.idx != CN_IDX_PROC ||
				    cn->len < sizeof(struct proc_event))
					continue;
				apply((const struct proc_event *)cn->data, pm, now_ns);
				events++;
			}
		}
		if (n < BATCH)
			break;
	}
	if (n < 0 && errno == ENOBUFS)
		return -ENOBUFS;
	return events;
}
