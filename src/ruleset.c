/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kplan.h"
#include "packet.h"
#include "ruleset.h"

#define MAP_NAME "class_chains"
#define RUN_CHAIN "run"
#define MAP_ID 1
#define TYPE_MARK 19		/* nft's datatype id for marks, for `nft list` */

struct ruleset_rule {
	struct nftnl_rule *rule;
	char desc[96];
};

struct ruleset {
	struct nftnl_table *table;
	struct nftnl_chain **chains;
	size_t n_chains, cap_chains;
	struct nftnl_set *map;
	struct ruleset_rule *rules;
	size_t n_rules, cap_rules;
	size_t queue_rule;
	bool failed;		/* out of memory somewhere */
};

/* A rule being built: expressions are appended; any allocation failure
 * marks the ruleset failed instead of being checked at every call. */
struct rb {
	struct ruleset *rs;
	struct nftnl_rule *r;
};

/* ---- expressions ------------------------------------------------------- */

static struct nftnl_expr *expr(struct rb *b, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e) {
		b->rs->failed = true;
		return NULL;
	}
	nftnl_rule_add_expr(b->r, e);
	return e;
}

static void e_meta_load(struct rb *b, uint32_t key)
{
	struct nftnl_expr *e = expr(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}

static void e_meta_set(struct rb *b, uint32_t key)
{
	struct nftnl_expr *e = expr(b, "meta");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, NFT_REG_1);
}

static void e_ct_load(struct rb *b, uint32_t key)
{
	struct nftnl_expr *e = expr(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
}

static void e_ct_set(struct rb *b, uint32_t key)
{
	struct nftnl_expr *e = expr(b, "ct");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, NFT_REG_1);
}

/* reg1 = (reg1 & MASK) ^ XOR over LEN bytes, in memory order. */
static void e_bitwise(struct rb *b, uint32_t len, const void *mask, const void *xor)
{
	struct nftnl_expr *e = expr(b, "bitwise");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
}

static void e_cmp(struct rb *b, enum nft_cmp_ops op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(b, "cmp");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void e_range(struct rb *b, const void *from, const void *to, uint32_t len)
{
	struct nftnl_expr *e = expr(b, "range");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, NFT_RANGE_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, from, len);
	nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, to, len);
}

static void e_payload_load(struct rb *b, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = expr(b, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
}

static void e_payload_write(struct rb *b, uint32_t off, uint32_t len, uint32_t csum_type,
			    uint32_t csum_off)
{
	struct nftnl_expr *e = expr(b, "payload");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_TYPE, csum_type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_CSUM_OFFSET, csum_off);
}

static void e_imm_u32(struct rb *b, uint32_t value)
{
	struct nftnl_expr *e = expr(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &value, sizeof(value));
}

static void e_verdict(struct rb *b, int verdict)
{
	struct nftnl_expr *e = expr(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
}

static void e_chain_verdict(struct rb *b, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr(b, "immediate");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

static void e_jump(struct rb *b, const char *chain)
{
	e_chain_verdict(b, NFT_JUMP, chain);
}

/* goto: a return from CHAIN returns from the chain that went there. */
static void e_goto(struct rb *b, const char *chain)
{
	e_chain_verdict(b, NFT_GOTO, chain);
}

/* reg1 (8 bytes) = the id of the packet's socket's cgroup v2 ancestor at
 * LEVEL; no match when there is no socket or it is shallower. */
static void e_socket_cgroup(struct rb *b, uint32_t level)
{
	struct nftnl_expr *e = expr(b, "socket");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_KEY, NFT_SOCKET_CGROUPV2);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_LEVEL, level);
	nftnl_expr_set_u32(e, NFTNL_EXPR_SOCKET_DREG, NFT_REG_1);
}

static void e_counter(struct rb *b)
{
	expr(b, "counter");
}

static void e_vmap(struct rb *b, const char *set, uint32_t set_id)
{
	struct nftnl_expr *e = expr(b, "lookup");

	if (!e)
		return;
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
}

