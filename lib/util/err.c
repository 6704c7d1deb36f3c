/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/err.h"

struct err_info {
	int code;
	const char *name;
	const char *text;
	int http;
	int exit_code;
};

/* The one place each code maps to its name, message, HTTP status, exit code. */
static const struct err_info errs[] = {
	{ FP_OK, "ok", "success", 200, 0 },
	{ FP_ENOMEM, "out_of_memory", "out of memory", 503, 1 },
	{ FP_EINVAL, "invalid_input", "invalid input", 400, 2 },
	{ FP_ETOOBIG, "too_large", "input too large", 413, 2 },
	{ FP_EIO, "io_error", "input/output error", 500, 1 },
	{ FP_ENOENT, "not_found", "not found", 404, 1 },
	{ FP_EEXIST, "already_exists", "already exists", 409, 1 },
	{ FP_EPERM, "forbidden", "permission denied", 403, 1 },
	{ FP_EAUTH, "unauthorized", "missing or invalid credential", 401, 1 },
	{ FP_ESPAWN, "spawn_failed", "could not run program", 500, 1 },
	{ FP_ECHILD, "child_failed", "program failed", 500, 1 },
	{ FP_ETIMEDOUT, "timed_out", "timed out", 504, 1 },
	{ FP_EUNSUPPORTED, "unsupported", "not supported", 501, 1 },
	{ FP_ESTORE, "storage_error", "storage failure", 500, 1 },
	{ FP_ENET, "network_error", "network failure", 502, 1 },
	{ FP_ESIG, "bad_signature", "signature does not verify", 400, 1 },
	{ FP_ECONFLICT, "conflict", "conflicting state", 409, 1 },
	{ FP_EBUSY, "busy", "resource busy", 503, 1 },
	{ FP_EINTERNAL, "internal_error", "internal error", 500, 1 },
};

static const struct err_info *lookup(int err)
{
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		if (errs[i].code == err)
			return &errs[i];
	return NULL;
}

const char *fp_strerror(int err)
{
	const struct err_info *e = lookup(err);
	return e ? e->text : "unknown error";
}

const char *fp_err_name(int err)
{
	const struct err_info *e = lookup(err);
	return e ? e->name : "unknown_error";
}

int fp_err_http_status(int err)
{
	const struct err_info *e = lookup(err);
	return e ? e->http : 500;
}

int fp_err_exit_code(int err)
{
	const struct err_info *e = lookup(err);
	return e ? e->exit_code : 1;
}

void fp_diag_init(struct fp_diag *d, const char *file)
{
	if (!d)
		return;
	d->file = file;
	d->line = 0;
	d->column = 0;
	d->msg[0] = '\0';
}

int fp_diag_set(struct fp_diag *d, int err, unsigned long line,
		unsigned long column, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return err;
	d->line = line;
	d->column = column;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return err;
}

void fp_diag_format(const struct fp_diag *d, char *out, unsigned long n)
{
	const char *file = d->file ? d->file : "<input>";

	if (n == 0)
		return;
	if (d->line && d->column)
		snprintf(out, n, "%s:%lu:%lu: %s", file, d->line, d->column,
			 d->msg);
	else if (d->line)
		snprintf(out, n, "%s:%lu: %s", file, d->line, d->msg);
	else
		snprintf(out, n, "%s: %s", file, d->msg);
}
