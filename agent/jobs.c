/* SPDX-License-Identifier: MIT */
/* Verifying and running signed jobs (see jobs.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "jobs.h"
#include "notify.h"
#include "pkg.h"

#define LOG_CAP ((size_t)1 << 20)
#define LOG_TAIL_MAX 4096
#define PKG_TAIL_MAX 1024
#define REPLAY_MAX ((size_t)16 << 20)
#define STATE_PATH_MAX 4096

static time_t opts_now(const struct agent_apply_opts *o)
{
	return o->now ? o->now : time(NULL);
}

static int state_path(char out[STATE_PATH_MAX], const char *state_dir,
		      const char *rel)
{
	return fp_path_join(out, STATE_PATH_MAX, state_dir, rel);
}

int agent_state_save_json(const char *path, const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int r;

	if (!s)
		return FP_ENOMEM;
	r = fp_write_file_atomic(path, s, strlen(s), 0600);
	free(s);
	return r;
}

json_t *agent_state_load_json(const char *path)
{
	struct fp_buf b;
	json_t *j = NULL;

	fp_buf_init(&b, (size_t)4 << 20);
	if (fp_read_file(path, &b) == 0)
		j = json_loadb(b.data, b.len, 0, NULL);
	fp_buf_release(&b);
	return j;
}

int agent_jobs_load_key(const char *state_dir,
			unsigned char ret_pk[FP_SIGN_PUBLIC_BYTES],
			struct fp_diag *diag)
{
	char path[STATE_PATH_MAX];
	struct fp_buf b;
	int r;

	if (state_path(path, state_dir, AGENT_PINNED_KEY_FILE))
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0, "state dir path too long");
	fp_buf_init(&b, 1024);
	r = fp_read_file(path, &b);
	if (r) {
		fp_diag_set(diag, r, 0, 0, "%s: %s (not enrolled?)", path,
			    fp_strerror(r));
		goto out;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		fp_buf_truncate(&b, b.len - 1);
	r = fp_sign_public_from_b64(b.data, ret_pk);
	if (r)
		fp_diag_set(diag, r, 0, 0, "%s: not a base64 ed25519 public key",
			    path);
out:
	fp_buf_release(&b);
	return r;
}

/* Whether job_id is in the replay record. */
static int replay_seen(const char *state_dir, const char *job_id,
		       bool *ret_seen)
{
	char path[STATE_PATH_MAX];
	struct fp_buf b;
	size_t idl = strlen(job_id);
	int r;

	*ret_seen = false;
	if ((r = state_path(path, state_dir, "replay")))
		return r;
	fp_buf_init(&b, REPLAY_MAX);
	r = fp_read_file(path, &b);
	if (r == FP_ENOENT)
		r = 0;
	for (const char *p = b.data; r == 0 && *p;) {
		const char *end = strchr(p, '\n');
		if (!strncmp(p, job_id, idl) && p[idl] == '\t')
			*ret_seen = true;
		if (!end)
			break;
		p = end + 1;
	}
	fp_buf_release(&b);
	return r;
}

/*
 * Add job_id to the replay record.  Entries whose job expired more than a
 * day ago are dropped: an expired job is refused anyway.
 */
static int replay_record(const char *state_dir, const struct agent_job *job,
			 time_t now)
{
	char path[STATE_PATH_MAX];
	struct fp_buf old, nb;
	int r;

	if ((r = state_path(path, state_dir, "replay")))
		return r;
	fp_buf_init(&old, REPLAY_MAX);
	fp_buf_init(&nb, REPLAY_MAX);
	r = fp_read_file(path, &old);
	if (r == FP_ENOENT)
		r = 0;
	for (const char *p = old.data; r == 0 && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *tab = memchr(p, '\t', len);
		long long exp = tab ? strtoll(tab + 1, NULL, 10) : 0;

		if (tab && exp + 86400 >= (long long)now)
			r = fp_buf_add(&nb, p, len + (end ? 1 : 0));
		p += len + (end ? 1 : 0);
	}
	if (r == 0)
		r = fp_buf_addf(&nb, "%s\t%lld\n", job->job_id,
				(long long)job->expires_at);
	if (r == 0)
		r = fp_write_file_atomic(path, nb.data, nb.len, 0600);
	fp_buf_release(&old);
	fp_buf_release(&nb);
	return r;
}