static void e_queue(struct rb *b, const struct qp_queue_config *q, enum ruleset_queue kind)
{
	bool bypass = q->fail == QP_FAIL_OPEN;
	struct nftnl_expr *e;

	if (kind == RULESET_QUEUE_NATIVE) {
		e = expr(b, "queue");
		if (!e)
			return;
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_NUM, q->num);
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_TOTAL, q->threads);
		/* No CPU fanout: a flow must always reach the same queue so its
		 * packets leave in order. */
		nftnl_expr_set_u16(e, NFTNL_EXPR_QUEUE_FLAGS, bypass ? NFT_QUEUE_FLAG_BYPASS : 0);
	} else {
		struct xt_NFQ_info_v3 info = {
			.queuenum = q->num,
			.queues_total = q->threads,
			.flags = bypass ? NFQ_FLAG_BYPASS : 0,
		};
		void *copy = malloc(sizeof(info));

		e = expr(b, "target");
		if (!e || !copy) {
			free(copy);
			b->rs->failed = true;
			return;
		}
		memcpy(copy, &info, sizeof(info));
		nftnl_expr_set_str(e, NFTNL_EXPR_TG_NAME, "NFQUEUE");
		nftnl_expr_set_u32(e, NFTNL_EXPR_TG_REV, 3);
		/* libnftnl takes ownership of the info block. */
		nftnl_expr_set(e, NFTNL_EXPR_TG_INFO, copy, sizeof(info));
	}
}

/* ---- conditions and statements ------------------------------------------ */

/* ct mark & MASK not in { 0, PENDING }: the session is decided. */
static void m_ct_decided(struct rb *b, uint32_t mask, uint32_t pending)
{
	uint32_t zero = 0;

	e_ct_load(b, NFT_CT_MARK);
	e_bitwise(b, 4, &mask, &zero);
	e_cmp(b, NFT_CMP_NEQ, &zero, 4);
	e_cmp(b, NFT_CMP_NEQ, &pending, 4);
}

/* ct mark & MASK OP VALUE */
static void m_ct_mark(struct rb *b, enum nft_cmp_ops op, uint32_t mask, uint32_t value)
{
	uint32_t zero = 0;

	e_ct_load(b, NFT_CT_MARK);
	e_bitwise(b, 4, &mask, &zero);
	e_cmp(b, op, &value, 4);
}

/* meta mark & MASK OP VALUE */
static void m_meta_mark(struct rb *b, enum nft_cmp_ops op, uint32_t mask, uint32_t value)
{
	uint32_t zero = 0;

	e_meta_load(b, NFT_META_MARK);
	e_bitwise(b, 4, &mask, &zero);
	e_cmp(b, op, &value, 4);
}

/* ct mark set ct mark & ~MASK | VALUE: only qpod's bits change. */
static void s_ct_mark_set(struct rb *b, uint32_t mask, uint32_t value)
{
	uint32_t keep = ~mask;

	e_ct_load(b, NFT_CT_MARK);
	e_bitwise(b, 4, &keep, &value);
	e_ct_set(b, NFT_CT_MARK);
}

static void m_ct_state(struct rb *b, enum nft_cmp_ops op, uint32_t bits)
{
	uint32_t zero = 0;

	e_ct_load(b, NFT_CT_STATE);
	e_bitwise(b, 4, &bits, &zero);
	e_cmp(b, op, &zero, 4);
}

static void m_u8(struct rb *b, uint32_t meta_key, enum nft_cmp_ops op, uint8_t value)
{
	e_meta_load(b, meta_key);
	e_cmp(b, op, &value, 1);
}

static void m_ifname(struct rb *b, uint32_t meta_key, const char *name)
{
	char buf[IFNAMSIZ] = { 0 };

	strncpy(buf, name, sizeof(buf) - 1);
	e_meta_load(b, meta_key);
	e_cmp(b, NFT_CMP_EQ, buf, sizeof(buf));
}

/* th sport/dport in RANGE; the protocol was checked before. */
static void m_port(struct rb *b, uint32_t off, const struct qp_port_range *r)
{
	uint16_t lo = htons(r->lo), hi = htons(r->hi);

	e_payload_load(b, NFT_PAYLOAD_TRANSPORT_HEADER, off, 2);
	if (r->lo == r->hi)
		e_cmp(b, NFT_CMP_EQ, &lo, 2);
	else
		e_range(b, &lo, &hi, 2);
}

