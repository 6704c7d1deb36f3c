/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_CLI_ROLLOUT_H
#define FLEETPATCH_CLI_ROLLOUT_H

/* Helpers shared by the rollout commands (rings, window, policy, deploy). */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

/* An option that maps to a body member: string, or integer when 'num'. */
struct opt_map {
	const char *opt, *key;
	bool num;
};

/*
 * Parse argv[from..] into members of 'body' per 'map'; "--json" sets
 * *ret_json.  Returns 0, or 2 after printing the usage or the reason.
 */
int cli_opts_to_body(int argc, char **argv, int from,
		     const struct opt_map *map, size_t n, json_t *body,
		     bool *ret_json, const char *usage);

/* POST 'body' to 'path'; print the stored object (json) or "DONE NAME". */
int cli_put_object(struct cli_ctx *ctx, const char *path, json_t *body,
		   bool json, const char *done);

/*
 * argv[1] absent, "list", "--json" or help: list 'path' as a table (or
 * JSON) or print the usage, set *ret_rc and return true.
 */
bool cli_list_or_help(struct cli_ctx *ctx, int argc, char **argv,
		      const char *path, const struct cli_col *cols, size_t n,
		      const char *usage, int *ret_rc);

#endif
