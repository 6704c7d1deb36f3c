/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch users [list] [--json]
 * fleetpatch users add NAME --role viewer|operator|admin [--password-stdin]
 * fleetpatch users delete NAME
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define USERS_USAGE                                                         \
	"users [list] [--json] | add NAME --role viewer|operator|admin "      \
	"[--password-stdin] | delete NAME"
#define PASSWORD_MAX 1024

static const struct cli_col cols[] = {
	{ "ID", "id" },
	{ "NAME", "name" },
	{ "ROLE", "role" },
	{ "CREATED", "created_at" },
};

/* One line from stdin, without its newline. */
static int read_password(char *out, size_t n)
{
	size_t len;

	if (!fgets(out, (int)n, stdin))
		return cli_fail(2, "--password-stdin: no password on stdin");
	len = strlen(out);
	if (len == n - 1 && out[len - 1] != '\n')
		return cli_fail(2, "--password-stdin: password longer than %d "
				   "bytes", PASSWORD_MAX - 2);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	if (!len)
		return cli_fail(2, "--password-stdin: empty password");
	return 0;
}

static int users_add(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *role = NULL;
	char password[PASSWORD_MAX];
	bool from_stdin = false;
	json_t *req;
	int rc;

	for (int i = 3; i < argc; i++) {
		int m = 0;

		if (!strcmp(argv[i], "--password-stdin"))
			from_stdin = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--role", &role);
		if (m <= 0)
			return cli_usage(false, USERS_USAGE);
	}
	if (!role)
		return cli_fail(2, "users add: --role viewer|operator|admin is "
				   "required");
	if (from_stdin && (rc = read_password(password, sizeof(password))))
		return rc;
	req = json_pack("{s:s, s:s, s:s?}", "name", argv[2], "role", role,
			"password", from_stdin ? password : NULL);
	memset(password, 0, sizeof(password));
	if (!req)
		return cli_fail(1, "out of memory");
	rc = cli_call(ctx, "POST", "/users", req, NULL);
	json_decref(req);
	if (rc == 0)
		printf("added user %s (%s)\n", argv[2], role);
	return rc;
}

int cmd_users(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "list";
	bool json;

	if (cli_is_help(sub))
		return cli_usage(true, USERS_USAGE);
	if (!strcmp(sub, "--json") || !strcmp(sub, "list")) {
		if (cli_json_only(argc, argv, strcmp(sub, "list") ? 1 : 2, &json))
			return cli_usage(false, USERS_USAGE);
		return cli_list(ctx, "/users", json, cols, FP_ARRAY_SIZE(cols));
	}
	if (!strcmp(sub, "add") && argc >= 3)
		return users_add(ctx, argc, argv);
	if (!strcmp(sub, "delete") && argc == 3)
		return cli_delete(ctx, "/users/", argv[2], "deleted user");
	return cli_usage(false, USERS_USAGE);
}
