/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch settings [--json]
 * fleetpatch settings set KEY VALUE [KEY VALUE...]
 *   e.g. settings set stale_after 7d checkin_interval 15m
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"

#define SETTINGS_USAGE                                                      \
	"settings [--json] | settings set KEY VALUE [KEY VALUE...]  "         \
	"(keys: stale_after, checkin_interval; values: durations like 7d, 15m)"

static int settings_print(struct cli_ctx *ctx, bool json)
{
	json_t *s = NULL, *v;
	const char *k;
	int rc;

	rc = cli_call(ctx, "GET", "/settings", NULL, &s);
	if (rc)
		return rc;
	if (json) {
		rc = cli_print_json(s);
	} else if (!json_is_object(s)) {
		rc = cli_fail(1, "server answered something other than settings");
	} else {
		json_object_foreach(s, k, v) {
			struct fp_buf b;

			fp_buf_init(&b, 4096);
			cli_cell(&b, v);
			printf("%-18s %s\n", k, b.data);
			fp_buf_release(&b);
		}
	}
	json_decref(s);
	return rc;
}

int cmd_settings(struct cli_ctx *ctx, int argc, char **argv)
{
	json_t *req;
	int64_t secs;
	bool json;
	int rc;

	if (argc >= 2 && cli_is_help(argv[1]))
		return cli_usage(true, SETTINGS_USAGE);
	if (argc < 2 || strcmp(argv[1], "set") != 0) {
		if (cli_json_only(argc, argv, 1, &json))
			return cli_usage(false, SETTINGS_USAGE);
		return settings_print(ctx, json);
	}
	if (argc < 4 || (argc - 2) % 2)
		return cli_usage(false, SETTINGS_USAGE);
	req = json_object();
	if (!req)
		return cli_fail(1, "out of memory");
	for (int i = 2; i + 1 < argc; i += 2) {
		if (fp_duration_parse(argv[i + 1], &secs) || secs <= 0) {
			json_decref(req);
			return cli_fail(2, "settings: %s: invalid duration '%s' "
					   "(e.g. 90s, 15m, 7d)", argv[i], argv[i + 1]);
		}
		json_object_set_new(req, argv[i], json_string(argv[i + 1]));
	}
	rc = cli_call(ctx, "PUT", "/settings", req, NULL);
	json_decref(req);
	if (rc == 0)
		rc = settings_print(ctx, false);
	return rc;
}