static void m_prefix(struct rb *b, bool src, const struct qp_cidr *c)
{
	bool v4 = c->family == AF_INET;
	uint32_t len = v4 ? 4 : 16;
	uint32_t off = v4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint8_t mask[16] = { 0 }, zero[16] = { 0 };

	if (c->plen == 0)
		return;
	e_payload_load(b, NFT_PAYLOAD_NETWORK_HEADER, off, len);
	if (c->plen < len * 8) {
		for (unsigned i = 0; i < c->plen; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		e_bitwise(b, len, mask, zero);
	}
	e_cmp(b, NFT_CMP_EQ, c->addr, len);
}

/* ---- objects ------------------------------------------------------------ */

static struct rb rule_new(struct ruleset *rs, const char *chain, const char *desc)
{
	struct rb b = { rs, NULL };
	struct ruleset_rule *slot;

	if (rs->n_rules == rs->cap_rules) {
		size_t ncap = rs->cap_rules ? rs->cap_rules * 2 : 32;
		struct ruleset_rule *nr = realloc(rs->rules, ncap * sizeof(*nr));

		if (!nr) {
			rs->failed = true;
			return b;
		}
		rs->rules = nr;
		rs->cap_rules = ncap;
	}
	b.r = nftnl_rule_alloc();
	if (!b.r) {
		rs->failed = true;
		return b;
	}
	nftnl_rule_set_u32(b.r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(b.r, NFTNL_RULE_TABLE, RULESET_TABLE);
	nftnl_rule_set_str(b.r, NFTNL_RULE_CHAIN, chain);
	slot = &rs->rules[rs->n_rules++];
	slot->rule = b.r;
	snprintf(slot->desc, sizeof(slot->desc), "rule in chain %s: %s", chain, desc);
	return b;
}

/* Every expression helper checks for a rule: a failed rule_new leaves
 * b.r NULL, so route calls through this guard. */
#define RULE(b) if ((b).r)

static void chain_add(struct ruleset *rs, const char *name, int hook, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftnl_chain **nc;

	if (!c) {
		rs->failed = true;
		return;
	}
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, RULESET_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	if (hook >= 0) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	if (rs->n_chains == rs->cap_chains) {
		size_t ncap = rs->cap_chains ? rs->cap_chains * 2 : 16;

		nc = realloc(rs->chains, ncap * sizeof(*nc));
		if (!nc) {
			nftnl_chain_free(c);
			rs->failed = true;
			return;
		}
		rs->chains = nc;
		rs->cap_chains = ncap;
	}
	rs->chains[rs->n_chains++] = c;
}

static void class_chain_name(const struct qp_class *cls, char *buf, size_t len)
{
	snprintf(buf, len, "class_%s", cls->name);
}

/* ---- the table ---------------------------------------------------------- */

struct build {
	struct ruleset *rs;
	const struct qp_policy *p;
	const struct marks *m;
	const struct ruleset_opts *o;
	const struct kplan *kp;		/* NULL: qpodd decides every session */
};

/* ct mark set to VALUE, then return: the session is decided in the kernel. */
static void decide_in_kernel(struct rb *b, const struct build *bd, uint32_t value)
{
	RULE(*b) {
		s_ct_mark_set(b, bd->m->mask, value);
		e_verdict(b, NFT_RETURN);
	}
}

/* Rules in CHAIN for the sessions flow match FM (NULL: any) takes: one
 * per protocol and, for 'port', one per end; TAIL adds the rest of each. */
static void flow_rules(const struct build *bd, const char *chain, const struct qp_flow_match *fm,
		       const char *desc, void (*tail)(struct rb *, const struct build *, const void *),
		       const void *arg)
{
	static const uint8_t both[] = { IPPROTO_TCP, IPPROTO_UDP };
	static const struct qp_flow_match every = { 0 };
	uint8_t one;
	const uint8_t *protos;
	size_t n_protos;
	int ends;

	if (!fm)
		fm = &every;
	one = (uint8_t)fm->proto;
	protos = fm->proto ? &one : both;
	n_protos = fm->proto ? 1 : (fm->has_port || fm->has_sport || fm->has_dport) ? 2 : 0;
	ends = fm->has_port ? 2 : 1;
	for (size_t pi = 0; pi < (n_protos ? n_protos : 1); pi++) {
		for (int end = 0; end < ends; end++) {
			struct rb b = rule_new(bd->rs, chain, desc);
			const struct qp_cidr *any = fm->has_src ? &fm->src : fm->has_dst ? &fm->dst : NULL;

			RULE(b) {
				if (any)
					m_u8(&b, NFT_META_NFPROTO, NFT_CMP_EQ,
					     any->family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
				if (n_protos)
					m_u8(&b, NFT_META_L4PROTO, NFT_CMP_EQ, protos[pi]);
				if (fm->has_src)
					m_prefix(&b, true, &fm->src);
				if (fm->has_dst)
					m_prefix(&b, false, &fm->dst);
				if (fm->has_port)
					m_port(&b, end == 0 ? 0 : 2, &fm->port);
				if (fm->has_sport)
					m_port(&b, 0, &fm->sport);
				if (fm->has_dport)
					m_port(&b, 2, &fm->dport);
			}
			tail(&b, bd, arg);
		}
	}
}

static void filtered_tail(struct rb *b, const struct build *bd, const void *arg)
{
	(void)arg;
	RULE(*b) e_counter(b);
	decide_in_kernel(b, bd, marks_unmanaged(bd->m));
}

/* One filtered entry for CHAIN. */
static void filtered_rules(const struct build *bd, const char *chain, const struct qp_filtered *f)
{
	char desc[64];

	snprintf(desc, sizeof(desc), "filtered entry at line %u", f->loc.line);
	flow_rules(bd, chain, &f->match, desc, filtered_tail, NULL);
}

/* A step of the kernel's own decisions (kplan.h): the socket's user, then
 * a class (accept ends this hook's base chain), qpodd (back to the queue
 * rule), or another chain of the plan. */
static void kstep_tail(struct rb *b, const struct build *bd, const void *arg)
{
	const struct kstep *s = arg;

	RULE(*b) {
		if (s->has_uid) {
			e_meta_load(b, NFT_META_SKUID);
			e_cmp(b, NFT_CMP_EQ, &s->uid, sizeof(s->uid));
		}
		switch (s->kind) {
		case KSTEP_CLASS:
			e_counter(b);
			s_ct_mark_set(b, bd->m->mask, marks_class(bd->m, s->cls->index));
			e_verdict(b, NF_ACCEPT);
			break;
		case KSTEP_QUEUE:
			e_verdict(b, NFT_RETURN);
			break;
		case KSTEP_GOTO:
			e_goto(b, bd->kp->chains[s->chain].name);
			break;
		}
	}
}

static void kernel_chains(struct build *bd)
{
	for (size_t c = 0; c < bd->kp->n_chains; c++) {
		const struct kchain *kc = &bd->kp->chains[c];

		chain_add(bd->rs, kc->name, -1, 0);
		for (size_t i = 0; i < kc->n_steps; i++) {
			const struct kstep *s = &kc->steps[i];
			char desc[64];

			/* A rule for the other direction never matches here. */
			if (s->flow && s->flow->direction != QP_DIR_ANY && s->flow->direction != kc->dir)
				continue;
			if (s->rule >= 0)
				snprintf(desc, sizeof(desc), "session rule at line %u",
					 bd->p->sessions[s->rule].loc.line);
			else
				snprintf(desc, sizeof(desc), "decided in the kernel");
			flow_rules(bd, kc->name, s->flow, desc, kstep_tail, s);
		}
	}
}

/* Queues a packet to qpodd: a pending session's (PENDING_ONLY), or a
 * new session's, whose connection is marked pending first. */
static void queue_rule(const struct build *bd, const char *chain, enum qp_direction dir,
		       bool pending_only)
{
	char desc[80];
	struct rb b;

	/* The first queue rule is the one a kernel without the queue
	 * expression rejects. */
	if (dir == QP_DIR_OUT && !bd->rs->queue_rule)
		bd->rs->queue_rule = bd->rs->n_rules;
	snprintf(desc, sizeof(desc), "%s (%s)",
		 pending_only ? "pending sessions queue" : "new sessions are pending and queue",
		 bd->o->queue == RULESET_QUEUE_NATIVE ? "nft queue expression"
						      : "xtables NFQUEUE target");
	b = rule_new(bd->rs, chain, desc);
	RULE(b) {
		if (pending_only)
			m_ct_mark(&b, NFT_CMP_EQ, bd->m->mask, marks_pending(bd->m));
		else
			s_ct_mark_set(&b, bd->m->mask, marks_pending(bd->m));
		e_counter(&b);
		e_queue(&b, &bd->p->queue, bd->o->queue);
	}
}

static int deeper_first(const void *x, const void *y)
{
	const struct ruleset_run *a = x, *b = y;

	return (a->level < b->level) - (a->level > b->level);
}

/* Chain run: one rule per run cgroup, the deepest first, so that a
 * command run inside another run's command gets its own class. The
 * session is decided at once: accept ends this hook's base chain. */
static void run_rules(struct ruleset *rs, const struct ruleset_run *runs, size_t n,
		      const struct marks *m)
{
	struct ruleset_run *sorted = n ? malloc(n * sizeof(*sorted)) : NULL;

	if (n && !sorted) {
		rs->failed = true;
		return;
	}
	if (n) {
		memcpy(sorted, runs, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), deeper_first);
	}
	for (size_t i = 0; i < n; i++) {
		struct rb b = rule_new(rs, RUN_CHAIN, "socket cgroupv2 sets the class");

		RULE(b) {
			e_socket_cgroup(&b, sorted[i].level);
			e_cmp(&b, NFT_CMP_EQ, &sorted[i].cgroup_id, sizeof(sorted[i].cgroup_id));
			e_counter(&b);
			s_ct_mark_set(&b, m->mask, sorted[i].mark);
			e_verdict(&b, NF_ACCEPT);
		}
	}
	free(sorted);
}

static void decide_chain(struct build *bd, const char *chain, enum qp_direction dir)
{
	const struct qp_policy *p = bd->p;
	uint32_t mask = bd->m->mask, pending = marks_pending(bd->m);
	uint8_t reply = IP_CT_DIR_REPLY;
	struct rb b;

	b = rule_new(bd->rs, chain, "decided sessions return");
	RULE(b) {
		m_ct_decided(&b, mask, pending);
		e_verdict(&b, NFT_RETURN);
	}
	/* A pending session's packets go to qpodd, whatever their state,
	 * until it marks the connection: a UDP flow's packets after its first
	 * reply are "established" but must not leave unclassified. Replies
	 * are the other end's business. */
	b = rule_new(bd->rs, chain, "replies of pending sessions return");
	RULE(b) {
		m_ct_mark(&b, NFT_CMP_EQ, mask, pending);
		e_ct_load(&b, NFT_CT_DIRECTION);
		e_cmp(&b, NFT_CMP_EQ, &reply, 1);
		e_verdict(&b, NFT_RETURN);
	}
	queue_rule(bd, chain, dir, true);
	/* Only a session's first packet is queued: established sessions that
	 * predate qpodd, related and untracked packets are left alone. A TCP
	 * packet conntrack picks up mid-stream is "new" too, and is queued
	 * like a first packet so that a session outliving a conntrack flush
	 * gets its class back. */
	b = rule_new(bd->rs, chain, "sessions past their first packet return");
	RULE(b) {
		m_ct_state(&b, NFT_CMP_EQ, NF_CT_STATE_BIT(IP_CT_NEW));
		e_verdict(&b, NFT_RETURN);
	}
	b = rule_new(bd->rs, chain, "loopback sessions are not managed");
	RULE(b) m_ifname(&b, dir == QP_DIR_OUT ? NFT_META_OIFNAME : NFT_META_IIFNAME, "lo");
	decide_in_kernel(&b, bd, marks_unmanaged(bd->m));

	for (size_t i = 0; i < p->n_filtered; i++) {
		enum qp_direction d = p->filtered[i].match.direction;

		if (d == QP_DIR_ANY || d == dir)
			filtered_rules(bd, chain, &p->filtered[i]);
	}
	b = rule_new(bd->rs, chain, "sessions of qpod-ctl run's cgroups");
	RULE(b) e_jump(&b, RUN_CHAIN);

	b = rule_new(bd->rs, chain, "protocols other than TCP and UDP get the default class");
	RULE(b) {
		m_u8(&b, NFT_META_L4PROTO, NFT_CMP_NEQ, IPPROTO_TCP);
		m_u8(&b, NFT_META_L4PROTO, NFT_CMP_NEQ, IPPROTO_UDP);
	}
	decide_in_kernel(&b, bd, marks_class(bd->m, p->default_class.cls->index));

	if (bd->kp) {
		b = rule_new(bd->rs, chain, "sessions the kernel decides alone");
		RULE(b) e_jump(&b, bd->kp->chains[dir == QP_DIR_OUT ? KPLAN_OUT : KPLAN_IN].name);
	}
	queue_rule(bd, chain, dir, false);
}

/* Copies the verdict's packet mark into the conntrack mark, for a TCP
 * session's SYN only: it is the one packet of the session in flight, so
 * no later packet can overtake a held one once the session is decided.
 * Other sessions keep their first packets in order while qpodd holds
 * them, and qpodd sets their conntrack mark once they are quiet.
 * Without register-to-register operations (Linux before 6.x) each value
 * needs its own rule; only a session's first packets get that far. */
static void save_chain(struct build *bd, const char *chain)
{
	uint32_t mask = bd->m->mask;
	uint8_t synack = TCP_FLAG_SYN | TCP_FLAG_ACK, syn = TCP_FLAG_SYN, zero = 0;
	struct rb b;

	b = rule_new(bd->rs, chain, "decided sessions return");
	RULE(b) {
		m_ct_decided(&b, mask, marks_pending(bd->m));
		e_verdict(&b, NFT_RETURN);
	}
	b = rule_new(bd->rs, chain, "packets qpodd did not mark return");
	RULE(b) {
		m_meta_mark(&b, NFT_CMP_EQ, mask, 0);
		e_verdict(&b, NFT_RETURN);
	}
	b = rule_new(bd->rs, chain, "only a TCP SYN is saved at once");
	RULE(b) {
		m_u8(&b, NFT_META_L4PROTO, NFT_CMP_NEQ, IPPROTO_TCP);
		e_verdict(&b, NFT_RETURN);
	}
	b = rule_new(bd->rs, chain, "only a TCP SYN is saved at once");
	RULE(b) {
		e_payload_load(&b, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1);
		e_bitwise(&b, 1, &synack, &zero);
		e_cmp(&b, NFT_CMP_NEQ, &syn, 1);
		e_verdict(&b, NFT_RETURN);
	}
	for (size_t i = 0; i <= bd->p->n_classes; i++) {
		uint32_t v = i < bd->p->n_classes ? marks_class(bd->m, (unsigned)i)
						  : marks_unmanaged(bd->m);

		b = rule_new(bd->rs, chain, "save the mark");
		RULE(b) {
			m_meta_mark(&b, NFT_CMP_EQ, mask, v);
			s_ct_mark_set(&b, mask, v);
		}
	}
}

static void class_chain(struct build *bd, const struct qp_class *cls)
{
	uint8_t dscp = cls->dscp;
	/* Version/IHL and TOS, written as one aligned 16-bit word: the kernel's
	 * incremental checksum update assumes even offsets. */
	uint8_t v4_mask[2] = { 0xff, 0x03 }, v4_xor[2] = { 0x00, (uint8_t)(dscp << 2) };
	/* Version | traffic class | flow label: DSCP is the class's top six bits. */
	uint8_t v6_mask[2] = { 0xf0, 0x3f };
	uint8_t v6_xor[2] = { (uint8_t)(dscp >> 2), (uint8_t)((dscp & 3) << 6) };
	char chain[64];
	struct rb b;

	class_chain_name(cls, chain, sizeof(chain));
	b = rule_new(bd->rs, chain, "ip dscp set");
	RULE(b) {
		m_u8(&b, NFT_META_NFPROTO, NFT_CMP_EQ, NFPROTO_IPV4);
		e_payload_load(&b, NFT_PAYLOAD_NETWORK_HEADER, 0, 2);
		e_bitwise(&b, 2, v4_mask, v4_xor);
		e_payload_write(&b, 0, 2, NFT_PAYLOAD_CSUM_INET, 10);
	}
	b = rule_new(bd->rs, chain, "ip6 dscp set");
	RULE(b) {
		m_u8(&b, NFT_META_NFPROTO, NFT_CMP_EQ, NFPROTO_IPV6);
		e_payload_load(&b, NFT_PAYLOAD_NETWORK_HEADER, 0, 2);
		e_bitwise(&b, 2, v6_mask, v6_xor);
		e_payload_write(&b, 0, 2, NFT_PAYLOAD_CSUM_NONE, 0);
	}
	/* The tc class only where qpod queues: elsewhere skb->priority has
	 * other meanings (pfifo_fast bands, Wi-Fi access categories). */
	for (size_t i = 0; i < bd->p->n_interfaces; i++) {
		const struct qp_interface *ifc = &bd->p->interfaces[i];

		if (ifc->scheduler == QP_SCHED_NONE)
			continue;
		b = rule_new(bd->rs, chain, "meta priority set");
		RULE(b) {
			m_ifname(&b, NFT_META_OIFNAME, ifc->name);
			e_imm_u32(&b, marks_tc_classid(bd->m, cls->index));
			e_meta_set(&b, NFT_META_PRIORITY);
		}
	}
}

static void class_map(struct build *bd)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s) {
		bd->rs->failed = true;
		return;
	}
	bd->rs->map = s;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, RULESET_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, MAP_NAME);
	nftnl_set_set_u32(s, NFTNL_SET_ID, MAP_ID);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, TYPE_MARK);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, sizeof(uint32_t));
	nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	/* Tell `nft list` the keys are host-endian marks (nft's
	 * BYTEORDER_HOST_ENDIAN is 1), so it prints them as the rules do. */
	{
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

		if (!ud) {
			bd->rs->failed = true;
			return;
		}
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1);
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	for (size_t i = 0; i < bd->p->n_classes; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		uint32_t key = marks_class(bd->m, (unsigned)i);
		char chain[64];

		if (!e) {
			bd->rs->failed = true;
			return;
		}
		class_chain_name(&bd->p->classes[i], chain, sizeof(chain));
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
		/* goto: the class chain's end ends classify too. */
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_GOTO);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
		nftnl_set_elem_add(s, e);
	}
}

