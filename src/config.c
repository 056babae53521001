/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Walks the YAML trees of the policy files and builds the policy. Every
 * problem is reported with its place and the key it concerns, and the
 * walk goes on so that one run shows them all. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config-internal.h"
#include "dscp.h"
#include "suggest.h"
#include "units.h"
#include "yaml-tree.h"

#define PATH_LEN 160

/* ---- generic helpers ---------------------------------------------------- */

/* "classes.voice" + "dscp": the name of a key in messages. A name too long
 * for the buffer is cut; it only labels a message. */
static void key_path(char *buf, size_t len, const char *base, const char *key)
{
	int n = snprintf(buf, len, "%s.%s", base, key);

	if (n < 0)
		buf[0] = '\0';
}

static const char *join_names(char *buf, size_t len, const char *const *names)
{
	size_t off = 0;

	buf[0] = '\0';
	for (const char *const *n = names; *n && off < len; n++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", n == names ? "" : ", ", *n);
	return buf;
}

/* Returns the index of KEY in NAMES, or -1 after reporting it unknown. */
static int cfg_key(struct cfg *c, const struct ynode *key, const char *path,
		   const char *const *names)
{
	const char *s;
	char known[512];

	for (int i = 0; names[i]; i++)
		if (strcmp(key->value, names[i]) == 0)
			return i;
	s = suggest_closest(key->value, names);
	if (s)
		cfg_error(c, &key->loc, "%s%sunknown key '%s'; did you mean '%s'?", path,
			  *path ? ": " : "", key->value, s);
	else
		cfg_error(c, &key->loc, "%s%sunknown key '%s' (known keys: %s)", path,
			  *path ? ": " : "", key->value, join_names(known, sizeof(known), names));
	return -1;
}

static bool cfg_want(struct cfg *c, const struct ynode *n, enum ynode_type t, const char *path)
{
	static const char *const want[] = {
		[YNODE_SCALAR] = "a value",
		[YNODE_SEQUENCE] = "a list",
		[YNODE_MAPPING] = "a mapping",
	};

	if (n->type == t && !(t == YNODE_SCALAR && ynode_is_null(n)))
		return true;
	if (t == YNODE_SCALAR && n->type == YNODE_SCALAR)
		cfg_error(c, &n->loc, "%s: needs a value", path);
	else
		cfg_error(c, &n->loc, "%s: expected %s, got %s", path, want[t],
			  ynode_is_null(n) ? "nothing" : ynode_type_name(n));
	return false;
}

/* Reads the list N under KEY, each entry by PARSE with its index in the
 * policy's list: BASE, the entries earlier files gave, and its place in N. */
static void cfg_list(struct cfg *c, const struct ynode *n, const char *key, size_t base,
		     void (*parse)(struct cfg *c, const struct ynode *entry, size_t idx))
{
	if (ynode_is_null(n) || !cfg_want(c, n, YNODE_SEQUENCE, key))
		return;
	for (size_t i = 0; i < n->n_items; i++)
		parse(c, n->items[i], base + i);
}

/* Appends a copy of ITEM (SIZE bytes) to the policy's list ITEMS of *N;
 * out of memory, says so at N's place, PATH. Returns the copy, or NULL. */
static void *cfg_append(struct cfg *c, const struct ynode *at, const char *path, void *items,
			size_t *n, size_t *cap, const void *item, size_t size)
{
	void *slot = arena_vec_push(c->arena, items, n, cap, size);

	if (slot)
		memcpy(slot, item, size);
	else
		cfg_error(c, &at->loc, "%s: out of memory", path);
	return slot;
}

static bool cfg_string(struct cfg *c, const struct ynode *n, const char *path, const char **ret)
{
	const char *s;

	if (!cfg_want(c, n, YNODE_SCALAR, path))
		return false;
	s = arena_strdup(c->arena, n->value);
	if (!s) {
		cfg_error(c, &n->loc, "out of memory");
		return false;
	}
	*ret = s;
	return true;
}

static bool cfg_uint(struct cfg *c, const struct ynode *n, const char *path, uint64_t min,
		     uint64_t max, uint64_t *ret)
{
	const char *err;
	uint64_t v;

	if (!cfg_want(c, n, YNODE_SCALAR, path))
		return false;
	if (units_parse_uint(n->value, UINT64_MAX, &v, &err) < 0) {
		cfg_error(c, &n->loc, "%s: '%s' %s", path, n->value, err);
		return false;
	}
	if (v < min || v > max) {
		cfg_error(c, &n->loc, "%s: %s is out of range (%llu-%llu)", path, n->value,
			  (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*ret = v;
	return true;
}

/* Returns the index of the value in NAMES, or -1 after reporting it. */
static int cfg_choice(struct cfg *c, const struct ynode *n, const char *path,
		      const char *const *names)
{
	const char *s;
	char known[256];

	if (!cfg_want(c, n, YNODE_SCALAR, path))
		return -1;
	for (int i = 0; names[i]; i++)
		if (strcmp(n->value, names[i]) == 0)
			return i;
	s = suggest_closest(n->value, names);
	if (s)
		cfg_error(c, &n->loc, "%s: '%s' is not one of %s; did you mean '%s'?", path,
			  n->value, join_names(known, sizeof(known), names), s);
	else
		cfg_error(c, &n->loc, "%s: '%s' is not one of %s", path, n->value,
			  join_names(known, sizeof(known), names));
	return -1;
}

static bool cfg_bool(struct cfg *c, const struct ynode *n, const char *path, bool *ret)
{
	static const char *const names[] = { "false", "true", NULL };
	int i = cfg_choice(c, n, path, names);

	if (i < 0)
		return false;
	*ret = i == 1;
	return true;
}

typedef int (*unit_parser)(const char *, uint64_t *, const char **);

static bool cfg_unit(struct cfg *c, const struct ynode *n, const char *path, unit_parser parse,
		     bool allow_zero, uint64_t *ret)
{
	const char *err;
	uint64_t v;

	if (!cfg_want(c, n, YNODE_SCALAR, path))
		return false;
	if (parse(n->value, &v, &err) < 0) {
		cfg_error(c, &n->loc, "%s: '%s' %s", path, n->value, err);
		return false;
	}
	if (!allow_zero && v == 0) {
		cfg_error(c, &n->loc, "%s: '%s' must be more than zero", path, n->value);
		return false;
	}
	*ret = v;
	return true;
}

/* A rate ("2mbit") or a share of the interface bandwidth ("10%"). */
static bool cfg_bw(struct cfg *c, const struct ynode *n, const char *path, struct qp_bw *ret)
{
	const char *err;
	uint32_t ppm;
	uint64_t bps;

	if (!cfg_want(c, n, YNODE_SCALAR, path))
		return false;
	if (strchr(n->value, '%')) {
		if (units_parse_percent(n->value, &ppm, &err) < 0) {
			cfg_error(c, &n->loc, "%s: '%s' %s", path, n->value, err);
			return false;
		}
		*ret = (struct qp_bw){ .kind = QP_BW_PERCENT, .ppm = ppm };
		return true;
	}
	if (!cfg_unit(c, n, path, units_parse_rate, false, &bps))
		return false;
	*ret = (struct qp_bw){ .kind = QP_BW_RATE, .bps = bps };
	return true;
}

static bool cfg_target(struct cfg *c, const struct ynode *n, const char *path,
		       struct qp_target *ret)
{
	const char *name;

	if (!cfg_string(c, n, path, &name))
		return false;
	*ret = (struct qp_target){
		.kind = strcmp(name, "drop") == 0 ? QP_TARGET_DROP : QP_TARGET_CLASS,
		.name = name,
		.loc = n->loc,
	};
	return true;
}

static bool valid_ifname(const char *s)
{
	size_t len = strlen(s);

	/* The kernel's dev_policy_name_valid(): shorter than IFNAMSIZ (16). */
	if (len == 0 || len > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Finds the 'name' of a list entry and checks it with VALID (RULE says
 * what a valid one is), so that the entry's messages can say
 * "SECTION.NAME"; until then PATH is "SECTION#N". Returns the name or NULL. */
static const char *cfg_entry_name(struct cfg *c, const struct ynode *n, const char *section,
				  bool (*valid)(const char *), const char *rule, char *path,
				  size_t len, bool *ok)
{
	char what[PATH_LEN];
	const char *name = NULL;

	snprintf(what, sizeof(what), "%s: name", section);
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];

		if (strcmp(k->value, "name") != 0)
			continue;
		if (!cfg_string(c, v, what, &name)) {
			*ok = false;
		} else if (!valid(name)) {
			cfg_error(c, &v->loc, "%s: '%s' is not %s", section, name, rule);
			*ok = false;
		} else {
			key_path(path, len, section, name);
		}
	}
	return name;
}

/* ---- sections ------------------------------------------------------------ */

static void parse_queue(struct cfg *c, const struct ynode *n)
{
	static const char *const keys[] = { "num", "threads", "fail", "mark-mask",
					    "kernel-decisions", NULL };
	static const char *const fail_names[] = { "open", "closed", NULL };
	struct qp_queue_config *q = &c->p->queue;

	if (!cfg_want(c, n, YNODE_MAPPING, "queue"))
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		uint64_t u;
		int f;

		switch (cfg_key(c, k, "queue", keys)) {
		case 0:
			if (cfg_uint(c, v, "queue.num", 0, 65535, &u))
				q->num = (uint16_t)u;
			break;
		case 1:
			if (cfg_uint(c, v, "queue.threads", 1, QP_MAX_QUEUE_THREADS, &u))
				q->threads = (uint16_t)u;
			break;
		case 2:
			f = cfg_choice(c, v, "queue.fail", fail_names);
			if (f >= 0)
				q->fail = f == 0 ? QP_FAIL_OPEN : QP_FAIL_CLOSED;
			break;
		case 3:
			if (cfg_uint(c, v, "queue.mark-mask", 1, UINT32_MAX, &u)) {
				uint32_t m = (uint32_t)u;
				uint32_t low = m & -m;

				/* Contiguous: adding the lowest bit carries past the top. */
				if (((m + low) & m) != 0)
					cfg_error(c, &v->loc,
						  "queue.mark-mask: 0x%08x is not one run of "
						  "contiguous bits (like 0x00ff0000)",
						  m);
				else if ((m >> __builtin_ctz(m)) < 3)
					cfg_error(c, &v->loc,
						  "queue.mark-mask: 0x%08x is too narrow: it needs "
						  "at least 2 bits",
						  m);
				else if ((m >> __builtin_ctz(m)) > 0xffff)
					cfg_error(c, &v->loc,
						  "queue.mark-mask: 0x%08x is too wide: 16 bits at "
						  "most (65533 classes)",
						  m);
				else
					q->mark_mask = m;
			}
			break;
		case 4:
			cfg_bool(c, v, "queue.kernel-decisions", &q->kernel_decisions);
			break;
		}
	}
}

static void parse_control(struct cfg *c, const struct ynode *n)
{
	static const char *const keys[] = { "socket", "group", NULL };
	const char *s;

	if (!cfg_want(c, n, YNODE_MAPPING, "control"))
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];

		switch (cfg_key(c, k, "control", keys)) {
		case 0:
			if (!cfg_string(c, v, "control.socket", &s))
				break;
			if (s[0] != '/')
				cfg_error(c, &v->loc, "control.socket: '%s' is not an absolute path",
					  s);
			/* sun_path holds 108 bytes with the NUL */
			else if (strlen(s) > 107)
				cfg_error(c, &v->loc,
					  "control.socket: path is longer than the 107 bytes a "
					  "Unix socket address holds");
			else
				c->p->control.socket = s;
			break;
		case 1:
			if (!cfg_string(c, v, "control.group", &s))
				break;
			if (strlen(s) > 32 || strpbrk(s, " \t:/,"))
				cfg_error(c, &v->loc, "control.group: '%s' is not a group name", s);
			else
				c->p->control.group = s;
			break;
		}
	}
}

static void parse_log(struct cfg *c, const struct ynode *n)
{
	static const char *const keys[] = { "sessions", NULL };
	const char *s;

	if (!cfg_want(c, n, YNODE_MAPPING, "log"))
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];

		if (cfg_key(c, k, "log", keys) != 0 || !cfg_string(c, v, "log.sessions", &s))
			continue;
		if (strcmp(s, "journal") == 0) {
			c->p->log.kind = QP_LOG_JOURNAL;
		} else if (strcmp(s, "off") == 0) {
			c->p->log.kind = QP_LOG_OFF;
		} else if (s[0] == '/') {
			c->p->log.kind = QP_LOG_FILE;
			c->p->log.path = s;
		} else {
			cfg_error(c, &v->loc,
				  "log.sessions: '%s' is not an absolute path, 'journal' or 'off'", s);
		}
	}
}

