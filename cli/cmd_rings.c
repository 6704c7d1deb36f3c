/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch rings [list] [--json]
 * fleetpatch rings set NAME [--group G | --tag T] [--order N] [--soak D]
 *     [--threshold PCT] [--max-failures N] [--batch N] [--window W]
 *     [--deadline D] [--reboot never|window|notify] [--json]
 * fleetpatch rings delete NAME
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "opt.h"
#include "rollout_cli.h"

#define RINGS_USAGE                                                          \
	"rings [list] [--json] | set NAME [--group G | --tag T] [--order N] "  \
	"[--soak D] [--threshold PCT] [--max-failures N] [--batch N] "        \
	"[--window W] [--deadline D] [--reboot never|window|notify] [--json] " \
	"| delete NAME"

static const struct cli_col cols[] = {
	{ "NAME", "name" },	     { "GROUP", "group" },
	{ "TAG", "tag" },	     { "ORDER", "order" },
	{ "SOAK", "soak" },	     { "THRESHOLD", "success_threshold" },
	{ "MAX_FAIL", "max_failures" }, { "BATCH", "batch_size" },
	{ "WINDOW", "window" },	     { "DEADLINE", "deadline_offset" },
	{ "REBOOT", "reboot" },
};

static int ring_set(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct opt_map map[] = {
		{ "--group", "group", false },	{ "--tag", "tag", false },
		{ "--order", "order", true },	{ "--soak", "soak", false },
		{ "--threshold", "success_threshold", true },
		{ "--max-failures", "max_failures", true },
		{ "--batch", "batch_size", true }, { "--window", "window", false },
		{ "--deadline", "deadline_offset", false },
		{ "--reboot", "reboot", false },
	};
	json_t *body = json_pack("{s:s}", "name", argv[2]);
	bool json = false;
	int rc;

	if (!body)
		return cli_fail(1, "out of memory");
	rc = cli_opts_to_body(argc, argv, 3, map, FP_ARRAY_SIZE(map), body,
			      &json, RINGS_USAGE);
	if (rc == 0)
		rc = cli_put_object(ctx, "/rings", body, json, "saved ring");
	json_decref(body);
	return rc;
}

int cmd_rings(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	int rc;

	if (cli_list_or_help(ctx, argc, argv, "/rings", cols, FP_ARRAY_SIZE(cols),
			     RINGS_USAGE, &rc))
		return rc;
	if (!strcmp(sub, "set") && argc >= 3)
		return ring_set(ctx, argc, argv);
	if (!strcmp(sub, "delete") && argc == 3)
		return cli_delete(ctx, "/rings/", argv[2], "deleted ring");
	return cli_usage(false, RINGS_USAGE);
}