int agent_job_verify(const void *doc, size_t len,
		     const struct agent_apply_opts *o, struct agent_job *ret_job,
		     struct fp_diag *diag)
{
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	struct agent_job job;
	time_t now = opts_now(o);
	bool seen;
	int r;

	if (o->pk)
		memcpy(pk, o->pk, sizeof(pk));
	else if ((r = agent_jobs_load_key(o->state_dir, pk, diag)))
		return r;
	memset(&job, 0, sizeof(job));
	r = agent_job_decode(doc, len, pk, &job, diag);
	if (r)
		return r;
	if (now >= job.expires_at) {
		char t[32];
		r = fp_diag_set(diag, FP_ETIMEDOUT, 0, 0,
				"job %s expired at %s", job.job_id,
				fp_time_rfc3339(job.expires_at, t));
		goto out_release;
	}
	if (job.created_at > now + 300) {
		r = fp_diag_set(diag, FP_EINVAL, 0, 0,
				"job %s was created in the future (clock skew?)",
				job.job_id);
		goto out_release;
	}
	if (job.host && o->machine_id && strcmp(job.host, o->machine_id)) {
		r = fp_diag_set(diag, FP_EPERM, 0, 0,
				"job %s is for host %s, not this one",
				job.job_id, job.host);
		goto out_release;
	}
	if ((r = replay_seen(o->state_dir, job.job_id, &seen))) {
		fp_diag_set(diag, r, 0, 0, "cannot read the replay record: %s",
			    fp_strerror(r));
		goto out_release;
	}
	if (seen) {
		r = fp_diag_set(diag, FP_EEXIST, 0, 0,
				"job %s was already run (replayed)", job.job_id);
		goto out_release;
	}
	*ret_job = job;
	return 0;
out_release:
	agent_job_release(&job);
	return r;
}

/* The per-host job lock; returns the fd to close to release it. */
static int job_lock(const struct agent_apply_opts *o, int *ret_fd)
{
	char path[STATE_PATH_MAX];
	unsigned waited_ms = 0;
	int fd, r;

	if ((r = state_path(path, o->state_dir, "job.lock")))
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return FP_EIO;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return FP_EIO;
		}
		if (waited_ms >= o->job_lock_wait_s * 1000u) {
			close(fd);
			return FP_EBUSY;
		}
		usleep(200 * 1000);
		waited_ms += 200;
	}
	*ret_fd = fd;
	return 0;
}

/* Lines of 'log' naming 'name', the last few, for a package's report. */
static char *pkg_log_tail(const struct fp_buf *log, const char *name)
{
	struct fp_buf t;
	char *s;

	fp_buf_init(&t, LOG_CAP);
	for (const char *p = log->data; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *hit = p;
		size_t nl = strlen(name);

		while ((hit = memmem(hit, len - (size_t)(hit - p), name, nl))) {
			char after = hit[nl];
			if (after != '-' && (after < 'a' || after > 'z') &&
			    (after < '0' || after > '9'))
				break;
			hit += nl;
		}
		if (hit && p[0] != '$')
			fp_buf_add(&t, p, len + (end ? 1 : 0));
		p += len + (end ? 1 : 0);
	}
	s = agent_log_tail(&t, PKG_TAIL_MAX);
	fp_buf_release(&t);
	return s;
}

struct pkg_state {
	const char *name;
	const char *target; /* NULL: newest */
	char *old_version, *new_version;
	bool new_ok;
	const char *result;
};