int ruleset_build(const struct qp_policy *p, const struct marks *m,
		  const struct ruleset_opts *o, struct ruleset **ret)
{
	struct ruleset *rs = calloc(1, sizeof(*rs));
	struct build bd = { rs, p, m, o, NULL };
	struct kplan kp;
	struct rb b;

	if (!rs)
		return -ENOMEM;
	rs->table = nftnl_table_alloc();
	if (!rs->table) {
		free(rs);
		return -ENOMEM;
	}
	if (p->queue.kernel_decisions) {
		if (kplan_build(p, &kp) < 0) {
			ruleset_free(rs);
			return -ENOMEM;
		}
		bd.kp = &kp;
	}
	nftnl_table_set_u32(rs->table, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(rs->table, NFTNL_TABLE_NAME, RULESET_TABLE);

	chain_add(rs, "decide_out", NF_INET_LOCAL_OUT, RULESET_PRIO_DECIDE_OUT);
	chain_add(rs, "decide_in", NF_INET_LOCAL_IN, RULESET_PRIO_DECIDE_IN);
	if (!o->ct_in_verdict) {
		chain_add(rs, "save_out", NF_INET_LOCAL_OUT, RULESET_PRIO_SAVE);
		chain_add(rs, "save_in", NF_INET_LOCAL_IN, RULESET_PRIO_SAVE);
	}
	chain_add(rs, "classify", NF_INET_POST_ROUTING, RULESET_PRIO_CLASSIFY);
	chain_add(rs, RUN_CHAIN, -1, 0);
	for (size_t i = 0; i < p->n_classes; i++) {
		char name[64];

		class_chain_name(&p->classes[i], name, sizeof(name));
		chain_add(rs, name, -1, 0);
	}
	class_map(&bd);
	if (bd.kp)
		kernel_chains(&bd);

	decide_chain(&bd, "decide_out", QP_DIR_OUT);
	decide_chain(&bd, "decide_in", QP_DIR_IN);
	run_rules(rs, o->runs, o->n_runs, m);
	if (!o->ct_in_verdict) {
		save_chain(&bd, "save_out");
		save_chain(&bd, "save_in");
	}
	b = rule_new(rs, "classify", "decided sessions: ct mark vmap");
	RULE(b) {
		uint32_t zero = 0;

		m_ct_mark(&b, NFT_CMP_NEQ, m->mask, 0);
		e_ct_load(&b, NFT_CT_MARK);
		e_bitwise(&b, 4, &m->mask, &zero);
		e_vmap(&b, MAP_NAME, MAP_ID);
	}
	/* A session qpodd released but whose ct mark it has not set yet. */
	b = rule_new(rs, "classify", "released packets: meta mark vmap");
	RULE(b) {
		uint32_t zero = 0;

		e_meta_load(&b, NFT_META_MARK);
		e_bitwise(&b, 4, &m->mask, &zero);
		e_vmap(&b, MAP_NAME, MAP_ID);
	}
	for (size_t i = 0; i < p->n_classes; i++)
		class_chain(&bd, &p->classes[i]);
	if (bd.kp)
		kplan_free(&kp);

	if (rs->failed) {
		ruleset_free(rs);
		return -ENOMEM;
	}
	*ret = rs;
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_rules; i++)
		nftnl_rule_free(rs->rules[i].rule);
	for (size_t i = 0; i < rs->n_chains; i++)
		nftnl_chain_free(rs->chains[i]);
	if (rs->map)
		nftnl_set_free(rs->map);
	if (rs->table)
		nftnl_table_free(rs->table);
	free(rs->rules);
	free(rs->chains);
	free(rs);
}