static void parse_interface(struct cfg *c, const struct ynode *n, size_t idx)
{
	static const char *const keys[] = { "name", "bandwidth", "scheduler", "fallback", NULL };
	static const char *const sched_names[] = { "hfsc", "htb", "none", NULL };
	static const char *const fallback_names[] = { "htb", "off", NULL };
	struct qp_interface ifc = { .scheduler = QP_SCHED_HFSC, .fallback = true, .loc = n->loc };
	const struct ynode *bw_node = NULL;
	char path[PATH_LEN];
	bool ok = true;

	snprintf(path, sizeof(path), "interfaces#%zu", idx + 1);
	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return;
	ifc.name = cfg_entry_name(c, n, "interfaces", valid_ifname, "a valid interface name",
				  path, sizeof(path), &ok);
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		int s;

		key_path(kpath, sizeof(kpath), path, k->value);
		switch (cfg_key(c, k, path, keys)) {
		case 0:
			break;
		case 1:
			bw_node = v;
			ok &= cfg_unit(c, v, kpath, units_parse_rate, false, &ifc.bandwidth_bps);
			break;
		case 2:
			s = cfg_choice(c, v, kpath, sched_names);
			if (s < 0)
				ok = false;
			else
				ifc.scheduler = (enum qp_scheduler)s;
			break;
		case 3:
			s = cfg_choice(c, v, kpath, fallback_names);
			if (s < 0)
				ok = false;
			else
				ifc.fallback = s == 0;
			break;
		default:
			ok = false;
		}
	}
	if (!ifc.name) {
		cfg_error(c, &n->loc, "%s: needs a 'name'", path);
		return;
	}
	if (ok && !bw_node && ifc.scheduler != QP_SCHED_NONE) {
		cfg_error(c, &n->loc,
			  "%s: needs a 'bandwidth' (the link's rate, like 1gbit) to schedule "
			  "with %s; or set 'scheduler: none'",
			  path, sched_names[ifc.scheduler]);
		return;
	}
	for (size_t i = 0; i < c->p->n_interfaces; i++) {
		const struct qp_interface *o = &c->p->interfaces[i];

		if (strcmp(o->name, ifc.name) == 0) {
			cfg_error(c, &n->loc, "%s: interface '%s' is already listed at %s:%u", path,
				  ifc.name, o->loc.file, o->loc.line);
			return;
		}
	}
	if (ok)
		cfg_append(c, n, path, &c->p->interfaces, &c->p->n_interfaces, &c->cap_interfaces,
			   &ifc, sizeof(ifc));
}