static json_t *json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int run_hook(const struct agent_pkg_ctx *ctx, const char *which,
		    char *const *argv, const struct agent_job *job,
		    const char *root, unsigned timeout_s)
{
	char e_job[128], e_root[4200], e_which[64];
	const char *extra[4];
	const char **envp;
	struct agent_pkg_ctx hctx = *ctx;
	int r, ex = -1;

	snprintf(e_job, sizeof(e_job), "FLEETPATCH_JOB_ID=%s", job->job_id);
	snprintf(e_root, sizeof(e_root), "FLEETPATCH_ROOT=%s",
		 agent_root_is_live(root) ? "/" : root);
	snprintf(e_which, sizeof(e_which), "FLEETPATCH_HOOK=%s", which);
	extra[0] = e_job;
	extra[1] = e_root;
	extra[2] = e_which;
	extra[3] = NULL;
	envp = agent_env_with(extra);
	if (!envp)
		return FP_ENOMEM;
	hctx.timeout_s = timeout_s;
	r = agent_pkg_run(&hctx, (const char *const *)argv, envp, NULL, &ex);
	fp_free(envp);
	if (r == FP_ETIMEDOUT)
		return r;
	return r ? r : ex == 0 ? 0 : FP_ECHILD;
}

/* Read the installed version of every package into st[i].new_version. */
static int read_versions(const struct agent_pkg_backend *be,
			 const struct agent_pkg_ctx *ctx, struct pkg_state *st,
			 size_t n, bool old)
{
	for (size_t i = 0; i < n; i++) {
		char *v = NULL;
		bool ok = false;
		int r = be->installed(ctx, st[i].name, &v, &ok);
		if (r)
			return r;
		if (old) {
			fp_free(st[i].old_version);
			st[i].old_version = v;
		} else {
			fp_free(st[i].new_version);
			st[i].new_version = v;
			st[i].new_ok = ok;
		}
	}
	return 0;
}

/*
 * Judge each package from the database, not from the exit status: the
 * target version (or, without one, any installed version) in a sane
 * state.  Returns the number of failed packages.
 */
static size_t judge(const struct agent_pkg_backend *be, struct pkg_state *st,
		    size_t n)
{
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		bool same = st[i].old_version && st[i].new_version &&
			    !strcmp(st[i].old_version, st[i].new_version);
		bool at_target = st[i].target
			? agent_pkg_version_matches(be->eco, st[i].new_version,
						    st[i].target)
			: st[i].new_version != NULL;

		if (!st[i].new_ok || !at_target)
			st[i].result = "failed";
		else if (same)
			st[i].result = "unchanged";
		else
			st[i].result = "succeeded";
		failed += st[i].result[0] == 'f';
	}
	return failed;
}

/*
 * Return every package of 'st' that changed to its old version (remove
 * the ones that were new).  Fills *ret_why when impossible or failed.
 */
static int rollback(const struct agent_pkg_backend *be,
		    const struct agent_pkg_ctx *ctx, struct pkg_state *st,
		    size_t n, struct fp_buf *why)
{
	struct agent_pkg_req *reqs = fp_calloc(n ? n : 1, sizeof(*reqs));
	char **files = fp_calloc(n ? n : 1, sizeof(*files));
	size_t k = 0;
	int r = 0;

	if (!reqs || !files) {
		r = FP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (st[i].new_ok && st[i].old_version && st[i].new_version &&
		    !strcmp(st[i].old_version, st[i].new_version))
			continue;
		reqs[k].name = st[i].name;
		if (!st[i].old_version) {
			reqs[k++].remove = true;
			continue;
		}
		reqs[k].version = st[i].old_version;
		if (be->available(ctx, st[i].name, st[i].old_version,
				  &files[i]) != 0) {
			fp_buf_addf(why,
				    "rollback impossible: %s %s is in no repository and not in the local package cache",
				    st[i].name, st[i].old_version);
			r = FP_ENOENT;
			goto out;
		}
		reqs[k++].local_file = files[i];
	}
	if (k == 0)
		goto out;
	r = be->install(ctx, reqs, k, true);
	if (read_versions(be, ctx, st, n, false) == 0) {
		for (size_t i = 0; i < n; i++) {
			bool back = st[i].old_version
				? st[i].new_ok && st[i].new_version &&
					  !strcmp(st[i].new_version, st[i].old_version)
				: st[i].new_version == NULL;
			if (!back) {
				fp_buf_addf(why,
					    "rollback failed: %s is at %s, not %s",
					    st[i].name,
					    st[i].new_version ? st[i].new_version
							      : "(not installed)",
					    st[i].old_version ? st[i].old_version
							      : "(not installed)");
				r = FP_ECHILD;
				break;
			}
		}
		if (r == FP_ECHILD && why->len == 0)
			fp_buf_adds(why, "rollback failed");
	}
out:
	for (size_t i = 0; files && i < n; i++)
		fp_free(files[i]);
	fp_free(files);
	fp_free(reqs);
	return r;
}

