/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes the effective policy, every default spelled out, as YAML that
 * reads back to the same policy. */
#include <stdlib.h>
#include <string.h>

#include "dscp.h"
#include "policy.h"
#include "units.h"

/* Strings go out double-quoted with YAML escapes, so globs like "*x" and
 * values like "on" keep their meaning. */
static void put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		/* Nor may C1 controls, U+FFFE or U+FFFF stand in YAML as they
		 * are, and a reader folds NEL (U+0085) into a space. */
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fprintf(out, "\\x%02x", *++p);
		else if (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
			fprintf(out, "\\u%s", p[2] == 0xbe ? "fffe" : "ffff");
			p += 2;
		} else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void put_bw(FILE *out, const char *key, const struct qp_bw *bw)
{
	char buf[32];

	if (bw->kind == QP_BW_RATE)
		units_format_rate(bw->bps, buf, sizeof(buf));
	else if (bw->kind == QP_BW_PERCENT)
		units_format_percent(bw->ppm, buf, sizeof(buf));
	else
		return;
	fprintf(out, ", %s: %s", key, buf);
}

/* A plain decimal (the parser takes no exponent), trailing zeros cut. */
static void format_decimal(double v, char *buf, size_t len)
{
	size_t n;
	int prec = 12;

	/* Twelve places print a probability below 0.5e-12 as 0, which does
	 * not read back: as many as it takes then. */
	do
		snprintf(buf, len, "%.*f", prec++, v);
	while (v > 0 && strtod(buf, NULL) == 0 && (size_t)prec < len - 3);
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
}

static void put_leaf(FILE *out, const struct qp_leaf *leaf)
{
	char a[32], b[32], l[32], pr[330];	/* 1e-308 has 308 places */

	switch (leaf->kind) {
	case QP_LEAF_FIFO:
		fprintf(out, ", queue: { fifo: { limit: %u } }", leaf->fifo_limit);
		break;
	case QP_LEAF_RED:
		units_format_size(leaf->red.min, a, sizeof(a));
		units_format_size(leaf->red.max, b, sizeof(b));
		units_format_size(leaf->red.limit, l, sizeof(l));
		format_decimal(leaf->red.probability, pr, sizeof(pr));
		fprintf(out,
			", queue: { red: { min: %s, max: %s, limit: %s, probability: %s, "
			"ecn: %s } }",
			a, b, l, pr, leaf->red.ecn ? "true" : "false");
		break;
	case QP_LEAF_FQ_CODEL:
		fprintf(out, ", queue: fq_codel");
		break;
	}
}

static void put_flow(FILE *out, const struct qp_flow_match *m, bool first)
{
	static const char *const dirs[] = { "any", "out", "in" };
	const char *sep = first ? "" : ", ";
	char buf[64];

	if (m->proto) {
		fprintf(out, "%sproto: %s", sep, m->proto == QP_PROTO_TCP ? "tcp" : "udp");
		sep = ", ";
	}
	if (m->has_src) {
		netaddr_format_cidr(&m->src, buf, sizeof(buf));
		fprintf(out, "%ssrc: \"%s\"", sep, buf);
		sep = ", ";
	}
	if (m->has_dst) {
		netaddr_format_cidr(&m->dst, buf, sizeof(buf));
		fprintf(out, "%sdst: \"%s\"", sep, buf);
		sep = ", ";
	}
	if (m->has_port) {
		netaddr_format_port_range(&m->port, buf, sizeof(buf));
		fprintf(out, "%sport: %s", sep, buf);
		sep = ", ";
	}
	if (m->has_sport) {
		netaddr_format_port_range(&m->sport, buf, sizeof(buf));
		fprintf(out, "%ssport: %s", sep, buf);
		sep = ", ";
	}
	if (m->has_dport) {
		netaddr_format_port_range(&m->dport, buf, sizeof(buf));
		fprintf(out, "%sdport: %s", sep, buf);
		sep = ", ";
	}
	if (m->direction != QP_DIR_ANY)
		fprintf(out, "%sdirection: %s", sep, dirs[m->direction]);
}

static void put_app_match(FILE *out, const struct qp_app_match *m)
{
	const char *sep = "";
	const struct {
		const char *key;
		const char *val;
	} f[] = {
		{ "exe", m->exe }, { "comm", m->comm }, { "cmdline", m->cmdline },
		{ "user", m->user }, { "unit", m->unit },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (!f[i].val)
			continue;
		fprintf(out, "%s%s: ", sep, f[i].key);
		put_str(out, f[i].val);
		sep = ", ";
	}
}

/* BUF gets what PUT writes of M, cut short at LEN - 1 bytes. */
static void format_with(char *buf, size_t len, void (*put)(FILE *, const void *), const void *m)
{
	FILE *f = len ? fmemopen(buf, len, "w") : NULL;

	if (!f) {
		if (len)
			buf[0] = '\0';
		return;
	}
	setvbuf(f, NULL, _IONBF, 0);
	put(f, m);
	fclose(f);
	buf[len - 1] = '\0';
}

