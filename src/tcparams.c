/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tcparams.h"

#define RED_FLAG_ECN 1		/* TC_RED_ECN */

uint64_t tcparams_bytes(const struct qp_bw *bw, uint64_t link_bps)
{
	switch (bw->kind) {
	case QP_BW_RATE:
		return bw->bps / 8;
	case QP_BW_PERCENT:
		return (uint64_t)((double)link_bps / 8 * bw->ppm / 1e6);
	default:
		return 0;
	}
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void tcparams_hfsc_rt(uint64_t rate_bps, uint64_t delay_us, uint32_t umax, struct tc_curve *ret)
{
	uint64_t rate = rate_bps / 8;
	double burst_rate;

	ret->m2 = clamp32(rate);
	ret->m1 = 0;
	ret->d = 0;
	if (!delay_us || !rate)
		return;
	/* A packet of UMAX out within DELAY: if that takes more than RATE,
	 * serve it faster first (a concave curve); if RATE alone meets the
	 * bound, start serving later but never miss it (convex). */
	burst_rate = ceil((double)umax * 1e6 / (double)delay_us);
	if (burst_rate > (double)rate) {
		ret->m1 = clamp32((uint64_t)burst_rate);
		ret->d = clamp32(delay_us);
	} else {
		double send_us = (double)umax * 1e6 / (double)rate;

		ret->d = clamp32((uint64_t)ceil((double)delay_us - send_us));
	}
}

void tcparams_hfsc_class(const struct qp_class *cls, uint64_t link_bps, uint32_t umax,
			 struct hfsc_class_params *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (cls->guarantee.kind != QP_BW_UNSET) {
		ret->has_rt = true;
		tcparams_hfsc_rt(tcparams_bytes(&cls->guarantee, link_bps) * 8, cls->delay_usec,
				 umax, &ret->rt);
	}
	/* Every class has a share once the policy is loaded; the kernel needs
	 * one for an upper limit too. */
	ret->has_ls = true;
	ret->ls.m2 = clamp32(tcparams_bytes(&cls->share, link_bps));
	if (!ret->ls.m2)
		ret->ls.m2 = 1;
	if (cls->limit.kind != QP_BW_UNSET) {
		ret->has_ul = true;
		ret->ul.m2 = clamp32(tcparams_bytes(&cls->limit, link_bps));
	}
}

void tcparams_htb(uint64_t rate, uint64_t ceil, uint32_t mtu, double ticks_per_us,
		  struct htb_class_params *ret)
{
	/* A burst of a millisecond at the rate, at least a packet: what tc
	 * gives with a 1000 Hz clock. */
	uint64_t burst = rate / 1000 + mtu, cburst = ceil / 1000 + mtu;
	uint64_t quantum = rate / 10;	/* the kernel's rate-to-quantum ratio */

	if (!rate)
		rate = 1;
	if (ceil < rate)
		ceil = rate;
	ret->rate = rate;
	ret->ceil = ceil;
	ret->buffer = clamp32((uint64_t)((double)burst * 1e6 / (double)rate * ticks_per_us));
	ret->cbuffer = clamp32((uint64_t)((double)cburst * 1e6 / (double)ceil * ticks_per_us));
	if (quantum < mtu)
		quantum = mtu;
	if (quantum > 200000)
		quantum = 200000;
	ret->quantum = (uint32_t)quantum;
}

void tcparams_htb_class(const struct qp_class *cls, uint64_t link_bps, uint32_t mtu,
			double ticks_per_us, struct htb_class_params *ret)
{
	uint64_t ceil = cls->limit.kind != QP_BW_UNSET ? tcparams_bytes(&cls->limit, link_bps)
						       : link_bps / 8;
	uint64_t rate;

	/* HTB has no separate link-sharing weight: its rate is the guarantee,
	 * or the share - never above the limit, which is the ceil. */
	if (cls->guarantee.kind != QP_BW_UNSET)
		rate = tcparams_bytes(&cls->guarantee, link_bps);
	else
		rate = tcparams_bytes(&cls->share, link_bps);
	if (cls->guarantee.kind == QP_BW_UNSET && rate > ceil)
		rate = ceil;
	tcparams_htb(rate, ceil, mtu, ticks_per_us, ret);
}

static int fls32(uint32_t v)
{
	return v ? 32 - __builtin_clz(v) : 0;
}

int tcparams_red(const struct qp_red *red, uint64_t link_bps, double ticks_per_us,
		 struct red_params *ret, const char **ret_err)
{
	struct red_params r = { 0 };
	double avpkt = TCPARAMS_AVPKT, burst, a, w, p, xmit, lw, maxtime;
	unsigned wlog, plog, clog;

	if (red->max > UINT32_MAX || red->limit > UINT32_MAX || red->min >= red->max) {
		*ret_err = "min must be below max, and both below 4gb";
		return -EINVAL;
	}
	r.limit = (uint32_t)red->limit;
	r.qth_min = (uint32_t)red->min;
	r.qth_max = (uint32_t)red->max;
	/* The average may take in a burst of this many packets before it
	 * reaches min: tc's default, (2 min + max) / (3 avpkt). */
	burst = floor((2.0 * (double)red->min + (double)red->max) / (3 * avpkt));
	a = burst + 1 - (double)red->min / avpkt;
	if (a < 1) {
		*ret_err = "min is too large against max for the averaging to work";
		return -EINVAL;
	}
	/* The largest weight W = 2^-wlog under which that burst does not lift
	 * the average above min: a <= (1 - (1 - W)^burst) / W. */
	for (wlog = 1, w = 0.5; wlog < 32; wlog++, w /= 2)
		if (a <= (1 - pow(1 - w, burst)) / w)
			break;
	if (wlog >= 32) {
		*ret_err = "no averaging weight fits these thresholds";
		return -EINVAL;
	}
	/* The drop probability rises over max - min bytes: slope 2^-plog. */
	p = red->probability / (double)(red->max - red->min);
	for (plog = 0; plog < 32 && p <= 1.0; plog++)
		p *= 2;
	if (plog >= 32) {
		*ret_err = "the probability is too small for these thresholds";
		return -EINVAL;
	}
	/* While the queue is idle the average decays as if packets of avpkt
	 * had left at the link's rate: the table says how many averaging
	 * steps an idle time (in cells of 2^clog ticks) is worth. */
	xmit = avpkt * 1e6 / ((double)link_bps / 8) * ticks_per_us;
	lw = -log(1.0 - 1.0 / (double)(1u << wlog)) / xmit;
	maxtime = 31 / lw;
	for (clog = 0; clog < 32 && maxtime / (double)(1ull << clog) >= 512; clog++)
		;
	if (clog >= 32) {
		*ret_err = "the link is too slow for RED's idle damping";
		return -EINVAL;
	}
	for (unsigned i = 1; i < 255; i++) {
		double steps = (double)((uint64_t)i << clog) * lw;

		r.stab[i] = steps > 31 ? 31 : (uint8_t)steps;
	}
	r.stab[255] = 31;
	/* What the kernel checks (red_check_params). */
	if (fls32(r.qth_min) + (int)wlog >= 32 || fls32(r.qth_max) + (int)wlog >= 32) {
		*ret_err = "the thresholds are too large for the averaging weight";
		return -EINVAL;
	}
	r.wlog = (uint8_t)wlog;
	r.plog = (uint8_t)plog;
	r.scell_log = (uint8_t)clog;
	r.flags = red->ecn ? RED_FLAG_ECN : 0;
	r.max_p = red->probability >= 1.0 ? UINT32_MAX : (uint32_t)(red->probability * 4294967296.0);
	*ret = r;
	return 0;
}

double tcparams_ticks_per_us(const char *psched)
{
	unsigned t2us, us2t, clock_res;

	if (!psched || sscanf(psched, "%08x%08x%08x", &t2us, &us2t, &clock_res) != 3 || !us2t ||
	    !clock_res)
		return 15.625;
	/* As tc reads it: nanoseconds per microsecond over nanoseconds per
	 * tick, scaled by the clock's resolution. */
	if (clock_res == 1000000000)
		t2us = us2t;
	return (double)t2us / us2t * ((double)clock_res / 1e6);
}
