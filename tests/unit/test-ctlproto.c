/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Control requests: the ones qpod-ctl sends, and what a hostile or
 * careless client might send instead. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check-main.h"
#include "ctlproto.h"
#include "jsonw.h"

static int parse(const char *text, struct ctl_request *r, char *err, size_t errlen)
{
	err[0] = '\0';
	return ctl_parse_request(text, strlen(text), r, err, errlen);
}

START_TEST(test_good)
{
	static const char *const names[] = { "status", "sessions", "apps", "classes", "reload",
					      "explain", "run" };
	struct ctl_request r;
	char req[128], err[256];

	for (unsigned c = 0; c < CTL_N_COMMANDS; c++) {
		ck_assert_str_eq(ctl_command_name((enum ctl_command)c), names[c]);
		if (c == CTL_EXPLAIN || c == CTL_RUN)
			continue;
		snprintf(req, sizeof(req), "{\"version\":1,\"command\":\"%s\"}", names[c]);
		ck_assert_int_eq(parse(req, &r, err, sizeof(err)), 0);
		ck_assert_int_eq(r.command, c);
		ck_assert_uint_eq(r.version, 1);
	}
	/* Spaces, key order. */
	ck_assert_int_eq(parse(" { \"command\" : \"apps\" , \"version\" : 1 } ", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.command, CTL_APPS);
	/* explain, by process or by an end. */
	ck_assert_int_eq(parse("{\"version\":1,\"command\":\"explain\",\"pid\":4242}", &r, err,
			       sizeof(err)),
			 0);
	ck_assert_uint_eq(r.pid, 4242);
	ck_assert_str_eq(r.endpoint, "");
	ck_assert_int_eq(parse("{\"version\":1,\"command\":\"explain\",\"endpoint\":\"[2001:db8::2]:80\"}",
			       &r, err, sizeof(err)),
			 0);
	ck_assert_str_eq(r.endpoint, "[2001:db8::2]:80");
	ck_assert_uint_eq(r.pid, 0);
	/* Written as qpodd writes sessions' ends, so that it matches them. */
	ck_assert_int_eq(parse("{\"version\":1,\"command\":\"explain\",\"endpoint\":\"[2001:DB8:0::2]:080\"}",
			       &r, err, sizeof(err)),
			 0);
	ck_assert_str_eq(r.endpoint, "[2001:db8::2]:80");
	ck_assert_int_eq(parse("{\"version\":1,\"command\":\"explain\",\"pid\":4194304}", &r, err,
			       sizeof(err)),
			 0);
	ck_assert_uint_eq(r.pid, 4194304);
	/* run, in a cgroup qpodd makes or in the asker's scope. */
	ck_assert_int_eq(parse("{\"version\":1,\"command\":\"run\",\"class\":\"voice\"}", &r, err,
			       sizeof(err)),
			 0);
	ck_assert_int_eq(r.command, CTL_RUN);
	ck_assert_str_eq(r.cls, "voice");
	ck_assert(!r.scope);
	ck_assert_int_eq(parse("{\"version\":1,\"command\":\"run\",\"class\":\"bulk\",\"scope\":true}",
			       &r, err, sizeof(err)),
			 0);
	ck_assert_str_eq(r.cls, "bulk");
	ck_assert(r.scope);
}
END_TEST

START_TEST(test_bad)
{
	static const struct {
		const char *req, *why;
	} cases[] = {
		{ "", "a request is a JSON object" },
		{ "garbage", "a request is a JSON object" },
		{ "[1, 2]", "a request is a JSON object" },
		{ "{\"version\": 1", "not JSON" },
		{ "{\"command\": \"status\"}", "has no \"version\"" },
		{ "{\"version\": 1}", "has no \"command\"" },
		{ "{\"version\": \"1\", \"command\": \"status\"}", "\"version\" is the protocol's version" },
		{ "{\"version\": -1, \"command\": \"status\"}", "\"version\" is the protocol's version" },
		{ "{\"version\": 2, \"command\": \"status\"}", "protocol version 2 is not spoken here" },
		{ "{\"version\": 1, \"command\": \"shutdown\"}", "unknown command \"shutdown\"" },
		{ "{\"version\": 1, \"command\": [\"status\"]}", "\"command\" is a string" },
		{ "{\"version\": 1, \"command\": \"status\", \"size\": 1}", "unknown key \"size\"" },
		{ "{\"version\": 1, \"version\": 1, \"command\": \"status\"}", "not JSON" },
		{ "{\"version\": &v 1, \"command\": *v}", "not JSON" },
		{ "--- 1\n--- 2", "not JSON" },
		{ "{\"version\": 1, \"command\": \"explain\"}", "explain takes a \"pid\" or" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": 1, \"endpoint\": \"198.18.0.2:1\"}",
		  "explain takes a \"pid\" or" },
		{ "{\"version\": 1, \"command\": \"status\", \"pid\": 1}", "only explain takes" },
		{ "{\"version\": 1, \"command\": \"run\"}", "run takes a \"class\"" },
		{ "{\"version\": 1, \"command\": \"run\", \"class\": \"\"}", "\"class\" is a class's name" },
		{ "{\"version\": 1, \"command\": \"run\", \"class\": [1]}", "\"class\" is a class's name" },
		{ "{\"version\": 1, \"command\": \"run\", \"class\": \"a\", \"scope\": \"true\"}",
		  "\"scope\" is true or false" },
		{ "{\"version\": 1, \"command\": \"status\", \"class\": \"a\"}", "only run takes" },
		{ "{\"version\": 1, \"command\": \"status\", \"scope\": false}", "only run takes" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": \"1\"}", "\"pid\" is a process id" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": 0}", "\"pid\" is a process id" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": -18446744073709551615}",
		  "\"pid\" is a process id" },
		{ "{\"version\": -18446744073709551615, \"command\": \"status\"}", "\"version\" is the protocol's version" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": 4294967296}", "\"pid\" is a process id" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": [1]}", "\"endpoint\" is ADDR:PORT" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"\"}", "\"endpoint\" is ADDR:PORT" },
		{ "{\"version\": 1, \"command\": \"run\", \"class\": \"a\", \"endpoint\": \"198.18.0.2:1\"}",
		  "only explain takes" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": 1, \"scope\": true}", "only run takes" },
		/* What qpodd answered "ok" to, with an empty list. */
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"198.18.0.2:99999999999\"}",
		  "\"endpoint\" is ADDR:PORT" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"[::1:99999\"}",
		  "\"endpoint\" is ADDR:PORT" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": 2147483648}", "\"pid\" is a process id" },
		{ "{\"version\": 1, \"command\": \"explain\", \"pid\": 4194305}", "(1 to 4194304)" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"198.18.0.2:0\"}",
		  "a port from 1 to 65535" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"198.18.0.2:+80\"}",
		  "\"endpoint\" is ADDR:PORT" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"198.18.0.300:80\"}",
		  "\"endpoint\" is ADDR:PORT" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"2001:db8::2:80\"}",
		  "[ADDR]:PORT" },
		{ "{\"version\": 1, \"command\": \"explain\", \"endpoint\": \"host.example:80\"}",
		  "\"endpoint\" is ADDR:PORT" },
		/* A number that is not this qpodd's version is named as such. */
		{ "{\"version\": 0, \"command\": \"status\"}", "protocol version 0 is not spoken here" },
		{ "{\"version\": 5000, \"command\": \"status\"}", "protocol version 5000 is not spoken" },
	};
	struct ctl_request r;
	char err[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(parse(cases[i].req, &r, err, sizeof(err)) == -EINVAL, "accepted: %s",
			      cases[i].req);
		ck_assert_msg(strstr(err, cases[i].why), "%s: said '%s', want '%s'", cases[i].req,
			      err, cases[i].why);
	}
}
END_TEST

