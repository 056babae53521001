/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctlproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "jsonw.h"
#include "units.h"
#include "yaml-tree.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The members of a request; version and command are in every one. */
enum {
	MEMBER_VERSION = 1,
	MEMBER_COMMAND = 2,
	MEMBER_PID = 4,
	MEMBER_ENDPOINT = 8,
	MEMBER_CLASS = 16,
	MEMBER_SCOPE = 32,
};

static const struct command_spec {
	const char *name;
	unsigned takes;		/* members besides version and command */
	unsigned needs;		/* exactly one of these (0: none) */
	const char *takes_text;	/* for "only explain takes ..." */
	const char *needs_text;	/* for "explain takes ..." */
} commands[CTL_N_COMMANDS] = {
	[CTL_STATUS] = { "status" },
	[CTL_SESSIONS] = { "sessions" },
	[CTL_APPS] = { "apps" },
	[CTL_CLASSES] = { "classes" },
	[CTL_RELOAD] = { "reload" },
	[CTL_EXPLAIN] = { "explain", MEMBER_PID | MEMBER_ENDPOINT, MEMBER_PID | MEMBER_ENDPOINT,
			  "a \"pid\" or an \"endpoint\"", "a \"pid\" or an \"endpoint\"" },
	[CTL_RUN] = { "run", MEMBER_CLASS | MEMBER_SCOPE, MEMBER_CLASS,
		      "a \"class\" or a \"scope\"", "a \"class\"" },
};

const char *ctl_command_name(enum ctl_command c)
{
	return (unsigned)c < CTL_N_COMMANDS ? commands[c].name : "?";
}

void ctl_format_request(const struct ctl_request *req, struct jsonw *w)
{
	unsigned m = (unsigned)req->command < CTL_N_COMMANDS ? commands[req->command].takes : 0;

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

/* A JSON number from 1 to MAX: unquoted, and digits only (not the 0x
 * that units_parse_uint would take). */
static bool json_count(const struct ynode *v, uint64_t max, uint64_t *ret)
{
	const char *err;

	return v->type == YNODE_SCALAR && !v->quoted && v->value[0] &&
	       strspn(v->value, "0123456789") == strlen(v->value) &&
	       units_parse_uint(v->value, max, ret, &err) == 0 && *ret > 0;
}

/* A JSON string of 1 to MAX - 1 bytes, copied to BUF (MAX bytes). */
static bool json_string(const struct ynode *v, char *buf, size_t max)
{
	if (v->type != YNODE_SCALAR || !v->value[0] || strlen(v->value) >= max)
		return false;
	memcpy(buf, v->value, strlen(v->value) + 1);
	return true;
}

bool ctl_endpoint_canonical(const char *arg, char *out, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 2], canon[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *colon = strrchr(arg, ':');
	bool v6 = arg[0] == '[';
	unsigned long port;
	char *end;

	if (!colon || (size_t)(colon - arg) >= sizeof(addr) ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return false;
	memcpy(addr, arg, (size_t)(colon - arg));
	addr[colon - arg] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port == 0 || port > 65535)
		return false;
	if (v6) {
		size_t n = strlen(addr);

		if (n < 3 || addr[n - 1] != ']')
			return false;
		addr[n - 1] = '\0';
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? addr + 1 : addr, bin) != 1 ||
	    !inet_ntop(v6 ? AF_INET6 : AF_INET, bin, canon, sizeof(canon)))
		return false;
	return snprintf(out, len, v6 ? "[%s]:%lu" : "%s:%lu", canon, port) < (int)len;
}

/* Any number: one this qpodd does not speak is told apart below, by
 * name. */
static bool read_version(const struct ynode *v, struct ctl_request *req)
{
	const char *err;
	uint64_t n;

	if (v->type != YNODE_SCALAR || v->quoted || !v->value[0] ||
	    strspn(v->value, "0123456789") != strlen(v->value) ||
	    units_parse_uint(v->value, UINT32_MAX, &n, &err) < 0)
		return false;
	req->version = (unsigned)n;
	return true;
}

static bool read_command(const struct ynode *v, struct ctl_request *req)
{
	if (v->type != YNODE_SCALAR)
		return false;
	for (unsigned c = 0; c < CTL_N_COMMANDS; c++)
		if (strcmp(v->value, commands[c].name) == 0)
			req->command = (enum ctl_command)c;
	return true;	/* an unknown name is told apart below */
}