/* NEWTABLE then DELTABLE: removes the table whether or not it exists,
 * inside the same transaction. */
static int put_table_reset(struct nft_batch *b, const struct nftnl_table *t)
{
	struct nlmsghdr *nlh;

	nlh = nft_batch_add(b, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE, "table inet qpod");
	if (!nlh)
		return -E2BIG;
	nftnl_table_nlmsg_build_payload(nlh, t);
	nft_batch_next(b);
	nlh = nft_batch_add(b, NFT_MSG_DELTABLE, NFPROTO_INET, 0, "removing table inet qpod");
	if (!nlh)
		return -E2BIG;
	nftnl_table_nlmsg_build_payload(nlh, t);
	nft_batch_next(b);
	return 0;
}

static int put_rules(const struct ruleset *rs, struct nft_batch *b)
{
	for (size_t i = 0; i < rs->n_rules; i++) {
		struct nlmsghdr *nlh = nft_batch_add(b, NFT_MSG_NEWRULE, NFPROTO_INET,
						     NLM_F_CREATE | NLM_F_APPEND, rs->rules[i].desc);

		if (!nlh)
			return -E2BIG;
		nftnl_rule_nlmsg_build_payload(nlh, rs->rules[i].rule);
		nft_batch_next(b);
	}
	return 0;
}

