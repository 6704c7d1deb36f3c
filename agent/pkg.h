/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_PKG_H
#define FLEETPATCH_AGENT_PKG_H

#include <stdbool.h>
#include <stddef.h>

#include "fleetpatch/buf.h"
#include "fleetpatch/version.h"

/*
 * Package-manager backends, one file each (pkg_apt.c, pkg_dnf.c,
 * pkg_zypper.c, pkg_pacman.c) behind this table.  Backends run the real
 * package manager through fp_exec (argv, no shell), non-interactively,
 * against 'root' (NULL or "/" for the running system), and append what
 * the package manager printed to 'log' (a capped buffer).
 */
struct agent_pkg_ctx {
	const char *root;        /* NULL: the running system */
	unsigned lock_wait_s;    /* how long to wait for the package lock */
	unsigned timeout_s;      /* one package-manager run, at most */
	struct fp_buf *log;      /* output of every command, appended */
};

/* One package of a transaction: "name" or "name" at an exact version. */
struct agent_pkg_req {
	const char *name;
	const char *version; /* NULL: newest available */
	bool remove;         /* rollback of a package that was new */
	const char *local_file; /* install from this file (apt cache) */
};

struct agent_pkg_backend {
	const char *name; /* "apt", "dnf", "zypper", "pacman" */
	enum fp_ecosystem eco;

	/* Stricter than fp_job_name_is_valid for this ecosystem (may be NULL). */
	bool (*name_ok)(const char *name);

	/* True when this backend manages 'root' (its database is there). */
	bool (*detect)(const char *root);

	/*
	 * Installed version of 'name' read from the package database into
	 * *ret_version (fp_free), NULL when not installed.  *ret_ok is false
	 * when the package is there but not properly installed (dpkg
	 * half-configured, unpacked, ...).  0 or an error.
	 */
	int (*installed)(const struct agent_pkg_ctx *ctx, const char *name,
			 char **ret_version, bool *ret_ok);

	/*
	 * Install/upgrade (or downgrade, with allow_downgrade) all of
	 * 'reqs' in ONE transaction.  Returns 0 when the package manager
	 * exited 0, FP_ECHILD when it failed, FP_EBUSY when the lock was
	 * not released in time.  The caller verifies the database anyway.
	 */
	int (*install)(const struct agent_pkg_ctx *ctx,
		       const struct agent_pkg_req *reqs, size_t n,
		       bool allow_downgrade);

	/*
	 * Whether name=version can be installed (from a repository, or from
	 * the local cache: then *ret_local_file is set, fp_free).  0 when
	 * available, FP_ENOENT when not.
	 */
	int (*available)(const struct agent_pkg_ctx *ctx, const char *name,
			 const char *version, char **ret_local_file);

	/*
	 * Look for a run that was interrupted (half-configured packages, an
	 * unfinished transaction).  Describes what it found in 'report'
	 * (one line per problem) and sets *ret_found.
	 */
	int (*audit)(const struct agent_pkg_ctx *ctx, struct fp_buf *report,
		     bool *ret_found);

	/* Repair what audit found (dpkg --configure -a); FP_EUNSUPPORTED. */
	int (*repair)(const struct agent_pkg_ctx *ctx);
};

extern const struct agent_pkg_backend agent_pkg_apt;
extern const struct agent_pkg_backend agent_pkg_dnf;
extern const struct agent_pkg_backend agent_pkg_zypper;
extern const struct agent_pkg_backend agent_pkg_pacman;

/* The backend by name, or the first whose detect() matches 'root'. */
const struct agent_pkg_backend *agent_pkg_find(const char *name);
const struct agent_pkg_backend *agent_pkg_detect(const char *root);

/* True for NULL, "" and "/": the running system. */
bool agent_root_is_live(const char *root);

/*
 * Run argv with the context's timeout, appending "$ argv..." and the
 * merged output to ctx->log.  *ret_exit gets the exit status (-1 for a
 * signal or timeout).  'out' (may be NULL) also receives stdout alone.
 */
int agent_pkg_run(const struct agent_pkg_ctx *ctx, const char *const *argv,
		  const char *const *envp, struct fp_buf *out, int *ret_exit);

/*
 * agent_pkg_run, retried once a second while it fails with output
 * containing 'lock_text' (the package manager's "database is locked"),
 * for up to ctx->lock_wait_s: for tools without a lock timeout of their
 * own.  FP_EBUSY when the lock stayed held.
 */
int agent_pkg_run_locked(const struct agent_pkg_ctx *ctx,
			 const char *const *argv, const char *const *envp,
			 const char *lock_text, int *ret_exit);

/* Whether 'installed' satisfies the 'target' of a job in ecosystem eco:
 * equal, or (rpm, pacman) equal to the version part when target has no
 * release. */
bool agent_pkg_version_matches(enum fp_ecosystem eco, const char *installed,
			       const char *target);


/*
 * An argv under construction: strings pushed with agent_argv_addf are
 * owned by it.  Errors are sticky: check 'err' once before running.
 */
struct agent_argv {
	const char **v; /* NULL-terminated */
	size_t n, alloc;
	char **owned;
	size_t n_owned;
	int err;
};

void agent_argv_add(struct agent_argv *a, const char *s);
void agent_argv_addf(struct agent_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void agent_argv_release(struct agent_argv *a);

/*
 * Keep only the last 'max' bytes of 'log' (starting at a line boundary)
 * as a new string for a report (fp_free).
 */
char *agent_log_tail(const struct fp_buf *log, size_t max);

/*
 * apt's audit of `dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t
 * ${Version}\n'` output: one report line per package dpkg left half-way
 * (unpacked, half-configured, half-installed, triggers, reinst-required).
 * Returns whether there was any.  Exposed for tests and fuzzing.
 */
bool agent_apt_audit_parse(const char *data, struct fp_buf *report);

/*
 * The caller's environment with 'extra' ("KEY=value", NULL-terminated)
 * set, replacing the same keys.  Free the array (not the strings) with
 * fp_free.  NULL when out of memory.
 */
const char **agent_env_with(const char *const *extra);

#endif
