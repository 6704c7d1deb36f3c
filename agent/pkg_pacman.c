/* SPDX-License-Identifier: MIT */
/*
 * pacman backend.
 *
 * Another root: --root ROOT --dbpath ROOT/var/lib/pacman --cachedir
 * ROOT/var/cache/pacman/pkg and the root's pacman.conf, so nothing of
 * the host's pacman setup is used.  One `pacman -Sy --needed name=VERSION
 * ...` transaction (repositories hold the newest versions; an exact older
 * one comes from the package cache with -U, which is how a rollback
 * works).  pacman has no lock timeout: a held db.lck is retried each
 * second up to the bound.
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

#define PACMAN_LOCKED "unable to lock database"

/* Arch: [a-z0-9@._+-], not starting with '-' or '.'. */
static bool pacman_name_ok(const char *name)
{
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789@._+-") ==
	       strlen(name);
}

static const char *root_of(const struct agent_pkg_ctx *ctx)
{
	return agent_root_is_live(ctx->root) ? "" : ctx->root;
}

static bool pacman_detect(const char *root)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/var/lib/pacman/local",
		 agent_root_is_live(root) ? "" : root);
	return access(p, F_OK) == 0 && fp_exec_have("pacman");
}

static void add_pacman(struct agent_argv *a, const struct agent_pkg_ctx *ctx)
{
	char conf[4096];

	agent_argv_add(a, "pacman");
	agent_argv_add(a, "--noconfirm");
	if (agent_root_is_live(ctx->root))
		return;
	agent_argv_addf(a, "--root=%s", ctx->root);
	agent_argv_addf(a, "--dbpath=%s/var/lib/pacman", ctx->root);
	agent_argv_addf(a, "--cachedir=%s/var/cache/pacman/pkg", ctx->root);
	snprintf(conf, sizeof(conf), "%s/etc/pacman.conf", ctx->root);
	if (access(conf, F_OK) == 0)
		agent_argv_addf(a, "--config=%s", conf);
}

static const char *const lc_all[] = { "LC_ALL=C", NULL };

static int pacman_installed(const struct agent_pkg_ctx *ctx, const char *name,
			    char **ret_version, bool *ret_ok)
{
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	const char **envp = agent_env_with(lc_all);
	struct fp_buf out;
	char *ver = NULL;
	int r, ex = 0;

	if (!envp)
		return FP_ENOMEM;
	quiet.log = NULL;
	fp_buf_init(&out, 1 << 16);
	add_pacman(&a, ctx);
	agent_argv_add(&a, "-Q");
	agent_argv_add(&a, "--");
	agent_argv_add(&a, name);
	r = a.err ? a.err : agent_pkg_run(&quiet, a.v, envp, &out, &ex);
	agent_argv_release(&a);
	fp_free(envp);
	/* "name version" */
	if (r == 0 && ex == 0 && !strncmp(out.data, name, strlen(name)) &&
	    out.data[strlen(name)] == ' ') {
		const char *v = out.data + strlen(name) + 1;
		ver = fp_strndup(v, strcspn(v, " \n"));
		if (!ver)
			r = FP_ENOMEM;
	}
	fp_buf_release(&out);
	if (r)
		return r;
	*ret_version = ver;
	*ret_ok = true;
	return 0;
}

static int run_locked(const struct agent_pkg_ctx *ctx, struct agent_argv *a)
{
	const char **envp = agent_env_with(lc_all);
	int r, ex = 0;

	if (!envp) {
		agent_argv_release(a);
		return FP_ENOMEM;
	}
	r = a->err ? a->err
		   : agent_pkg_run_locked(ctx, a->v, envp, PACMAN_LOCKED, &ex);
	agent_argv_release(a);
	fp_free(envp);
	return r ? r : ex ? FP_ECHILD : 0;
}

static int pacman_install(const struct agent_pkg_ctx *ctx,
			  const struct agent_pkg_req *reqs, size_t n,
			  bool allow_downgrade)
{
	struct agent_argv a = { 0 };
	size_t n_sync = 0, n_file = 0, n_remove = 0;
	int r = 0;

	(void)allow_downgrade; /* -S name=V and -U go wherever they are told */
	for (size_t i = 0; i < n; i++) {
		n_file += reqs[i].local_file != NULL;
		n_remove += reqs[i].remove;
	}
	n_sync = n - n_file - n_remove;
	if (n_sync) {
		add_pacman(&a, ctx);
		agent_argv_add(&a, "-Sy");
		agent_argv_add(&a, "--needed");
		agent_argv_add(&a, "--");
		for (size_t i = 0; i < n; i++) {
			if (reqs[i].local_file || reqs[i].remove)
				continue;
			if (reqs[i].version)
				agent_argv_addf(&a, "%s=%s", reqs[i].name,
						reqs[i].version);
			else
				agent_argv_add(&a, reqs[i].name);
		}
		r = run_locked(ctx, &a);
	}
	if (r == 0 && n_file) {
		add_pacman(&a, ctx);
		agent_argv_add(&a, "-U");
		agent_argv_add(&a, "--");
		for (size_t i = 0; i < n; i++)
			if (reqs[i].local_file)
				agent_argv_add(&a, reqs[i].local_file);
		r = run_locked(ctx, &a);
	}
	if (r == 0 && n_remove) {
		add_pacman(&a, ctx);
		agent_argv_add(&a, "-R");
		agent_argv_add(&a, "--");
		for (size_t i = 0; i < n; i++)
			if (reqs[i].remove)
				agent_argv_add(&a, reqs[i].name);
		r = run_locked(ctx, &a);
	}
	return r;
}

