/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch vulns [--json] [--host HOST] [--kev]
 *
 * Without --host: one row per advisory affecting the fleet; with it, the
 * host's affected packages.  --json prints the server's array as it is
 * (fields in docs/vuln.md).
 */
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define VULNS_USAGE "vulns [--json] [--host HOST] [--kev]"

static const struct cli_col fleet_cols[] = {
	{ "ID", "id" },
	{ "SEVERITY", "severity" },
	{ "KEV", "kev" },
	{ "EPSS", "epss" },
	{ "HOSTS", "hosts" },
	{ "FIX", "fix_available" },
	{ "PACKAGES", "packages" },
	{ "CVES", "cves" },
};

static const struct cli_col host_cols[] = {
	{ "PACKAGE", "package" },
	{ "INSTALLED", "installed_version" },
	{ "FIXED", "fixed" },
	{ "KEV", "kev" },
	{ "VULNS", "vulns" },
};

int cmd_vulns(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *host = NULL;
	bool json = false, kev = false;
	json_t *rows = NULL, *row;
	struct fp_buf q;
	size_t i;
	int rc;

	for (int a = 1; a < argc; a++) {
		int m = 0;

		if (cli_is_help(argv[a]))
			return cli_usage(true, VULNS_USAGE);
		if (!strcmp(argv[a], "--json"))
			json = true, m = 1;
		else if (!strcmp(argv[a], "--kev"))
			kev = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &a, "--host", &host);
		if (m <= 0)
			return cli_usage(false, VULNS_USAGE);
	}
	fp_buf_init(&q, 8192);
	if (fp_buf_adds(&q, "/vulns") ||
	    (host && cli_query_add(&q, "host", host)) ||
	    (kev && cli_query_add(&q, "kev", "1"))) {
		fp_buf_release(&q);
		return cli_fail(2, "host name too long");
	}
	rc = cli_call(ctx, "GET", q.data, NULL, &rows);
	fp_buf_release(&q);
	if (rc)
		return rc;
	if (!json_is_array(rows)) {
		json_decref(rows);
		return cli_fail(1, "server answered something other than a list");
	}
	if (json) {
		rc = cli_print_json(rows);
	} else if (host) {
		/* a package none of whose advisories has a fix says so */
		json_array_foreach(rows, i, row) {
			json_t *f = json_object_get(row, "fixed_version");
			json_object_set_new(row, "fixed",
					    json_is_string(f) ? json_copy(f)
							      : json_string("no fix yet"));
		}
		cli_print_table(rows, host_cols, FP_ARRAY_SIZE(host_cols));
	} else {
		cli_print_table(rows, fleet_cols, FP_ARRAY_SIZE(fleet_cols));
	}
	json_decref(rows);
	return rc;
}
