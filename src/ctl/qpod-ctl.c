/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl: talks to a running qpodd over its control socket. Dispatches
 * from the command table to a file per command, which parses its own
 * options; every command prints a table, or with --json qpodd's answer. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "policy.h"

static int help_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	int r = ctl_no_arguments(argc, argv, o, cmd);

	if (r >= 0)
		return r;
	ctl_usage(stdout);
	return EXIT_SUCCESS;
}

static int version_cmd(struct ctl_opts *o, const struct ctl_subcommand *cmd, int argc, char **argv)
{
	int r = ctl_no_arguments(argc, argv, o, cmd);

	return r >= 0 ? r : ctl_version();
}

static const struct ctl_subcommand commands[] = {
	{ "status", "", "what runs: version, policy, sessions, queues", "", ctl_status_cmd },
	{ "sessions", "[--app NAME] [--class NAME] [--pid PID] [--sort KEY] [--watch[=SECONDS]]",
	  "the live sessions: who gets what",
	  "\n  --app NAME        only sessions of application NAME\n"
	  "  --class NAME      only sessions in class NAME\n"
	  "  --pid PID         only sessions of process PID\n"
	  "  --sort KEY        age (default), rate, bytes, pid, class, application,\n"
	  "                    local or remote\n"
	  "  --watch[=SECONDS] show them again every SECONDS (1), like top\n",
	  ctl_sessions_cmd },
	{ "apps", "", "per application: sessions, traffic, budgets", "", ctl_apps_cmd },
	{ "classes", "", "per class: sessions, traffic, and the queues' counters", "",
	  ctl_classes_cmd },
	{ "reload", "", "load the policy file again (the running one stays if it is bad)", "",
	  ctl_reload_cmd },
	{ "explain", "PID|ADDR:PORT", "why a process's sessions, or a session, have their class",
	  "", ctl_explain_cmd },
	{ "run", "--class CLASS [--] COMMAND [ARGS]",
	  "run a command whose sessions, and its children's, all get CLASS", "", ctl_run_cmd },
	{ "version", "", "show qpod-ctl's version", "", version_cmd },
	{ "help", "", "show the commands", "", help_cmd },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

void ctl_usage(FILE *out)
{
	fprintf(out, "Usage: qpod-ctl [--json] [--socket PATH] COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nOptions for every command:\n"
		     "  -j, --json          qpodd's answer as JSON (qpod-ctl(8) lists the fields)\n"
		     "  -s, --socket PATH   qpodd's control socket (default $QPOD_SOCKET, else %s)\n"
		     "  -h, --help          help, for qpod-ctl or for a command\n"
		     "\nExit status: 0 success, 1 the request failed, 2 bad usage, 3 qpodd not\n"
		     "reachable (not running, or permission denied).\n",
		QP_DEFAULT_SOCKET);
}

void ctl_command_usage(const struct ctl_subcommand *cmd, FILE *out)
{
	fprintf(out, "Usage: qpod-ctl %s %s\n%s.\n%s", cmd->name, cmd->args, cmd->summary, cmd->help);
}

int ctl_version(void)
{
	printf("qpod-ctl %s\n", PACKAGE_VERSION);
	return EXIT_SUCCESS;
}

int ctl_common_option(int c, struct ctl_opts *o, const struct ctl_subcommand *cmd)
{
	switch (c) {
	case 'j':
		o->json = true;
		return -1;
	case 's':
		o->socket = optarg;
		return -1;
	case 'h':
		if (cmd)
			ctl_command_usage(cmd, stdout);
		else
			ctl_usage(stdout);
		return EXIT_SUCCESS;
	case 'V':
		return ctl_version();
	default:
		/* getopt said what is wrong. */
		if (cmd)
			ctl_command_usage(cmd, stderr);
		else
			ctl_usage(stderr);
		return EXIT_USAGE;
	}
}

int ctl_no_arguments(int argc, char **argv, struct ctl_opts *o, const struct ctl_subcommand *cmd)
{
	static const struct option options[] = { CTL_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
	int c, r;

	while ((c = getopt_long(argc, argv, CTL_SHORT_OPTIONS, options, NULL)) != -1)
		if ((r = ctl_common_option(c, o, cmd)) >= 0)
			return r;
	if (optind < argc) {
		fprintf(stderr, "qpod-ctl %s: unexpected argument '%s'\n", cmd->name, argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option options[] = { CTL_LONG_OPTIONS, { NULL, 0, NULL, 0 } };
	struct ctl_opts o = { .socket = getenv("QPOD_SOCKET") };
	const struct ctl_subcommand *cmd = NULL;
	static char prog[32];
	bool help = false;
	int c, r;

	if (!o.socket || !*o.socket)
		o.socket = QP_DEFAULT_SOCKET;
	/* The options before the command; then the command reads its own.
	 * Help before a command is that command's. */
	while ((c = getopt_long(argc, argv, "+" CTL_SHORT_OPTIONS, options, NULL)) != -1) {
		if (c == 'h')
			help = true;
		else if ((r = ctl_common_option(c, &o, NULL)) >= 0)
			return r;
	}
	if (optind == argc) {
		ctl_usage(help ? stdout : stderr);
		return help ? EXIT_SUCCESS : EXIT_USAGE;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "qpod-ctl: unknown command '%s' (see qpod-ctl help)\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (help) {
		ctl_command_usage(cmd, stdout);
		return EXIT_SUCCESS;
	}
	argc -= optind;
	argv += optind;
	/* getopt's own messages name the command: "qpod-ctl status: ...". */
	snprintf(prog, sizeof(prog), "qpod-ctl %s", cmd->name);
	argv[0] = prog;
	optind = 0;	/* getopt starts afresh, on the command's own options */
	return cmd->run(&o, cmd, argc, argv);
}
