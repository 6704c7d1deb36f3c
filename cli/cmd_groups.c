/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch groups [list] [--json]
 * fleetpatch groups create NAME [--dynamic --os X | --tag T | --hostname PAT]
 * fleetpatch groups delete NAME
 * fleetpatch groups add NAME HOST...
 * fleetpatch groups remove NAME HOST...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define GROUPS_USAGE                                                        \
	"groups [list] [--json] | create NAME [--dynamic (--os X | --tag T "  \
	"| --hostname PATTERN)] | delete NAME | add NAME HOST... | "          \
	"remove NAME HOST..."

static const struct cli_col cols[] = {
	{ "NAME", "name" },
	{ "KIND", "kind" },
	{ "RULE", "rule" },
	{ "HOSTS", "hosts" },
};

static int group_create(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *os = NULL, *tag = NULL, *pattern = NULL;
	bool dynamic = false;
	json_t *req = NULL;
	int rules, rc;

	for (int i = 3; i < argc; i++) {
		int m = 0;

		if (!strcmp(argv[i], "--dynamic"))
			dynamic = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--os", &os);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--tag", &tag);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--hostname", &pattern);
		if (m <= 0)
			return cli_usage(false, GROUPS_USAGE);
	}
	rules = !!os + !!tag + !!pattern;
	if (rules > 1 || (dynamic && rules == 0))
		return cli_fail(2, "a dynamic group takes exactly one rule: "
				   "--os, --tag or --hostname");
	if (rules)
		req = json_pack("{s:s, s:s, s:{s:s}}", "name", argv[2], "kind",
				"dynamic", "rule",
				os ? "os" : tag ? "tag" : "hostname",
				os ? os : tag ? tag : pattern);
	else
		req = json_pack("{s:s, s:s}", "name", argv[2], "kind", "static");
	if (!req)
		return cli_fail(1, "out of memory");
	rc = cli_call(ctx, "POST", "/groups", req, NULL);
	json_decref(req);
	if (rc == 0)
		printf("created %s group %s\n", rules ? "dynamic" : "static",
		       argv[2]);
	return rc;
}

static int group_add(struct cli_ctx *ctx, int argc, char **argv)
{
	json_t *hosts = json_array(), *req = NULL;
	struct fp_buf path;
	int rc = 1;

	fp_buf_init(&path, 4096);
	if (!hosts)
		goto out;
	for (int i = 3; i < argc; i++) {
		char *end;
		long long id = strtoll(argv[i], &end, 10);

		if (json_array_append_new(hosts, *end == '\0' && id > 0
							 ? json_integer(id)
							 : json_string(argv[i])))
			goto out;
	}
	req = json_pack("{s:O}", "hosts", hosts);
	if (!req || cli_path(&path, "/groups/", argv[2], "/hosts")) {
		rc = cli_fail(2, "group name too long");
		goto out;
	}
	rc = cli_call(ctx, "POST", path.data, req, NULL);
	if (rc == 0)
		printf("added %d host%s to group %s\n", argc - 3,
		       argc == 4 ? "" : "s", argv[2]);
out:
	fp_buf_release(&path);
	json_decref(hosts);
	json_decref(req);
	return rc;
}

static int group_remove(struct cli_ctx *ctx, int argc, char **argv)
{
	struct fp_buf path;
	char suffix[64];
	long long id;
	int rc = 0;

	fp_buf_init(&path, 4096);
	for (int i = 3; i < argc && rc == 0; i++) {
		rc = cli_host_id(ctx, argv[i], &id);
		if (rc)
			break;
		snprintf(suffix, sizeof(suffix), "/hosts/%lld", id);
		rc = cli_path(&path, "/groups/", argv[2], suffix)
			     ? cli_fail(2, "group name too long")
			     : cli_call(ctx, "DELETE", path.data, NULL, NULL);
		if (rc == 0)
			printf("removed %s from group %s\n", argv[i], argv[2]);
	}
	fp_buf_release(&path);
	return rc;
}

int cmd_groups(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	bool json;

	if (cli_is_help(sub))
		return cli_usage(true, GROUPS_USAGE);
	if (!strcmp(sub, "--json") || !strcmp(sub, "list")) {
		if (cli_json_only(argc, argv, strcmp(sub, "list") ? 1 : 2, &json))
			return cli_usage(false, GROUPS_USAGE);
		return cli_list(ctx, "/groups", json, cols, FP_ARRAY_SIZE(cols));
	}
	if (!strcmp(sub, "create") && argc >= 3)
		return group_create(ctx, argc, argv);
	if (!strcmp(sub, "delete") && argc == 3)
		return cli_delete(ctx, "/groups/", argv[2], "deleted group");
	if (!strcmp(sub, "add") && argc >= 4)
		return group_add(ctx, argc, argv);
	if (!strcmp(sub, "remove") && argc >= 4)
		return group_remove(ctx, argc, argv);
	return cli_usage(false, GROUPS_USAGE);
}
