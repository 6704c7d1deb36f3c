/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch hosts [--json] [--group G] [--os OS] [--stale]
 *                  [--needs-reboot] [--search TEXT]
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define HOSTS_USAGE                                                         \
	"hosts [--json] [--group G] [--os OS] [--stale] [--needs-reboot] "  \
	"[--search TEXT]"

static const struct cli_col host_cols[] = {
	{ "ID", "id" },
	{ "HOSTNAME", "hostname" },
	{ "OS", "os" },
	{ "PACKAGES", "packages" },
	{ "UPDATES", "updates" },
	{ "SECURITY", "security_updates" },
	{ "REBOOT", "reboot_required" },
	{ "STALE", "stale" },
	{ "LAST SEEN", "last_seen" },
	{ "GROUPS", "groups" },
	{ "TAGS", "tags" },
};

int cmd_hosts(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *group = NULL, *os = NULL, *search = NULL;
	bool json = false, stale = false, reboot = false;
	struct fp_buf q;
	int rc;

	for (int i = 1; i < argc; i++) {
		int m = 0;

		if (cli_is_help(argv[i]))
			return cli_usage(true, HOSTS_USAGE);
		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		else if (!strcmp(argv[i], "--stale"))
			stale = true, m = 1;
		else if (!strcmp(argv[i], "--needs-reboot"))
			reboot = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--group", &group);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--os", &os);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--search", &search);
		if (m <= 0)
			return cli_usage(false, HOSTS_USAGE);
	}
	fp_buf_init(&q, 8192);
	if (fp_buf_adds(&q, "/hosts") || (group && cli_query_add(&q, "group", group)) ||
	    (os && cli_query_add(&q, "os", os)) ||
	    (search && cli_query_add(&q, "search", search)) ||
	    (stale && cli_query_add(&q, "stale", "1")) ||
	    (reboot && cli_query_add(&q, "needs_reboot", "1"))) {
		fp_buf_release(&q);
		return cli_fail(2, "filter too long");
	}
	rc = cli_list(ctx, q.data, json, host_cols, FP_ARRAY_SIZE(host_cols));
	fp_buf_release(&q);
	return rc;
}
