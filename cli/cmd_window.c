/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch window [list] [--json]
 * fleetpatch window set NAME --days mon,tue|daily|weekdays|weekends
 *     --start HH:MM --duration D [--tz ZONE] [--json]
 * fleetpatch window show NAME [--at TIME] [--json]
 * fleetpatch window delete NAME
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "opt.h"
#include "rollout_cli.h"

#define WINDOW_USAGE                                                         \
	"window [list] [--json] | set NAME --days mon,tue,...|daily|weekdays|" \
	"weekends --start HH:MM --duration D [--tz ZONE] [--json] | "         \
	"show NAME [--at TIME] [--json] | delete NAME"

static const struct cli_col cols[] = {
	{ "NAME", "name" },	  { "DAYS", "days" },
	{ "START", "start" },	  { "DURATION", "duration" },
	{ "TIME_ZONE", "time_zone" },
};

static int window_set(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct opt_map map[] = {
		{ "--days", "days", false },
		{ "--start", "start", false },
		{ "--duration", "duration", false },
		{ "--tz", "time_zone", false },
	};
	json_t *body = json_pack("{s:s}", "name", argv[2]);
	const char *days;
	bool json = false;
	int rc;

	if (!body)
		return cli_fail(1, "out of memory");
	rc = cli_opts_to_body(argc, argv, 3, map, FP_ARRAY_SIZE(map), body,
			      &json, WINDOW_USAGE);
	days = json_string_value(json_object_get(body, "days"));
	if (rc == 0 && days && strcmp(days, "daily") &&
	    strcmp(days, "weekdays") && strcmp(days, "weekends")) {
		/* "mon,tue" -> ["mon","tue"] */
		json_t *a = json_array();
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", days);
		for (char *save = NULL, *p = strtok_r(buf, ",", &save); p;
		     p = strtok_r(NULL, ",", &save))
			json_array_append_new(a, json_string(p));
		json_object_set_new(body, "days", a);
	}
	if (rc == 0)
		rc = cli_put_object(ctx, "/windows", body, json, "saved window");
	json_decref(body);
	return rc;
}

static int window_show(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *at = NULL;
	struct fp_buf path;
	json_t *resp = NULL;
	bool json = false;
	int rc = 2;

	fp_buf_init(&path, 4096);
	for (int i = 3; i < argc; i++) {
		int m = 0;
		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--at", &at);
		if (m <= 0) {
			rc = cli_usage(false, WINDOW_USAGE);
			goto out;
		}
	}
	if (cli_path(&path, "/windows/", argv[2], "") ||
	    (at && cli_query_add(&path, "at", at))) {
		rc = cli_fail(2, "window name too long");
		goto out;
	}
	rc = cli_call(ctx, "GET", path.data, NULL, &resp);
	if (rc)
		goto out;
	if (json) {
		rc = cli_print_json(resp);
	} else {
		json_t *rows = json_pack("[O]", resp);
		static const struct cli_col show[] = {
			{ "NAME", "name" },	    { "DAYS", "days" },
			{ "START", "start" },	    { "DURATION", "duration" },
			{ "TIME_ZONE", "time_zone" }, { "OPEN_NOW", "open_now" },
			{ "NEXT_OPEN", "next_open" }, { "NEXT_CLOSE", "next_close" },
		};
		cli_print_table(rows, show, FP_ARRAY_SIZE(show));
		json_decref(rows);
	}
out:
	json_decref(resp);
	fp_buf_release(&path);
	return rc;
}

int cmd_window(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	int rc;

	if (cli_list_or_help(ctx, argc, argv, "/windows", cols, FP_ARRAY_SIZE(cols),
			     WINDOW_USAGE, &rc))
		return rc;
	if (!strcmp(sub, "set") && argc >= 3)
		return window_set(ctx, argc, argv);
	if (!strcmp(sub, "show") && argc >= 3)
		return window_show(ctx, argc, argv);
	if (!strcmp(sub, "delete") && argc == 3)
		return cli_delete(ctx, "/windows/", argv[2], "deleted window");
	return cli_usage(false, WINDOW_USAGE);
}
