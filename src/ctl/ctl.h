/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef QPOD_CTL_H
#define QPOD_CTL_H

/* What qpod-ctl's subcommands share: talking to qpodd, reading its
 * answer, the options every command takes, and formatting numbers. Each
 * subcommand is a file of its own, parsing its own options. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctlproto.h"
#include "yaml-tree.h"

/* Exit statuses (qpod-ctl(8)). */
enum {
	EXIT_FAILED = 1,	/* qpodd answered: the request failed */
	EXIT_USAGE = 2,
	EXIT_UNREACHABLE = 3,	/* no qpodd, or not allowed to talk to it */
};

/* The options every command takes. */
struct ctl_opts {
	const char *socket;
	bool json;
};

struct ctl_subcommand {
	const char *name;
	const char *args;
	const char *summary;
	const char *help;	/* its options, for --help; "" if none */
	/* ARGV[0] is the command's name; the options after it are its own. */
	int (*run)(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
};

/* ---- the options every command takes ------------------------------------- */

#define CTL_SHORT_OPTIONS "js:hV"
#define CTL_LONG_OPTIONS                                                                      \
	{ "json", no_argument, NULL, 'j' }, { "socket", required_argument, NULL, 's' },        \
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }

/** Handles option C (from getopt_long) if it is one every command takes.
 * Returns -1 to go on, or an exit status to leave with (after --help,
 * --version, or an option CMD does not take). */
int ctl_common_option(int c, struct ctl_opts *o, const struct ctl_subcommand *cmd);

/** For a command that takes no argument of its own: its options, then
 * nothing. Returns -1 to go on, or an exit status. */
int ctl_no_arguments(int argc, char **argv, struct ctl_opts *o, const struct ctl_subcommand *cmd);

void ctl_usage(FILE *out);
void ctl_command_usage(const struct ctl_subcommand *cmd, FILE *out);
int ctl_version(void);

/* ---- talking to qpodd ------------------------------------------------------ */

struct ctl_answer {
	struct arena *arena;
	char *text;
	size_t len;
	const struct ynode *root;
};

/** Sends REQ and reads the whole answer. Returns 0, or an exit status
 * (having said why on stderr). */
int ctl_ask(const struct ctl_opts *o, const struct ctl_request *req, struct ctl_answer *ret);
void ctl_answer_free(struct ctl_answer *a);

/** A command whose answer is printed whole: TABLE prints it for people
 * (and returns an exit status); --json prints qpodd's answer. */
int ctl_show(const struct ctl_opts *o, const struct ctl_request *req,
	     int (*table)(const struct ynode *root));

/* ---- reading the answer ---------------------------------------------------- */

const struct ynode *ctl_get(const struct ynode *map, const char *key);
/** A member's text: "-" when it is null or missing. */
const char *ctl_str(const struct ynode *map, const char *key);
uint64_t ctl_num(const struct ynode *map, const char *key);
bool ctl_is_true(const struct ynode *map, const char *key);
/** The exit status an answer means. */
int ctl_status_of(const struct ctl_answer *a);
/** 0 for an answer that says ok; else its error on stderr and its status. */
int ctl_check_ok(const struct ctl_answer *a, const char *cmd);
/** JSON again, from the tree. */
void ctl_emit(const struct ynode *n, FILE *out);

/* ---- formatting -------------------------------------------------------------- */

const char *ctl_rate(uint64_t bps, char *buf, size_t len);
const char *ctl_bytes(uint64_t b, char *buf, size_t len);
const char *ctl_age(uint64_t ms, char *buf, size_t len);

/* ---- the commands ------------------------------------------------------------ */

int ctl_status_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
int ctl_sessions_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
int ctl_apps_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
int ctl_classes_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
int ctl_reload_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
int ctl_explain_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);
int ctl_run_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv);

#endif