static bool file_exists_in(const char *root, const char *rel)
{
	char p[STATE_PATH_MAX];

	return fp_path_join(p, sizeof(p), agent_root_is_live(root) ? "/" : root,
			    rel) == 0 &&
	       access(p, F_OK) == 0;
}

/* Whether the installed kernel or a package flagged a reboot. */
static bool reboot_needed(const struct agent_apply_opts *o,
			  const struct pkg_state *st, size_t n)
{
	if (file_exists_in(o->root, "run/reboot-required") ||
	    file_exists_in(o->root, "var/run/reboot-required"))
		return true;
	for (size_t i = 0; i < n; i++) {
		bool changed = st[i].new_version &&
			       (!st[i].old_version ||
				strcmp(st[i].old_version, st[i].new_version));
		if (changed && (!strncmp(st[i].name, "linux-image", 11) ||
				!strcmp(st[i].name, "kernel") ||
				!strncmp(st[i].name, "kernel-core", 11) ||
				!strcmp(st[i].name, "linux") ||
				!strcmp(st[i].name, "systemd") ||
				!strncmp(st[i].name, "glibc", 5) ||
				!strcmp(st[i].name, "libc6")))
			return true;
	}
	return false;
}

/* Follow the job's reboot policy; returns what was done. */
static const char *handle_reboot(const struct agent_job *job,
				 const struct agent_apply_opts *o,
				 struct agent_pkg_ctx *ctx)
{
	static const char *const sys_reboot[] = { "systemctl", "reboot", NULL };
	const char *const *argv = o->reboot_argv;
	time_t now = opts_now(o);
	bool allowed = false;
	int ex = -1;

	if (!argv && agent_root_is_live(o->root))
		argv = sys_reboot;
	switch (job->reboot) {
	case AGENT_REBOOT_NEVER:
		return "not_allowed_by_policy";
	case AGENT_REBOOT_WINDOW:
		allowed = !job->reboot_window_start ||
			  (now >= job->reboot_window_start &&
			   now < job->reboot_window_end);
		if (!allowed)
			return "waiting_for_window";
		break;
	case AGENT_REBOOT_NOTIFY: {
		time_t at = job->deadline ? job->deadline : now;
		char t[32], body[256];

		fp_time_rfc3339(at, t);
		snprintf(body, sizeof(body),
			 "Updates were installed (job %s). This machine will restart at %s. Save your work.",
			 job->job_id, t);
		agent_notify_users("restart required", body, ctx->log, NULL);
		if (now < at)
			return "users_notified";
		allowed = true;
		break;
	}
	}
	if (!argv)
		return "reboot_needs_live_root";
	if (agent_pkg_run(ctx, argv, NULL, NULL, &ex) != 0 || ex != 0)
		return "reboot_failed";
	return "rebooted";
}

