/* SPDX-License-Identifier: MIT */
/*
 * apt-get/dpkg backend.
 *
 * Another root: apt reads its configuration from a file named by
 * APT_CONFIG that sets Dir to the root, so the image's own apt.conf.d and
 * sources are used (not the host's, whose hooks must not run against an
 * image), and dpkg gets --root=ROOT, which makes it use ROOT/var/lib/dpkg
 * and run maintainer scripts chrooted into ROOT (so the root needs its
 * own /bin/sh, as every real image has).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "pkg.h"

#define APT_LOCK_DEFAULT_S 300
#define AGENT_VERSION_LINE_MAX 256

struct apt_env {
	char conf[64];      /* temporary APT_CONFIG file, "" when live */
	char conf_env[96];  /* "APT_CONFIG=..." */
	char admindir[4096];
	const char **envp;
};

static bool root_path_ok(const char *root)
{
	/* It goes into an apt.conf string: no quotes, braces or newlines. */
	return root[0] == '/' && !strpbrk(root, "\"{};\n\r\\") &&
	       strlen(root) < 3000;
}

static void apt_env_release(struct apt_env *e)
{
	if (e->conf[0])
		unlink(e->conf);
	fp_free(e->envp);
	memset(e, 0, sizeof(*e));
}

static int apt_env_init(const struct agent_pkg_ctx *ctx, struct apt_env *e)
{
	const char *extra[6];
	size_t n = 0;
	int r = 0;

	memset(e, 0, sizeof(*e));
	/* apt's messages are read (lock refusals, errors): untranslated */
	extra[n++] = "LC_ALL=C";
	extra[n++] = "DEBIAN_FRONTEND=noninteractive";
	extra[n++] = "APT_LISTCHANGES_FRONTEND=none";
	extra[n++] = "NEEDRESTART_MODE=l";
	if (agent_root_is_live(ctx->root)) {
		snprintf(e->admindir, sizeof(e->admindir), "/var/lib/dpkg");
	} else {
		struct fp_buf c;
		int fd;

		if (!root_path_ok(ctx->root))
			return FP_EINVAL;
		snprintf(e->admindir, sizeof(e->admindir), "%s/var/lib/dpkg",
			 ctx->root);
		snprintf(e->conf, sizeof(e->conf), "/tmp/fleetpatch-apt-XXXXXX");
		fd = mkostemp(e->conf, O_CLOEXEC);
		if (fd < 0) {
			e->conf[0] = '\0';
			return FP_EIO;
		}
		fp_buf_init(&c, 1 << 16);
		fp_buf_addf(&c,
			    "Dir \"%s/\";\n"
			    "Dir::State::status \"%s/var/lib/dpkg/status\";\n"
			    "DPkg::Options { \"--root=%s\"; };\n"
			    /* _apt may not reach into a private image dir */
			    "APT::Sandbox::User \"root\";\n",
			    ctx->root, ctx->root, ctx->root);
		if (write(fd, c.data, c.len) != (ssize_t)c.len)
			r = FP_EIO;
		close(fd);
		fp_buf_release(&c);
		snprintf(e->conf_env, sizeof(e->conf_env), "APT_CONFIG=%s",
			 e->conf);
		extra[n++] = e->conf_env;
	}
	extra[n] = NULL;
	e->envp = agent_env_with(extra);
	if (!e->envp)
		r = FP_ENOMEM;
	if (r)
		apt_env_release(e);
	return r;
}