int ruleset_put_replace(const struct ruleset *rs, struct nft_batch *b)
{
	struct nlmsghdr *nlh;
	char desc[96];
	int r;

	r = put_table_reset(b, rs->table);
	if (r < 0)
		return r;
	nlh = nft_batch_add(b, NFT_MSG_NEWTABLE, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL,
			    "table inet qpod");
	if (!nlh)
		return -E2BIG;
	nftnl_table_nlmsg_build_payload(nlh, rs->table);
	nft_batch_next(b);
	for (size_t i = 0; i < rs->n_chains; i++) {
		snprintf(desc, sizeof(desc), "chain %s",
			 nftnl_chain_get_str(rs->chains[i], NFTNL_CHAIN_NAME));
		nlh = nft_batch_add(b, NFT_MSG_NEWCHAIN, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL,
				    desc);
		if (!nlh)
			return -E2BIG;
		nftnl_chain_nlmsg_build_payload(nlh, rs->chains[i]);
		nft_batch_next(b);
	}
	nlh = nft_batch_add(b, NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL,
			    "map " MAP_NAME);
	if (!nlh)
		return -E2BIG;
	nftnl_set_nlmsg_build_payload(nlh, rs->map);
	nft_batch_next(b);
	nlh = nft_batch_add(b, NFT_MSG_NEWSETELEM, NFPROTO_INET, NLM_F_CREATE | NLM_F_EXCL,
			    "elements of map " MAP_NAME);
	if (!nlh)
		return -E2BIG;
	nftnl_set_elems_nlmsg_build_payload(nlh, rs->map);
	nft_batch_next(b);
	return put_rules(rs, b);
}