static bool parse_red(struct cfg *c, const struct ynode *n, const char *path, struct qp_red *red)
{
	static const char *const keys[] = { "min", "max", "probability", "ecn", "limit", NULL };
	bool ok = true;

	if (ynode_is_null(n))
		return true;
	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return false;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		const char *err;

		key_path(kpath, sizeof(kpath), path, k->value);
		switch (cfg_key(c, k, path, keys)) {
		case 0:
			ok &= cfg_unit(c, v, kpath, units_parse_size, false, &red->min);
			break;
		case 1:
			ok &= cfg_unit(c, v, kpath, units_parse_size, false, &red->max);
			break;
		case 2:
			if (!cfg_want(c, v, YNODE_SCALAR, kpath)) {
				ok = false;
			} else if (units_parse_probability(v->value, &red->probability, &err) < 0) {
				cfg_error(c, &v->loc, "%s: '%s' %s", kpath, v->value, err);
				ok = false;
			}
			break;
		case 3:
			ok &= cfg_bool(c, v, kpath, &red->ecn);
			break;
		case 4:
			ok &= cfg_unit(c, v, kpath, units_parse_size, false, &red->limit);
			break;
		default:
			ok = false;
		}
	}
	return ok;
}

static bool parse_fifo(struct cfg *c, const struct ynode *n, const char *path,
		       struct qp_leaf *leaf)
{
	static const char *const keys[] = { "limit", NULL };
	bool ok = true;

