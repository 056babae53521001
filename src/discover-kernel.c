/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sessions the kernel decided alone (kplan.h), never held, are recorded
 * afterwards, off the packet path: the first update event of their
 * connection (a TCP handshake's answer, a UDP reply) names a connection
 * with a class's mark and no session. Its socket and owner are found then,
 * for `qpod-ctl sessions`, the session log and `qpod-ctl apps`; among the
 * likeliest processes only. A connection over before that (a short TCP
 * exchange, a UDP one without reply), or before its event is read
 * (events come in batches, CT_WAKE_NS), is not listed. */
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netinet/in.h>

#include "clock.h"
#include "counter.h"
#include "decide.h"
#include "discover-internal.h"

void discover_record_kernel(struct discover *d, const struct ct_entry *ct)
{
	const struct qp_policy *p = d->snap->policy;
	const struct marks *m = &d->snap->marks;
	struct session s = { 0 };
	struct proc_view view = { 0 };
	const struct proc_info *owner;
	struct sock_found sock;
	struct decision dec;
	enum qp_direction dir = QP_DIR_OUT;
	uint64_t now = clock_mono_ns();
	int cls;

	if (!p->queue.kernel_decisions || ct->destroyed || !ct->orig.has_ports ||
	    (ct->orig.proto == IPPROTO_TCP && ct->tcp_state >= TCP_CONNTRACK_FIN_WAIT))
		return;
	cls = marks_class_of_value(m, marks_value(m, ct->mark));
	if (cls < 0)
		return;		/* undecided, unmanaged, a run's, or retired */
	s.key = ct->orig;
	/* Opened here, or accepted here: which socket there is tells. */
	if (sockdiag_lookup(d->sd, &s.key, QP_DIR_OUT, &sock) < 0) {
		dir = QP_DIR_IN;
		if (sockdiag_lookup(d->sd, &s.key, QP_DIR_IN, &sock) < 0)
			return;	/* closed already, or not a local program's */
	}
	if (!sock.inode)
		return;		/* closing already (TIME_WAIT): no owner to find */
	/* Its process started moments ago: its events may be waiting. */
	if (d->cn)
		(void)discover_drain_process_events(d, now);
	/* Quick: its owner may have exited already (a short connection),
	 * and a long search here costs the whole host CPU. */
	owner = discover_find_owner_in(d, &sock, now, now, true, &s, &view);
	decide_session(p, &s.key, dir, owner ? appmatch_find(p, &view) : NULL, &dec);
	s.reason = dec.rule >= 0 ? SESSION_BY_RULE : dec.app ? SESSION_BY_APP
				 : owner ? SESSION_DEFAULT : s.reason;
	s.app = dec.app ? (int16_t)dec.app->index : -1;
	s.rule = (int16_t)dec.rule;
	/* The kernel decides no application with a budget: counted all the same. */
	s.admitted = dec.app != NULL;
	s.direction = (uint8_t)dir;
	s.class_index = (uint16_t)cls;
	s.mark = marks_class(m, (unsigned)cls);
	s.kernel = 1;
	s.start_ns = clock_real_ns();
	s.seen_ns = now;
	discover_take_counts(&s, ct);
	discover_track(d, &s);
	counter_inc(&d->stats.kernel);
}