int ruleset_put_runs(const struct ruleset_run *runs, size_t n, const struct marks *m,
		     struct nft_batch *b)
{
	struct ruleset rs = { 0 };
	struct nftnl_rule *flush = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int r = 0;

	if (!flush)
		return -ENOMEM;
	/* DELRULE with a chain and no handle empties the chain. */
	nftnl_rule_set_u32(flush, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(flush, NFTNL_RULE_TABLE, RULESET_TABLE);
	nftnl_rule_set_str(flush, NFTNL_RULE_CHAIN, RUN_CHAIN);
	nlh = nft_batch_add(b, NFT_MSG_DELRULE, NFPROTO_INET, 0, "emptying chain " RUN_CHAIN);
	if (!nlh) {
		r = -E2BIG;
	} else {
		nftnl_rule_nlmsg_build_payload(nlh, flush);
		nft_batch_next(b);
		run_rules(&rs, runs, n, m);
		r = rs.failed ? -ENOMEM : put_rules(&rs, b);
	}
	nftnl_rule_free(flush);
	for (size_t i = 0; i < rs.n_rules; i++)
		nftnl_rule_free(rs.rules[i].rule);
	free(rs.rules);
	return r;
}

int ruleset_put_delete(struct nft_batch *b)
{
	struct nftnl_table *t = nftnl_table_alloc();
	int r;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, RULESET_TABLE);
	r = put_table_reset(b, t);
	nftnl_table_free(t);
	return r;
}