static bool read_pid(const struct ynode *v, struct ctl_request *req)
{
	uint64_t n;

	if (!json_count(v, CTL_PID_MAX, &n))
		return false;
	req->pid = (uint32_t)n;
	return true;
}

/* Canonical, as sessions' ends are written and compared. */
static bool read_endpoint(const struct ynode *v, struct ctl_request *req)
{
	char arg[CTL_ENDPOINT_MAX];

	return json_string(v, arg, sizeof(arg)) &&
	       ctl_endpoint_canonical(arg, req->endpoint, sizeof(req->endpoint));
}

static bool read_class(const struct ynode *v, struct ctl_request *req)
{
	return json_string(v, req->cls, sizeof(req->cls));
}

static bool read_scope(const struct ynode *v, struct ctl_request *req)
{
	if (v->type != YNODE_SCALAR || v->quoted ||
	    (strcmp(v->value, "true") != 0 && strcmp(v->value, "false") != 0))
		return false;
	req->scope = strcmp(v->value, "true") == 0;
	return true;
}

static const struct member_spec {
	const char *name;
	unsigned bit;
	bool (*read)(const struct ynode *v, struct ctl_request *req);
	const char *wrong;	/* the error when READ refuses the value */
} members[] = {
	{ "version", MEMBER_VERSION, read_version, "\"version\" is the protocol's version, a number" },
	{ "command", MEMBER_COMMAND, read_command, "\"command\" is a string" },
	{ "pid", MEMBER_PID, read_pid, "\"pid\" is a process id (1 to " STR(CTL_PID_MAX) ")" },
	{ "endpoint", MEMBER_ENDPOINT, read_endpoint,
	  "\"endpoint\" is ADDR:PORT or [ADDR]:PORT, a port from 1 to 65535" },
	{ "class", MEMBER_CLASS, read_class, "\"class\" is a class's name" },
	{ "scope", MEMBER_SCOPE, read_scope, "\"scope\" is true or false" },
};

static const struct member_spec *member_find(const char *name)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		if (strcmp(members[i].name, name) == 0)
			return &members[i];
	return NULL;
}

/* JSON is YAML's flow style: libyaml, which reads the policy, reads
 * requests too. Each member is read by its entry in members[]; what each
 * command takes and needs is in commands[]. */
static int parse_tree(const struct ynode *root, struct ctl_request *ret, char *err, size_t errlen)
{
	struct ctl_request req = { .command = CTL_N_COMMANDS };
	const struct command_spec *cmd;
	const char *command = NULL;
	unsigned seen = 0, extra;

	if (!root || root->type != YNODE_MAPPING) {
		snprintf(err, errlen, "a request is a JSON object");
		return -EINVAL;
	}
	for (size_t i = 0; i < root->n_items; i++) {
		const struct ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		const struct member_spec *m = member_find(k->value);

		if (!m) {
			snprintf(err, errlen, "unknown key \"%.64s\"", k->value);
			return -EINVAL;
		}
		if (!m->read(v, &req)) {
			snprintf(err, errlen, "%s", m->wrong);
			return -EINVAL;
		}
		if (m->bit == MEMBER_COMMAND)
			command = v->value;
		seen |= m->bit;
	}
	if (command && req.command == CTL_N_COMMANDS) {
		snprintf(err, errlen, "unknown command \"%.64s\"", command);
		return -EINVAL;
	}
	if (!(seen & MEMBER_VERSION)) {
		snprintf(err, errlen, "the request has no \"version\"");
		return -EINVAL;
	}
	if (req.version != CTL_VERSION) {
		snprintf(err, errlen, "protocol version %u is not spoken here (this qpodd speaks %d)",
			 req.version, CTL_VERSION);
		return -EINVAL;
	}
	if (!command) {
		snprintf(err, errlen, "the request has no \"command\"");
		return -EINVAL;
	}
	cmd = &commands[req.command];
	if (cmd->needs && __builtin_popcount(seen & cmd->needs) != 1) {
		snprintf(err, errlen, "%s takes %s", cmd->name, cmd->needs_text);
		return -EINVAL;
	}
	extra = seen & ~(MEMBER_VERSION | MEMBER_COMMAND | cmd->takes);
	for (unsigned c = 0; extra && c < CTL_N_COMMANDS; c++) {
		if (commands[c].takes & extra) {
			snprintf(err, errlen, "only %s takes %s", commands[c].name,
				 commands[c].takes_text);
			return -EINVAL;
		}
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
