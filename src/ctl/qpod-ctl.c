/* SPDX-License-Identifier: GPL-2.0-or-later */
/* qpod-ctl: talks to a running qpodd. Dispatches from the command table. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctl_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct ctl_command commands[] = {
	{ "help", "show the commands", cmd_help },
	{ "version", "show qpod-ctl's version", cmd_version },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: qpod-ctl COMMAND [OPTIONS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nEach command takes --help. Exit status: 0 success, 2 bad usage.\n");
}

static bool wants_help(int argc, char **argv)
{
	return argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
}

static int cmd_help(int argc, char **argv)
{
	usage(stdout);
	return EXIT_SUCCESS;
}

static int cmd_version(int argc, char **argv)
{
	if (wants_help(argc, argv)) {
		printf("Usage: qpod-ctl version\nShows qpod-ctl's version.\n");
		return EXIT_SUCCESS;
	}
	if (argc > 1) {
		fprintf(stderr, "qpod-ctl version: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	printf("qpod-ctl %s\n", PACKAGE_VERSION);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return cmd_help(argc - 1, argv + 1);
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		return cmd_version(1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "qpod-ctl: unknown command '%s' (see qpod-ctl help)\n", argv[1]);
	return 2;
}
