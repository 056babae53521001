/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctlproto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "jsonw.h"
#include "units.h"
#include "yaml-tree.h"

static const char *const command_names[CTL_N_COMMANDS] = {
	[CTL_STATUS] = "status",
	[CTL_SESSIONS] = "sessions",
	[CTL_APPS] = "apps",
	[CTL_CLASSES] = "classes",
	[CTL_RELOAD] = "reload",
	[CTL_EXPLAIN] = "explain",
	[CTL_RUN] = "run",
};

/* The members each command takes besides version and command. */
enum {
	MEMBER_PID = 1,
	MEMBER_ENDPOINT = 2,
	MEMBER_CLASS = 4,
	MEMBER_SCOPE = 8,
};
static const unsigned command_members[CTL_N_COMMANDS] = {
	[CTL_EXPLAIN] = MEMBER_PID | MEMBER_ENDPOINT,
	[CTL_RUN] = MEMBER_CLASS | MEMBER_SCOPE,
};

const char *ctl_command_name(enum ctl_command c)
{
	return (unsigned)c < CTL_N_COMMANDS ? command_names[c] : "?";
}

void ctl_format_request(const struct ctl_request *req, struct jsonw *w)
{
	unsigned m = (unsigned)req->command < CTL_N_COMMANDS ? command_members[req->command] : 0;

	jsonw_object(w, NULL);
	jsonw_u64(w, "version", req->version ? req->version : CTL_VERSION);
	jsonw_str(w, "command", ctl_command_name(req->command));
	if (m & MEMBER_PID && req->pid)
		jsonw_u64(w, "pid", req->pid);
	if (m & MEMBER_ENDPOINT && req->endpoint[0])
		jsonw_str(w, "endpoint", req->endpoint);
	if (m & MEMBER_CLASS)
		jsonw_str(w, "class", req->cls);
	if (m & MEMBER_SCOPE)
		jsonw_bool(w, "scope", req->scope);
	jsonw_end_object(w);
}

/* A JSON number from 1 to MAX: unquoted, digits only (no sign, spaces or
 * 0x, which units_parse_uint would take). */
static bool json_count(const struct ynode *v, uint64_t max, uint64_t *ret)
{
	const char *err;

	return v->type == YNODE_SCALAR && !v->quoted && v->value[0] &&
	       strspn(v->value, "0123456789") == strlen(v->value) &&
	       units_parse_uint(v->value, max, ret, &err) == 0 && *ret > 0;
}

/* JSON is YAML's flow style: libyaml, which reads the policy, reads
 * requests too. */
static int parse_tree(const struct ynode *root, struct ctl_request *ret, char *err, size_t errlen)
{
	struct ctl_request req = { .command = CTL_N_COMMANDS };
	bool has_version = false, has_scope = false;

	if (!root || root->type != YNODE_MAPPING) {
		snprintf(err, errlen, "a request is a JSON object");
		return -EINVAL;
	}
	for (size_t i = 0; i < root->n_items; i++) {
		const struct ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		uint64_t n;

		if (strcmp(k->value, "version") == 0) {
			if (!json_count(v, 1000, &n)) {
				snprintf(err, errlen, "\"version\" is a number");
				return -EINVAL;
			}
			req.version = (unsigned)n;
			has_version = true;
		} else if (strcmp(k->value, "command") == 0) {
			if (v->type != YNODE_SCALAR) {
				snprintf(err, errlen, "\"command\" is a string");
				return -EINVAL;
			}
			for (unsigned c = 0; c < CTL_N_COMMANDS; c++)
				if (strcmp(v->value, command_names[c]) == 0)
					req.command = (enum ctl_command)c;
			if (req.command == CTL_N_COMMANDS) {
				snprintf(err, errlen, "unknown command \"%.64s\"", v->value);
				return -EINVAL;
			}
		} else if (strcmp(k->value, "pid") == 0) {
			if (!json_count(v, UINT32_MAX, &n)) {
				snprintf(err, errlen, "\"pid\" is a process id");
				return -EINVAL;
			}
			req.pid = (uint32_t)n;
		} else if (strcmp(k->value, "endpoint") == 0) {
			if (v->type != YNODE_SCALAR || strlen(v->value) >= sizeof(req.endpoint)) {
				snprintf(err, errlen, "\"endpoint\" is ADDR:PORT");
				return -EINVAL;
			}
			snprintf(req.endpoint, sizeof(req.endpoint), "%s", v->value);
		} else if (strcmp(k->value, "class") == 0) {
			if (v->type != YNODE_SCALAR || !*v->value ||
			    strlen(v->value) >= sizeof(req.cls)) {
				snprintf(err, errlen, "\"class\" is a class's name");
				return -EINVAL;
			}
			snprintf(req.cls, sizeof(req.cls), "%s", v->value);
		} else if (strcmp(k->value, "scope") == 0) {
			if (v->type != YNODE_SCALAR || v->quoted ||
			    (strcmp(v->value, "true") != 0 && strcmp(v->value, "false") != 0)) {
				snprintf(err, errlen, "\"scope\" is true or false");
				return -EINVAL;
			}
			req.scope = strcmp(v->value, "true") == 0;
			has_scope = true;
		} else {
			snprintf(err, errlen, "unknown key \"%.64s\"", k->value);
			return -EINVAL;
		}
	}
	if (!has_version) {
		snprintf(err, errlen, "the request has no \"version\"");
		return -EINVAL;
	}
	if (req.version != CTL_VERSION) {
		snprintf(err, errlen, "protocol version %u is not spoken here (this qpodd speaks %d)",
			 req.version, CTL_VERSION);
		return -EINVAL;
	}
	if (req.command == CTL_N_COMMANDS) {
		snprintf(err, errlen, "the request has no \"command\"");
		return -EINVAL;
	}
	if (command_members[req.command] & MEMBER_PID && !req.pid == !req.endpoint[0]) {
		snprintf(err, errlen, "explain takes a \"pid\" or an \"endpoint\"");
		return -EINVAL;
	}
	if (!(command_members[req.command] & MEMBER_PID) && (req.pid || req.endpoint[0])) {
		snprintf(err, errlen, "only explain takes a \"pid\" or an \"endpoint\"");
		return -EINVAL;
	}
	if (command_members[req.command] & MEMBER_CLASS && !req.cls[0]) {
		snprintf(err, errlen, "run takes a \"class\"");
		return -EINVAL;
	}
	if (!(command_members[req.command] & MEMBER_CLASS) && (req.cls[0] || has_scope)) {
		snprintf(err, errlen, "only run takes a \"class\" or a \"scope\"");
		return -EINVAL;
	}
	*ret = req;
	return 0;
}

int ctl_parse_request(const char *buf, size_t len, struct ctl_request *ret, char *err,
		      size_t errlen)
{
	struct arena *a;
	struct diag_list diags;
	struct ynode *root = NULL;
	int r;

	if (len >= CTL_REQUEST_MAX) {
		snprintf(err, errlen, "the request is longer than %d bytes", CTL_REQUEST_MAX - 1);
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "the request holds a NUL byte");
		return -EINVAL;
	}
	if (arena_new(&a) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	diag_list_init(&diags);
	r = ytree_parse(a, "request", buf, len, &root, &diags);
	if (r < 0) {
		snprintf(err, errlen, "not JSON: %s",
			 diags.n ? diags.items[0].msg : "cannot be read");
	} else {
		r = parse_tree(root, ret, err, errlen);
	}
	diag_list_clear(&diags);
	arena_free(a);
	return r;
}
