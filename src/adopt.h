/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_ADOPT_H
#define QPOD_ADOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctnl.h"
#include "marks.h"
#include "policy.h"
#include "tuple.h"

/* Adoption: at qpodd's start, the connections conntrack already has are
 * sessions like any other (the Q-Pod paper's Q-Manager owns every session
 * of the end system). Their first packets went by before qpodd was there,
 * or were decided by a qpodd since gone; what they are is read from the
 * connection. The discovery thread decides them (discover.c); what to
 * look at, and from which side, is decided here. */

/* This host's addresses, which tell a connection it is an end of from one
 * it forwards. */
struct local_addrs {
	size_t n;
	struct local_addr {
		uint8_t family;
		uint8_t addr[16];
	} *a;
};

/** Reads the addresses of this network namespace's interfaces: 0 or a
 * negative errno. */
int local_addrs_load(struct local_addrs *ret);
void local_addrs_clear(struct local_addrs *l);
bool local_addrs_has(const struct local_addrs *l, uint8_t family, const uint8_t *addr);

/** Whether connection CT is one to adopt: TCP or UDP, not closing, not
 * what M calls unmanaged (loopback, filtered). */
bool adopt_wanted(const struct ct_entry *ct, const struct marks *m);

/** Which end of CT is this host's: sets *RET_DIR (QP_DIR_OUT: it opened
 * the connection, QP_DIR_IN: it accepted it) and *RET_KEY, the tuple its
 * first packet had where qpod sees it (an incoming one after its
 * destination was translated). False for a connection it only forwards
 * or that never leaves it (loopback). */
bool adopt_direction(const struct ct_entry *ct, const struct local_addrs *l,
		     enum qp_direction *ret_dir, struct tuple *ret_key);

/* What an adoption looks at: every connection (at start), or those whose
 * mark is the value of a class a reload removed. */
/* Widest first: an adoption asked for while another waits takes the
 * wider scope. */
enum adopt_scope {
	ADOPT_ALL,		/* at start: every connection */
	ADOPT_KERNEL,		/* after a reload: those decided in the kernel, not listed */
	ADOPT_RETIRED,		/* after a reload: those with a removed class */
};

/* A `qpod-ctl run` cgroup: its sessions get its class, whatever the
 * policy says. */
struct adopt_run {
	uint64_t id;
	char path[512];
	uint32_t mark;		/* its class's mark bits */
};

/** The run of the N RUNS that a socket of cgroup CGROUP_ID, whose process
 * is in cgroup PATH (NULL: not known), belongs to, or NULL. */
const struct adopt_run *adopt_in_run(const struct adopt_run *runs, size_t n, uint64_t cgroup_id,
				     const char *path);

/** Whether a session of application APP, whose connection carries the
 * class of index HAD (-1: none), counts against APP's budget: it does if
 * HAD is the class its policy gives it (TARGET), not if HAD is APP's
 * over-budget class; otherwise, if APP has room (NOT_OVER). */
bool adopt_admitted(const struct qp_app *app, const struct qp_target *target, int had,
		    bool not_over);

#endif
