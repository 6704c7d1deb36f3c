/* SPDX-License-Identifier: MIT */
/*
 * What the rpm-based backends (dnf, zypper) share: where a root keeps its
 * rpm database, a private HOME whose .rpmmacros names it (the host's
 * %_dbpath need not match the root: Debian's rpm keeps it in ~/.rpmdb),
 * and installed versions from rpm -q.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "pkg_rpm.h"

/* Where distributions keep the database; the last is Debian's rpm. */
static const char *const dbpaths[] = { "usr/lib/sysimage/rpm", "var/lib/rpm",
				       "root/.rpmdb" };
static const char *const dbfiles[] = { "rpmdb.sqlite", "Packages",
				       "Packages.db" };


const char *agent_rpm_dbpath(const char *root)
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

void agent_rpm_env_release(struct agent_rpm_env *e)
{
	if (e->home[0]) {
		unlink(e->macros);
		rmdir(e->home);
	}
	fp_free(e->envp);
	memset(e, 0, sizeof(*e));
}

int agent_rpm_env_init(const struct agent_pkg_ctx *ctx, struct agent_rpm_env *e)
{
	/* the tools' messages are read (lock waits): untranslated */
	const char *extra[3] = { "LC_ALL=C", NULL, NULL };
	char m[128];
	int r;

	memset(e, 0, sizeof(*e));
	e->dbpath = agent_rpm_dbpath(ctx->root);
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
			agent_rpm_env_release(e);
			return r;
		}
		snprintf(e->homevar, sizeof(e->homevar), "HOME=%s", e->home);
		extra[1] = e->homevar;
	}
	e->envp = agent_env_with(extra);
	if (!e->envp) {
		agent_rpm_env_release(e);
		return FP_ENOMEM;
	}
	return 0;
}

int agent_rpm_installed(const struct agent_pkg_ctx *ctx, const char *name,
			 char **ret_version, bool *ret_ok)
{
	struct agent_rpm_env e;
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	struct fp_buf out;
	char *ver = NULL;
	int r, ex = 0;

	if ((r = agent_rpm_env_init(ctx, &e)))
		return r;
	if (!e.dbpath) { /* an empty root: nothing installed yet */
		agent_rpm_env_release(&e);
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
	agent_rpm_env_release(&e);
	if (r)
		return r;
	*ret_version = ver;
	*ret_ok = true; /* rpm has no half-installed state to report */
	return 0;
}


/*
 * Depth-first search below dir for "<prefix><sep>*.rpm", depth <= 3;
 * sep is '.' (before the arch) when the version has its release, else
 * '-' (before the release).
 */
static char *find_rpm(const char *dir, const char *prefix, char sep,
		      int depth)
{
	size_t pl = strlen(prefix);
	char *found = NULL;
	struct dirent *de;
	DIR *d;

	if (depth > 3 || !(d = opendir(dir)))
		return NULL;
	while (!found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		struct fp_buf p;

		if (de->d_name[0] == '.')
			continue;
		fp_buf_init(&p, 8192);
		if (fp_buf_addf(&p, "%s/%s", dir, de->d_name) == 0) {
			if (!strncmp(de->d_name, prefix, pl) &&
			    de->d_name[pl] == sep &&
			    l > 4 && !strcmp(de->d_name + l - 4, ".rpm"))
				found = fp_buf_detach(&p, NULL);
			else if (de->d_type == DT_DIR)
				found = find_rpm(p.data, prefix, sep, depth + 1);
		}
		fp_buf_release(&p);
	}
	closedir(d);
	return found;
}

char *agent_rpm_cached(const struct agent_pkg_ctx *ctx, const char *cache,
		       const char *name, const char *version)
{
	const char *v = strchr(version, ':') ? strchr(version, ':') + 1 : version;
	char dir[4096], prefix[600];

	if (fp_path_join(dir, sizeof(dir),
			 agent_root_is_live(ctx->root) ? "/" : ctx->root, cache))
		return NULL;
	/* name-version[-release].arch.rpm; the epoch is not in file names */
	snprintf(prefix, sizeof(prefix), "%s-%s", name, v);
	return find_rpm(dir, prefix, strchr(v, '-') ? '.' : '-', 0);
}