/* Debian policy: [a-z0-9][a-z0-9+.-]+, optionally ":arch". */
static bool apt_name_ok(const char *name)
{
	size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789+.-");

	if (n < 2 || !((name[0] >= 'a' && name[0] <= 'z') ||
		       (name[0] >= '0' && name[0] <= '9')))
		return false;
	if (name[n] == ':')
		return name[n + 1] &&
		       strspn(name + n + 1, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
			       strlen(name + n + 1);
	return name[n] == '\0';
}

static bool apt_detect(const char *root)
{
	char p[4096];

	if (fp_path_join(p, sizeof(p), agent_root_is_live(root) ? "/" : root,
			 "var/lib/dpkg/status"))
		return false;
	return access(p, R_OK) == 0 && fp_exec_have("apt-get") &&
	       fp_exec_have("dpkg-query");
}

/* dpkg-query over the root's database; output lines into 'out'. */
static int dpkg_query(const struct agent_pkg_ctx *ctx, struct apt_env *e,
		      const char *name, struct fp_buf *out, int *ret_exit)
{
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	int r;

	quiet.log = NULL; /* queries are not worth a log line each */
	agent_argv_add(&a, "dpkg-query");
	agent_argv_addf(&a, "--admindir=%s", e->admindir);
	agent_argv_add(&a, "-W");
	agent_argv_add(&a, "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\n");
	if (name)
		agent_argv_add(&a, name);
	r = a.err ? a.err : agent_pkg_run(&quiet, a.v, e->envp, out, ret_exit);
	agent_argv_release(&a);
	return r;
}

static int apt_installed(const struct agent_pkg_ctx *ctx, const char *name,
			 char **ret_version, bool *ret_ok)
{
	struct apt_env e;
	struct fp_buf out;
	int r, ex = 0;
	char *ver = NULL;
	bool ok = false;

	if ((r = apt_env_init(ctx, &e)))
		return r;
	fp_buf_init(&out, 1 << 20);
	r = dpkg_query(ctx, &e, name, &out, &ex);
	if (r == 0 && ex == 0) {
		/* "ii \tname\tversion" */
		char *t1 = strchr(out.data, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (t2 && out.data[0] && out.data[1] != 'n' && out.data[1] != 'c') {
			size_t n = strcspn(t2 + 1, "\n");
			ver = fp_strndup(t2 + 1, n);
			if (!ver)
				r = FP_ENOMEM;
			ok = out.data[1] == 'i' && out.data[2] != 'R';
		}
	}
	fp_buf_release(&out);
	apt_env_release(&e);
	if (r)
		return r;
	*ret_version = ver;
	*ret_ok = ok;
	return 0;
}

static void add_common(struct agent_argv *a, const struct agent_pkg_ctx *ctx)
{
	agent_argv_add(a, "-y");
	agent_argv_add(a, "-q");
	agent_argv_addf(a, "-oDPkg::Lock::Timeout=%u",
			ctx->lock_wait_s ? ctx->lock_wait_s : APT_LOCK_DEFAULT_S);
	agent_argv_add(a, "-oDPkg::Options::=--force-confdef");
	agent_argv_add(a, "-oDPkg::Options::=--force-confold");
	agent_argv_add(a, "-oAPT::Get::Show-Versions=true");
}

static int apt_update(const struct agent_pkg_ctx *ctx, struct apt_env *e)
{
	struct agent_argv a = { 0 };
	int r, ex = 0;

	agent_argv_add(&a, "apt-get");
	add_common(&a, ctx);
	agent_argv_add(&a, "-qq"); /* errors only: keep the log tail useful */
	agent_argv_add(&a, "-oAcquire::Languages=none");
	agent_argv_add(&a, "update");
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, e->envp, NULL, &ex);
	agent_argv_release(&a);
	return r; /* a failed update leaves the old lists: go on with them */
}

/*
 * Whether apt's output says it gave up waiting for dpkg's locks.  Which
 * lines it prints depends on timing: the "Waiting for cache lock: Could
 * not get lock" progress line may be missing, leaving only "Unable to
 * acquire the dpkg frontend lock".
 */
static bool lock_refused(const char *out)
{
	static const char *const texts[] = {
		"Could not get lock",
		"Unable to acquire the dpkg frontend lock",
		"Unable to lock the administration directory",
		"dpkg frontend lock was locked by another process",
		"dpkg status database is locked by another process",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (strstr(out, texts[i]))
			return true;
	return false;
}

static int apt_install(const struct agent_pkg_ctx *ctx,
		       const struct agent_pkg_req *reqs, size_t n,
		       bool allow_downgrade)
{
	struct apt_env e;
	struct agent_argv a = { 0 };
	size_t from;
	int r, ex = 0;

	if ((r = apt_env_init(ctx, &e)))
		return r;
	/* Fresh lists first: the job may name a version published since. */
	if ((r = apt_update(ctx, &e)))
		goto out;

	agent_argv_add(&a, "apt-get");
	add_common(&a, ctx);
	if (allow_downgrade)
		agent_argv_add(&a, "--allow-downgrades");
	agent_argv_add(&a, "install");
	for (size_t i = 0; i < n; i++) {
		if (reqs[i].local_file)
			agent_argv_add(&a, reqs[i].local_file);
		else if (reqs[i].remove)
			agent_argv_addf(&a, "%s-", reqs[i].name);
		else if (reqs[i].version)
			agent_argv_addf(&a, "%s=%s", reqs[i].name,
					reqs[i].version);
		else
			agent_argv_add(&a, reqs[i].name);
	}
	from = ctx->log ? ctx->log->len : 0;
	r = a.err ? a.err : agent_pkg_run(ctx, a.v, e.envp, NULL, &ex);
	agent_argv_release(&a);
	if (r == 0 && ex != 0)
		r = ctx->log && lock_refused(ctx->log->data + from) ? FP_EBUSY
								    : FP_ECHILD;
out:
	apt_env_release(&e);
	return r;
}

/* The .deb of name=version in ROOT/var/cache/apt/archives, if kept. */
static char *cached_deb(const struct agent_pkg_ctx *ctx, const char *name,
			const char *version)
{
	char dir[4096], prefix[512], *found = NULL;
	size_t pl = 0;
	DIR *d;
	struct dirent *de;

	if (fp_path_join(dir, sizeof(dir),
			 agent_root_is_live(ctx->root) ? "/" : ctx->root,
			 "var/cache/apt/archives"))
		return NULL;
	/* File names escape ':' of an epoch as %3a. */
	pl = (size_t)snprintf(prefix, sizeof(prefix), "%s_", name);
	for (const char *v = version; *v && pl + 4 < sizeof(prefix); v++) {
		if (*v == ':') {
			memcpy(prefix + pl, "%3a", 3);
			pl += 3;
		} else {
			prefix[pl++] = *v;
		}
	}
	prefix[pl++] = '_';
	prefix[pl] = '\0';
	d = opendir(dir);
	if (!d)
		return NULL;
	while (!found && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (!strncmp(de->d_name, prefix, pl) && l > 4 &&
		    !strcmp(de->d_name + l - 4, ".deb")) {
			struct fp_buf p;
			fp_buf_init(&p, 8192);
			if (fp_buf_addf(&p, "%s/%s", dir, de->d_name) == 0)
				found = fp_buf_detach(&p, NULL);
			fp_buf_release(&p);
		}
	}
	closedir(d);
	return found;
}

static int apt_available(const struct agent_pkg_ctx *ctx, const char *name,
			 const char *version, char **ret_local_file)
{
	struct apt_env e;
	struct agent_argv a = { 0 };
	struct agent_pkg_ctx quiet = *ctx;
	struct fp_buf out;
	int r, ex = 0;

	*ret_local_file = NULL;
	if ((r = apt_env_init(ctx, &e)))
		return r;
	quiet.log = NULL;
	/* What the repositories offer now, not when the lists were fetched. */
	if ((r = apt_update(ctx, &e))) {
		apt_env_release(&e);
		return r;
	}
	fp_buf_init(&out, 1 << 20);
	agent_argv_add(&a, "apt-cache");
	agent_argv_add(&a, "-q");
	agent_argv_add(&a, "show");
	agent_argv_addf(&a, "%s=%s", name, version);
	r = a.err ? a.err : agent_pkg_run(&quiet, a.v, e.envp, &out, &ex);
	agent_argv_release(&a);
	/* apt-cache exits 0 for an unknown version: look for the stanza. */
	if (r == 0 && ex == 0) {
		char want[AGENT_VERSION_LINE_MAX];
		snprintf(want, sizeof(want), "\nVersion: %s\n", version);
		if (strstr(out.data, want))
			ex = -2;
	}
	fp_buf_release(&out);
	apt_env_release(&e);
	if (r)
		return r;
	if (ex == -2)
		return 0;
	*ret_local_file = cached_deb(ctx, name, version);
	return *ret_local_file ? 0 : FP_ENOENT;
}

bool agent_apt_audit_parse(const char *data, struct fp_buf *report)
{
	static const struct {
		char c;
		const char *what;
	} states[] = {
		{ 'U', "unpacked, not configured" },
		{ 'F', "half-configured" },
		{ 'H', "half-installed" },
		{ 'W', "awaiting trigger processing" },
		{ 't', "triggers pending" },
	};
	bool found = false;

	/* "SSE\tname\tversion" per line: desired, status, error flags */
	for (const char *line = data; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *t1 = memchr(line, '\t', len);
		const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line))
				    : NULL;
		bool reinst = t1 && t1 - line >= 3 && line[2] == 'R';

		for (size_t i = 0; t2 && t1 - line >= 2 && i < FP_ARRAY_SIZE(states);
		     i++) {
			if (line[1] != states[i].c && !reinst)
				continue;
			fp_buf_addf(report, "dpkg: %.*s %.*s is %s\n",
				    (int)(t2 - t1 - 1), t1 + 1,
				    (int)(len - (size_t)(t2 + 1 - line)), t2 + 1,
				    reinst ? "in need of reinstallation"
					   : states[i].what);
			found = true;
			break;
		}
		line += len + (end ? 1 : 0);
	}
	return found;
}

