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
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "pkg.h"

/* Where distributions keep the database; the last is Debian's rpm. */
static const char *const dbpaths[] = { "usr/lib/sysimage/rpm", "var/lib/rpm",
				       "root/.rpmdb" };
static const char *const dbfiles[] = { "rpmdb.sqlite", "Packages",
				       "Packages.db" };

struct rpm_env {
	char home[64];      /* private HOME, "" when live */
	char macros[96];
	char homevar[80];
	const char *dbpath; /* inside the root, NULL when none yet */
	const char **envp;
};

static const char *rpm_dbpath(const char *root)
{
	char p[4096];

	for (size_t i = 0; i < FP_ARRAY_SIZE(dbpaths); i++)
		for (size_t j = 0; j < FP_ARRAY_SIZE(dbfiles); j++) {
			snprintf(p, sizeof(p), "%s/%s/%s",
				 agent_root_is_live(root) ? "" : root,
				 dbpaths[i], dbfiles[j]);
			if (access(p, F_OK) == 0)
				return dbpaths[i];
		}
	return NULL;
}

static void rpm_env_release(struct rpm_env *e)
{
	if (e->home[0]) {
		unlink(e->macros);
		rmdir(e->home);
	}
	fp_free(e->envp);
	memset(e, 0, sizeof(*e));
}

static int rpm_env_init(const struct agent_pkg_ctx *ctx, struct rpm_env *e)
{
	const char *extra[2] = { NULL, NULL };
	char m[128];
	int r;

	memset(e, 0, sizeof(*e));
	e->dbpath = rpm_dbpath(ctx->root);
	if (!agent_root_is_live(ctx->root) && e->dbpath) {
		snprintf(e->home, sizeof(e->home), "/tmp/fleetpatch-rpm.XXXXXX");
		if (!mkdtemp(e->home)) {
			e->home[0] = '\0';
			return FP_EIO;
		}
		snprintf(e->macros, sizeof(e->macros), "%s/.rpmmacros", e->home);
		snprintf(m, sizeof(m), "%%_dbpath /%s\n", e->dbpath);
		r = fp_write_file_atomic(e->macros, m, strlen(m), 0600);
		if (r) {
			rpm_env_release(e);
			return r;
		}
		snprintf(e->homevar, sizeof(e->homevar), "HOME=%s", e->home);
		extra[0] = e->homevar;
	}
	e->envp = agent_env_with(extra);
	if (!e->envp) {
		rpm_env_release(e);
		return FP_ENOMEM;
	}
	return 0;
}

/* rpm names: [A-Za-z0-9._+-], optionally ".arch" (also in that set). */
static bool dnf_name_ok(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._+-") == strlen(name);
}

static bool dnf_detect(const char *root)
{
	return rpm_dbpath(root) && fp_exec_have("dnf") && fp_exec_have("rpm");
}

static void add_dnf(struct agent_argv *a, const struct agent_pkg_ctx *ctx)
{
	agent_argv_add(a, "dnf");
	agent_argv_add(a, "-y");
	if (!agent_root_is_live(ctx->root))
		agent_argv_addf(a, "--installroot=%s", ctx->root);
}

static int dnf_installed(const struct agent_pkg_ctx *ctx, const char *name,
			 char **ret_version, bool *ret_ok)
{
	struct rpm_env e;
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	struct fp_buf out;
	char *ver = NULL;
	int r, ex = 0;

	if ((r = rpm_env_init(ctx, &e)))
		return r;
	if (!e.dbpath) { /* an empty root: nothing installed yet */
		rpm_env_release(&e);
		*ret_version = NULL;
		*ret_ok = true;
		return 0;
	}
	quiet.log = NULL;
	fp_buf_init(&out, 1 << 20);
	agent_argv_add(&a, "rpm");
	if (!agent_root_is_live(ctx->root))
		agent_argv_addf(&a, "--root=%s", ctx->root);
	agent_argv_add(&a, "-q");
	agent_argv_add(&a, "--qf=%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n");
	agent_argv_add(&a, "--");
	agent_argv_add(&a, name);
	r = a.err ? a.err : agent_pkg_run(&quiet, a.v, e.envp, &out, &ex);
	agent_argv_release(&a);
	if (r == 0 && ex == 0 && out.len) {
		/* Several versions (kernels): the last line is the newest. */
		char *end = out.data + out.len;
		char *line;
		while (end > out.data && end[-1] == '\n')
			*--end = '\0';
		line = strrchr(out.data, '\n');
		line = line ? line + 1 : out.data;
		if (*line && !strstr(line, "not installed"))
			ver = fp_strdup(line);
		if (*line && !ver && !strstr(line, "not installed"))
			r = FP_ENOMEM;
	}
	fp_buf_release(&out);
	rpm_env_release(&e);
	if (r)
		return r;
	*ret_version = ver;
	*ret_ok = true; /* rpm has no half-installed state to report */
	return 0;
}