	if (ynode_is_null(n))
		return true;
	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return false;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		uint64_t u;

		key_path(kpath, sizeof(kpath), path, "limit");
		if (cfg_key(c, k, path, keys) != 0) {
			ok = false;
		} else if (cfg_uint(c, v, kpath, 1, 1000000, &u)) {
			leaf->fifo_limit = (uint32_t)u;
		} else {
			ok = false;
		}
	}
	return ok;
}

/* queue: fifo | red | fq_codel, or a mapping with one of them as its key. */
static bool parse_leaf(struct cfg *c, const struct ynode *n, const char *path,
		       struct qp_leaf *leaf)
{
	static const char *const kinds[] = { "fifo", "red", "fq_codel", NULL };
	const struct ynode *k, *v = NULL;
	char kpath[PATH_LEN + 32];
	int kind;

	if (n->type == YNODE_SCALAR) {
		kind = cfg_choice(c, n, path, kinds);
	} else if (n->type == YNODE_MAPPING && n->n_items == 1) {
		k = n->items[0];
		v = n->items[1];
		kind = cfg_key(c, k, path, kinds);
	} else {
		cfg_error(c, &n->loc,
			  "%s: expected fifo, red or fq_codel, or a mapping with one of them "
			  "as its only key",
			  path);
		return false;
	}
	if (kind < 0)
		return false;
	leaf->kind = (enum qp_leaf_kind)kind;
	key_path(kpath, sizeof(kpath), path, kinds[kind]);
	if (!v)
		return true;
	switch (leaf->kind) {
	case QP_LEAF_FIFO:
		return parse_fifo(c, v, kpath, leaf);
	case QP_LEAF_RED:
		return parse_red(c, v, kpath, &leaf->red);
	case QP_LEAF_FQ_CODEL:
		if (!ynode_is_null(v) && !(v->type == YNODE_MAPPING && v->n_items == 0)) {
			cfg_error(c, &v->loc, "%s: takes no settings", kpath);
			return false;
		}
		return true;
	}
	return false;
}