static int apt_audit(const struct agent_pkg_ctx *ctx, struct fp_buf *report,
		     bool *ret_found)
{
	struct apt_env e;
	struct fp_buf out;
	char upd[4096 + 16];
	bool found = false;
	int r, ex = 0;
	DIR *d;

	if ((r = apt_env_init(ctx, &e)))
		return r;
	fp_buf_init(&out, (size_t)16 << 20);
	r = dpkg_query(ctx, &e, NULL, &out, &ex);
	if (r == 0)
		found = agent_apt_audit_parse(out.data, report);
	/* Journal entries dpkg did not fold back into status: it was killed. */
	snprintf(upd, sizeof(upd), "%s/updates", e.admindir);
	d = opendir(upd);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (de->d_name[0] >= '0' && de->d_name[0] <= '9') {
				fp_buf_adds(report,
					    "dpkg: was interrupted (journal in updates/ not applied)\n");
				found = true;
				break;
			}
		closedir(d);
	}
	fp_buf_release(&out);
	apt_env_release(&e);
	if (r)
		return r;
	*ret_found = found;
	return 0;
}

static int apt_repair(const struct agent_pkg_ctx *ctx)
{
	struct apt_env e;
	struct agent_argv a = { 0 };
	int r, ex = 0;

	if ((r = apt_env_init(ctx, &e)))
		return r;
	agent_argv_add(&a, "dpkg");
	if (!agent_root_is_live(ctx->root))
		agent_argv_addf(&a, "--root=%s", ctx->root);
	agent_argv_add(&a, "--force-confdef");
	agent_argv_add(&a, "--force-confold");
	agent_argv_add(&a, "--configure");
	agent_argv_add(&a, "-a");
	r = a.err ? a.err
		  : agent_pkg_run_locked(ctx, a.v, e.envp, "lock", &ex);
	agent_argv_release(&a);
	apt_env_release(&e);
	if (r == 0 && ex != 0)
		r = FP_ECHILD;
	return r;
}

const struct agent_pkg_backend agent_pkg_apt = {
	.name = "apt",
	.eco = FP_ECO_DEB,
	.name_ok = apt_name_ok,
	.detect = apt_detect,
	.installed = apt_installed,
	.install = apt_install,
	.available = apt_available,
	.audit = apt_audit,
	.repair = apt_repair,
};
