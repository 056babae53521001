/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Traffic control over rtnetlink: qpod's qdiscs and classes. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "netlink.h"
#include "shaper.h"
#include "tcparams.h"

#define MAX_CLASSES QP_MAX_QUEUED_CLASSES
#define TC_H(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
#define ROOT_CLASS TC_H(MARKS_TC_MAJOR, 1)
#define OPTS_MAX 4096
/* Changes to the queueing are made inside sendmsg(); a dump of a big tree
 * may take a while per part on a loaded machine. */
#define SHAPER_TIMEOUT_MS 2000

/* The root qdisc an interface had before qpod, to give back. */
struct saved_root {
	bool configured;	/* set up by someone (not the kernel's default) */
	char kind[IFNAMSIZ];
	uint32_t handle;
	uint8_t opts[OPTS_MAX];	/* its TCA_OPTIONS attribute, whole */
	size_t opts_len;
	bool opts_lost;		/* longer than OPTS_MAX: it comes back with defaults */
	bool had_children;
};

/* What qpod put on one interface. */
struct shaped_if {
	char name[IFNAMSIZ];
	int ifindex;		/* 0: not present (or not built) */
	uint32_t mtu;
	enum qp_scheduler sched;	/* what runs: HFSC, or HTB in its place */
	uint64_t link_bps;
	uint32_t defcls;
	struct saved_root saved;
	size_t n_classes;
	struct {
		uint32_t minor;
		enum qp_leaf_kind leaf;
		bool rt, ls, ul;	/* HFSC curves it has: one dropped needs a new class */
	} classes[MAX_CLASSES];
};

struct shaper {
	struct nl_sock *nl;
	struct nl_sock *links;	/* link events */
	double ticks_per_us;
	bool no_hfsc, no_red, no_fq_codel;	/* the kernel said so: said once */
	struct shaped_if *ifs;
	size_t n_ifs;
	char events[65536];	/* link events, read while a request may be under way */
	char err[256];		/* " (why)" for the last failure, or "" */
};

/* ---- netlink ------------------------------------------------------------- */

/* Sends NLH (with NLM_F_ACK or NLM_F_DUMP) and reads its answer to the
 * end (nl_sock_talk); the kernel's reason for a failure goes to s->err. */
static int request(struct shaper *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	int r = nl_sock_talk(s->nl, nlh, cb, arg);
	const char *why = nl_sock_error(s->nl);

	s->err[0] = '\0';
	if (r < 0 && why[0])
		snprintf(s->err, sizeof(s->err), " (%s)", why);
	return r;
}

/* Sends NLH and waits for its ack. */
static int talk(struct shaper *s, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return request(s, nlh, NULL, NULL);
}

static struct nlmsghdr *tc_msg(char *buf, uint16_t type, uint16_t flags, int ifindex,
			       uint32_t parent, uint32_t handle, const char *kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	if (kind)
		mnl_attr_put_strz(nlh, TCA_KIND, kind);
	return nlh;
}

/* Dumps MSG_TYPE (RTM_GETQDISC, RTM_GETTCLASS) of IFINDEX; CB sees each. */
static int dump(struct shaper *s, uint16_t msg_type, int ifindex, mnl_cb_t cb, void *arg)
{
	char req[256];

	return request(s, tc_msg(req, msg_type, NLM_F_DUMP, ifindex, 0, 0, NULL), cb, arg);
}

/* Deletes qpod's root qdisc on SI's interface: -EINVAL when the root is
 * not qpod's (the kernel checks the handle), -ENOENT when there is none. */
static int del_root(struct shaper *s, const struct shaped_if *si)
{
	char buf[256];

	return talk(s, tc_msg(buf, RTM_DELQDISC, 0, si->ifindex, TC_H_ROOT, TC_H(MARKS_TC_MAJOR, 0),
			      NULL));
}

/* ---- links ----------------------------------------------------------------- */

struct link_info {
	int ifindex;
	uint32_t mtu;
	char name[IFNAMSIZ];
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct link_info *li = data;

	if (mnl_attr_get_type(a) == IFLA_MTU && mnl_attr_get_payload_len(a) == 4)
		li->mtu = mnl_attr_get_u32(a);
	else if (mnl_attr_get_type(a) == IFLA_IFNAME)
		snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static void parse_link(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	memset(li, 0, sizeof(*li));
	li->ifindex = ifi->ifi_index;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, li);
}

static int link_reply_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		parse_link(nlh, data);
	return MNL_CB_OK;
}

