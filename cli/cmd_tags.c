/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch tags [list] [--json]
 * fleetpatch tags add HOST TAG...
 * fleetpatch tags remove HOST TAG...
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"

#define TAGS_USAGE "tags [list] [--json] | add HOST TAG... | remove HOST TAG..."

static const struct cli_col cols[] = {
	{ "TAG", "name" },
	{ "HOSTS", "hosts" },
};

static int tags_add(struct cli_ctx *ctx, long long id, int argc, char **argv)
{
	json_t *tags = json_array(), *req = NULL;
	char path[64];
	int rc = 1;

	if (!tags)
		return cli_fail(1, "out of memory");
	for (int i = 3; i < argc; i++)
		if (json_array_append_new(tags, json_string(argv[i])))
			goto out;
	req = json_pack("{s:O}", "tags", tags);
	if (!req)
		goto out;
	snprintf(path, sizeof(path), "/hosts/%lld/tags", id);
	rc = cli_call(ctx, "POST", path, req, NULL);
	if (rc == 0)
		printf("tagged %s\n", argv[2]);
out:
	json_decref(tags);
	json_decref(req);
	return rc;
}

int cmd_tags(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	char prefix[64];
	long long id;
	bool json;
	int rc;

	if (cli_is_help(sub))
		return cli_usage(true, TAGS_USAGE);
	if (!strcmp(sub, "--json") || !strcmp(sub, "list")) {
		if (cli_json_only(argc, argv, strcmp(sub, "list") ? 1 : 2, &json))
			return cli_usage(false, TAGS_USAGE);
		return cli_list(ctx, "/tags", json, cols, FP_ARRAY_SIZE(cols));
	}
	if ((strcmp(sub, "add") && strcmp(sub, "remove")) || argc < 4)
		return cli_usage(false, TAGS_USAGE);
	rc = cli_host_id(ctx, argv[2], &id);
	if (rc)
		return rc;
	if (!strcmp(sub, "add"))
		return tags_add(ctx, id, argc, argv);
	snprintf(prefix, sizeof(prefix), "/hosts/%lld/tags/", id);
	for (int i = 3; i < argc && rc == 0; i++)
		rc = cli_delete(ctx, prefix, argv[i], "removed tag");
	return rc;
}
