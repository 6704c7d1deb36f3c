/* SPDX-License-Identifier: MIT */
/*
 * dnf/rpm backend.
 *
 * Another root: dnf --installroot=ROOT, rpm --root=ROOT.  Both find the
 * rpm database through the host's %_dbpath macro, which need not match
 * the root (Debian's rpm keeps it in ~/.rpmdb), so for an offline root
 * they run with a private HOME whose .rpmmacros names the root's own
 * database.  dnf install both upgrades and downgrades to a named
 * version, so a rollback is one transaction too.
 *
 * Note: rpm does not fail a transaction when a %post scriptlet fails
 * (the package stays installed); a %pretrans failure does fail it.  A
 * post hook is the way to catch a package that installs but is broken.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "pkg.h"
#include "pkg_rpm.h"

/* rpm names: [A-Za-z0-9._+-], optionally ".arch" (also in that set). */
static bool dnf_name_ok(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._+-") == strlen(name);
}

static bool dnf_detect(const char *root)
{
	char p[4096], q[4096];
	const char *r = agent_root_is_live(root) ? "" : root;

	/* An rpm system configured for dnf (zypper ones have /etc/zypp). */
	snprintf(p, sizeof(p), "%s/etc/yum.repos.d", r);
	snprintf(q, sizeof(q), "%s/etc/dnf", r);
	return agent_rpm_dbpath(root) &&
	       (access(p, F_OK) == 0 || access(q, F_OK) == 0) &&
	       fp_exec_have("dnf") && fp_exec_have("rpm");
}

static void add_dnf(struct agent_argv *a, const struct agent_pkg_ctx *ctx)
{
	agent_argv_add(a, "dnf");
	agent_argv_add(a, "-y");
	if (!agent_root_is_live(ctx->root))
		agent_argv_addf(a, "--installroot=%s", ctx->root);
}

static int dnf_install(const struct agent_pkg_ctx *ctx,
		       const struct agent_pkg_req *reqs, size_t n,
		       bool allow_downgrade)
{
	struct agent_rpm_env e;
	struct agent_argv a = { 0 };
	size_t n_remove = 0;
	int r, ex = 0;

	(void)allow_downgrade; /* dnf install goes down to a named version */
	if ((r = agent_rpm_env_init(ctx, &e)))
		return r;
	add_dnf(&a, ctx);
	agent_argv_add(&a, "--refresh");
	agent_argv_add(&a, "install");
	for (size_t i = 0; i < n; i++) {
		if (reqs[i].remove)
			n_remove++;
		else if (reqs[i].local_file)
			agent_argv_add(&a, reqs[i].local_file);
		else if (reqs[i].version)
			agent_argv_addf(&a, "%s-%s", reqs[i].name,
					reqs[i].version);
		else
			agent_argv_add(&a, reqs[i].name);
	}
	if (n_remove < n)
		r = a.err ? a.err
			  : agent_pkg_run_locked(ctx, a.v, e.envp, "transaction lock", &ex);
	agent_argv_release(&a);
	if (r == 0 && ex == 0 && n_remove) {
		add_dnf(&a, ctx);
		agent_argv_add(&a, "remove");
		for (size_t i = 0; i < n; i++)
			if (reqs[i].remove)
				agent_argv_add(&a, reqs[i].name);
		r = a.err ? a.err
			  : agent_pkg_run_locked(ctx, a.v, e.envp, "transaction lock", &ex);
		agent_argv_release(&a);
	}
	agent_rpm_env_release(&e);
	if (r == 0 && ex != 0)
		r = FP_ECHILD;
	return r;
}

static int dnf_available(const struct agent_pkg_ctx *ctx, const char *name,
			 const char *version, char **ret_local_file)
{
	struct agent_rpm_env e;
	struct agent_argv a = { 0 };
	struct fp_buf out;
	int r, ex = 0;

	*ret_local_file = NULL;
	if ((r = agent_rpm_env_init(ctx, &e)))
		return r;
	fp_buf_init(&out, 1 << 20);
	add_dnf(&a, ctx);
	agent_argv_add(&a, "-q");
	agent_argv_add(&a, "--refresh");
	agent_argv_add(&a, "repoquery");
	agent_argv_addf(&a, "%s-%s", name, version);
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, e.envp, &out, &ex);
	agent_argv_release(&a);
	agent_rpm_env_release(&e);
	if (r == 0 && ex == 0 && strstr(out.data, name)) {
		fp_buf_release(&out);
		return 0;
	}
	fp_buf_release(&out);
	if (r)
		return r;
	*ret_local_file = agent_rpm_cached(ctx, "var/cache/dnf", name, version);
	return *ret_local_file ? 0 : FP_ENOENT;
}

/*
 * An rpm transaction killed half-way leaves both versions of a package
 * in the database (duplicates) and `dnf check` reports them, with any
 * broken dependencies.
 */
static int dnf_audit(const struct agent_pkg_ctx *ctx, struct fp_buf *report,
		     bool *ret_found)
{
	struct agent_rpm_env e;
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	struct fp_buf out;
	bool found = false;
	int r, ex = 0;

	if ((r = agent_rpm_env_init(ctx, &e)))
		return r;
	if (!e.dbpath) {
		agent_rpm_env_release(&e);
		*ret_found = false;
		return 0;
	}
	quiet.log = NULL;
	fp_buf_init(&out, 1 << 20);
	add_dnf(&a, ctx);
	agent_argv_add(&a, "-q");
	agent_argv_add(&a, "-C");
	agent_argv_add(&a, "check");
	r = a.err ? a.err : agent_pkg_run(&quiet, a.v, e.envp, &out, &ex);
	agent_argv_release(&a);
	for (char *p = out.data; r == 0 && *p;) {
		char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len) {
			fp_buf_addf(report, "rpm: %.*s\n", (int)len, p);
			found = true;
		}
		p += len + (end ? 1 : 0);
	}
	if (r == 0 && ex != 0 && !found) {
		fp_buf_addf(report, "rpm: dnf check failed (exit status %d)\n", ex);
		found = true;
	}
	fp_buf_release(&out);
	agent_rpm_env_release(&e);
	if (r)
		return r;
	*ret_found = found;
	return 0;
}

static int dnf_repair(const struct agent_pkg_ctx *ctx)
{
	struct agent_rpm_env e;
	struct agent_argv a = { 0 };
	int r, ex = 0;

	if ((r = agent_rpm_env_init(ctx, &e)))
		return r;
	add_dnf(&a, ctx);
	agent_argv_add(&a, "-C");
	agent_argv_add(&a, "remove");
	agent_argv_add(&a, "--duplicates");
	r = a.err ? a.err : agent_pkg_run_locked(ctx, a.v, e.envp, "transaction lock", &ex);
	agent_argv_release(&a);
	agent_rpm_env_release(&e);
	return r ? r : ex ? FP_ECHILD : 0;
}

const struct agent_pkg_backend agent_pkg_dnf = {
	.name = "dnf",
	.eco = FP_ECO_RPM,
	.name_ok = dnf_name_ok,
	.detect = dnf_detect,
	.installed = agent_rpm_installed,
	.install = dnf_install,
	.available = dnf_available,
	.audit = dnf_audit,
	.repair = dnf_repair,
};