START_TEST(test_limits)
{
	static char big[CTL_REQUEST_MAX + 16];
	struct ctl_request r;
	char err[256];

	memset(big, ' ', sizeof(big));
	ck_assert_int_eq(ctl_parse_request(big, CTL_REQUEST_MAX, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "longer than 4095 bytes"));
	ck_assert_int_eq(ctl_parse_request("{\"version\": 1,\0}", 16, &r, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	/* Deep nesting is refused, not recursed into. */
	memset(big, '[', 4000);
	big[4000] = '\0';
	ck_assert_int_eq(parse(big, &r, err, sizeof(err)), -EINVAL);
	/* A tiny error buffer still gets a terminated message. */
	ck_assert_int_eq(parse("[]", &r, err, 8), -EINVAL);
	ck_assert_uint_eq(strlen(err), 7);
}
END_TEST

/* REQ as qpod-ctl sends it, read back as qpodd reads it. */
static void round_trip(const struct ctl_request *req, struct ctl_request *ret, char *line,
		       size_t size)
{
	struct jsonw w;
	const char *text;
	size_t len;
	char err[256];

	jsonw_init(&w);
	ctl_format_request(req, &w);
	text = jsonw_finish(&w, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_gt(len, 1);
	ck_assert_int_eq(text[len - 1], '\n');
	snprintf(line, size, "%.*s", (int)(len - 1), text);
	ck_assert_msg(ctl_parse_request(text, len - 1, ret, err, sizeof(err)) == 0, "%s: %s",
		      line, err);
	jsonw_free(&w);
}

START_TEST(test_format)
{
	struct ctl_request req = { 0 }, got;
	char line[CTL_REQUEST_MAX];

	for (unsigned c = 0; c < CTL_N_COMMANDS; c++) {
		if (c == CTL_EXPLAIN || c == CTL_RUN)
			continue;
		req.command = (enum ctl_command)c;
		round_trip(&req, &got, line, sizeof(line));
		ck_assert_int_eq(got.command, c);
		ck_assert_uint_eq(got.version, CTL_VERSION);
	}
	req = (struct ctl_request){ .command = CTL_EXPLAIN, .pid = 4242 };
	round_trip(&req, &got, line, sizeof(line));
	ck_assert_str_eq(line, "{\"version\":1,\"command\":\"explain\",\"pid\":4242}");
	req = (struct ctl_request){ .command = CTL_EXPLAIN, .endpoint = "[2001:db8::1]:443" };
	round_trip(&req, &got, line, sizeof(line));
	ck_assert_str_eq(got.endpoint, "[2001:db8::1]:443");
	ck_assert_uint_eq(got.pid, 0);
	req = (struct ctl_request){ .command = CTL_RUN, .cls = "bulk", .scope = true };
	round_trip(&req, &got, line, sizeof(line));
	ck_assert_str_eq(got.cls, "bulk");
	ck_assert(got.scope);
	/* A member another command takes is not sent. */
	req = (struct ctl_request){ .command = CTL_STATUS, .pid = 1, .cls = "bulk" };
	round_trip(&req, &got, line, sizeof(line));
	ck_assert_str_eq(line, "{\"version\":1,\"command\":\"status\"}");
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("ctlproto");
	TCase *tc = tcase_create("ctlproto");

	tcase_add_test(tc, test_good);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}
