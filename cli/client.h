/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_CLI_CLIENT_H
#define FLEETPATCH_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "fleetpatch/buf.h"

/* Largest response the CLI accepts from the server. */
#define CLI_MAX_RESPONSE ((size_t)64 << 20)

/*
 * One API call with the context's server and token.  'path' is below
 * /api/v1 ("/hosts?os=debian"), already escaped (see cli_escape).
 * 'body' may be NULL.  Returns the exit status: 0 for a 2xx answer, with
 * the decoded body in *ret (may be NULL to discard; JSON null when the
 * body is empty); otherwise prints "fleetpatch: <message>" and returns 2
 * for 400/413 and bad usage (no server or token), 1 for anything else.
 */
int cli_call(struct cli_ctx *ctx, const char *method, const char *path,
	     const json_t *body, json_t **ret);

/* cli_call() with a raw body of 'len' bytes (may be NULL) and a request
 * timeout (0: the client's default). */
int cli_request(struct cli_ctx *ctx, const char *method, const char *path,
		const char *body, size_t len, long timeout_ms, json_t **ret);

/* Append 's' percent-encoded for a URL path segment or query value. */
int cli_escape(struct fp_buf *b, const char *s);

/* "fleetpatch: <what>: <message>" on stderr; returns 'code'. */
int cli_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Pretty-print JSON (2-space indent) on stdout; 0 or 1. */
int cli_print_json(const json_t *j);

/*
 * A readable table of an array of objects: one column per 'cols' entry
 * (header, object key).  Strings print as-is, numbers as numbers,
 * booleans as yes/no, arrays of scalars comma-joined, null/absent as "-".
 */
struct cli_col {
	const char *header;
	const char *key;
};
void cli_print_table(const json_t *rows, const struct cli_col *cols,
		     size_t n_cols);

/* A JSON value as table text into 'b' (see cli_print_table). */
void cli_cell(struct fp_buf *b, const json_t *v);

/* Append "?key=value" or "&key=value" (escaped) to a request path. */
int cli_query_add(struct fp_buf *q, const char *key, const char *value);

/* prefix + escaped segment + suffix into b (reset first); nonzero if long. */
int cli_path(struct fp_buf *b, const char *prefix, const char *segment,
	     const char *suffix);

/*
 * GET a listing and print it: the server's JSON array as is with 'json',
 * else a table.  Returns the exit status.
 */
int cli_list(struct cli_ctx *ctx, const char *path, bool json,
	     const struct cli_col *cols, size_t n_cols);

/* Only "--json" may follow argv[start]: 0 and *ret_json, or 2. */
int cli_json_only(int argc, char **argv, int start, bool *ret_json);

/* DELETE prefix/<segment>; prints "<done_what> <segment>" on success. */
int cli_delete(struct cli_ctx *ctx, const char *prefix, const char *segment,
	       const char *done_what);

/* GET /hosts/<host> (id or hostname) with an optional history limit. */
int cli_get_host(struct cli_ctx *ctx, const char *host,
		 const char *history_limit, json_t **ret);

/*
 * After a create that returns a one-time secret: the whole answer with
 * 'json', else the value of 'key' alone on stdout and a note on stderr.
 */
int cli_print_created(json_t *resp, bool json, const char *key,
		      const char *what);

/* Resolve a host given by id or hostname to its id; prints errors. */
int cli_host_id(struct cli_ctx *ctx, const char *host, long long *ret_id);

/*
 * Command-line helpers: does argv[i] ask for help; print usage on
 * stdout (help) or stderr (bad usage) and return 0 or 2.
 */
bool cli_is_help(const char *arg);
int cli_usage(bool help, const char *usage);

#endif
