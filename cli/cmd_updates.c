/* SPDX-License-Identifier: MIT */
/* fleetpatch updates [--security] [--group G] [--json] */
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define UPDATES_USAGE "updates [--security] [--group G] [--json]"

static const struct cli_col cols[] = {
	{ "PACKAGE", "name" },
	{ "CANDIDATE", "candidate_version" },
	{ "HOSTS", "hosts" },
	{ "SECURITY", "security" },
	{ "INSTALLED", "installed_versions" },
};

int cmd_updates(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *group = NULL;
	bool json = false, security = false;
	struct fp_buf q;
	int rc;

	for (int i = 1; i < argc; i++) {
		int m = 0;

		if (cli_is_help(argv[i]))
			return cli_usage(true, UPDATES_USAGE);
		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		else if (!strcmp(argv[i], "--security"))
			security = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--group", &group);
		if (m <= 0)
			return cli_usage(false, UPDATES_USAGE);
	}
	fp_buf_init(&q, 8192);
	if (fp_buf_adds(&q, "/updates") ||
	    (security && cli_query_add(&q, "security", "1")) ||
	    (group && cli_query_add(&q, "group", group))) {
		fp_buf_release(&q);
		return cli_fail(2, "group name too long");
	}
	rc = cli_list(ctx, q.data, json, cols, FP_ARRAY_SIZE(cols));
	fp_buf_release(&q);
	return rc;
}