static int write_journal(const struct agent_job *job,
			 const struct agent_apply_opts *o,
			 const struct agent_pkg_backend *be,
			 const struct pkg_state *st, size_t n)
{
	char path[STATE_PATH_MAX], t[32];
	json_t *j = json_object(), *pk = json_array();
	int r;

	json_object_set_new(j, "job_id", json_string(job->job_id));
	json_object_set_new(j, "backend", json_string(be->name));
	json_object_set_new(j, "root", json_string(agent_root_is_live(o->root)
							   ? "/"
							   : o->root));
	json_object_set_new(j, "started_at",
			    json_string(fp_time_rfc3339(opts_now(o), t)));
	json_object_set_new(j, "pid", json_integer(getpid()));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "name", json_string(st[i].name));
		json_object_set_new(e, "old_version",
				    json_str_or_null(st[i].old_version));
		json_object_set_new(e, "target", json_str_or_null(st[i].target));
		json_array_append_new(pk, e);
	}
	json_object_set_new(j, "packages", pk);
	r = state_path(path, o->state_dir, "journal.json");
	if (r == 0)
		r = agent_state_save_json(path, j);
	json_decref(j);
	return r;
}

static int save_result(const char *state_dir, const char *job_id,
		       const json_t *res)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX], rel[128];
	int r;

	if ((r = state_path(dir, state_dir, "results")))
		return r;
	if ((r = fp_mkdir_p(dir, 0700)))
		return r;
	snprintf(rel, sizeof(rel), "%s.json", job_id);
	if ((r = fp_path_join(path, sizeof(path), dir, rel)))
		return r;
	return agent_state_save_json(path, res);
}

static void remove_journal(const char *state_dir)
{
	char path[STATE_PATH_MAX];

	if (state_path(path, state_dir, "journal.json") == 0)
		unlink(path);
}

static json_t *packages_json(const struct pkg_state *st, size_t n,
			     const struct fp_buf *log)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		char *tail = pkg_log_tail(log, st[i].name);

		json_object_set_new(e, "name", json_string(st[i].name));
		json_object_set_new(e, "old_version",
				    json_str_or_null(st[i].old_version));
		json_object_set_new(e, "new_version",
				    json_str_or_null(st[i].new_version));
		json_object_set_new(e, "result",
				    json_string(st[i].result ? st[i].result
							     : "unchanged"));
		if (!st[i].new_ok && st[i].new_version)
			json_object_set_new(e, "state",
					    json_string("not properly installed"));
		json_object_set_new(e, "log_tail", json_string(tail ? tail : ""));
		fp_free(tail);
		json_array_append_new(a, e);
	}
	return a;
}

