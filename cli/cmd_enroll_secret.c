/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch enroll-secret create [--group G] [--expires DURATION] [--json]
 * fleetpatch enroll-secret list [--json]
 * fleetpatch enroll-secret revoke ID
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define SECRET_USAGE                                                        \
	"enroll-secret create [--group G] [--expires DURATION] [--json] | "  \
	"list [--json] | revoke ID"

static const struct cli_col cols[] = {
	{ "ID", "id" },
	{ "GROUP", "group" },
	{ "CREATED", "created_at" },
	{ "EXPIRES", "expires_at" },
	{ "REVOKED", "revoked" },
	{ "USES", "uses" },
};

static int secret_create(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *group = NULL, *expires = NULL;
	json_t *req, *resp = NULL;
	int64_t secs;
	bool json = false;
	int rc;

	for (int i = 2; i < argc; i++) {
		int m = 0;

		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--group", &group);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--expires", &expires);
		if (m <= 0)
			return cli_usage(false, SECRET_USAGE);
	}
	if (expires && (fp_duration_parse(expires, &secs) || secs <= 0))
		return cli_fail(2, "--expires: invalid duration '%s' (e.g. 12h, "
				   "7d)", expires);
	req = json_pack("{s:s?, s:s?}", "group", group, "expires_in", expires);
	if (!req)
		return cli_fail(1, "out of memory");
	rc = cli_call(ctx, "POST", "/enroll-secrets", req, &resp);
	json_decref(req);
	if (rc)
		return rc;
	rc = cli_print_created(resp, json, "secret", "enrollment secret");
	json_decref(resp);
	return rc;
}

int cmd_enroll_secret(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage(false, SECRET_USAGE);
	if (cli_is_help(argv[1]))
		return cli_usage(true, SECRET_USAGE);
	if (!strcmp(argv[1], "create"))
		return secret_create(ctx, argc, argv);
	if (!strcmp(argv[1], "list")) {
		bool json;
		if (cli_json_only(argc, argv, 2, &json))
			return cli_usage(false, SECRET_USAGE);
		return cli_list(ctx, "/enroll-secrets", json, cols,
				FP_ARRAY_SIZE(cols));
	}
	if (!strcmp(argv[1], "revoke") && argc == 3) {
		if (strspn(argv[2], "0123456789") != strlen(argv[2]) || !*argv[2])
			return cli_fail(2, "revoke wants a secret id: %s", argv[2]);
		return cli_delete(ctx, "/enroll-secrets/", argv[2],
				  "revoked enrollment secret");
	}
	return cli_usage(false, SECRET_USAGE);
}