/* The interface called NAME now: -ENODEV if there is none. */
static int link_find(struct shaper *s, const char *name, struct link_info *ret_link)
{
	char req[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct ifinfomsg *ifi;
	struct link_info li = { 0 };
	int r;

	nlh->nlmsg_type = RTM_GETLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	nlh->nlmsg_flags = NLM_F_ACK;
	r = request(s, nlh, link_reply_cb, &li);
	if (r < 0)
		return r;
	if (!li.ifindex)
		return -ENODEV;
	*ret_link = li;
	return 0;
}

/* ---- what an interface had --------------------------------------------------- */

struct root_scan {
	int ifindex;
	struct saved_root *saved;
	bool ours;		/* a hierarchy a dead qpodd left */
};

static int root_scan_cb(const struct nlmsghdr *nlh, void *data)
{
	struct root_scan *rs = data;
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	char kind[IFNAMSIZ] = "";

	/* ingress and clsact live beside the root, not under it: untouched. */
	if (tcm->tcm_ifindex != rs->ifindex || tcm->tcm_parent == TC_H_INGRESS)
		return MNL_CB_OK;
	if (tcm->tcm_parent != TC_H_ROOT) {
		/* mq's per-queue children are the kernel's own, like mq itself. */
		if (TC_H_MAJ(tcm->tcm_handle) != 0)
			rs->saved->had_children = true;
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(*tcm)) {
		if (mnl_attr_get_type(a) == TCA_KIND)
			snprintf(kind, sizeof(kind), "%s", mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == TCA_OPTIONS && a->nla_len > OPTS_MAX)
			rs->saved->opts_lost = true;
		else if (mnl_attr_get_type(a) == TCA_OPTIONS) {
			memcpy(rs->saved->opts, a, a->nla_len);
			rs->saved->opts_len = a->nla_len;
		}
	}
	snprintf(rs->saved->kind, sizeof(rs->saved->kind), "%s", kind);
	rs->saved->handle = tcm->tcm_handle;
	/* The kernel's defaults carry no handle. */
	rs->saved->configured = TC_H_MAJ(tcm->tcm_handle) != 0;
	if (TC_H_MAJ(tcm->tcm_handle) == TC_H(MARKS_TC_MAJOR, 0) &&
	    (strcmp(kind, "hfsc") == 0 || strcmp(kind, "htb") == 0))
		rs->ours = true;
	return MNL_CB_OK;
}

/* Remembers the root qdisc SI's interface has, to give it back. Nothing
 * is built on an interface whose root could not be read. */
static int save_root(struct shaper *s, struct shaped_if *si)
{
	struct root_scan rs = { si->ifindex, &si->saved, false };
	int r;

	for (int tries = 0; tries < 3; tries++) {
		memset(&si->saved, 0, sizeof(si->saved));
		rs.ours = false;
		r = dump(s, RTM_GETQDISC, si->ifindex, root_scan_cb, &rs);
		if (r != -EINTR)
			break;
	}
	if (r < 0) {
		log_error("%s: reading its queueing: %s%s", si->name, strerror(-r), s->err);
		return r;
	}
	if (rs.ours) {
		/* Left by a qpodd that died: what it replaced is unknown. */
		memset(&si->saved, 0, sizeof(si->saved));
		log_info("%s: replacing the queueing a previous qpodd left", si->name);
	} else if (si->saved.opts_lost) {
		log_warning("%s: the options of its %s root qdisc are too long to keep: on stop "
			    "it comes back with the kernel's defaults for them",
			    si->name, si->saved.kind);
	}
	return 0;
}

/* Takes qpod's root qdisc off SI's interface and puts back the one it had.
 * A root that is not qpod's any more (someone replaced it) is left. */
static void put_back(struct shaper *s, struct shaped_if *si)
{
	char buf[OPTS_MAX + 256];
	struct nlmsghdr *nlh;
	int r;

	/* Without a root the kernel attaches its default queueing. */
	r = del_root(s, si);
	if (r == -EINVAL || r == -ENOENT || r == -ENODEV)
		return;		/* not ours, or no interface */
	if (r < 0) {
		log_warning("%s: removing qpod's queueing: %s%s", si->name, strerror(-r), s->err);
		return;
	}
	if (!si->saved.configured)
		return;
	nlh = tc_msg(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, si->ifindex, TC_H_ROOT,
		     si->saved.handle, si->saved.kind);
	if (si->saved.opts_len) {
		memcpy((char *)nlh + nlh->nlmsg_len, si->saved.opts, si->saved.opts_len);
		nlh->nlmsg_len += MNL_ALIGN((uint32_t)si->saved.opts_len);
	}
	r = talk(s, nlh);
	if (r < 0)
		log_warning("%s: putting back its %s root qdisc: %s%s", si->name, si->saved.kind,
			    strerror(-r), s->err);
	else if (si->saved.had_children)
		log_warning("%s: its %s root qdisc is back, without the classes and qdiscs it had "
			    "under it",
			    si->name, si->saved.kind);
}

/* ---- building ------------------------------------------------------------ */

static void put_curve(struct nlmsghdr *nlh, uint16_t type, const struct tc_curve *c)
{
	struct tc_service_curve sc = { .m1 = c->m1, .d = c->d, .m2 = c->m2 };

	mnl_attr_put(nlh, type, sizeof(sc), &sc);
}

static void put_htb_opts(struct nlmsghdr *nlh, const struct htb_class_params *h)
{
	struct tc_htb_opt o = { 0 };
	struct nlattr *nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);

	o.rate.rate = h->rate > UINT32_MAX ? UINT32_MAX : (uint32_t)h->rate;
	o.ceil.rate = h->ceil > UINT32_MAX ? UINT32_MAX : (uint32_t)h->ceil;
	/* With the link layer known the kernel needs no rate tables. */
	o.rate.linklayer = TC_LINKLAYER_ETHERNET;
	o.ceil.linklayer = TC_LINKLAYER_ETHERNET;
	o.buffer = h->buffer;
	o.cbuffer = h->cbuffer;
	o.quantum = h->quantum;
	mnl_attr_put(nlh, TCA_HTB_PARMS, sizeof(o), &o);
	if (h->rate > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_HTB_RATE64, h->rate);
	if (h->ceil > UINT32_MAX)
		mnl_attr_put_u64(nlh, TCA_HTB_CEIL64, h->ceil);
	mnl_attr_nest_end(nlh, nest);
}

