/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ERR_H
#define FLEETPATCH_ERR_H

/*
 * One error enum for the whole project.  0 is success, failures are
 * negative.  A code is never renumbered: new codes go at the end.
 *
 * The code maps to an HTTP status, a JSON "error" string and an exit
 * status in exactly one place each: fp_err_http_status(), fp_err_name()
 * and fp_err_exit_code().
 */
enum fp_err {
	FP_OK = 0,
	FP_ENOMEM = -1,      /* out of memory */
	FP_EINVAL = -2,      /* invalid input (see the fp_diag for where) */
	FP_ETOOBIG = -3,     /* input over a size or count limit */
	FP_EIO = -4,         /* read/write failed */
	FP_ENOENT = -5,      /* file, host, record not found */
	FP_EEXIST = -6,      /* already exists */
	FP_EPERM = -7,       /* authenticated but not allowed (403) */
	FP_EAUTH = -8,       /* missing or wrong credential (401) */
	FP_ESPAWN = -9,      /* could not run a child process */
	FP_ECHILD = -10,     /* child process failed (non-zero exit) */
	FP_ETIMEDOUT = -11,  /* operation timed out */
	FP_EUNSUPPORTED = -12, /* not supported here (no such backend) */
	FP_ESTORE = -13,     /* storage backend failure */
	FP_ENET = -14,       /* network failure */
	FP_ESIG = -15,       /* signature missing or does not verify */
	FP_ECONFLICT = -16,  /* state conflict (e.g. clone, busy) */
	FP_EBUSY = -17,      /* resource locked, try later */
	FP_EINTERNAL = -18,  /* a bug */
};

/* Human-readable, lowercase, no trailing period. Never NULL. */
const char *fp_strerror(int err);

/* Stable snake_case name for JSON "error" fields, e.g. "invalid_input". */
const char *fp_err_name(int err);

/* HTTP status for an error returned by an API handler (FP_OK -> 200). */
int fp_err_http_status(int err);

/* Process exit status: 0 success, 2 bad usage or input, 1 otherwise. */
int fp_err_exit_code(int err);

/*
 * Where a parser found its input wrong.  Parsers fill it on failure so the
 * user sees "file:line:column: message" (or a JSON path in 'file' for
 * API bodies).  'file' is borrowed: it must outlive the diag.
 */
struct fp_diag {
	const char *file; /* file name or input label; may be NULL */
	unsigned long line; /* 1-based; 0 when not line-oriented */
	unsigned long column; /* 1-based; 0 when unknown */
	char msg[256];
};

/* Reset a diag to empty (no location, no message). */
void fp_diag_init(struct fp_diag *d, const char *file);

/*
 * Record a message with printf formatting; keeps file, sets line/column.
 * Returns 'err' so callers can write "return fp_diag_set(d, FP_EINVAL, ...)".
 * 'd' may be NULL, then only 'err' is returned.
 */
int fp_diag_set(struct fp_diag *d, int err, unsigned long line,
		unsigned long column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Format the diag as "file:line:column: msg" (omitting parts that are
 * unknown) into 'out' of size 'n'.  Always NUL-terminates.
 */
void fp_diag_format(const struct fp_diag *d, char *out, unsigned long n);

#endif