static void parse_class(struct cfg *c, const struct ynode *k, const struct ynode *n)
{
	static const char *const keys[] = { "dscp", "guarantee", "delay", "share",
					    "limit", "queue", NULL };
	struct qp_class cls = {
		.leaf = {
			.kind = QP_LEAF_FIFO,
			.fifo_limit = QP_DEFAULT_FIFO_LIMIT,
			.red = {
				.min = QP_DEFAULT_RED_MIN,
				.max = QP_DEFAULT_RED_MAX,
				.probability = QP_DEFAULT_RED_PROBABILITY,
			},
		},
		.loc = k->loc,
	};
	char path[PATH_LEN];
	bool ok = true;

	if (!policy_name_valid(k->value)) {
		cfg_error(c, &k->loc,
			  "classes: '%s' is not a valid class name (a letter, then letters, "
			  "digits, '-' or '_'; at most %d)",
			  k->value, QP_NAME_MAX);
		return;
	}
	if (strcmp(k->value, "drop") == 0 || strcmp(k->value, "unmanaged") == 0) {
		cfg_error(c, &k->loc, "classes: '%s' is a reserved word, not a class name",
			  k->value);
		return;
	}
	snprintf(path, sizeof(path), "classes.%s", k->value);
	if (!ynode_is_null(n) && !cfg_want(c, n, YNODE_MAPPING, path))
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *key = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];

		key_path(kpath, sizeof(kpath), path, key->value);
		switch (cfg_key(c, key, path, keys)) {
		case 0:
			if (!cfg_want(c, v, YNODE_SCALAR, kpath)) {
				ok = false;
			} else if (dscp_parse(v->value, &cls.dscp) < 0) {
				cfg_error(c, &v->loc,
					  "%s: '%s' is not a DSCP: use a name (BE, EF, CS0-CS7, "
					  "AF11-AF43, VA, LE) or a number 0-63",
					  kpath, v->value);
				ok = false;
			}
			break;
		case 1:
			ok &= cfg_bw(c, v, kpath, &cls.guarantee);
			break;
		case 2:
			ok &= cfg_unit(c, v, kpath, units_parse_time, false, &cls.delay_usec);
			break;
		case 3:
			ok &= cfg_bw(c, v, kpath, &cls.share);
			break;
		case 4:
			ok &= cfg_bw(c, v, kpath, &cls.limit);
			break;
		case 5:
			ok &= parse_leaf(c, v, kpath, &cls.leaf);
			break;
		default:
			ok = false;
		}
	}
	if (!ok)
		return;
	for (size_t i = 0; i < c->p->n_classes; i++) {
		const struct qp_class *o = &c->p->classes[i];

		if (strcmp(o->name, k->value) == 0) {
			cfg_error(c, &k->loc, "classes: class '%s' is already defined at %s:%u",
				  k->value, o->loc.file, o->loc.line);
			return;
		}
	}
	cls.name = arena_strdup(c->arena, k->value);
	if (!cls.name) {
		cfg_error(c, &k->loc, "classes: out of memory");
		return;
	}
	cls.index = (unsigned)c->p->n_classes;
	cfg_append(c, k, "classes", &c->p->classes, &c->p->n_classes, &c->cap_classes, &cls,
		   sizeof(cls));
}

static void parse_classes(struct cfg *c, const struct ynode *n)
{
	if (ynode_is_null(n))
		return;
	if (!cfg_want(c, n, YNODE_MAPPING, "classes"))
		return;
	for (size_t i = 0; i < n->n_items; i++)
		parse_class(c, n->items[2 * i], n->items[2 * i + 1]);
}

/* Keys of a flow match; FILTERED entries have no 'app'. */
enum {
	FM_PROTO,
	FM_PORT,
	FM_SPORT,
	FM_DPORT,
	FM_SRC,
	FM_DST,
	FM_DIRECTION,
	FM_APP,
};

static bool parse_flow_key(struct cfg *c, int key, const struct ynode *v, const char *kpath,
			   struct qp_flow_match *m)
{
	static const char *const protos[] = { "tcp", "udp", NULL };
	static const char *const dirs[] = { "any", "out", "in", NULL };
	struct qp_port_range *pr = NULL;
	struct qp_cidr *cidr = NULL;
	const char *err;
	int i;

	switch (key) {
	case FM_PROTO:
		i = cfg_choice(c, v, kpath, protos);
		if (i < 0)
			return false;
		m->proto = i == 0 ? QP_PROTO_TCP : QP_PROTO_UDP;
		return true;
	case FM_PORT:
		pr = &m->port;
		m->has_port = true;
		break;
	case FM_SPORT:
		pr = &m->sport;
		m->has_sport = true;
		break;
	case FM_DPORT:
		pr = &m->dport;
		m->has_dport = true;
		break;
	case FM_SRC:
		cidr = &m->src;
		m->has_src = true;
		break;
	case FM_DST:
		cidr = &m->dst;
		m->has_dst = true;
		break;
	case FM_DIRECTION:
		i = cfg_choice(c, v, kpath, dirs);
		if (i < 0)
			return false;
		m->direction = (enum qp_direction)i;
		return true;
	default:
		return false;
	}
	if (!cfg_want(c, v, YNODE_SCALAR, kpath))
		return false;
	if (pr && netaddr_parse_port_range(v->value, pr, &err) < 0) {
		cfg_error(c, &v->loc, "%s: '%s' %s", kpath, v->value, err);
		return false;
	}
	if (cidr) {
		char fixed[64];

		if (netaddr_parse_cidr(v->value, cidr, &err) < 0) {
			cfg_error(c, &v->loc, "%s: '%s' %s", kpath, v->value, err);
			return false;
		}
		if (netaddr_cidr_has_host_bits(cidr)) {
			netaddr_cidr_mask(cidr);
			netaddr_format_cidr(cidr, fixed, sizeof(fixed));
			cfg_error(c, &v->loc,
				  "%s: '%s' has bits set past its prefix length; did you mean "
				  "'%s'?",
				  kpath, v->value, fixed);
			return false;
		}
	}
	return true;
}