/* Creates (CREATE) or changes a class. */
static int put_class(struct shaper *s, const struct shaped_if *si, uint32_t classid,
		     uint32_t parent, const struct qp_class *cls, bool create)
{
	char buf[1024];
	struct nlmsghdr *nlh = tc_msg(buf, RTM_NEWTCLASS, create ? NLM_F_CREATE | NLM_F_EXCL : 0,
				      si->ifindex, parent, classid,
				      si->sched == QP_SCHED_HFSC ? "hfsc" : "htb");

	if (si->sched == QP_SCHED_HFSC) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
		struct hfsc_class_params h;

		if (cls) {
			tcparams_hfsc_class(cls, si->link_bps, si->mtu, &h);
		} else {
			/* The root class: the whole link, never more. */
			memset(&h, 0, sizeof(h));
			h.has_ls = h.has_ul = true;
			h.ls.m2 = h.ul.m2 = (uint32_t)(si->link_bps / 8);
		}
		if (h.has_rt)
			put_curve(nlh, TCA_HFSC_RSC, &h.rt);
		if (h.has_ls)
			put_curve(nlh, TCA_HFSC_FSC, &h.ls);
		if (h.has_ul)
			put_curve(nlh, TCA_HFSC_USC, &h.ul);
		mnl_attr_nest_end(nlh, nest);
	} else {
		struct htb_class_params h;

		if (cls)
			tcparams_htb_class(cls, si->link_bps, si->mtu, s->ticks_per_us, &h);
		else
			tcparams_htb(si->link_bps / 8, si->link_bps / 8, si->mtu, s->ticks_per_us, &h);
		put_htb_opts(nlh, &h);
	}
	return talk(s, nlh);
}

/* The leaf queue of a class: created or replaced (REPLACE), or changed. */
static int put_leaf(struct shaper *s, const struct shaped_if *si, uint32_t minor,
		    const struct qp_leaf *leaf, enum qp_leaf_kind kind, bool replace)
{
	static const char *const kinds[] = { "pfifo", "red", "fq_codel" };
	char buf[2048];
	struct nlmsghdr *nlh = tc_msg(buf, RTM_NEWQDISC,
				      replace ? NLM_F_CREATE | NLM_F_REPLACE : 0, si->ifindex,
				      TC_H(MARKS_TC_MAJOR, minor), TC_H(minor, 0), kinds[kind]);

	if (kind == QP_LEAF_FIFO) {
		struct tc_fifo_qopt q = { .limit = leaf->kind == QP_LEAF_FIFO ? leaf->fifo_limit
									   : QP_DEFAULT_FIFO_LIMIT };

		mnl_attr_put(nlh, TCA_OPTIONS, sizeof(q), &q);
	} else if (kind == QP_LEAF_RED) {
		struct nlattr *nest;
		struct tc_red_qopt q = { 0 };
		struct red_params rp;
		const char *err;

		if (tcparams_red(&leaf->red, si->link_bps, s->ticks_per_us, &rp, &err) < 0) {
			snprintf(s->err, sizeof(s->err), " (%s)", err);
			return -EINVAL;
		}
		q.limit = rp.limit;
		q.qth_min = rp.qth_min;
		q.qth_max = rp.qth_max;
		q.Wlog = rp.wlog;
		q.Plog = rp.plog;
		q.Scell_log = rp.scell_log;
		q.flags = rp.flags;
		nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
		mnl_attr_put(nlh, TCA_RED_PARMS, sizeof(q), &q);
		mnl_attr_put(nlh, TCA_RED_STAB, sizeof(rp.stab), rp.stab);
		mnl_attr_put_u32(nlh, TCA_RED_MAX_P, rp.max_p);
		mnl_attr_nest_end(nlh, nest);
	}
	return talk(s, nlh);
}