static int dnf_install(const struct agent_pkg_ctx *ctx,
		       const struct agent_pkg_req *reqs, size_t n,
		       bool allow_downgrade)
{
	struct rpm_env e;
	struct agent_argv a = { 0 };
	size_t n_remove = 0;
	int r, ex = 0;

	(void)allow_downgrade; /* dnf install goes down to a named version */
	if ((r = rpm_env_init(ctx, &e)))
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
	rpm_env_release(&e);
	if (r == 0 && ex != 0)
		r = FP_ECHILD;
	return r;
}

/* A kept package in ROOT/var/cache/dnf/<repo>/packages/ (keepcache=1). */
static char *cached_rpm(const struct agent_pkg_ctx *ctx, const char *name,
			const char *version)
{
	char dir[4096], sub[4096 + 300], prefix[512], *found = NULL;
	const char *v = strchr(version, ':') ? strchr(version, ':') + 1 : version;
	size_t pl;
	DIR *d, *pd;
	struct dirent *de, *pe;

	if (fp_path_join(dir, sizeof(dir),
			 agent_root_is_live(ctx->root) ? "/" : ctx->root,
			 "var/cache/dnf"))
		return NULL;
	pl = (size_t)snprintf(prefix, sizeof(prefix), "%s-%s", name, v);
	d = opendir(dir);
	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s/packages", dir, de->d_name);
		pd = opendir(sub);
		while (pd && !found && (pe = readdir(pd))) {
			size_t l = strlen(pe->d_name);
			/* name-version[-release].arch.rpm */
			if (!strncmp(pe->d_name, prefix, pl) &&
			    (pe->d_name[pl] == '-' || pe->d_name[pl] == '.') &&
			    l > 4 && !strcmp(pe->d_name + l - 4, ".rpm")) {
				struct fp_buf p;
				fp_buf_init(&p, 8192);
				if (fp_buf_addf(&p, "%s/%s", sub, pe->d_name) == 0)
					found = fp_buf_detach(&p, NULL);
				fp_buf_release(&p);
			}
		}
		if (pd)
			closedir(pd);
	}
	if (d)
		closedir(d);
	return found;
}

static int dnf_available(const struct agent_pkg_ctx *ctx, const char *name,
			 const char *version, char **ret_local_file)
{
	struct rpm_env e;
	struct agent_argv a = { 0 };
	struct fp_buf out;
	int r, ex = 0;

	*ret_local_file = NULL;
	if ((r = rpm_env_init(ctx, &e)))
		return r;
	fp_buf_init(&out, 1 << 20);
	add_dnf(&a, ctx);
	agent_argv_add(&a, "-q");
	agent_argv_add(&a, "--refresh");
	agent_argv_add(&a, "repoquery");
	agent_argv_addf(&a, "%s-%s", name, version);
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, e.envp, &out, &ex);
	agent_argv_release(&a);
	rpm_env_release(&e);
	if (r == 0 && ex == 0 && strstr(out.data, name)) {
		fp_buf_release(&out);
		return 0;
	}
	fp_buf_release(&out);
	if (r)
		return r;
	*ret_local_file = cached_rpm(ctx, name, version);
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
	struct rpm_env e;
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	struct fp_buf out;
	bool found = false;
	int r, ex = 0;

	if ((r = rpm_env_init(ctx, &e)))
		return r;
	if (!e.dbpath) {
		rpm_env_release(&e);
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
	rpm_env_release(&e);
	if (r)
		return r;
	*ret_found = found;
	return 0;
}

static int dnf_repair(const struct agent_pkg_ctx *ctx)
{
	struct rpm_env e;
	struct agent_argv a = { 0 };
	int r, ex = 0;

	if ((r = rpm_env_init(ctx, &e)))
		return r;
	add_dnf(&a, ctx);
	agent_argv_add(&a, "-C");
	agent_argv_add(&a, "remove");
	agent_argv_add(&a, "--duplicates");
	r = a.err ? a.err : agent_pkg_run_locked(ctx, a.v, e.envp, "transaction lock", &ex);
	agent_argv_release(&a);
	rpm_env_release(&e);
	return r ? r : ex ? FP_ECHILD : 0;
}

const struct agent_pkg_backend agent_pkg_dnf = {
	.name = "dnf",
	.eco = FP_ECO_RPM,
	.name_ok = dnf_name_ok,
	.detect = dnf_detect,
	.installed = dnf_installed,
	.install = dnf_install,
	.available = dnf_available,
	.audit = dnf_audit,
	.repair = dnf_repair,
};
