/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_TCPARAMS_H
#define QPOD_TCPARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* The numbers the kernel's HFSC, HTB and RED want, from a policy class
 * and its interface. No I/O here. */

/* A service curve: slope m1 for d microseconds, then slope m2 (bytes/s). */
struct tc_curve {
	uint32_t m1;
	uint32_t d;
	uint32_t m2;
};

struct hfsc_class_params {
	bool has_rt, has_ls, has_ul;
	struct tc_curve rt;	/* real-time: guarantee (and delay) */
	struct tc_curve ls;	/* link-sharing: share */
	struct tc_curve ul;	/* upper limit: limit */
};

/** The curves of class CLS on a link of LINK_BPS; UMAX is the largest
 * packet in bytes, which a delay bound is for. */
void tcparams_hfsc_class(const struct qp_class *cls, uint64_t link_bps, uint32_t umax,
			 struct hfsc_class_params *ret);

/** A real-time curve that serves RATE_BPS, with a packet of UMAX bytes out
 * within DELAY_US when DELAY_US is not 0 (HFSC's "umax dmax rate"). */
void tcparams_hfsc_rt(uint64_t rate_bps, uint64_t delay_us, uint32_t umax, struct tc_curve *ret);

struct htb_class_params {
	uint64_t rate;		/* bytes/s */
	uint64_t ceil;
	uint32_t buffer;	/* psched ticks */
	uint32_t cbuffer;
	uint32_t quantum;	/* bytes */
};

/** HTB's view of class CLS on a link of LINK_BPS: rate from the guarantee
 * (else the share), ceil from the limit (else the link). */
void tcparams_htb_class(const struct qp_class *cls, uint64_t link_bps, uint32_t mtu,
			double ticks_per_us, struct htb_class_params *ret);

/** HTB parameters for RATE and CEIL in bytes/s. */
void tcparams_htb(uint64_t rate, uint64_t ceil, uint32_t mtu, double ticks_per_us,
		  struct htb_class_params *ret);

struct red_params {
	uint32_t limit;		/* bytes */
	uint32_t qth_min;
	uint32_t qth_max;
	uint8_t wlog;		/* EWMA weight: 2^-wlog */
	uint8_t plog;		/* max_p / (qth_max - qth_min) = 2^-plog */
	uint8_t scell_log;	/* idle time cell: 2^scell_log ticks */
	uint8_t flags;		/* TC_RED_ECN */
	uint32_t max_p;		/* probability * 2^32 */
	uint8_t stab[256];	/* idle time -> how many averaging steps it is worth */
};

#define TCPARAMS_AVPKT 1000	/* bytes: RED's average packet */

/** RED's parameters for RED on a link of LINK_BPS. Returns 0, or -EINVAL
 * with *ret_err set when the kernel would refuse them. */
int tcparams_red(const struct qp_red *red, uint64_t link_bps, double ticks_per_us,
		 struct red_params *ret, const char **ret_err);

/** Psched ticks per microsecond from the text of /proc/net/psched (15.625
 * on current kernels), or 15.625 if it cannot be read. */
double tcparams_ticks_per_us(const char *psched);

/** Bytes per second of a bandwidth on a link of LINK_BPS. */
uint64_t tcparams_bytes(const struct qp_bw *bw, uint64_t link_bps);

#endif