static bool check_flow_match(struct cfg *c, const struct qp_flow_match *m,
			     const struct qp_loc *loc, const char *path)
{
	if (m->has_src && m->has_dst && m->src.family != m->dst.family) {
		cfg_error(c, loc, "%s: src and dst are of different address families: it can "
			  "never match", path);
		return false;
	}
	if (m->has_port && (m->has_sport || m->has_dport)) {
		cfg_error(c, loc, "%s: 'port' (either end) cannot be combined with 'sport' or "
			  "'dport'", path);
		return false;
	}
	return true;
}

/* No condition at all: 'direction: any' alone is none either. */
static bool flow_match_empty(const struct qp_flow_match *m)
{
	return !m->proto && !m->has_src && !m->has_dst && !m->has_port && !m->has_sport &&
	       !m->has_dport && m->direction == QP_DIR_ANY;
}

static void parse_filtered_entry(struct cfg *c, const struct ynode *n, size_t idx)
{
	static const char *const keys[] = { "proto", "port", "sport", "dport", "src", "dst",
					    "direction", NULL };
	struct qp_filtered f = { .loc = n->loc };
	char path[PATH_LEN];
	bool ok = true;

	snprintf(path, sizeof(path), "filtered#%zu", idx + 1);
	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		int key = cfg_key(c, k, path, keys);

		key_path(kpath, sizeof(kpath), path, k->value);
		ok &= key >= 0 && parse_flow_key(c, key, v, kpath, &f.match);
	}
	if (!ok || !check_flow_match(c, &f.match, &n->loc, path))
		return;
	if (flow_match_empty(&f.match)) {
		cfg_error(c, &n->loc, "%s: an empty entry would filter every session", path);
		return;
	}
	cfg_append(c, n, path, &c->p->filtered, &c->p->n_filtered, &c->cap_filtered, &f,
		   sizeof(f));
}

static bool parse_app_match(struct cfg *c, const struct ynode *n, const char *path,
			    struct qp_app_match *m)
{
	static const char *const keys[] = { "exe", "comm", "cmdline", "user", "unit", NULL };
	static const char *const unit_types[] = { ".service", ".scope", ".slice", ".socket",
						  ".timer", ".mount", NULL };
	bool ok = true;

	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return false;
	if (n->n_items == 0) {
		cfg_error(c, &n->loc, "%s: needs at least one of exe, comm, cmdline, user, unit",
			  path);
		return false;
	}
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		const char *s = NULL;
		const char *err;
		uint64_t uid;
		int key = cfg_key(c, k, path, keys);

		key_path(kpath, sizeof(kpath), path, k->value);
		if (key < 0 || !cfg_string(c, v, kpath, &s)) {
			ok = false;
			continue;
		}
		switch (key) {
		case 0:
			if (s[0] != '/' && s[0] != '*') {
				cfg_error(c, &v->loc,
					  "%s: '%s' is not an absolute path or a glob like */%s "
					  "(to match the process name, use comm)",
					  kpath, s, s);
				ok = false;
			}
			m->exe = s;
			break;
		case 1:
			/* The kernel keeps 15 characters (TASK_COMM_LEN - 1). */
			if (!has_glob(s) && strlen(s) > 15) {
				cfg_error(c, &v->loc,
					  "%s: '%s' is longer than the 15 characters the kernel "
					  "keeps of a process name, so it can never match; use exe "
					  "or cmdline",
					  kpath, s);
				ok = false;
			}
			m->comm = s;
			break;
		case 2:
			m->cmdline = s;
			break;
		case 3:
			m->user = s;
			if (units_parse_uint(s, UINT32_MAX - 1, &uid, &err) == 0) {
				m->uid = (uint32_t)uid;
				m->has_uid = true;
			} else {
				struct passwd *pw = getpwnam(s);

				if (!pw) {
					cfg_error(c, &v->loc, "%s: no user named '%s' on this host",
						  kpath, s);
					ok = false;
				} else {
					m->uid = (uint32_t)pw->pw_uid;
					m->has_uid = true;
				}
			}
			break;
		case 4: {
			bool typed = false;

			for (const char *const *t = unit_types; *t; t++) {
				size_t ls = strlen(s), lt = strlen(*t);

				if (ls > lt && strcmp(s + ls - lt, *t) == 0)
					typed = true;
			}
			if (!typed && !has_glob(s)) {
				cfg_error(c, &v->loc,
					  "%s: '%s' is not a systemd unit name (like "
					  "linphone.service or user@1000.service)",
					  kpath, s);
				ok = false;
			}
			m->unit = s;
			break;
		}
		}
	}
	return ok;
}

