/* SPDX-License-Identifier: MIT */
/* The CLI's API client: server URL and token from the context, JSON in/out. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "fleetpatch/err.h"
#include "http.h"

int cli_fail(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fleetpatch: %s\n", msg);
	return code;
}

int cli_escape(struct fp_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (; *s && !r; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			r = fp_buf_addch(b, (char)ch);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };
			r = fp_buf_add(b, e, 3);
		}
	}
	return r;
}

int cli_request(struct cli_ctx *ctx, const char *method, const char *path,
		const char *body, size_t len, long timeout_ms, json_t **ret)
{
	struct fp_http_client c;
	struct fp_buf out;
	char full[4096], err[1024];
	json_t *resp = NULL;
	long status = 0;
	int r;

	if (!ctx->server || !*ctx->server)
		return cli_fail(2, "no server: give --server URL or set "
				   "FLEETPATCH_SERVER");
	if (!ctx->token || !*ctx->token)
		return cli_fail(2, "no API token: give --token T or set "
				   "FLEETPATCH_TOKEN");
	if (snprintf(full, sizeof(full), "/api/v1%s", path) >= (int)sizeof(full))
		return cli_fail(2, "request path too long");
	if (fp_http_client_init(&c, ctx->server, getenv("FLEETPATCH_CA_CERT")))
		return cli_fail(2, "server must be an http:// or https:// URL: %s",
				ctx->server);
	c.max_response = CLI_MAX_RESPONSE;
	if (timeout_ms > 0)
		c.timeout_ms = timeout_ms;
	fp_buf_init(&out, CLI_MAX_RESPONSE + 1);
	r = fp_http_request(&c, method, full, ctx->token, body, len, &status,
			    &out, err, sizeof(err));
	fp_http_client_release(&c);
	if (!r && out.len)
		resp = json_loadb(out.data, out.len, 0, NULL);
	fp_buf_release(&out);
	if (r)
		return cli_fail(1, "%s", err);
	if (status < 200 || status > 299) {
		fp_http_error_text(status, resp, err, sizeof(err));
		json_decref(resp);
		return cli_fail(status == 400 || status == 413 ? 2 : 1, "%s", err);
	}
	if (ret)
		*ret = resp ? resp : json_null();
	else
		json_decref(resp);
	return 0;
}

int cli_call(struct cli_ctx *ctx, const char *method, const char *path,
	     const json_t *body, json_t **ret)
{
	char *s = NULL;
	int rc;

	if (body && !(s = json_dumps(body, JSON_COMPACT)))
		return cli_fail(1, "out of memory");
	rc = cli_request(ctx, method, path, s, s ? strlen(s) : 0, 0, ret);
	free(s); /* jansson allocates with malloc */
	return rc;
}

int cli_print_json(const json_t *j)
{
	if (json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
				      JSON_ENCODE_ANY) != 0)
		return 1;
	fputc('\n', stdout);
	return fflush(stdout) ? 1 : 0;
}