int agent_job_execute(const struct agent_job *job,
		      const struct agent_apply_opts *o, json_t **ret_result)
{
	const struct agent_pkg_backend *be;
	struct agent_pkg_ctx ctx = { 0 };
	struct pkg_state *st = NULL;
	struct agent_pkg_req *reqs = NULL;
	char **files = NULL;
	struct fp_buf log, err, rberr;
	json_t *res = NULL;
	bool failed = false, rolled_back = false, reboot = false;
	const char *reboot_action = "none";
	char t[32];
	size_t n = job->n_packages;
	int r = 0;

	be = o->backend ? agent_pkg_find(o->backend) : agent_pkg_detect(o->root);
	if (!be)
		return FP_EUNSUPPORTED;
	fp_buf_init(&log, LOG_CAP);
	fp_buf_init(&err, 4096);
	fp_buf_init(&rberr, 4096);
	ctx.root = agent_root_is_live(o->root) ? NULL : o->root;
	ctx.lock_wait_s = o->lock_wait_s ? o->lock_wait_s : 300;
	ctx.timeout_s = o->pm_timeout_s ? o->pm_timeout_s : 3600;
	ctx.log = &log;
	st = fp_calloc(n ? n : 1, sizeof(*st));
	reqs = fp_calloc(n ? n : 1, sizeof(*reqs));
	files = fp_calloc(n ? n : 1, sizeof(*files));
	res = json_object();
	if (!st || !reqs || !files || !res) {
		r = FP_ENOMEM;
		goto out;
	}
	json_object_set_new(res, "job_id", json_string(job->job_id));
	json_object_set_new(res, "backend", json_string(be->name));
	json_object_set_new(res, "started_at",
			    json_string(fp_time_rfc3339(time(NULL), t)));
	for (size_t i = 0; i < n; i++) {
		st[i].name = job->packages[i].name;
		st[i].target = job->packages[i].version;
	}
	if ((r = read_versions(be, &ctx, st, n, true)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		st[i].new_version = st[i].old_version
			? fp_strdup(st[i].old_version) : NULL;
		st[i].new_ok = true;
	}
	if ((r = write_journal(job, o, be, st, n)))
		goto out;

	if (job->pre_hook &&
	    run_hook(&ctx, "pre", job->pre_hook, job, o->root,
		     job->hook_timeout) != 0) {
		fp_buf_addf(&err, "pre hook %s failed: job not run",
			    job->pre_hook[0]);
		failed = true;
		goto report;
	}

	for (size_t i = 0; i < n; i++) {
		reqs[i].name = st[i].name;
		reqs[i].version = st[i].target;
		if (job->action != AGENT_JOB_ROLLBACK)
			continue;
		if (!st[i].target) {
			fp_buf_addf(&err, "rollback of %s names no version",
				    st[i].name);
			failed = true;
			goto report;
		}
		if (be->available(&ctx, st[i].name, st[i].target, &files[i])) {
			fp_buf_addf(&err,
				    "rollback impossible: %s %s is in no repository and not in the local package cache",
				    st[i].name, st[i].target);
			failed = true;
			goto report;
		}
		reqs[i].local_file = files[i];
	}
	r = be->install(&ctx, reqs, n, job->action == AGENT_JOB_ROLLBACK);
	if (r == FP_EBUSY)
		fp_buf_addf(&err, "the %s lock was not released within %u s",
			    be->name, ctx.lock_wait_s);
	else if (r == FP_ETIMEDOUT)
		fp_buf_addf(&err, "%s did not finish within %u s", be->name,
			    ctx.timeout_s);
	else if (r && r != FP_ECHILD)
		fp_buf_addf(&err, "%s: %s", be->name, fp_strerror(r));
	r = 0;
	if ((r = read_versions(be, &ctx, st, n, false)))
		goto out;
	if (judge(be, st, n)) {
		failed = true;
		if (err.len == 0)
			fp_buf_addf(&err,
				    "the package database does not show the target versions after %s ran",
				    be->name);
	}
	if (!failed && job->post_hook &&
	    run_hook(&ctx, "post", job->post_hook, job, o->root,
		     job->hook_timeout) != 0) {
		fp_buf_addf(&err, "post hook %s failed", job->post_hook[0]);
		failed = true;
		for (size_t i = 0; i < n; i++)
			st[i].result = "failed";
	}
	if (failed && job->rollback_on_failure &&
	    job->action == AGENT_JOB_INSTALL) {
		rolled_back = rollback(be, &ctx, st, n, &rberr) == 0;
		if (rolled_back)
			fp_buf_adds(&log, "rolled back to the previous versions\n");
	}

report:
	reboot = reboot_needed(o, st, n);
	if (reboot && !failed)
		reboot_action = handle_reboot(job, o, &ctx);
	else if (reboot)
		reboot_action = "not_after_failure";
	{
		char *tail = agent_log_tail(&log, LOG_TAIL_MAX);
		json_object_set_new(res, "log_tail", json_string(tail ? tail : ""));
		fp_free(tail);
	}
	json_object_set_new(res, "result",
			    json_string(failed ? "failed" : "succeeded"));
	json_object_set_new(res, "packages", packages_json(st, n, &log));
	json_object_set_new(res, "reboot_required", json_boolean(reboot));
	json_object_set_new(res, "reboot_action", json_string(reboot_action));
	json_object_set_new(res, "rolled_back", json_boolean(rolled_back));
	if (err.len)
		json_object_set_new(res, "error", json_string(err.data));
	if (rberr.len)
		json_object_set_new(res, "rollback_error",
				    json_string(rberr.data));
	json_object_set_new(res, "finished_at",
			    json_string(fp_time_rfc3339(time(NULL), t)));
	if ((r = save_result(o->state_dir, job->job_id, res)))
		goto out;
	remove_journal(o->state_dir);
	*ret_result = res;
	res = NULL;
out:
	json_decref(res);
	for (size_t i = 0; st && i < n; i++) {
		fp_free(st[i].old_version);
		fp_free(st[i].new_version);
		if (files)
			fp_free(files[i]);
	}
	fp_free(files);
	fp_free(reqs);
	fp_free(st);
	fp_buf_release(&log);
	fp_buf_release(&err);
	fp_buf_release(&rberr);
	return r;
}

int agent_job_apply_doc(const void *doc, size_t len,
			const struct agent_apply_opts *o, json_t **ret_result,
			struct fp_diag *diag)
{
	struct agent_job job;
	int r, lock_fd = -1;

	if ((r = fp_mkdir_p(o->state_dir, 0700)))
		return fp_diag_set(diag, r, 0, 0, "%s: cannot create: %s",
				   o->state_dir, fp_strerror(r));
	if ((r = job_lock(o, &lock_fd)))
		return fp_diag_set(diag, r, 0, 0,
				   r == FP_EBUSY ? "another job is running on this host"
						 : "cannot take the job lock: %s",
				   fp_strerror(r));
	/* Verify under the lock so two copies of one job cannot both pass. */
	r = agent_job_verify(doc, len, o, &job, diag);
	if (r)
		goto out_unlock;
	if ((r = replay_record(o->state_dir, &job, opts_now(o)))) {
		fp_diag_set(diag, r, 0, 0, "cannot write the replay record: %s",
			    fp_strerror(r));
		goto out_release;
	}
	r = agent_job_execute(&job, o, ret_result);
	if (r)
		fp_diag_set(diag, r, 0, 0, "job %s: %s", job.job_id,
			    r == FP_EUNSUPPORTED
				    ? "no supported package manager found in the root"
				    : fp_strerror(r));
out_release:
	agent_job_release(&job);
out_unlock:
	close(lock_fd);
	return r;
}

int agent_jobs_recover(const struct agent_apply_opts *o, json_t **ret_report)
{
	const struct agent_pkg_backend *be = NULL;
	struct agent_pkg_ctx ctx = { 0 };
	char path[STATE_PATH_MAX], t[32];
	struct fp_buf log, found;
	json_t *journal = NULL, *rep = NULL, *lines;
	bool any = false, still = false;
	int r, lock_fd = -1;

	*ret_report = NULL;
	if ((r = state_path(path, o->state_dir, "journal.json")))
		return r;
	if ((r = job_lock(o, &lock_fd)))
		return r;
	journal = agent_state_load_json(path);
	if (journal)
		be = agent_pkg_find(json_string_value(json_object_get(journal, "backend")));
	if (!be)
		be = o->backend ? agent_pkg_find(o->backend)
				: agent_pkg_detect(o->root);
	fp_buf_init(&log, LOG_CAP);
	fp_buf_init(&found, 1 << 20);
	ctx.root = agent_root_is_live(o->root) ? NULL : o->root;
	ctx.lock_wait_s = o->lock_wait_s ? o->lock_wait_s : 300;
	ctx.timeout_s = o->pm_timeout_s ? o->pm_timeout_s : 3600;
	ctx.log = &log;
	if (be && (r = be->audit(&ctx, &found, &any)))
		goto out;
	if (!journal && !any)
		goto out;
	rep = json_object();
	json_object_set_new(rep, "job_id",
			    journal ? json_incref(json_object_get(journal, "job_id"))
				    : json_null());
	json_object_set_new(rep, "result", json_string("interrupted"));
	if (journal)
		json_object_set_new(rep, "started_at",
				    json_incref(json_object_get(journal, "started_at")));
	lines = json_array();
	for (char *p = found.data; *p;) {
		char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		json_array_append_new(lines, json_stringn(p, len));
		p += len + (end ? 1 : 0);
	}
	json_object_set_new(rep, "found", lines);
	if (any && be->repair(&ctx) == 0) {
		fp_buf_reset(&found);
		if (be->audit(&ctx, &found, &still) != 0)
			still = true;
	} else {
		still = any;
	}
	json_object_set_new(rep, "repaired", json_boolean(any && !still));
	if (journal) {
		json_t *pk = json_array(), *jp = json_object_get(journal, "packages");
		size_t i;
		json_t *e;

		json_array_foreach(jp, i, e) {
			const char *name = json_string_value(json_object_get(e, "name"));
			json_t *ne = json_object();
			char *v = NULL;
			bool ok = false;

			if (!name || !agent_pkg_name_is_valid(name)) {
				json_decref(ne);
				continue;
			}
			if (be)
				be->installed(&ctx, name, &v, &ok);
			json_object_set_new(ne, "name", json_string(name));
			json_object_set_new(ne, "old_version",
					    json_incref(json_object_get(e, "old_version")));
			json_object_set_new(ne, "new_version", json_str_or_null(v));
			json_object_set_new(ne, "result", json_string("failed"));
			fp_free(v);
			json_array_append_new(pk, ne);
		}
		json_object_set_new(rep, "packages", pk);
	}
	{
		char *tail = agent_log_tail(&log, LOG_TAIL_MAX);
		json_object_set_new(rep, "log_tail", json_string(tail ? tail : ""));
		fp_free(tail);
	}
	json_object_set_new(rep, "rolled_back", json_false());
	json_object_set_new(rep, "reboot_required", json_false());
	json_object_set_new(rep, "finished_at",
			    json_string(fp_time_rfc3339(time(NULL), t)));
	if (journal) {
		const char *id = json_string_value(json_object_get(journal, "job_id"));
		if (id && agent_job_id_is_valid(id) &&
		    (r = save_result(o->state_dir, id, rep)))
			goto out;
		unlink(path);
	}
	*ret_report = rep;
	rep = NULL;
out:
	json_decref(rep);
	json_decref(journal);
	fp_buf_release(&log);
	fp_buf_release(&found);
	close(lock_fd);
	return r;
}

int agent_jobs_results(const char *state_dir, json_t **ret_array)
{
	char dir[STATE_PATH_MAX], path[STATE_PATH_MAX];
	json_t *a = json_array();
	struct dirent *de;
	DIR *d;
	int r;

	if (!a)
		return FP_ENOMEM;
	if ((r = state_path(dir, state_dir, "results"))) {
		json_decref(a);
		return r;
	}
	d = opendir(dir);
	while (d && (de = readdir(d)) && json_array_size(a) < 1000) {
		size_t l = strlen(de->d_name);
		json_t *j;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json") ||
		    fp_path_join(path, sizeof(path), dir, de->d_name))
			continue;
		j = agent_state_load_json(path);
		if (j)
			json_array_append_new(a, j);
	}
	if (d)
		closedir(d);
	*ret_array = a;
	return 0;
}

int agent_jobs_result_sent(const char *state_dir, const char *job_id)
{
	char path[STATE_PATH_MAX], rel[128];

	if (!agent_job_id_is_valid(job_id))
		return FP_EINVAL;
	snprintf(rel, sizeof(rel), "results/%s.json", job_id);
	if (state_path(path, state_dir, rel))
		return FP_ETOOBIG;
	return unlink(path) == 0 || errno == ENOENT ? 0 : FP_EIO;
}