static void parse_app(struct cfg *c, const struct ynode *n, size_t idx)
{
	static const char *const keys[] = { "name", "match", "class", "max-sessions",
					    "max-rate", "over-budget", NULL };
	struct qp_app app = { .loc = n->loc };
	bool have_match = false, have_class = false, ok = true;
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "applications#%zu", idx + 1);
	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return;
	app.name = cfg_entry_name(c, n, "applications", policy_name_valid,
				  "a valid application name (a letter, then letters, digits, "
				  "'-' or '_'; at most 32)",
				  path, sizeof(path), &ok);
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		uint64_t u;

		key_path(kpath, sizeof(kpath), path, k->value);
		switch (cfg_key(c, k, path, keys)) {
		case 0:
			break;
		case 1:
			have_match = true;
			ok &= parse_app_match(c, v, kpath, &app.match);
			break;
		case 2:
			have_class = true;
			ok &= cfg_target(c, v, kpath, &app.target);
			break;
		case 3:
			if (cfg_uint(c, v, kpath, 1, UINT32_MAX, &u))
				app.max_sessions = (uint32_t)u;
			else
				ok = false;
			break;
		case 4:
			ok &= cfg_unit(c, v, kpath, units_parse_rate, false, &app.max_rate_bps);
			break;
		case 5:
			ok &= cfg_target(c, v, kpath, &app.over_budget);
			break;
		default:
			ok = false;
		}
	}
	if (!app.name) {
		cfg_error(c, &n->loc, "%s: needs a 'name'", path);
		return;
	}
	if (!have_match) {
		cfg_error(c, &n->loc, "%s: needs a 'match' saying which processes it is", path);
		ok = false;
	}
	if (!have_class) {
		cfg_error(c, &n->loc, "%s: needs a 'class' for its sessions", path);
		ok = false;
	}
	for (size_t i = 0; i < c->p->n_apps; i++) {
		const struct qp_app *o = &c->p->apps[i];

		if (strcmp(o->name, app.name) == 0) {
			cfg_error(c, &n->loc,
				  "%s: application '%s' is already defined at %s:%u", path,
				  app.name, o->loc.file, o->loc.line);
			return;
		}
	}
	if (!ok)
		return;
	app.index = (unsigned)c->p->n_apps;
	cfg_append(c, n, path, &c->p->apps, &c->p->n_apps, &c->cap_apps, &app, sizeof(app));
}

static bool parse_session_match(struct cfg *c, const struct ynode *n, const char *path,
				struct qp_session_rule *r)
{
	static const char *const keys[] = { "proto", "port", "sport", "dport", "src", "dst",
					    "direction", "app", NULL };
	bool ok = true;

	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return false;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];
		int key = cfg_key(c, k, path, keys);

		key_path(kpath, sizeof(kpath), path, k->value);
		if (key == FM_APP) {
			if (cfg_string(c, v, kpath, &r->app_name))
				r->app_loc = v->loc;
			else
				ok = false;
		} else {
			ok &= key >= 0 && parse_flow_key(c, key, v, kpath, &r->match);
		}
	}
	if (!ok || !check_flow_match(c, &r->match, &n->loc, path))
		return false;
	if (!r->app_name && flow_match_empty(&r->match)) {
		cfg_error(c, &n->loc,
			  "%s: an empty match takes every session; say so with default-class "
			  "instead",
			  path);
		return false;
	}
	return true;
}

static void parse_session_rule(struct cfg *c, const struct ynode *n, size_t idx)
{
	static const char *const keys[] = { "match", "class", NULL };
	struct qp_session_rule r = { .loc = n->loc };
	bool have_match = false, have_class = false, ok = true;
	char path[PATH_LEN];

	snprintf(path, sizeof(path), "sessions#%zu", idx + 1);
	if (!cfg_want(c, n, YNODE_MAPPING, path))
		return;
	for (size_t i = 0; i < n->n_items; i++) {
		const struct ynode *k = n->items[2 * i], *v = n->items[2 * i + 1];
		char kpath[PATH_LEN + 32];

		key_path(kpath, sizeof(kpath), path, k->value);
		switch (cfg_key(c, k, path, keys)) {
		case 0:
			have_match = true;
			ok &= parse_session_match(c, v, kpath, &r);
			break;
		case 1:
			have_class = true;
			ok &= cfg_target(c, v, kpath, &r.target);
			break;
		default:
			ok = false;
		}
	}
	if (!have_match) {
		cfg_error(c, &n->loc, "%s: needs a 'match'", path);
		ok = false;
	}
	if (!have_class) {
		cfg_error(c, &n->loc, "%s: needs a 'class' (a class name, or drop)", path);
		ok = false;
	}
	if (!ok)
		return;
	cfg_append(c, n, path, &c->p->sessions, &c->p->n_sessions, &c->cap_sessions, &r,
		   sizeof(r));
}

