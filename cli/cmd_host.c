/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch host show HOST [--json] [--history N]
 * fleetpatch host delete HOST
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define HOST_USAGE "host show HOST [--json] [--history N] | host delete HOST"

static const struct cli_col update_cols[] = {
	{ "PACKAGE", "name" },
	{ "ARCH", "arch" },
	{ "INSTALLED", "installed_version" },
	{ "CANDIDATE", "candidate_version" },
	{ "SECURITY", "security" },
	{ "ORIGIN", "origin" },
};

static const struct cli_col history_cols[] = {
	{ "TIME", "time" },
	{ "EVENT", "event" },
	{ "PACKAGE", "name" },
	{ "ARCH", "arch" },
	{ "OLD", "old_version" },
	{ "NEW", "new_version" },
};

static const char *or_dash(const json_t *s)
{
	return json_is_string(s) ? json_string_value(s) : "-";
}

static void field(const json_t *h, const char *label, const char *key)
{
	struct fp_buf b;

	fp_buf_init(&b, 4096);
	cli_cell(&b, json_object_get(h, key));
	printf("%-18s %s\n", label, b.data);
	fp_buf_release(&b);
}

static void show_readable(const json_t *h)
{
	const json_t *hw = json_object_get(h, "hardware");
	const json_t *ifs = json_object_get(h, "interfaces"), *e;
	size_t i;

	field(h, "id:", "id");
	field(h, "hostname:", "hostname");
	field(h, "fqdn:", "fqdn");
	field(h, "machine id:", "machine_id");
	field(h, "os:", "os");
	field(h, "kernel:", "kernel");
	field(h, "arch:", "arch");
	field(h, "enrolled:", "enrolled_at");
	field(h, "last seen:", "last_seen");
	field(h, "stale:", "stale");
	field(h, "uptime (s):", "uptime_seconds");
	field(h, "groups:", "groups");
	field(h, "tags:", "tags");
	field(h, "reboot required:", "reboot_required");
	field(h, "reboot reasons:", "reboot_reasons");
	field(h, "package manager:", "package_manager");
	field(h, "metadata age (s):", "metadata_age_seconds");
	field(h, "packages:", "packages");
	field(h, "updates:", "updates");
	field(h, "security updates:", "security_updates");
	if (json_is_object(hw)) {
		printf("\nhardware\n");
		field(hw, "  cpu:", "cpu_model");
		field(hw, "  cpus:", "cpu_count");
		field(hw, "  memory (bytes):", "memory_bytes");
		field(hw, "  vendor:", "vendor");
		field(hw, "  model:", "model");
		field(hw, "  serial:", "serial");
	}
	if (json_array_size(ifs)) {
		printf("\ninterfaces\n");
		json_array_foreach(ifs, i, e) {
			struct fp_buf b;

			fp_buf_init(&b, 4096);
			cli_cell(&b, json_object_get(e, "addresses"));
			printf("  %-16s %-18s %s\n",
			       or_dash(json_object_get(e, "name")),
			       or_dash(json_object_get(e, "mac")), b.data);
			fp_buf_release(&b);
		}
	}
	printf("\npending updates\n");
	cli_print_table(json_object_get(h, "updates_list"), update_cols,
			FP_ARRAY_SIZE(update_cols));
	printf("\nhistory (newest first)\n");
	cli_print_table(json_object_get(h, "history"), history_cols,
			FP_ARRAY_SIZE(history_cols));
}

int cmd_host(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *history = NULL;
	bool json = false;
	struct fp_buf path;
	json_t *h = NULL;
	long long id;
	int rc;

	if (argc >= 2 && cli_is_help(argv[1]))
		return cli_usage(true, HOST_USAGE);
	if (argc < 3)
		return cli_usage(false, HOST_USAGE);
	if (!strcmp(argv[1], "delete")) {
		if (argc != 3)
			return cli_usage(false, HOST_USAGE);
		rc = cli_host_id(ctx, argv[2], &id);
		if (rc)
			return rc;
		fp_buf_init(&path, 256);
		fp_buf_addf(&path, "/hosts/%lld", id);
		rc = cli_call(ctx, "DELETE", path.data, NULL, NULL);
		fp_buf_release(&path);
		if (rc == 0)
			printf("deleted host %s (id %lld)\n", argv[2], id);
		return rc;
	}
	if (strcmp(argv[1], "show") != 0)
		return cli_usage(false, HOST_USAGE);
	for (int i = 3; i < argc; i++) {
		int m = 0;

		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--history", &history);
		if (m <= 0)
			return cli_usage(false, HOST_USAGE);
	}
	if (history && strspn(history, "0123456789") != strlen(history))
		return cli_fail(2, "--history wants a number: %s", history);
	rc = cli_get_host(ctx, argv[2], history, &h);
	if (rc)
		return rc;
	if (json)
		rc = cli_print_json(h);
	else
		show_readable(h);
	json_decref(h);
	return rc;
}