/* The root qdisc, created (replacing what was there) or changed. */
static int put_root(struct shaper *s, const struct shaped_if *si, uint32_t defcls, bool create)
{
	char buf[512];
	struct nlmsghdr *nlh = tc_msg(buf, RTM_NEWQDISC, create ? NLM_F_CREATE | NLM_F_REPLACE : 0,
				      si->ifindex, TC_H_ROOT, TC_H(MARKS_TC_MAJOR, 0),
				      si->sched == QP_SCHED_HFSC ? "hfsc" : "htb");

	if (si->sched == QP_SCHED_HFSC) {
		struct tc_hfsc_qopt q = { .defcls = (uint16_t)defcls };

		mnl_attr_put(nlh, TCA_OPTIONS, sizeof(q), &q);
	} else {
		struct tc_htb_glob g = { .version = 3, .rate2quantum = 10, .defcls = defcls };
		struct nlattr *nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);

		mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(g), &g);
		mnl_attr_nest_end(nlh, nest);
	}
	return talk(s, nlh);
}

static uint32_t class_minor(const struct marks *m, unsigned index)
{
	return TC_H_MIN(marks_tc_classid(m, index));
}

/* The leaf kind the kernel can run: RED and fq_codel where they exist. */
static enum qp_leaf_kind leaf_kind(const struct shaper *s, const struct qp_class *cls)
{
	enum qp_leaf_kind k = cls->leaf.kind;

	return (k == QP_LEAF_RED && s->no_red) || (k == QP_LEAF_FQ_CODEL && s->no_fq_codel)
		       ? QP_LEAF_FIFO
		       : k;
}

/* Is the leaf refused for lack of its queue in the kernel? Then, if
 * allowed, a fifo instead. */
static int put_leaf_fallback(struct shaper *s, struct shaped_if *si, const struct qp_interface *ifc,
			     const struct qp_class *cls, uint32_t minor, bool replace)
{
	enum qp_leaf_kind kind = leaf_kind(s, cls);
	int r = put_leaf(s, si, minor, &cls->leaf, kind, replace);
	bool red = kind == QP_LEAF_RED;

	if (r == -ENOENT && kind != QP_LEAF_FIFO) {
		if (!ifc->fallback) {
			log_error("%s: this kernel has no %s, and fallback is off", si->name,
				  red ? "RED queue (sch_red)" : "fq_codel queue (sch_fq_codel)");
			return r;
		}
		log_warning("this kernel has no %s: classes that ask for %s get a fifo",
			    red ? "RED queue (sch_red)" : "fq_codel queue (sch_fq_codel)",
			    red ? "red" : "fq_codel");
		if (red)
			s->no_red = true;
		else
			s->no_fq_codel = true;
		kind = QP_LEAF_FIFO;
		r = put_leaf(s, si, minor, &cls->leaf, kind, true);
	}
	return r;
}

/* Notes class CLS at SI's slot I, as built. */
static void remember_class(const struct shaper *s, struct shaped_if *si, size_t i, uint32_t minor,
			   const struct qp_class *cls)
{
	struct hfsc_class_params h;

	tcparams_hfsc_class(cls, si->link_bps, si->mtu, &h);
	si->classes[i].minor = minor;
	si->classes[i].leaf = leaf_kind(s, cls);
	si->classes[i].rt = h.has_rt;
	si->classes[i].ls = h.has_ls;
	si->classes[i].ul = h.has_ul;
}

