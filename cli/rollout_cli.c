/* SPDX-License-Identifier: MIT */
/* Helpers shared by the rollout commands (rollout_cli.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"
#include "rollout_cli.h"

bool cli_list_or_help(struct cli_ctx *ctx, int argc, char **argv,
		      const char *path, const struct cli_col *cols, size_t n,
		      const char *usage, int *ret_rc)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	bool json;

	if (cli_is_help(sub)) {
		*ret_rc = cli_usage(true, usage);
		return true;
	}
	if (strcmp(sub, "--json") && strcmp(sub, "list"))
		return false;
	if (cli_json_only(argc, argv, strcmp(sub, "list") ? 1 : 2, &json))
		*ret_rc = cli_usage(false, usage);
	else
		*ret_rc = cli_list(ctx, path, json, cols, n);
	return true;
}

int cli_opts_to_body(int argc, char **argv, int from,
		     const struct opt_map *map, size_t n, json_t *body,
		     bool *ret_json, const char *usage)
{
	for (int i = from; i < argc; i++) {
		const char *v = NULL;
		int m = 0;

		if (!strcmp(argv[i], "--json")) {
			*ret_json = true;
			continue;
		}
		for (size_t k = 0; k < n && m == 0; k++) {
			m = fp_opt_value(argc, argv, &i, map[k].opt, &v);
			if (m == 1 && map[k].num) {
				char *end;
				long long x = strtoll(v, &end, 10);
				if (*end || !*v)
					return cli_fail(2, "%s: not a number: %s",
							map[k].opt, v);
				json_object_set_new(body, map[k].key,
						    json_integer(x));
			} else if (m == 1) {
				json_object_set_new(body, map[k].key,
						    json_string(v));
			}
		}
		if (m <= 0)
			return cli_usage(false, usage);
	}
	return 0;
}

int cli_put_object(struct cli_ctx *ctx, const char *path, json_t *body,
		   bool json, const char *done)
{
	json_t *resp = NULL;
	int rc = cli_call(ctx, "POST", path, body, &resp);

	if (rc == 0) {
		if (json)
			rc = cli_print_json(resp);
		else
			printf("%s %s\n", done,
			       json_string_value(json_object_get(resp, "name")));
	}
	json_decref(resp);
	return rc;
}