static void parse_root(struct cfg *c, const struct ynode *root)
{
	static const char *const keys[] = { "version", "queue", "control", "log",
					    "interfaces", "classes", "default-class",
					    "filtered", "applications", "sessions", NULL };

	if (root->type != YNODE_MAPPING) {
		cfg_error(c, &root->loc,
			  "a policy file is a mapping of keys (version, classes, ...), not %s",
			  ynode_type_name(root));
		return;
	}
	for (size_t i = 0; i < root->n_items; i++) {
		const struct ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		uint64_t u;

		switch (cfg_key(c, k, "", keys)) {
		case 0:
			if (cfg_uint(c, v, "version", 0, UINT32_MAX, &u) && u != 1)
				cfg_error(c, &v->loc,
					  "version: policy version %llu is not supported (this "
					  "qpod reads version 1)",
					  (unsigned long long)u);
			break;
		case 1:
			parse_queue(c, v);
			break;
		case 2:
			parse_control(c, v);
			break;
		case 3:
			parse_log(c, v);
			break;
		case 4:
			cfg_list(c, v, "interfaces", c->p->n_interfaces, parse_interface);
			break;
		case 5:
			parse_classes(c, v);
			break;
		case 6:
			if (cfg_target(c, v, "default-class", &c->p->default_class))
				c->default_class_set = true;
			break;
		case 7:
			cfg_list(c, v, "filtered", c->p->n_filtered, parse_filtered_entry);
			break;
		case 8:
			cfg_list(c, v, "applications", c->p->n_apps, parse_app);
			break;
		case 9:
			cfg_list(c, v, "sessions", c->p->n_sessions, parse_session_rule);
			break;
		}
	}
}

/* ---- entry points ------------------------------------------------------- */

static void policy_set_defaults(struct qp_policy *p)
{
	p->version = 1;
	p->queue.num = QP_DEFAULT_QUEUE_NUM;
	p->queue.threads = QP_DEFAULT_QUEUE_THREADS;
	p->queue.kernel_decisions = true;
	p->queue.fail = QP_FAIL_OPEN;
	p->queue.mark_mask = QP_DEFAULT_MARK_MASK;
	p->control.socket = QP_DEFAULT_SOCKET;
	p->control.group = QP_DEFAULT_GROUP;
	p->log.kind = QP_LOG_FILE;
	p->log.path = QP_DEFAULT_SESSION_LOG;
	p->default_class.kind = QP_TARGET_CLASS;
	p->default_class.name = QP_DEFAULT_CLASS_NAME;
}

int config_load_texts(const struct config_text *texts, size_t n, struct qp_policy **ret_policy,
		      struct diag_list *diags)
{
	size_t errors_before = diags->n_errors;
	struct arena *tree_arena = NULL;
	struct qp_policy *p = NULL;
	struct cfg c = { .diags = diags };
	int r = -ENOMEM;

	if (arena_new(&c.arena) < 0 || arena_new(&tree_arena) < 0)
		goto out;
	p = arena_alloc(c.arena, sizeof(*p));
	if (!p)
		goto out;
	p->arena = c.arena;
	c.p = p;
	policy_set_defaults(p);
	p->files = arena_alloc(c.arena, (n ? n : 1) * sizeof(*p->files));
	if (!p->files)
		goto out;

	for (size_t i = 0; i < n; i++) {
		const char *name = arena_strdup(c.arena, texts[i].name);
		struct qp_loc floc = { name, 0, 0 };
		struct ynode *root = NULL;

		if (!name)
			goto out;
		p->files[p->n_files++] = name;
		if (ytree_parse(tree_arena, name, texts[i].data, texts[i].len, &root, diags) < 0)
			continue;
		if (!root) {
			if (texts[i].dropin)
				cfg_warn(&c, &floc, "empty drop-in file: nothing taken from it");
			else
				cfg_error(&c, &floc,
					  "the policy file is empty: it needs at least 'classes'");
			continue;
		}
		parse_root(&c, root);
	}
	if (diags->n_errors == errors_before)
		config_validate(&c);

	if (diags->n_errors != errors_before) {
		r = -EINVAL;
		goto out;
	}
	*ret_policy = p;
	c.arena = NULL;
	r = 0;
out:
	if (r == -ENOMEM)
		diag_add(diags, DIAG_ERROR, NULL, "out of memory while reading the policy");
	arena_free(tree_arena);
	arena_free(c.arena);
	return r;
}