/* Builds IFC's whole hierarchy on SI (present, with ifindex and mtu). */
static int build(struct shaper *s, struct shaped_if *si, const struct qp_interface *ifc,
		 const struct qp_policy *p, const struct marks *m)
{
	uint32_t defcls = class_minor(m, p->default_class.cls->index);
	int r;

	si->sched = ifc->scheduler == QP_SCHED_HFSC && !s->no_hfsc ? QP_SCHED_HFSC : QP_SCHED_HTB;
	si->link_bps = ifc->bandwidth_bps;
	si->n_classes = 0;
	/* A root of qpod's already there (a dead qpodd's, or one a reload
	 * could not change) goes first: a new root with its handle would be
	 * taken as a change of it. Any other root is replaced whole below. */
	r = del_root(s, si);
	if (r < 0 && r != -EINVAL && r != -ENOENT)
		goto fail;
	/* HFSC's default class must exist before the root points to it (or
	 * the first packets are dropped): the root first without one. HTB
	 * cannot change it later, and sends packets for a class that does not
	 * exist yet through unshaped. */
	r = put_root(s, si, si->sched == QP_SCHED_HTB ? defcls : 0, true);
	if (r == -ENOENT && si->sched == QP_SCHED_HFSC) {
		if (!ifc->fallback) {
			log_error("%s: this kernel has no HFSC (sch_hfsc), and fallback is off",
				  si->name);
			return r;
		}
		log_warning("this kernel has no HFSC (sch_hfsc): interfaces that ask for hfsc "
			    "get htb");
		s->no_hfsc = true;
		si->sched = QP_SCHED_HTB;
		r = put_root(s, si, defcls, true);
	}
	if (r < 0)
		goto fail;
	r = put_class(s, si, ROOT_CLASS, TC_H(MARKS_TC_MAJOR, 0), NULL, true);
	if (r < 0)
		goto fail;
	for (size_t i = 0; i < p->n_classes && i < MAX_CLASSES; i++) {
		uint32_t minor = class_minor(m, (unsigned)i);

		r = put_class(s, si, TC_H(MARKS_TC_MAJOR, minor), ROOT_CLASS, &p->classes[i], true);
		if (r < 0)
			goto fail;
		r = put_leaf_fallback(s, si, ifc, &p->classes[i], minor, true);
		if (r < 0)
			goto fail;
		remember_class(s, si, si->n_classes++, minor, &p->classes[i]);
	}
	if (si->sched == QP_SCHED_HFSC && (r = put_root(s, si, defcls, false)) < 0)
		goto fail;
	si->defcls = defcls;
	log_info("%s: %s, %zu classes on %llu bit/s", si->name,
		 si->sched == QP_SCHED_HFSC ? "hfsc" : "htb", si->n_classes,
		 (unsigned long long)si->link_bps);
	return 0;
fail:
	log_error("%s: building the queueing: %s%s", si->name, strerror(-r), s->err);
	/* Half a hierarchy (HFSC without its default class drops what no
	 * class claims, ARP included): the interface gets its own back. */
	put_back(s, si);
	si->n_classes = 0;
	return r;
}

/* SI's slot of the class with MINOR, or NULL. */
static size_t had_class(const struct shaped_if *si, uint32_t minor)
{
	for (size_t i = 0; i < si->n_classes; i++)
		if (si->classes[i].minor == minor)
			return i;
	return SIZE_MAX;
}

static int del_class(struct shaper *s, const struct shaped_if *si, uint32_t minor)
{
	char buf[256];

	return talk(s, tc_msg(buf, RTM_DELTCLASS, 0, si->ifindex, ROOT_CLASS,
			      TC_H(MARKS_TC_MAJOR, minor), NULL));
}

/* Brings one class, built before or not, to CLS: changed in place where
 * the kernel can, made anew where it cannot. */