/* ROOT/var/cache/pacman/pkg/name-pkgver-pkgrel-arch.pkg.tar.* */
static char *cached_pkg(const struct agent_pkg_ctx *ctx, const char *name,
			const char *version)
{
	char dir[4096], prefix[600], *found = NULL;
	/* "1.0-1" names the release; "1.0" takes any: one more '-' left */
	size_t dashes = strchr(version, '-') ? 0 : 1;
	size_t pl;
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/var/cache/pacman/pkg", root_of(ctx));
	pl = (size_t)snprintf(prefix, sizeof(prefix), "%s-%s-", name, version);
	d = opendir(dir);
	while (d && !found && (de = readdir(d))) {
		const char *rest = de->d_name + pl;
		size_t n = 0;
		struct fp_buf p;

		if (strncmp(de->d_name, prefix, pl) || !strstr(rest, ".pkg.tar") ||
		    strstr(rest, ".sig"))
			continue;
		for (const char *c = rest; *c; c++)
			n += *c == '-';
		if (n != dashes)
			continue;
		fp_buf_init(&p, 8192);
		if (fp_buf_addf(&p, "%s/%s", dir, de->d_name) == 0)
			found = fp_buf_detach(&p, NULL);
		fp_buf_release(&p);
	}
	if (d)
		closedir(d);
	return found;
}

static int pacman_available(const struct agent_pkg_ctx *ctx, const char *name,
			    const char *version, char **ret_local_file)
{
	/* Repositories hold only the newest: the cache is the source. */
	*ret_local_file = cached_pkg(ctx, name, version);
	return *ret_local_file ? 0 : FP_ENOENT;
}

/*
 * A pacman process works on this root: then its db.lck is not stale.  For
 * the running system any pacman counts; for another root one whose
 * arguments name that root.
 */
static bool pacman_running(const char *root)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		char p[300];
		struct fp_buf b;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(p, sizeof(p), "/proc/%s/comm", de->d_name);
		fp_buf_init(&b, 64);
		if (fp_read_file(p, &b) == 0 && !strcmp(b.data, "pacman\n")) {
			found = !root[0];
			fp_buf_release(&b);
			fp_buf_init(&b, 1 << 16);
			snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
			if (!found && fp_read_file(p, &b) == 0)
				/* NUL-separated arguments */
				for (size_t i = 0; i < b.len && !found;
				     i += strlen(b.data + i) + 1)
					found = strstr(b.data + i, root) != NULL;
		}
		fp_buf_release(&b);
	}
	if (d)
		closedir(d);
	return found;
}

static int pacman_audit(const struct agent_pkg_ctx *ctx, struct fp_buf *report,
			bool *ret_found)
{
	char lck[4096];

	snprintf(lck, sizeof(lck), "%s/var/lib/pacman/db.lck", root_of(ctx));
	*ret_found = access(lck, F_OK) == 0 && !pacman_running(root_of(ctx));
	if (*ret_found)
		fp_buf_addf(report, "pacman: stale lock %s (pacman was interrupted)\n",
			    lck);
	return 0;
}

static int pacman_repair(const struct agent_pkg_ctx *ctx)
{
	char lck[4096];

	snprintf(lck, sizeof(lck), "%s/var/lib/pacman/db.lck", root_of(ctx));
	if (pacman_running(root_of(ctx)))
		return FP_EBUSY;
	if (ctx->log)
		fp_buf_addf(ctx->log, "removing stale %s\n", lck);
	return unlink(lck) == 0 ? 0 : FP_EIO;
}

const struct agent_pkg_backend agent_pkg_pacman = {
	.name = "pacman",
	.eco = FP_ECO_PACMAN,
	.name_ok = pacman_name_ok,
	.detect = pacman_detect,
	.installed = pacman_installed,
	.install = pacman_install,
	.available = pacman_available,
	.audit = pacman_audit,
	.repair = pacman_repair,
};
