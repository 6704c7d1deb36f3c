/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch tokens [list] [--json]
 * fleetpatch tokens create [--name N] [--user U] [--json]
 * fleetpatch tokens revoke ID
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define TOKENS_USAGE                                                        \
	"tokens [list] [--json] | create [--name N] [--user U] [--json] | "   \
	"revoke ID"

static const struct cli_col cols[] = {
	{ "ID", "id" },
	{ "USER", "user" },
	{ "NAME", "name" },
	{ "CREATED", "created_at" },
	{ "LAST USED", "last_used_at" },
	{ "REVOKED", "revoked" },
};

static int tokens_create(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL, *user = NULL;
	json_t *req, *resp = NULL;
	bool json = false;
	int rc;

	for (int i = 2; i < argc; i++) {
		int m = 0;

		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--name", &name);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--user", &user);
		if (m <= 0)
			return cli_usage(false, TOKENS_USAGE);
	}
	req = json_pack("{s:s?, s:s?}", "name", name, "user", user);
	if (!req)
		return cli_fail(1, "out of memory");
	rc = cli_call(ctx, "POST", "/tokens", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	rc = cli_print_created(resp, json, "token", "token");
	json_decref(resp);
	return rc;
}

int cmd_tokens(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	bool json;

	if (cli_is_help(sub))
		return cli_usage(true, TOKENS_USAGE);
	if (!strcmp(sub, "--json") || !strcmp(sub, "list")) {
		if (cli_json_only(argc, argv, strcmp(sub, "list") ? 1 : 2, &json))
			return cli_usage(false, TOKENS_USAGE);
		return cli_list(ctx, "/tokens", json, cols, FP_ARRAY_SIZE(cols));
	}
	if (!strcmp(sub, "create"))
		return tokens_create(ctx, argc, argv);
	if (!strcmp(sub, "revoke") && argc == 3) {
		if (!*argv[2] || strspn(argv[2], "0123456789") != strlen(argv[2]))
			return cli_fail(2, "revoke wants a token id: %s", argv[2]);
		return cli_delete(ctx, "/tokens/", argv[2], "revoked token");
	}
	return cli_usage(false, TOKENS_USAGE);
}