static int change_class(struct shaper *s, struct shaped_if *si, const struct qp_interface *ifc,
			const struct qp_class *cls, uint32_t minor)
{
	size_t at = had_class(si, minor);
	enum qp_leaf_kind kind = leaf_kind(s, cls);
	struct hfsc_class_params h;
	char buf[256];
	int r;

	tcparams_hfsc_class(cls, si->link_bps, si->mtu, &h);
	/* HFSC takes a curve left out of a change as "keep it". */
	if (at != SIZE_MAX && si->sched == QP_SCHED_HFSC &&
	    ((si->classes[at].rt && !h.has_rt) || (si->classes[at].ls && !h.has_ls) ||
	     (si->classes[at].ul && !h.has_ul))) {
		r = del_class(s, si, minor);
		if (r < 0)
			return r;
		at = SIZE_MAX;
	}
	r = put_class(s, si, TC_H(MARKS_TC_MAJOR, minor), ROOT_CLASS, cls, at == SIZE_MAX);
	if (r < 0 || (at != SIZE_MAX && si->classes[at].leaf == kind))
		return r < 0 ? r : put_leaf_fallback(s, si, ifc, cls, minor, false);
	/* A leaf of another kind under the same handle would be taken as a
	 * change of the old one: the old goes first. */
	if (at != SIZE_MAX) {
		r = talk(s, tc_msg(buf, RTM_DELQDISC, 0, si->ifindex, TC_H(MARKS_TC_MAJOR, minor),
				   TC_H(minor, 0), NULL));
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return put_leaf_fallback(s, si, ifc, cls, minor, true);
}

/* Changes SI's hierarchy in place for a reloaded policy: queued packets
 * stay queued except in a leaf whose kind changes. Falls back to a new
 * build where in place cannot do (scheduler, HTB's default class). */
static int change(struct shaper *s, struct shaped_if *si, const struct qp_interface *ifc,
		  const struct qp_policy *p, const struct marks *m)
{
	uint32_t defcls = class_minor(m, p->default_class.cls->index);
	enum qp_scheduler want = ifc->scheduler == QP_SCHED_HFSC && !s->no_hfsc ? QP_SCHED_HFSC
										  : QP_SCHED_HTB;
	int r;

	if (want != si->sched || (si->sched == QP_SCHED_HTB && defcls != si->defcls))
		return build(s, si, ifc, p, m);
	si->link_bps = ifc->bandwidth_bps;
	r = put_class(s, si, ROOT_CLASS, TC_H(MARKS_TC_MAJOR, 0), NULL, false);
	for (size_t i = 0; r == 0 && i < p->n_classes && i < MAX_CLASSES; i++)
		r = change_class(s, si, ifc, &p->classes[i], class_minor(m, (unsigned)i));
	/* The default class moves before any class goes: HFSC drops what
	 * its default names when that class does not exist. */
	if (r == 0 && defcls != si->defcls)
		r = put_root(s, si, defcls, false);
	/* Classes the policy no longer has. */
	for (size_t i = 0; r == 0 && i < si->n_classes; i++) {
		bool kept = false;

		for (size_t j = 0; j < p->n_classes; j++)
			kept |= class_minor(m, (unsigned)j) == si->classes[i].minor;
		if (!kept)
			r = del_class(s, si, si->classes[i].minor);
	}
	if (r < 0) {
		log_warning("%s: changing the queueing in place: %s%s; building it anew",
			    si->name, strerror(-r), s->err);
		return build(s, si, ifc, p, m);
	}
	si->n_classes = 0;
	for (size_t i = 0; i < p->n_classes && i < MAX_CLASSES; i++)
		remember_class(s, si, si->n_classes++, class_minor(m, (unsigned)i), &p->classes[i]);
	si->defcls = defcls;
	log_info("%s: queueing changed in place", si->name);
	return 0;
}

/* ---- the interfaces -------------------------------------------------------- */

static struct shaped_if *find_if(struct shaper *s, const char *name)
{
	for (size_t i = 0; i < s->n_ifs; i++)
		if (strcmp(s->ifs[i].name, name) == 0)
			return &s->ifs[i];
	return NULL;
}

/* Brings SI to IFC: builds it if the link is there and qpod has not yet,
 * changes it if qpod has. */
static int apply_one(struct shaper *s, struct shaped_if *si, const struct qp_interface *ifc,
		     const struct qp_policy *p, const struct marks *m)
{
	struct link_info li;
	int r = link_find(s, ifc->name, &li);

	if (r == -ENODEV) {
		if (si->ifindex)
			log_info("%s: gone", si->name);
		si->ifindex = 0;
		return 0;	/* built when it appears */
	}
	if (r < 0) {
		log_error("%s: looking for the interface: %s%s", ifc->name, strerror(-r), s->err);
		return r;
	}
	if (si->ifindex == li.ifindex) {
		si->mtu = li.mtu ? li.mtu : si->mtu;
		r = change(s, si, ifc, p, m);
	} else {
		si->ifindex = li.ifindex;
		si->mtu = li.mtu ? li.mtu : 1500;
		r = save_root(s, si);
		if (r == 0)
			r = build(s, si, ifc, p, m);
	}
	if (r < 0)
		si->ifindex = 0;	/* as it was; tried again when the link changes */
	return r;
}

static void restore_one(struct shaper *s, struct shaped_if *si)
{
	if (!si->ifindex)
		return;
	put_back(s, si);
	si->ifindex = 0;
}

int shaper_apply(struct shaper *s, const struct qp_policy *p, const struct marks *m)
{
	struct shaped_if *nifs = calloc(p->n_interfaces ? p->n_interfaces : 1, sizeof(*nifs));
	size_t n = 0;
	int r = 0, err;

	if (!nifs)
		return -ENOMEM;
	/* Interfaces no longer listed, or now with scheduler none: as they were. */
	for (size_t i = 0; i < s->n_ifs; i++) {
		bool kept = false;

		for (size_t j = 0; j < p->n_interfaces; j++)
			kept |= p->interfaces[j].scheduler != QP_SCHED_NONE &&
				strcmp(p->interfaces[j].name, s->ifs[i].name) == 0;
		if (!kept)
			restore_one(s, &s->ifs[i]);
	}
	for (size_t j = 0; j < p->n_interfaces; j++) {
		const struct qp_interface *ifc = &p->interfaces[j];
		struct shaped_if *old = find_if(s, ifc->name), *si = &nifs[n];

		if (ifc->scheduler == QP_SCHED_NONE)
			continue;
		if (old)
			*si = *old;
		else
			snprintf(si->name, sizeof(si->name), "%s", ifc->name);
		n++;
		err = apply_one(s, si, ifc, p, m);
		if (err < 0 && r == 0)
			r = err;
	}
	free(s->ifs);
	s->ifs = nifs;
	s->n_ifs = n;
	return r;
}

void shaper_restore(struct shaper *s)
{
	for (size_t i = 0; i < s->n_ifs; i++)
		restore_one(s, &s->ifs[i]);
}

int shaper_link_fd(const struct shaper *s)
{
	return nl_sock_fd(s->links);
}

/* Brings SI to its place in P: after a link event, or a missed one. */
static void follow(struct shaper *s, struct shaped_if *si, const struct qp_policy *p,
		   const struct marks *m)
{
	for (size_t j = 0; j < p->n_interfaces; j++)
		if (strcmp(p->interfaces[j].name, si->name) == 0)
			apply_one(s, si, &p->interfaces[j], p, m);
}

static void link_event(struct shaper *s, const struct nlmsghdr *nlh, const struct qp_policy *p,
		       const struct marks *m)
{
	struct link_info li;
	struct shaped_if *si;

	parse_link(nlh, &li);
	/* One of ours under another name now: no longer the one the policy
	 * names, so it gets its own queueing back. */
	for (size_t i = 0; i < s->n_ifs; i++) {
		si = &s->ifs[i];
		if (si->ifindex != li.ifindex || strcmp(si->name, li.name) == 0)
			continue;
		if (nlh->nlmsg_type == RTM_NEWLINK) {
			log_info("%s: renamed %s; its queueing goes back to what it was", si->name,
				 li.name);
			put_back(s, si);
		}
		si->ifindex = 0;
	}
	si = find_if(s, li.name);
	if (!si)
		return;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (si->ifindex == li.ifindex) {
			log_info("%s: gone; its queueing goes with it", si->name);
			si->ifindex = 0;
		}
		return;
	}
	/* Updates of one qpod has built matter only if its MTU changed
	 * (HTB's bursts, HFSC's packet of the delay bound). */
	if (si->ifindex == li.ifindex && (!li.mtu || li.mtu == si->mtu))
		return;
	follow(s, si, p, m);
}

