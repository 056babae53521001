/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_SOCKDIAG_H
#define QPOD_SOCKDIAG_H

#include <stdbool.h>
#include <stdint.h>

#include "tuple.h"
#include "policy.h"

/* The local socket of a session, found with one exact NETLINK_SOCK_DIAG
 * query (no dump): its inode (to find the owning process) and owner. */
struct sock_found {
	uint64_t inode;
	uint32_t uid;
	uint64_t cgroup_id;	/* cgroup v2 id, 0 if the kernel gave none */
	uint8_t state;		/* TCP state: TCP_LISTEN for an incoming session */
};

struct sockdiag;

int sockdiag_new(struct sockdiag **ret);
void sockdiag_free(struct sockdiag *d);

/** Finds the socket of the session of tuple T, whose first packet travels
 * in DIR (out: opened here; in: accepted here, found as the listening or
 * bound socket). Returns 0, -ENOENT when there is no such socket (it
 * closed, or it lives in another network namespace), or another errno. */
int sockdiag_lookup(struct sockdiag *d, const struct tuple *t, enum qp_direction dir,
		    struct sock_found *ret);

#endif
