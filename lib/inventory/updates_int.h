/* SPDX-License-Identifier: MIT */
/* Internals shared by the pending-update backends (updates_*.c). */
#ifndef FLEETPATCH_UPDATES_INT_H
#define FLEETPATCH_UPDATES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fleetpatch/buf.h"
#include "fleetpatch/strview.h"
#include "fleetpatch/updates.h"

/*
 * One package manager.  'detect' says whether 'root' (never NULL, "/"
 * for the live system) is managed by it and the tool is installed.
 * 'refresh' updates the metadata; 'query' appends updates to 'l' and
 * returns the metadata age in seconds (-1 unknown).
 */
struct fp__upd_backend {
	const char *name;
	bool (*detect)(const char *root);
	int (*refresh)(const char *root, struct fp_diag *diag);
	int (*query)(const char *root, struct fp_update_list *l,
		     struct fp_diag *diag);
	int64_t (*metadata_age)(const char *root);
};

extern const struct fp__upd_backend fp__upd_apt, fp__upd_dnf,
	fp__upd_zypper, fp__upd_pacman, fp__upd_apk;

/* True for the live system: root NULL, "" or "/". */
bool fp__upd_is_live(const char *root);

/* ROOT + rel (rel starts with '/') into out; FP_ETOOBIG when too long. */
int fp__upd_path(char *out, size_t n, const char *root, const char *rel);
bool fp__upd_exists(const char *root, const char *rel);

/*
 * Run argv ('what' names it in messages, e.g. "apt-get update") with LC_ALL=C, PATH kept, plus 'extra_env' (NULL-terminated,
 * may be NULL), stdout into 'out' (capped at FP_UPDATES_MAX_OUTPUT),
 * stderr into a small buffer whose first line goes into 'diag' on
 * failure.  Exit codes listed in 'ok_codes' (terminated by -1) count as
 * success and the one seen goes to *ret_exit (may be NULL).  A timeout,
 * signal, truncated stdout or other exit code is an error naming 'what'.
 */
int fp__upd_run(const char *what, const char *const *argv, const char *const *extra_env,
		unsigned timeout_ms, const int *ok_codes, struct fp_buf *out,
		int *ret_exit, struct fp_diag *diag);

/* An output parser of updates.h. */
typedef int fp__upd_parse_fn(const char *data, size_t len,
			     struct fp_update_list *l, struct fp_diag *diag);

/*
 * fp__upd_run with the query timeout, then 'parse' over its stdout with
 * 'what' as the diag's file name.
 */
int fp__upd_run_parse(const char *what, const char *const *argv,
		      const char *const *extra_env, const int *ok_codes,
		      fp__upd_parse_fn *parse, struct fp_update_list *l,
		      struct fp_diag *diag);

/*
 * Seconds since the newest mtime under ROOT/rel down to 'depth' levels
 * (the directories included, or with 'leaves_only' just the regular files
 * exactly 'depth' levels down); -1 when nothing is there.
 */
int64_t fp__upd_newest_age(const char *root, const char *rel, int depth,
			   bool leaves_only);

/* Line iteration over a buffer with a line counter and a length bound. */
struct fp__lines {
	const char *p, *end;
	unsigned long lineno;
};

void fp__lines_init(struct fp__lines *it, const char *data, size_t len);
/* Next line without its '\n' (and '\r'): 1, 0 at the end, or an error
 * (FP_ETOOBIG long line, FP_EINVAL NUL byte) with 'diag' set. */
int fp__lines_next(struct fp__lines *it, struct fp_str *ret_line,
		   struct fp_diag *diag);

/* Split off the next whitespace-separated token of *s (advanced). */
struct fp_str fp__next_token(struct fp_str *s);

/* A field fit for the inventory: 1..FP_INV_MAX_FIELD printable ASCII
 * bytes, spaces allowed only with 'spaces'. */
bool fp__field_ok(struct fp_str f, bool spaces);

/*
 * Append an update; NULL 'arch'/'installed'/'origin' .p means unknown
 * (stored as "" for arch, NULL otherwise).  Validates every field with
 * fp__field_ok and the count against FP_INV_MAX_UPDATES.
 */
int fp__upd_add(struct fp_update_list *l, struct fp_str name,
		struct fp_str arch, struct fp_str installed,
		struct fp_str candidate, struct fp_str origin, bool security,
		unsigned long lineno, struct fp_diag *diag);

/* Index of the update with this name (and arch unless arch.p is NULL),
 * starting at *pos, or -1. */
long fp__upd_find(const struct fp_update_list *l, struct fp_str name,
		  struct fp_str arch, size_t from);

/* Loop over the indexes of the updates matching name (and arch). */
#define fp__upd_foreach_match(i, l, name, arch)                        \
	for (long i = fp__upd_find((l), (name), (arch), 0); i >= 0;     \
	     i = fp__upd_find((l), (name), (arch), (size_t)i + 1))

/* Split an rpm NEVRA "name-[epoch:]version-release.arch" in place. */
int fp__split_nevra(struct fp_str nevra, struct fp_str *ret_name,
		    struct fp_str *ret_evr, struct fp_str *ret_arch);

/* The rpm database path under root, for `rpm --root ROOT --dbpath P`. */
const char *fp__rpm_dbpath(const char *root);
/*
 * For an offline root: a private HOME whose .rpmmacros sets %_dbpath to
 * the root's database, so rpm and dnf read that one whatever the host's
 * macros say.  'env' is the extra environment for fp__upd_run (empty for
 * the live system).  Release removes the directory.
 */
struct fp__rpm_home {
	char dir[512], macros[560], homevar[520];
	const char *env[2];
};
int fp__rpm_home_init(struct fp__rpm_home *h, const char *root,
		      struct fp_diag *diag);
void fp__rpm_home_release(struct fp__rpm_home *h);

/* Fill installed versions from `rpm -qa` under root (dnf and zypper). */
int fp__rpm_fill_installed(const char *root, struct fp_update_list *l,
			   struct fp_diag *diag);

#endif
