/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_PKG_RPM_H
#define FLEETPATCH_AGENT_PKG_RPM_H

#include "pkg.h"

/* The rpm database under root ("var/lib/rpm", ...), NULL when none yet. */
const char *agent_rpm_dbpath(const char *root);

/*
 * The environment for rpm, dnf and zypper on ctx->root: for an offline
 * root with a database, HOME is a private directory whose .rpmmacros
 * names that database.  Release removes it.
 */
struct agent_rpm_env {
	char home[64];      /* private HOME, "" when live */
	char macros[96];
	char homevar[80];
	const char *dbpath; /* inside the root, NULL when none yet */
	const char **envp;
};
int agent_rpm_env_init(const struct agent_pkg_ctx *ctx,
		       struct agent_rpm_env *e);
void agent_rpm_env_release(struct agent_rpm_env *e);

/* The backend's installed(): rpm -q under the root, newest version. */
int agent_rpm_installed(const struct agent_pkg_ctx *ctx, const char *name,
			char **ret_version, bool *ret_ok);

/*
 * A kept package file of name-version below ROOT/'cache' (dnf keepcache,
 * zypper keep-packages), for a rollback the repositories no longer
 * serve.  NULL when none; free with fp_free.
 */
char *agent_rpm_cached(const struct agent_pkg_ctx *ctx, const char *cache,
		       const char *name, const char *version);

#endif