void shaper_link_events(struct shaper *s, const struct qp_policy *p, const struct marks *m)
{
	ssize_t n;

	while ((n = recv(nl_sock_fd(s->links), s->events, sizeof(s->events),
			 MSG_DONTWAIT | MSG_TRUNC)) != 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->events;
		int len = (int)n;

		if (n < 0 && errno != ENOBUFS) {
			if (errno != EAGAIN && errno != EINTR)
				log_error("reading link events: %s", strerror(errno));
			return;
		}
		if (n < 0 || (size_t)n > sizeof(s->events)) {
			/* Events lost (ENOBUFS) or cut short: look at every
			 * interface afresh. */
			log_info("link events lost (%s): looking at every interface again",
				 n < 0 ? strerror(errno) : "truncated");
			for (size_t i = 0; i < s->n_ifs; i++)
				follow(s, &s->ifs[i], p, m);
			continue;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK)
				link_event(s, nlh, p, m);
	}
}

/* ---- counters ------------------------------------------------------------- */

struct stats_ctx {
	struct shaped_if *si;
	const struct marks *m;
	bool classes;		/* class dump, or the leaves' qdisc dump */
	struct shaper_class_stats *out;
	size_t n;
};

static int stats2_cb(const struct nlattr *a, void *data)
{
	struct shaper_class_stats *cs = data;

	if (mnl_attr_get_type(a) == TCA_STATS_BASIC &&
	    mnl_attr_get_payload_len(a) >= sizeof(struct gnet_stats_basic)) {
		struct gnet_stats_basic b;

		memcpy(&b, mnl_attr_get_payload(a), sizeof(b));
		cs->bytes = b.bytes;
		cs->packets = b.packets;
	} else if (mnl_attr_get_type(a) == TCA_STATS_PKT64 && mnl_attr_get_payload_len(a) >= 8) {
		cs->packets = mnl_attr_get_u64(a);	/* past 2^32, after BASIC */
	} else if (mnl_attr_get_type(a) == TCA_STATS_QUEUE &&
		   mnl_attr_get_payload_len(a) >= sizeof(struct gnet_stats_queue)) {
		struct gnet_stats_queue q;

		memcpy(&q, mnl_attr_get_payload(a), sizeof(q));
		cs->drops = q.drops;
		cs->overlimits = q.overlimits;
		cs->backlog = q.backlog;
		cs->qlen = q.qlen;
	}
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_ctx *c = data;
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (tcm->tcm_ifindex != c->si->ifindex)
		return MNL_CB_OK;
	if (c->classes) {
		struct shaper_class_stats *cs;

		/* HFSC lists its qdisc's own root, 7a0:0, as a class too. */
		if (TC_H_MAJ(tcm->tcm_handle) != TC_H(MARKS_TC_MAJOR, 0) ||
		    !TC_H_MIN(tcm->tcm_handle) || c->n >= MAX_CLASSES + 1)
			return MNL_CB_OK;
		cs = &c->out[c->n++];
		memset(cs, 0, sizeof(*cs));
		snprintf(cs->ifname, sizeof(cs->ifname), "%s", c->si->name);
		cs->classid = tcm->tcm_handle;
		cs->class_index = -1;
		for (size_t i = 0; i < c->m->n; i++)
			if (marks_tc_classid(c->m, (unsigned)i) == tcm->tcm_handle)
				cs->class_index = (int)i;
		mnl_attr_for_each(a, nlh, sizeof(*tcm))
			if (mnl_attr_get_type(a) == TCA_STATS2)
				mnl_attr_parse_nested(a, stats2_cb, cs);
		return MNL_CB_OK;
	}
	/* A RED leaf's own counters: early drops and marks. */
	mnl_attr_for_each(a, nlh, sizeof(*tcm))
		if (mnl_attr_get_type(a) == TCA_KIND && strcmp(mnl_attr_get_str(a), "red") != 0)
			return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*tcm)) {
		if (mnl_attr_get_type(a) != TCA_XSTATS ||
		    mnl_attr_get_payload_len(a) < sizeof(struct tc_red_xstats))
			continue;
		for (size_t i = 0; i < c->n; i++) {
			if (c->out[i].classid == tcm->tcm_parent) {
				struct tc_red_xstats x;

				memcpy(&x, mnl_attr_get_payload(a), sizeof(x));
				c->out[i].red_early = x.early;
				c->out[i].red_marked = x.marked;
			}
		}
	}
	return MNL_CB_OK;
}

