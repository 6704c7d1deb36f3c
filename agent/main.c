/* SPDX-License-Identifier: MIT */
/* fleetpatch-agent: inventory, enrollment, check-in, job execution. */
#include <stdio.h>
#include <string.h>

#include "agent.h"

struct agent_command {
	const char *name;
	agent_cmd_fn *fn;
	const char *summary;
};

/* Weak so the table can name commands whose files are not written yet. */
extern agent_cmd_fn cmd_inventory __attribute__((weak));
extern agent_cmd_fn cmd_enroll __attribute__((weak));
extern agent_cmd_fn cmd_run __attribute__((weak));
extern agent_cmd_fn cmd_defer __attribute__((weak));
extern agent_cmd_fn cmd_apply __attribute__((weak));

static const struct agent_command commands[] = {
	{ "inventory", cmd_inventory, "report what is installed and pending" },
	{ "enroll", cmd_enroll, "enroll this machine with a server" },
	{ "run", cmd_run, "check in periodically (or --once)" },
	{ "defer", cmd_defer, "defer a pending installation" },
	{ "apply", cmd_apply, "apply a signed job file (offline)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fleetpatch-agent COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].fn)
			fprintf(f, "  %-10s %s\n", commands[i].name,
				commands[i].summary);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name) && commands[i].fn)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "fleetpatch-agent: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
