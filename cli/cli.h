/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_CLI_H
#define FLEETPATCH_CLI_H

/* State shared by every command of the admin CLI. */
struct cli_ctx {
	const char *server; /* --server or FLEETPATCH_SERVER, may be NULL */
	const char *token;  /* --token or FLEETPATCH_TOKEN, may be NULL */
	const char *prog;   /* argv[0] for messages */
};

/*
 * Each command gets argv with argv[0] set to its own name and returns the
 * process exit status (0 ok, 1 failed, 2 bad usage or input).  One file per
 * command: cli/cmd_<name>.c.
 */
typedef int cli_cmd_fn(struct cli_ctx *ctx, int argc, char **argv);

cli_cmd_fn cmd_version;
cli_cmd_fn cmd_enroll_secret;
cli_cmd_fn cmd_hosts;
cli_cmd_fn cmd_host;
cli_cmd_fn cmd_updates;
cli_cmd_fn cmd_groups;
cli_cmd_fn cmd_tags;
cli_cmd_fn cmd_users;
cli_cmd_fn cmd_tokens;
cli_cmd_fn cmd_audit;
cli_cmd_fn cmd_settings;
cli_cmd_fn cmd_rings;
cli_cmd_fn cmd_deploy;
cli_cmd_fn cmd_policy;
cli_cmd_fn cmd_window;
cli_cmd_fn cmd_feed;
cli_cmd_fn cmd_vulns;

#endif