static void put_app_match_v(FILE *out, const void *m)
{
	put_app_match(out, m);
}

static void put_flow_v(FILE *out, const void *m)
{
	put_flow(out, m, true);
}

void policy_format_app_match(const struct qp_app_match *m, char *buf, size_t len)
{
	format_with(buf, len, put_app_match_v, m);
}

void policy_format_flow_match(const struct qp_flow_match *m, char *buf, size_t len)
{
	format_with(buf, len, put_flow_v, m);
}

static const char *target_name(const struct qp_target *t)
{
	return t->kind == QP_TARGET_DROP ? "drop" : t->cls ? t->cls->name : t->name;
}

int policy_write_yaml(const struct qp_policy *p, FILE *out)
{
	static const char *const scheds[] = { "hfsc", "htb", "none" };
	char buf[64];

	fprintf(out, "# effective policy, read from:");
	for (size_t i = 0; i < p->n_files; i++)
		fprintf(out, " %s", p->files[i]);
	fprintf(out, "\nversion: %u\n", p->version);
	fprintf(out, "queue: { num: %u, threads: %u, fail: %s, mark-mask: 0x%08x, "
		"kernel-decisions: %s }\n",
		p->queue.num, p->queue.threads, p->queue.fail == QP_FAIL_OPEN ? "open" : "closed",
		p->queue.mark_mask, p->queue.kernel_decisions ? "true" : "false");
	fprintf(out, "control: { socket: ");
	put_str(out, p->control.socket);
	fprintf(out, ", group: ");
	put_str(out, p->control.group);
	fprintf(out, " }\nlog: { sessions: ");
	if (p->log.kind == QP_LOG_FILE)
		put_str(out, p->log.path);
	else
		fprintf(out, "%s", p->log.kind == QP_LOG_JOURNAL ? "journal" : "off");
	fprintf(out, " }\n");

	fprintf(out, "interfaces:%s\n", p->n_interfaces ? "" : " []");
	for (size_t i = 0; i < p->n_interfaces; i++) {
		const struct qp_interface *ifc = &p->interfaces[i];

		fprintf(out, "  - { name: ");
		put_str(out, ifc->name);
		if (ifc->bandwidth_bps) {
			units_format_rate(ifc->bandwidth_bps, buf, sizeof(buf));
			fprintf(out, ", bandwidth: %s", buf);
		}
		fprintf(out, ", scheduler: %s, fallback: %s }\n", scheds[ifc->scheduler],
			ifc->fallback ? "htb" : "off");
	}

	fprintf(out, "classes:\n");
	for (size_t i = 0; i < p->n_classes; i++) {
		const struct qp_class *cls = &p->classes[i];

		dscp_format(cls->dscp, buf, sizeof(buf));
		fprintf(out, "  %s: { dscp: %s", cls->name, buf);
		put_bw(out, "guarantee", &cls->guarantee);
		if (cls->delay_usec) {
			units_format_time(cls->delay_usec, buf, sizeof(buf));
			fprintf(out, ", delay: %s", buf);
		}
		put_bw(out, "share", &cls->share);
		put_bw(out, "limit", &cls->limit);
		put_leaf(out, &cls->leaf);
		fprintf(out, " }\n");
	}
	fprintf(out, "default-class: %s\n", target_name(&p->default_class));

	fprintf(out, "filtered:%s\n", p->n_filtered ? "" : " []");
	for (size_t i = 0; i < p->n_filtered; i++) {
		fprintf(out, "  - { ");
		put_flow(out, &p->filtered[i].match, true);
		fprintf(out, " }\n");
	}

	fprintf(out, "applications:%s\n", p->n_apps ? "" : " []");
	for (size_t i = 0; i < p->n_apps; i++) {
		const struct qp_app *app = &p->apps[i];

		fprintf(out, "  - name: %s\n", app->name);
		fprintf(out, "    match: { ");
		put_app_match(out, &app->match);
		fprintf(out, " }\n");
		fprintf(out, "    class: %s\n", target_name(&app->target));
		if (app->max_sessions)
			fprintf(out, "    max-sessions: %u\n", app->max_sessions);
		if (app->max_rate_bps) {
			units_format_rate(app->max_rate_bps, buf, sizeof(buf));
			fprintf(out, "    max-rate: %s\n", buf);
		}
		fprintf(out, "    over-budget: %s\n", target_name(&app->over_budget));
	}

	fprintf(out, "sessions:%s\n", p->n_sessions ? "" : " []");
	for (size_t i = 0; i < p->n_sessions; i++) {
		const struct qp_session_rule *r = &p->sessions[i];

		fprintf(out, "  - { match: { ");
		if (r->app_name)
			fprintf(out, "app: %s", r->app_name);
		put_flow(out, &r->match, !r->app_name);
		fprintf(out, " }, class: %s }\n", target_name(&r->target));
	}
	return ferror(out) ? -1 : 0;
}
