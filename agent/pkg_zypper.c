/* SPDX-License-Identifier: MIT */
/*
 * zypper/rpm backend.
 *
 * zypper --root ROOT --non-interactive install --oldpackage name=VERSION:
 * one transaction, up or down to the named versions.  The package lock
 * is waited on through ZYPP_LOCK_TIMEOUT.  The rpm database (found as for
 * dnf, see pkg_rpm.h) decides success.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "pkg.h"
#include "pkg_rpm.h"

/* zypper's "information" exits (100..106: updates, reboot needed, ...). */
static bool zypper_ok(int ex)
{
	return ex == 0 || (ex >= 100 && ex <= 106);
}

static bool zypper_name_ok(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._+-") == strlen(name);
}

static bool zypper_detect(const char *root)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/etc/zypp",
		 agent_root_is_live(root) ? "" : root);
	return agent_rpm_dbpath(root) && access(p, F_OK) == 0 &&
	       fp_exec_have("zypper") && fp_exec_have("rpm");
}

/* zypper with the root, the lock wait in the environment. */
struct zypper_run {
	struct agent_rpm_env rpm;
	char lockvar[48];
	const char **envp;
};

static int zypper_begin(const struct agent_pkg_ctx *ctx, struct zypper_run *z,
			struct agent_argv *a)
{
	/* zypper's messages are read: untranslated */
	const char *extra[4] = { "LC_ALL=C", NULL, NULL, NULL };
	int r;

	memset(z, 0, sizeof(*z));
	if ((r = agent_rpm_env_init(ctx, &z->rpm)))
		return r;
	snprintf(z->lockvar, sizeof(z->lockvar), "ZYPP_LOCK_TIMEOUT=%u",
		 ctx->lock_wait_s);
	extra[1] = z->lockvar;
	extra[2] = z->rpm.homevar[0] ? z->rpm.homevar : NULL;
	z->envp = agent_env_with(extra);
	if (!z->envp) {
		agent_rpm_env_release(&z->rpm);
		return FP_ENOMEM;
	}
	agent_argv_add(a, "zypper");
	agent_argv_add(a, "--non-interactive");
	if (!agent_root_is_live(ctx->root)) {
		agent_argv_add(a, "--root");
		agent_argv_add(a, ctx->root);
	}
	return 0;
}

static void zypper_end(struct zypper_run *z, struct agent_argv *a)
{
	agent_argv_release(a);
	fp_free(z->envp);
	agent_rpm_env_release(&z->rpm);
}

static int zypper_install(const struct agent_pkg_ctx *ctx,
			  const struct agent_pkg_req *reqs, size_t n,
			  bool allow_downgrade)
{
	struct zypper_run z;
	struct agent_argv a = { 0 };
	int r, ex = 0;

	if ((r = zypper_begin(ctx, &z, &a)))
		return r;
	agent_argv_add(&a, "install");
	agent_argv_add(&a, "--auto-agree-with-licenses");
	if (allow_downgrade)
		agent_argv_add(&a, "--oldpackage");
	agent_argv_add(&a, "--");
	for (size_t i = 0; i < n; i++) {
		if (reqs[i].remove)
			agent_argv_addf(&a, "-%s", reqs[i].name); /* remove */
		else if (reqs[i].local_file)
			agent_argv_add(&a, reqs[i].local_file);
		else if (reqs[i].version)
			agent_argv_addf(&a, "%s=%s", reqs[i].name,
					reqs[i].version);
		else
			agent_argv_add(&a, reqs[i].name);
	}
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, z.envp, NULL, &ex);
	zypper_end(&z, &a);
	if (r == 0 && !zypper_ok(ex))
		r = ex == 7 ? FP_EBUSY : FP_ECHILD; /* 7: locked by another */
	return r;
}

static int zypper_available(const struct agent_pkg_ctx *ctx, const char *name,
			    const char *version, char **ret_local_file)
{
	struct zypper_run z;
	struct agent_argv a = { 0 };
	struct fp_buf out;
	char want[300];
	int r, ex = 0;

	*ret_local_file = NULL;
	if ((r = zypper_begin(ctx, &z, &a)))
		return r;
	fp_buf_init(&out, 1 << 20);
	agent_argv_add(&a, "-q");
	agent_argv_add(&a, "search");
	agent_argv_add(&a, "-s");
	agent_argv_add(&a, "--match-exact");
	agent_argv_add(&a, "-t");
	agent_argv_add(&a, "package");
	agent_argv_add(&a, "--");
	agent_argv_add(&a, name);
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, z.envp, &out, &ex);
	zypper_end(&z, &a);
	/* "v  | name | package | 1.1-1 | noarch | repo" */
	snprintf(want, sizeof(want), "| %s%s", version,
		 strchr(version, '-') ? " " : "-");
	if (r == 0 && zypper_ok(ex) && strstr(out.data, want)) {
		fp_buf_release(&out);
		return 0;
	}
	fp_buf_release(&out);
	if (r)
		return r;
	*ret_local_file = agent_rpm_cached(ctx, "var/cache/zypp/packages", name,
					   version);
	return *ret_local_file ? 0 : FP_ENOENT;
}

/* zypper verify: dependency problems, e.g. left by a killed transaction. */
static int zypper_audit(const struct agent_pkg_ctx *ctx, struct fp_buf *report,
			bool *ret_found)
{
	struct zypper_run z;
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	struct fp_buf out;
	int r, ex = 0;

	if ((r = zypper_begin(ctx, &z, &a)))
		return r;
	quiet.log = NULL;
	fp_buf_init(&out, 1 << 20);
	agent_argv_add(&a, "verify");
	agent_argv_add(&a, "--dry-run");
	r = a.err ? a.err : agent_pkg_run(&quiet, a.v, z.envp, &out, &ex);
	zypper_end(&z, &a);
	if (r == 0) {
		*ret_found = !zypper_ok(ex);
		if (*ret_found)
			fp_buf_addf(report, "zypper: verify found dependency problems (exit status %d)\n",
				    ex);
	}
	fp_buf_release(&out);
	return r;
}

static int zypper_repair(const struct agent_pkg_ctx *ctx)
{
	struct zypper_run z;
	struct agent_argv a = { 0 };
	int r, ex = 0;

	if ((r = zypper_begin(ctx, &z, &a)))
		return r;
	agent_argv_add(&a, "verify");
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, z.envp, NULL, &ex);
	zypper_end(&z, &a);
	return r ? r : zypper_ok(ex) ? 0 : FP_ECHILD;
}

const struct agent_pkg_backend agent_pkg_zypper = {
	.name = "zypper",
	.eco = FP_ECO_RPM,
	.name_ok = zypper_name_ok,
	.detect = zypper_detect,
	.installed = agent_rpm_installed,
	.install = zypper_install,
	.available = zypper_available,
	.audit = zypper_audit,
	.repair = zypper_repair,
};
