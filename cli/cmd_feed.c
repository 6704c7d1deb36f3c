/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch feed import PATH [--format osv|debian|dsa|kev|epss]
 *                             [--name N] [--json]
 * fleetpatch feed list [--json]
 *
 * The file goes to the server as it is; the server tells its format
 * from the content unless --format says, parses it whole and stores it
 * only if it parses (docs/vuln.md).
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "opt.h"

#define FEED_USAGE                                                          \
	"feed import PATH [--format osv|debian|dsa|kev|epss] [--name N] "     \
	"[--json] | feed list [--json]"

/* Feeds can be large (the Debian tracker is tens of MB). */
#define FEED_MAX_FILE ((size_t)512 << 20)
#define FEED_TIMEOUT_MS (10L * 60 * 1000)

static const struct cli_col cols[] = {
	{ "NAME", "name" },
	{ "KIND", "kind" },
	{ "RECORDS", "records" },
	{ "BYTES", "bytes" },
	{ "IMPORTED", "imported_at" },
};

/* The feed name: the file's base name, other bytes than A-Z a-z 0-9 . _ -
 * as '_'. */
static void feed_name(const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');
	size_t o = 0;

	base = base ? base + 1 : path;
	for (; *base && o + 1 < n && o < 128; base++) {
		char c = *base;
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || strchr("._-", c);
		out[o] = ok && !(o == 0 && c == '.') ? c : '_';
		o++;
	}
	out[o] = '\0';
	if (!o)
		snprintf(out, n, "feed");
}

static int feed_import(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *file = NULL, *format = NULL, *name = NULL;
	struct fp_buf body, q;
	json_t *resp = NULL;
	char defname[160];
	bool json = false;
	int rc;

	for (int i = 2; i < argc; i++) {
		int m = 0;

		if (cli_is_help(argv[i]))
			return cli_usage(true, FEED_USAGE);
		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--format", &format);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--name", &name);
		if (!m && argv[i][0] != '-' && !file)
			file = argv[i], m = 1;
		if (m <= 0)
			return cli_usage(false, FEED_USAGE);
	}
	if (!file)
		return cli_usage(false, FEED_USAGE);
	if (format && strcmp(format, "osv") && strcmp(format, "debian") &&
	    strcmp(format, "dsa") && strcmp(format, "kev") &&
	    strcmp(format, "epss"))
		return cli_fail(2, "unknown format %s (osv, debian, dsa, kev, epss)",
				format);
	if (!name) {
		feed_name(file, defname, sizeof(defname));
		name = defname;
	}
	fp_buf_init(&body, FEED_MAX_FILE);
	if ((rc = fp_read_file(file, &body))) {
		fp_buf_release(&body);
		return cli_fail(rc == FP_ETOOBIG || rc == FP_ENOENT ? 2 : 1,
				"%s: %s", file,
				rc == FP_ETOOBIG ? "larger than 512 MiB"
						 : fp_strerror(rc));
	}
	fp_buf_init(&q, 8192);
	if (fp_buf_adds(&q, "/feeds") || cli_query_add(&q, "name", name) ||
	    (format && cli_query_add(&q, "format", format))) {
		rc = cli_fail(2, "feed name too long");
		goto out;
	}
	if ((rc = cli_request(ctx, "POST", q.data, body.data, body.len,
			      FEED_TIMEOUT_MS, &resp)))
		goto out;
	if (json)
		rc = cli_print_json(resp);
	else
		printf("imported %s feed %s: %lld records (%lld skipped)\n",
		       json_string_value(json_object_get(resp, "kind")),
		       json_string_value(json_object_get(resp, "name")),
		       (long long)json_integer_value(json_object_get(resp, "records")),
		       (long long)json_integer_value(json_object_get(resp, "skipped")));
	json_decref(resp);
out:
	fp_buf_release(&q);
	fp_buf_release(&body);
	return rc;
}

int cmd_feed(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	bool json = false;

	if (!strcmp(sub, "import"))
		return feed_import(ctx, argc, argv);
	if (!strcmp(sub, "list") || !strcmp(sub, "--json")) {
		if (cli_json_only(argc, argv, !strcmp(sub, "list") ? 2 : 1, &json))
			return cli_usage(false, FEED_USAGE);
		return cli_list(ctx, "/feeds", json, cols, FP_ARRAY_SIZE(cols));
	}
	return cli_usage(cli_is_help(sub), FEED_USAGE);
}