int ruleset_queue_rule_index(const struct ruleset *rs)
{
	/* table reset (2), table, chains, map, elements, then the rules */
	return (int)(3 + rs->n_chains + 2 + rs->queue_rule);
}

static int print_expr(struct nftnl_expr *e, void *data)
{
	FILE *out = data;
	char buf[512];

	nftnl_expr_snprintf(buf, sizeof(buf), e, NFTNL_OUTPUT_DEFAULT, 0);
	fprintf(out, "  [ %s %s]\n", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), buf);
	return 0;
}

void ruleset_format(const struct ruleset *rs, FILE *out)
{
	for (size_t c = 0; c < rs->n_chains; c++) {
		const struct nftnl_chain *ch = rs->chains[c];
		const char *name = nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME);

		if (nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM))
			fprintf(out, "chain %s { hook %u priority %d }\n", name,
				nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM),
				nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO));
		else
			fprintf(out, "chain %s\n", name);
		for (size_t i = 0; i < rs->n_rules; i++) {
			struct nftnl_rule *r = rs->rules[i].rule;

			if (strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), name) != 0)
				continue;
			fprintf(out, " rule: %s\n", strchr(rs->rules[i].desc, ':') + 2);
			nftnl_expr_foreach(r, print_expr, out);
		}
	}
	if (rs->map) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(rs->map);
		struct nftnl_set_elem *e;

		fprintf(out, "map %s\n", MAP_NAME);
		while (it && (e = nftnl_set_elems_iter_next(it))) {
			uint32_t len;
			const uint32_t *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

			int v = (int)nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_VERDICT);

			fprintf(out, "  0x%08x : %s %s\n", *key,
				v == NFT_GOTO ? "goto" : v == NFT_JUMP ? "jump" : "?",
				nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_CHAIN));
		}
		nftnl_set_elems_iter_destroy(it);
	}
}
