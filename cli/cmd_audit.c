/* SPDX-License-Identifier: MIT */
/* fleetpatch audit [--limit N] [--json] */
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define AUDIT_USAGE "audit [--limit N] [--json]"

static const struct cli_col cols[] = {
	{ "TIME", "time" },
	{ "USER", "user" },
	{ "ACTION", "action" },
	{ "TARGET", "target" },
	{ "FROM", "remote_addr" },
	{ "DETAIL", "detail" },
};

int cmd_audit(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *limit = NULL;
	bool json = false;
	struct fp_buf q;
	int rc;

	for (int i = 1; i < argc; i++) {
		int m = 0;

		if (cli_is_help(argv[i]))
			return cli_usage(true, AUDIT_USAGE);
		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--limit", &limit);
		if (m <= 0)
			return cli_usage(false, AUDIT_USAGE);
	}
	if (limit && (!*limit || strspn(limit, "0123456789") != strlen(limit) ||
		      strlen(limit) > 9))
		return cli_fail(2, "--limit wants a number: %s", limit);
	fp_buf_init(&q, 256);
	fp_buf_adds(&q, "/audit");
	if (limit)
		cli_query_add(&q, "limit", limit);
	rc = cli_list(ctx, q.data, json, cols, FP_ARRAY_SIZE(cols));
	fp_buf_release(&q);
	return rc;
}
