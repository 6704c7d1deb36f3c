/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch policy [list] [--json]
 * fleetpatch policy set FILE [--json]    (the policy as JSON, docs/rollout.md)
 * fleetpatch policy delete NAME
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "rollout_cli.h"

#define POLICY_USAGE \
	"policy [list] [--json] | set FILE.json [--json] | delete NAME"

static const struct cli_col cols[] = {
	{ "NAME", "name" },	   { "SELECTOR", "selector" },
	{ "AUTO_APPROVE", "auto_approve" }, { "ENABLED", "enabled" },
	{ "EVERY", "every" },	   { "DEADLINE", "deadline" },
	{ "REBOOT", "reboot" },
};

static int policy_set(struct cli_ctx *ctx, int argc, char **argv)
{
	json_error_t jerr;
	json_t *body;
	bool json = argc == 4 && !strcmp(argv[3], "--json");
	int rc;

	if (argc > 4 || (argc == 4 && !json))
		return cli_usage(false, POLICY_USAGE);
	body = json_load_file(argv[2], JSON_REJECT_DUPLICATES, &jerr);
	if (!body)
		return cli_fail(2, "%s:%d:%d: %s", argv[2], jerr.line,
				jerr.column, jerr.text);
	rc = cli_put_object(ctx, "/policies", body, json, "saved policy");
	json_decref(body);
	return rc;
}

int cmd_policy(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	int rc;

	if (cli_list_or_help(ctx, argc, argv, "/policies", cols, FP_ARRAY_SIZE(cols),
			     POLICY_USAGE, &rc))
		return rc;
	if (!strcmp(sub, "set") && argc >= 3)
		return policy_set(ctx, argc, argv);
	if (!strcmp(sub, "delete") && argc == 3)
		return cli_delete(ctx, "/policies/", argv[2], "deleted policy");
	return cli_usage(false, POLICY_USAGE);
}
