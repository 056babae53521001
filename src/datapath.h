/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_DATAPATH_H
#define QPOD_DATAPATH_H

#include <stdatomic.h>
#include <stdint.h>

#include "nfq.h"
#include "snapshot.h"

struct datapath_stats {
	_Atomic uint64_t packets;	/* queued packets read */
	_Atomic uint64_t sessions;	/* sessions started */
	_Atomic uint64_t sessions_discovered;	/* decided by discovery */
	_Atomic uint64_t accepted;
	_Atomic uint64_t dropped;
	_Atomic uint64_t unparsable;
	_Atomic uint64_t overruns;	/* socket overruns: packets the kernel decided */
	_Atomic uint64_t settled;	/* ct marks set over ctnetlink */
	_Atomic uint64_t settle_errors;
	_Atomic uint64_t evicted;	/* sessions forgotten while the table was full */
	_Atomic uint64_t undiscovered;	/* decided without their owner: no room, or too late */
};

/* One packet thread, reading one NFQUEUE queue. */
struct datapath;

struct discover;

/** Starts a thread reading the queue CFG names, deciding by *CURRENT. With
 * DISC, sessions are decided by the discovery thread on channel CHAN;
 * without, by their packets alone. */
int datapath_start(_Atomic(struct snapshot *) *current, const struct nfq_sock_config *cfg,
		   struct discover *disc, unsigned chan, struct datapath **ret);

/** Asks the thread to log its counters and hold times. */
void datapath_request_stats(struct datapath *dp);

/** Wakes the thread so it takes the current snapshot. */
void datapath_wake(struct datapath *dp);

/** The generation of the snapshot the thread last took. */
uint64_t datapath_seen_gen(const struct datapath *dp);

/** Tells the thread to give a verdict to every packet still queued, then
 * joins it and closes its queue; accepts NULL. Call after the ruleset is
 * gone, so that no new packet arrives. */
void datapath_stop(struct datapath *dp);

/** True if a TCP SYN's verdict marks its connection (the kernel takes a
 * conntrack mark in a verdict), so the ruleset needs no save chains. */
bool datapath_ct_in_verdict(const struct datapath *dp);

const struct datapath_stats *datapath_stats(const struct datapath *dp);

#endif
