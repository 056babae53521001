/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CNPROC_H
#define QPOD_CNPROC_H

#include <stdint.h>

#include "procmap.h"

/* The proc connector (NETLINK_CONNECTOR, CN_IDX_PROC): fork, exec and exit
 * events of every process. The kernel offers it only in the initial
 * network namespace: open it before joining another. */
struct cnproc;

/** Subscribes. Returns 0, or a negative errno when events are not to be
 * had here (another network or user namespace, no CAP_NET_ADMIN). */
int cnproc_new(struct cnproc **ret);
void cnproc_free(struct cnproc *c);
int cnproc_fd(const struct cnproc *c);

/** Applies every waiting event to PM. Returns the number of events, or
 * -ENOBUFS if some were lost (the caller should reread /proc). */
int cnproc_read(struct cnproc *c, struct procmap *pm, uint64_t now_ns);

#endif