void cli_cell(struct fp_buf *b, const json_t *v)
{
	size_t i;
	json_t *e;

	if (!v) {
		fp_buf_adds(b, "-");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		fp_buf_add(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		fp_buf_addf(b, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		fp_buf_addf(b, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		fp_buf_adds(b, "yes");
		break;
	case JSON_FALSE:
		fp_buf_adds(b, "no");
		break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0)
			fp_buf_adds(b, "-");
		json_array_foreach(v, i, e) {
			if (i)
				fp_buf_adds(b, ",");
			cli_cell(b, e);
		}
		break;
	case JSON_OBJECT: {
		const char *k;
		bool first = true;
		json_object_foreach((json_t *)v, k, e) {
			fp_buf_addf(b, "%s%s=", first ? "" : ",", k);
			cli_cell(b, e);
			first = false;
		}
		break;
	}
	default:
		fp_buf_adds(b, "-");
	}
}

/* Table cells are single-line: control characters become spaces. */
static void cell_text(struct fp_buf *b, const json_t *v)
{
	fp_buf_reset(b);
	cli_cell(b, v);
	for (size_t i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			b->data[i] = ' ';
}

void cli_print_table(const json_t *rows, const struct cli_col *cols,
		     size_t n_cols)
{
	size_t width[32] = { 0 }, i;
	struct fp_buf b;
	json_t *row;

	if (n_cols > 32)
		n_cols = 32;
	fp_buf_init(&b, 64 << 10);
	for (size_t c = 0; c < n_cols; c++)
		width[c] = strlen(cols[c].header);
	json_array_foreach(rows, i, row)
		for (size_t c = 0; c < n_cols; c++) {
			cell_text(&b, json_object_get(row, cols[c].key));
			if (b.len > width[c])
				width[c] = b.len > 60 ? 60 : b.len;
		}
	for (size_t c = 0; c < n_cols; c++)
		printf("%-*s%s", c + 1 < n_cols ? (int)width[c] : 0,
		       cols[c].header, c + 1 < n_cols ? "  " : "\n");
	json_array_foreach(rows, i, row)
		for (size_t c = 0; c < n_cols; c++) {
			cell_text(&b, json_object_get(row, cols[c].key));
			printf("%-*s%s", c + 1 < n_cols ? (int)width[c] : 0,
			       b.data, c + 1 < n_cols ? "  " : "\n");
		}
	fp_buf_release(&b);
}

int cli_get_host(struct cli_ctx *ctx, const char *host,
		 const char *history_limit, json_t **ret)
{
	struct fp_buf path;
	int rc;

	fp_buf_init(&path, 8192);
	if (cli_path(&path, "/hosts/", host, NULL) ||
	    (history_limit &&
	     cli_query_add(&path, "history_limit", history_limit))) {
		fp_buf_release(&path);
		return cli_fail(2, "host name too long");
	}
	rc = cli_call(ctx, "GET", path.data, NULL, ret);
	fp_buf_release(&path);
	return rc;
}

int cli_print_created(json_t *resp, bool json, const char *key,
		      const char *what)
{
	if (json)
		return cli_print_json(resp);
	if (!json_is_string(json_object_get(resp, key)))
		return cli_fail(1, "server answer has no %s", key);
	/* Alone on stdout so scripts can capture it. */
	printf("%s\n", json_string_value(json_object_get(resp, key)));
	fprintf(stderr, "%s %lld created (shown once)\n", what,
		(long long)json_integer_value(json_object_get(resp, "id")));
	return 0;
}

int cli_host_id(struct cli_ctx *ctx, const char *host, long long *ret_id)
{
	json_t *h = NULL;
	char *end;
	int rc;

	if (*host >= '0' && *host <= '9') {
		long long id = strtoll(host, &end, 10);
		if (*end == '\0' && id > 0) {
			*ret_id = id;
			return 0;
		}
	}
	rc = cli_get_host(ctx, host, "1", &h);
	if (rc)
		return rc;
	if (!json_is_integer(json_object_get(h, "id"))) {
		json_decref(h);
		return cli_fail(1, "server answer for host '%s' has no id", host);
	}
	*ret_id = json_integer_value(json_object_get(h, "id"));
	json_decref(h);
	return 0;
}

bool cli_is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int cli_usage(bool help, const char *usage)
{
	fprintf(help ? stdout : stderr, "usage: fleetpatch %s\n", usage);
	return help ? 0 : 2;
}

int cli_query_add(struct fp_buf *q, const char *key, const char *value)
{
	return fp_buf_adds(q, strchr(q->data, '?') ? "&" : "?") ||
	       fp_buf_adds(q, key) || fp_buf_addch(q, '=') ||
	       cli_escape(q, value);
}

int cli_list(struct cli_ctx *ctx, const char *path, bool json,
	     const struct cli_col *cols, size_t n_cols)
{
	json_t *rows = NULL;
	int rc;

	rc = cli_call(ctx, "GET", path, NULL, &rows);
	if (rc)
		return rc;
	if (!json_is_array(rows)) {
		json_decref(rows);
		return cli_fail(1, "server answered something other than a list");
	}
	if (json)
		rc = cli_print_json(rows);
	else
		cli_print_table(rows, cols, n_cols);
	json_decref(rows);
	return rc;
}

int cli_path(struct fp_buf *b, const char *prefix, const char *segment,
	     const char *suffix)
{
	fp_buf_reset(b);
	return fp_buf_adds(b, prefix) || cli_escape(b, segment) ||
	       fp_buf_adds(b, suffix ? suffix : "");
}

int cli_json_only(int argc, char **argv, int start, bool *ret_json)
{
	bool json = false;

	for (int i = start; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0)
			return 2;
		json = true;
	}
	*ret_json = json;
	return 0;
}

int cli_delete(struct cli_ctx *ctx, const char *prefix, const char *segment,
	       const char *done_what)
{
	struct fp_buf path;
	int rc;

	fp_buf_init(&path, 4096);
	rc = cli_path(&path, prefix, segment, NULL)
		     ? cli_fail(2, "name too long")
		     : cli_call(ctx, "DELETE", path.data, NULL, NULL);
	fp_buf_release(&path);
	if (rc == 0)
		printf("%s %s\n", done_what, segment);
	return rc;
}
