/* SPDX-License-Identifier: MIT */
/* fleetpatch: the admin command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_command {
	const char *name;
	cli_cmd_fn *fn;
	const char *summary;
};

/* Weak so the table can name commands whose files are not written yet. */
#define WEAK(fn) extern cli_cmd_fn fn __attribute__((weak));
WEAK(cmd_version)
WEAK(cmd_enroll_secret)
WEAK(cmd_hosts)
WEAK(cmd_host)
WEAK(cmd_updates)
WEAK(cmd_groups)
WEAK(cmd_tags)
WEAK(cmd_users)
WEAK(cmd_tokens)
WEAK(cmd_audit)
WEAK(cmd_settings)
WEAK(cmd_rings)
WEAK(cmd_deploy)
WEAK(cmd_policy)
WEAK(cmd_window)
WEAK(cmd_feed)
WEAK(cmd_vulns)

static const struct cli_command commands[] = {
	{ "version", cmd_version, "compare package versions" },
	{ "enroll-secret", cmd_enroll_secret, "create, list, revoke enrollment secrets" },
	{ "hosts", cmd_hosts, "list hosts" },
	{ "host", cmd_host, "show one host" },
	{ "updates", cmd_updates, "fleet-wide pending updates" },
	{ "groups", cmd_groups, "static and dynamic groups" },
	{ "tags", cmd_tags, "host tags" },
	{ "users", cmd_users, "users and roles" },
	{ "tokens", cmd_tokens, "API tokens" },
	{ "audit", cmd_audit, "the audit log" },
	{ "settings", cmd_settings, "server settings (stale_after, checkin_interval)" },
	{ "rings", cmd_rings, "deployment rings" },
	{ "deploy", cmd_deploy, "staged deployments" },
	{ "policy", cmd_policy, "automatic deployment policies" },
	{ "window", cmd_window, "maintenance windows" },
	{ "feed", cmd_feed, "import and list vulnerability feeds" },
	{ "vulns", cmd_vulns, "vulnerabilities affecting the fleet or a host" },
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s [--server URL] [--token T] COMMAND [ARGS]\n\n"
		   "commands:\n", prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].fn)
			fprintf(f, "  %-15s %s\n", commands[i].name,
				commands[i].summary);
	fprintf(f, "\nFLEETPATCH_SERVER and FLEETPATCH_TOKEN stand in for "
		   "--server and --token.\n");
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = {
		.server = getenv("FLEETPATCH_SERVER"),
		.token = getenv("FLEETPATCH_TOKEN"),
		.prog = "fleetpatch",
	};
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout, ctx.prog);
			return 0;
		} else if (!strcmp(a, "--server") && i + 1 < argc) {
			ctx.server = argv[++i];
		} else if (!strncmp(a, "--server=", 9)) {
			ctx.server = a + 9;
		} else if (!strcmp(a, "--token") && i + 1 < argc) {
			ctx.token = argv[++i];
		} else if (!strncmp(a, "--token=", 8)) {
			ctx.token = a + 8;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", ctx.prog, a);
			usage(stderr, ctx.prog);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr, ctx.prog);
		return 2;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(argv[i], commands[c].name) != 0 || !commands[c].fn)
			continue;
		return commands[c].fn(&ctx, argc - i, argv + i);
	}
	fprintf(stderr, "%s: unknown command '%s'\n", ctx.prog, argv[i]);
	usage(stderr, ctx.prog);
	return 2;
}