int shaper_read_stats(struct shaper *s, const struct marks *m,
		      void (*cb)(const struct shaper_class_stats *, void *), void *arg)
{
	struct shaper_class_stats *out = calloc(MAX_CLASSES + 1, sizeof(*out));
	int r = 0;

	if (!out)
		return -ENOMEM;
	/* An interface that cannot be read does not hide the others. */
	for (size_t i = 0; i < s->n_ifs; i++) {
		struct stats_ctx c = { &s->ifs[i], m, true, out, 0 };
		int err;

		if (!s->ifs[i].ifindex)
			continue;
		err = dump(s, RTM_GETTCLASS, s->ifs[i].ifindex, stats_cb, &c);
		c.classes = false;
		if (err == 0)
			err = dump(s, RTM_GETQDISC, s->ifs[i].ifindex, stats_cb, &c);
		for (size_t j = 0; err == 0 && j < c.n; j++)
			cb(&out[j], arg);
		if (err < 0 && r == 0)
			r = err;
	}
	free(out);
	return r;
}

/* ---- life ----------------------------------------------------------------- */

int shaper_new(struct shaper **ret)
{
	struct shaper *s = calloc(1, sizeof(*s));
	char psched[128] = "";
	FILE *f;
	int r;

	if (!s)
		return -ENOMEM;
	r = nl_sock_new(NETLINK_ROUTE, 0, 0, SHAPER_TIMEOUT_MS, &s->nl);
	if (r == 0)
		r = nl_sock_new(NETLINK_ROUTE, RTMGRP_LINK, SOCK_NONBLOCK, 0, &s->links);
	if (r < 0) {
		shaper_free(s);
		return r;
	}
	f = fopen("/proc/net/psched", "r");
	if (f) {
		if (!fgets(psched, sizeof(psched), f))
			psched[0] = '\0';
		fclose(f);
	}
	s->ticks_per_us = tcparams_ticks_per_us(psched[0] ? psched : NULL);
	*ret = s;
	return 0;
}

void shaper_free(struct shaper *s)
{
	if (!s)
		return;
	nl_sock_free(s->nl);
	nl_sock_free(s->links);
	free(s->ifs);
	free(s);
}
