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
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "jobs.h"
#include "notify.h"
#include "pkg.h"
#include "state.h"

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

/* A JSON state file, NULL when missing or unreadable. */
static json_t *state_load(const char *state_dir, const char *rel)
{
	json_t *j = NULL;

	return agent_json_load(state_dir, rel, &j) == 0 ? j : NULL;
}

int agent_jobs_load_key(const char *state_dir,
			unsigned char ret_pk[FP_SIGN_PUBLIC_BYTES],
			struct fp_diag *diag)
{
	char b64[128];
	int r;

	r = agent_text_load(state_dir, AGENT_PINNED_KEY_FILE, b64, sizeof(b64));
	if (r)
		return fp_diag_set(diag, r, 0, 0, "%s/%s: %s (not enrolled?)",
				   state_dir, AGENT_PINNED_KEY_FILE,
				   fp_strerror(r));
	r = fp_sign_public_from_b64(b64, ret_pk);
	if (r)
		fp_diag_set(diag, r, 0, 0, "%s/%s: not a base64 ed25519 public key",
			    state_dir, AGENT_PINNED_KEY_FILE);
	return r;
}

/* The host id from state_dir/config.json (written at enrollment). */
static int load_host_id(const struct agent_apply_opts *o, int64_t *ret,
			struct fp_diag *diag)
{
	json_t *j, *v;

	if (o->host_id > 0) {
		*ret = o->host_id;
		return 0;
	}
	j = state_load(o->state_dir, "config.json");
	v = json_object_get(j, "host_id");
	if (!json_is_integer(v) || json_integer_value(v) <= 0) {
		json_decref(j);
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "%s/config.json: no host_id (not enrolled? pass --host-id)",
				   o->state_dir);
	}
	*ret = json_integer_value(v);
	json_decref(j);
	return 0;
}

static int seen_load(const char *state_dir, struct fp_job_seen *seen,
		     struct fp_diag *diag)
{
	json_t *j = NULL;
	int r;

	r = agent_json_load(state_dir, "jobs-seen.json", &j);
	if (r == FP_ENOENT)
		return 0;
	if (r || (r = fp_job_seen_from_json(j, seen, diag)))
		r = fp_diag_set(diag, FP_EINVAL, 0, 0,
				"%s/jobs-seen.json: replay store unreadable: refusing jobs until it is fixed",
				state_dir);
	json_decref(j);
	return r;
}

static int seen_save(const char *state_dir, const struct fp_job_seen *seen)
{
	json_t *j;
	int r;

	j = fp_job_seen_to_json(seen);
	if (!j)
		return FP_ENOMEM;
	r = agent_json_save(state_dir, "jobs-seen.json", j);
	json_decref(j);
	return r;
}

/*
 * Verify with the given replay store ('seen' records the job on
 * success); key and host id from the options or the state dir.
 */
static int verify_with(const void *doc, size_t len,
		       const struct agent_apply_opts *o,
		       struct fp_job_seen *seen, struct fp_job *job,
		       struct fp_diag *diag)
{
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	int64_t host_id = 0;
	int r;

	if (o->pk)
		memcpy(pk, o->pk, sizeof(pk));
	else if ((r = agent_jobs_load_key(o->state_dir, pk, diag)))
		return r;
	if ((r = load_host_id(o, &host_id, diag)))
		return r;
	return fp_job_verify_text(doc, len, pk, host_id, opts_now(o), seen,
				  diag, job);
}

int agent_job_verify(const void *doc, size_t len,
		     const struct agent_apply_opts *o, struct fp_job *ret_job,
		     struct fp_diag *diag)
{
	struct fp_job_seen seen;
	int r;

	fp_job_seen_init(&seen);
	r = seen_load(o->state_dir, &seen, diag);
	if (r == 0)
		r = verify_with(doc, len, o, &seen, ret_job, diag);
	fp_job_seen_release(&seen);
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
	bool absent; /* not installed: an upgrade job leaves it alone */
	const char *result;
};

static int run_hook(const struct agent_pkg_ctx *ctx, const char *which,
		    const char *const *hook, size_t n_hook,
		    const struct fp_job *job, const char *root,
		    unsigned timeout_s)
{
	char e_job[64], e_root[4200], e_which[64];
	const char *extra[4];
	const char **envp = NULL, **argv;
	struct agent_pkg_ctx hctx = *ctx;
	int r, ex = -1;

	argv = fp_calloc(n_hook + 1, sizeof(*argv));
	if (!argv)
		return FP_ENOMEM;
	for (size_t i = 0; i < n_hook; i++)
		argv[i] = hook[i];
	snprintf(e_job, sizeof(e_job), "FLEETPATCH_JOB_ID=%lld",
		 (long long)job->job_id);
	snprintf(e_root, sizeof(e_root), "FLEETPATCH_ROOT=%s",
		 agent_root_is_live(root) ? "/" : root);
	snprintf(e_which, sizeof(e_which), "FLEETPATCH_HOOK=%s", which);
	extra[0] = e_job;
	extra[1] = e_root;
	extra[2] = e_which;
	extra[3] = NULL;
	envp = agent_env_with(extra);
	if (!envp) {
		fp_free(argv);
		return FP_ENOMEM;
	}
	hctx.timeout_s = timeout_s;
	r = agent_pkg_run(&hctx, argv, envp, NULL, &ex);
	fp_free(envp);
	fp_free(argv);
	if (r)
		return r;
	return ex == 0 ? 0 : FP_ECHILD;
}

/* Read the installed version of every package (old or new). */
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
		const char *o = st[i].old_version, *nv = st[i].new_version;
		bool at_target = st[i].target
			? agent_pkg_version_matches(be->eco, nv, st[i].target)
			: nv != NULL;
		int cmp = 1;

		if (st[i].absent) {
			st[i].result = nv ? "installed" : "absent";
			continue;
		}
		if (!st[i].new_ok || !at_target)
			st[i].result = "failed";
		else if (!o)
			st[i].result = "installed";
		else if (!strcmp(o, nv))
			st[i].result = "unchanged";
		else if (fp_version_compare(be->eco, nv, o, &cmp, NULL) == 0 &&
			 cmp < 0)
			st[i].result = "downgraded";
		else
			st[i].result = "upgraded";
		failed += st[i].result[0] == 'f';
	}
	return failed;
}

/*
 * Return every package of 'st' that changed to its old version (remove
 * the ones that were new).  Says why in 'why' when impossible or failed.
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
		if (!st[i].old_version && !st[i].new_version)
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
	be->install(ctx, reqs, k, true);
	if ((r = read_versions(be, ctx, st, n, false)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		bool back = st[i].old_version
			? st[i].new_ok && st[i].new_version &&
				  !strcmp(st[i].new_version, st[i].old_version)
			: st[i].new_version == NULL;
		if (!back) {
			fp_buf_addf(why, "rollback failed: %s is at %s, not %s",
				    st[i].name,
				    st[i].new_version ? st[i].new_version
						      : "(not installed)",
				    st[i].old_version ? st[i].old_version
						      : "(not installed)");
			r = FP_ECHILD;
			break;
		}
	}
out:
	for (size_t i = 0; files && i < n; i++)
		fp_free(files[i]);
	fp_free(files);
	fp_free(reqs);
	return r;
}

/* Whether the database differs from before for any package. */
static bool any_changed(const struct pkg_state *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!st[i].new_ok || !st[i].old_version != !st[i].new_version ||
		    (st[i].old_version &&
		     strcmp(st[i].old_version, st[i].new_version)))
			return true;
	return false;
}

static bool file_exists_in(const char *root, const char *rel)
{
	char p[STATE_PATH_MAX];

	return fp_path_join(p, sizeof(p), agent_root_is_live(root) ? "/" : root,
			    rel) == 0 &&
	       access(p, F_OK) == 0;
}

/* Whether a package flagged a reboot, or one of these changed. */
static bool reboot_needed(const struct agent_apply_opts *o,
			  const struct pkg_state *st, size_t n)
{
	static const char *const prefixes[] = { "linux-image", "kernel",
						"linux", "glibc", "libc6",
						"systemd" };

	if (file_exists_in(o->root, "run/reboot-required") ||
	    file_exists_in(o->root, "var/run/reboot-required"))
		return true;
	for (size_t i = 0; i < n; i++) {
		bool changed = st[i].new_version &&
			       (!st[i].old_version ||
				strcmp(st[i].old_version, st[i].new_version));
		for (size_t k = 0; changed && k < FP_ARRAY_SIZE(prefixes); k++) {
			size_t l = strlen(prefixes[k]);
			if (!strncmp(st[i].name, prefixes[k], l) &&
			    (st[i].name[l] == '\0' || st[i].name[l] == '-'))
				return true;
		}
	}
	return false;
}

/* Follow the job's reboot policy; returns what was done. */
static const char *handle_reboot(const struct fp_job *job,
				 const struct agent_apply_opts *o,
				 struct agent_pkg_ctx *ctx)
{
	static const char *const sys_reboot[] = { "systemctl", "reboot", NULL };
	const char *const *argv = o->reboot_argv;
	time_t now = opts_now(o);
	int ex = -1;

	if (!argv && agent_root_is_live(o->root))
		argv = sys_reboot;
	switch (job->reboot) {
	case FP_REBOOT_NEVER:
		return "not_allowed_by_policy";
	case FP_REBOOT_WINDOW:
		/* Inside the job's window (absent: the ring has none). */
		if ((job->window_start && now < job->window_start) ||
		    (job->window_end && now >= job->window_end))
			return "waiting_for_window";
		break;
	case FP_REBOOT_NOTIFY: {
		time_t at = job->deadline ? job->deadline : now;
		char t[32], body[256];

		fp_time_rfc3339(at, t);
		snprintf(body, sizeof(body),
			 "Updates were installed (job %lld). This machine will restart at %s. Save your work.",
			 (long long)job->job_id, t);
		agent_notify_users("restart required", body, ctx->log, NULL);
		if (now < at)
			return "users_notified";
		break;
	}
	}
	if (!argv)
		return "reboot_needs_live_root";
	if (agent_pkg_run(ctx, argv, NULL, NULL, &ex) != 0 || ex != 0)
		return "reboot_failed";
	return "rebooted";
}

static int write_journal(const struct fp_job *job,
			 const struct agent_apply_opts *o,
			 const struct agent_pkg_backend *be,
			 const struct pkg_state *st, size_t n)
{
	char t[32];
	json_t *j = json_object(), *pk = json_array();
	int r;

	json_object_set_new(j, "job_id", json_integer(job->job_id));
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
				    st[i].old_version ? json_string(st[i].old_version)
						      : json_null());
		json_array_append_new(pk, e);
	}
	json_object_set_new(j, "packages", pk);
	r = agent_json_save(o->state_dir, "journal.json", j);
	json_decref(j);
	return r;
}

static void result_rel(char rel[64], int64_t job_id)
{
	snprintf(rel, 64, "results/%lld.json", (long long)job_id);
}

static int save_result(const char *state_dir, int64_t job_id,
		       const json_t *res)
{
	char dir[STATE_PATH_MAX], rel[64];
	int r;

	if ((r = state_path(dir, state_dir, "results")) ||
	    (r = fp_mkdir_p(dir, 0700)))
		return r;
	result_rel(rel, job_id);
	return agent_json_save(state_dir, rel, res);
}

static void remove_journal(const char *state_dir)
{
	char path[STATE_PATH_MAX];

	if (state_path(path, state_dir, "journal.json") == 0)
		unlink(path);
}

/*
 * The fp_job_result wire form (so the server's decoder takes it) plus
 * the agent's extra fields.  'tails' are per-package log tails.
 */
static json_t *result_json(int64_t job_id, enum fp_job_status status,
			   time_t started, const char *message,
			   bool reboot_required, int deferrals_used,
			   const struct pkg_state *st, size_t n,
			   const struct fp_buf *log)
{
	struct fp_job_result r;
	char **tails = fp_calloc(n ? n : 1, sizeof(*tails));
	char msg[FP_JOB_LOG_TAIL];
	char *tail;
	json_t *j = NULL;

	if (!tails)
		return NULL;
	fp_job_result_init(&r);
	r.job_id = job_id;
	r.status = status;
	r.started_at = started;
	r.finished_at = time(NULL);
	if (message && *message) {
		snprintf(msg, sizeof(msg), "%s", message);
		r.message = msg;
	}
	r.reboot_required = reboot_required;
	r.deferrals_used = deferrals_used;
	r.packages = fp_calloc(n ? n : 1, sizeof(*r.packages));
	if (!r.packages)
		goto out;
	r.n_packages = n;
	for (size_t i = 0; i < n; i++) {
		tails[i] = pkg_log_tail(log, st[i].name);
		r.packages[i].name = st[i].name;
		r.packages[i].old_version = st[i].old_version;
		r.packages[i].new_version = st[i].new_version;
		r.packages[i].result = st[i].result ? st[i].result
				     : st[i].absent ? "absent"
						    : "unchanged";
		r.packages[i].log_tail = tails[i];
	}
	j = fp_job_result_to_json(&r);
	tail = agent_log_tail(log, LOG_TAIL_MAX);
	if (j)
		json_object_set_new(j, "log_tail", json_string(tail ? tail : ""));
	fp_free(tail);
out:
	for (size_t i = 0; i < n; i++)
		fp_free(tails[i]);
	fp_free(tails);
	fp_free(r.packages);
	r.packages = NULL;
	r.n_packages = 0;
	r.message = NULL;
	fp_job_result_release(&r);
	return j;
}

static void init_ctx(struct agent_pkg_ctx *ctx,
		     const struct agent_apply_opts *o, struct fp_buf *log)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->root = agent_root_is_live(o->root) ? NULL : o->root;
	ctx->lock_wait_s = o->lock_wait_s ? o->lock_wait_s : 300;
	ctx->timeout_s = o->pm_timeout_s ? o->pm_timeout_s : 3600;
	ctx->log = log;
}

static const struct agent_pkg_backend *backend_for(
	const struct agent_apply_opts *o, const char *name)
{
	if (name)
		return agent_pkg_find(name);
	return o->backend ? agent_pkg_find(o->backend)
			  : agent_pkg_detect(o->root);
}

/* Audit and repair: the "repair" action and the start-up check. */
static int audit_repair(const struct agent_pkg_backend *be,
			const struct agent_pkg_ctx *ctx, json_t *found_lines,
			bool *ret_found, bool *ret_still)
{
	struct fp_buf found;
	bool any = false, still = false;
	int r;

	fp_buf_init(&found, 1 << 20);
	r = be->audit(ctx, &found, &any);
	for (char *p = found.data; r == 0 && *p;) {
		char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		json_array_append_new(found_lines, json_stringn(p, len));
		p += len + (end ? 1 : 0);
	}
	if (r == 0 && any) {
		fp_buf_reset(&found);
		if (be->repair(ctx) != 0 ||
		    be->audit(ctx, &found, &still) != 0)
			still = true;
	}
	fp_buf_release(&found);
	if (r == 0) {
		*ret_found = any;
		*ret_still = still;
	}
	return r;
}

/*
 * Re-inventory after a job: the result carries the hash of the package
 * set as it is now (fp_inventory_hash, as in every check-in), so the
 * server can tell the job's effect is in the next inventory, which the
 * run loop collects afresh.  Packages only: the pending-updates query is
 * the run loop's business.
 */
static void reinventory(const struct agent_apply_opts *o, json_t *res)
{
	struct fp_inventory inv;
	struct fp_diag diag;
	char hash[65], err[300];

	fp_inventory_init(&inv);
	fp_diag_init(&diag, NULL);
	if (fp_inventory_collect(agent_root_is_live(o->root) ? NULL : o->root,
				 FP_INV_PACKAGES, &inv, &diag) == 0) {
		fp_inventory_sort(&inv);
		fp_inventory_hash(&inv, hash);
		json_object_set_new(res, "inventory_hash", json_string(hash));
		json_object_set_new(res, "inventory_packages",
				    json_integer((json_int_t)inv.n_packages));
	} else {
		fp_diag_format(&diag, err, sizeof(err));
		json_object_set_new(res, "inventory_error", json_string(err));
	}
	fp_inventory_release(&inv);
}

static int validate_for(const struct agent_pkg_backend *be,
			const struct fp_job *job, struct fp_buf *err)
{
	for (size_t i = 0; i < job->n_packages; i++) {
		const struct fp_job_package *p = &job->packages[i];
		struct fp_diag d;

		fp_diag_init(&d, NULL);
		if (be->name_ok && !be->name_ok(p->name)) {
			fp_buf_addf(err, "packages[%zu].name: '%s' is not a valid %s package name",
				    i, p->name, be->name);
			return FP_EINVAL;
		}
		if (p->version &&
		    fp_version_check(be->eco, p->version, strlen(p->version), &d)) {
			fp_buf_addf(err, "packages[%zu].version: '%s' is not a valid %s version: %s",
				    i, p->version, fp_ecosystem_name(be->eco), d.msg);
			return FP_EINVAL;
		}
	}
	return 0;
}

int agent_job_execute(const struct fp_job *job,
		      const struct agent_apply_opts *o, json_t **ret_result)
{
	const struct agent_pkg_backend *be = backend_for(o, NULL);
	struct agent_pkg_ctx ctx;
	struct pkg_state *st = NULL;
	struct agent_pkg_req *reqs = NULL;
	char **files = NULL;
	struct fp_buf log, err, rberr;
	json_t *res = NULL, *found = NULL;
	enum fp_job_status status = FP_JOB_SUCCEEDED;
	bool failed = false, rolled_back = false, reboot = false;
	const char *reboot_action = "none";
	bool rollback_action = job->action == FP_JOB_ROLLBACK;
	time_t started = time(NULL);
	size_t n = job->n_packages, k = 0, present = 0;
	unsigned hook_timeout;
	int r = 0;

	if (!be)
		return FP_EUNSUPPORTED;
	hook_timeout = job->hook_timeout > 0 ? (unsigned)job->hook_timeout : 300;
	fp_buf_init(&log, LOG_CAP);
	fp_buf_init(&err, 4096);
	fp_buf_init(&rberr, 4096);
	init_ctx(&ctx, o, &log);
	st = fp_calloc(n ? n : 1, sizeof(*st));
	reqs = fp_calloc(n ? n : 1, sizeof(*reqs));
	files = fp_calloc(n ? n : 1, sizeof(*files));
	if (!st || !reqs || !files) {
		r = FP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		st[i].name = job->packages[i].name;
		st[i].target = job->packages[i].version;
	}
	if (validate_for(be, job, &err)) {
		failed = true;
		goto report;
	}
	if ((r = read_versions(be, &ctx, st, n, true)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		st[i].new_version = st[i].old_version
			? fp_strdup(st[i].old_version) : NULL;
		st[i].new_ok = true;
		st[i].absent = !st[i].old_version;
		present += !st[i].absent;
	}
	if ((r = write_journal(job, o, be, st, n)))
		goto out;

	if (job->action == FP_JOB_REPAIR) {
		bool any, still;
		found = json_array();
		if (audit_repair(be, &ctx, found, &any, &still) || still) {
			fp_buf_adds(&err, "the package database needs repair the package manager could not do");
			failed = true;
		}
		goto report;
	}
	if (present == 0) {
		status = FP_JOB_SKIPPED;
		fp_buf_adds(&err, "none of the packages is installed here: nothing to do");
		goto report;
	}
	if (job->n_pre_hook &&
	    run_hook(&ctx, "pre", job->pre_hook, job->n_pre_hook, job, o->root,
		     hook_timeout) != 0) {
		fp_buf_addf(&err, "pre hook %s failed: job not run",
			    job->pre_hook[0]);
		failed = true;
		goto report;
	}
	for (size_t i = 0; i < n; i++) {
		if (st[i].absent)
			continue;
		reqs[k].name = st[i].name;
		reqs[k].version = st[i].target;
		if (rollback_action) {
			if (!st[i].target) {
				fp_buf_addf(&err, "rollback of %s names no version",
					    st[i].name);
				failed = true;
				goto report;
			}
			if (be->available(&ctx, st[i].name, st[i].target,
					  &files[i])) {
				fp_buf_addf(&err,
					    "rollback impossible: %s %s is in no repository and not in the local package cache",
					    st[i].name, st[i].target);
				failed = true;
				goto report;
			}
			reqs[k].local_file = files[i];
		}
		k++;
	}
	r = be->install(&ctx, reqs, k, rollback_action);
	if (r == FP_EBUSY)
		fp_buf_addf(&err, "the %s lock was not released within %u s",
			    be->name, ctx.lock_wait_s);
	else if (r == FP_ETIMEDOUT)
		fp_buf_addf(&err, "%s did not finish within %u s", be->name,
			    ctx.timeout_s);
	else if (r && r != FP_ECHILD)
		fp_buf_addf(&err, "%s: %s", be->name, fp_strerror(r));
	if ((r = read_versions(be, &ctx, st, n, false)))
		goto out;
	if (judge(be, st, n)) {
		failed = true;
		if (err.len == 0)
			fp_buf_addf(&err,
				    "the package database does not show the target versions after %s ran",
				    be->name);
	}
	if (!failed && job->n_post_hook &&
	    run_hook(&ctx, "post", job->post_hook, job->n_post_hook, job,
		     o->root, hook_timeout) != 0) {
		fp_buf_addf(&err, "post hook %s failed", job->post_hook[0]);
		failed = true;
		for (size_t i = 0; i < n; i++)
			if (!st[i].absent)
				st[i].result = "failed";
	}
	if (failed && job->rollback_on_failure && !rollback_action &&
	    any_changed(st, n)) {
		rolled_back = rollback(be, &ctx, st, n, &rberr) == 0;
		if (rolled_back)
			fp_buf_adds(&log, "rolled back to the previous versions\n");
	}

report:
	reboot = reboot_needed(o, st, n);
	if (reboot && !failed && status == FP_JOB_SUCCEEDED)
		reboot_action = handle_reboot(job, o, &ctx);
	else if (reboot)
		reboot_action = "not_after_failure";
	if (failed)
		status = rolled_back ? FP_JOB_ROLLED_BACK : FP_JOB_FAILED;
	if (rberr.len) {
		if (err.len)
			fp_buf_adds(&err, "; ");
		fp_buf_add(&err, rberr.data, rberr.len);
	}
	res = result_json(job->job_id, status, started, err.data, reboot,
			  agent_job_deferrals_used(o->state_dir, job->job_id),
			  st, n, &log);
	if (!res) {
		r = FP_ENOMEM;
		goto out;
	}
	json_object_set_new(res, "backend", json_string(be->name));
	json_object_set_new(res, "reboot_action", json_string(reboot_action));
	json_object_set_new(res, "rolled_back", json_boolean(rolled_back));
	if (rberr.len)
		json_object_set_new(res, "rollback_error", json_string(rberr.data));
	if (found)
		json_object_set_new(res, "found", json_incref(found));
	reinventory(o, res);
	if ((r = save_result(o->state_dir, job->job_id, res)))
		goto out;
	remove_journal(o->state_dir);
	*ret_result = res;
	res = NULL;
out:
	json_decref(res);
	json_decref(found);
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

static int deferred_result(const struct fp_job *job,
			   const struct agent_apply_opts *o,
			   const struct agent_job_wait *w, json_t **ret)
{
	struct fp_buf log;
	char why[256];
	json_t *res;
	int r;

	agent_job_wait_text(w, why, sizeof(why));
	fp_buf_init(&log, 1024);
	res = result_json(job->job_id, FP_JOB_DEFERRED, 0, why, false,
			  agent_job_deferrals_used(o->state_dir, job->job_id),
			  NULL, 0, &log);
	fp_buf_release(&log);
	if (!res)
		return FP_ENOMEM;
	r = save_result(o->state_dir, job->job_id, res);
	if (r) {
		json_decref(res);
		return r;
	}
	*ret = res;
	return 0;
}

/*
 * A job with a deadline comes from a deployment users were told about:
 * tell them it is being installed now (at once when the deadline passed).
 */
static void tell_users_now(const struct fp_job *job,
			   const struct agent_apply_opts *o)
{
	char body[256];

	if (!job->deadline || job->action != FP_JOB_INSTALL)
		return;
	snprintf(body, sizeof(body), "Installing updates now (job %lld)%s.",
		 (long long)job->job_id,
		 opts_now(o) >= job->deadline ? ": the deadline has passed" : "");
	agent_notify_users("installing updates", body, NULL, NULL);
}

int agent_job_apply_doc(const void *doc, size_t len,
			const struct agent_apply_opts *o, json_t **ret_result,
			struct fp_diag *diag)
{
	struct fp_job job;
	struct fp_job_seen seen;
	struct agent_job_wait w;
	int r, lock_fd = -1;

	if ((r = fp_mkdir_p(o->state_dir, 0700)))
		return fp_diag_set(diag, r, 0, 0, "%s: cannot create: %s",
				   o->state_dir, fp_strerror(r));
	if ((r = job_lock(o, &lock_fd)))
		return fp_diag_set(diag, r, 0, 0,
				   r == FP_EBUSY ? "another job is running on this host"
						 : "cannot take the job lock: %s",
				   fp_strerror(r));
	fp_job_init(&job);
	fp_job_seen_init(&seen);
	/* Verify under the lock so two copies of one job cannot both pass. */
	if ((r = seen_load(o->state_dir, &seen, diag)) ||
	    (r = verify_with(doc, len, o, &seen, &job, diag)))
		goto out;
	/* A notice period or a user's deferral, before the deadline: not
	 * yet.  The replay store is left alone so the job can run later. */
	if (agent_job_waiting(o->state_dir, job.job_id, opts_now(o), &w)) {
		r = deferred_result(&job, o, &w, ret_result);
		goto out;
	}
	if ((r = seen_save(o->state_dir, &seen))) {
		fp_diag_set(diag, r, 0, 0, "cannot save the replay store: %s",
			    fp_strerror(r));
		goto out;
	}
	tell_users_now(&job, o);
	r = agent_job_execute(&job, o, ret_result);
	if (r)
		fp_diag_set(diag, r, 0, 0, "job %lld: %s", (long long)job.job_id,
			    r == FP_EUNSUPPORTED
				    ? "no supported package manager found in the root"
				    : fp_strerror(r));
out:
	fp_job_seen_release(&seen);
	fp_job_release(&job);
	close(lock_fd);
	return r;
}

int agent_jobs_recover(const struct agent_apply_opts *o, json_t **ret_report)
{
	const struct agent_pkg_backend *be;
	struct agent_pkg_ctx ctx;
	char path[STATE_PATH_MAX];
	struct fp_buf log, msg;
	json_t *journal = NULL, *rep = NULL, *found = json_array(), *jp, *e;
	struct pkg_state *st = NULL;
	bool any = false, still = false;
	int64_t job_id = 0;
	size_t n = 0, i;
	int r, lock_fd = -1;

	*ret_report = NULL;
	if (!found)
		return FP_ENOMEM;
	if ((r = state_path(path, o->state_dir, "journal.json")) ||
	    (r = job_lock(o, &lock_fd))) {
		json_decref(found);
		return r;
	}
	fp_buf_init(&log, LOG_CAP);
	fp_buf_init(&msg, 4096);
	init_ctx(&ctx, o, &log);
	journal = state_load(o->state_dir, "journal.json");
	be = backend_for(o, journal ? json_string_value(json_object_get(
					      journal, "backend"))
				    : NULL);
	if (!be && journal)
		be = backend_for(o, NULL);
	if (be && (r = audit_repair(be, &ctx, found, &any, &still)))
		goto out;
	if (!journal && !any)
		goto out;
	if (journal)
		job_id = json_integer_value(json_object_get(journal, "job_id"));
	jp = json_object_get(journal, "packages");
	st = fp_calloc(json_array_size(jp) + 1, sizeof(*st));
	if (!st) {
		r = FP_ENOMEM;
		goto out;
	}
	json_array_foreach(jp, i, e) {
		const char *name = json_string_value(json_object_get(e, "name"));
		const char *old = json_string_value(json_object_get(e, "old_version"));

		if (!name || !fp_job_name_is_valid(name) || n >= FP_JOB_MAX_PACKAGES ||
		    (old && !fp_job_version_is_valid(old)))
			continue;
		st[n].name = name;
		st[n].old_version = old ? fp_strdup(old) : NULL;
		st[n].result = "failed";
		st[n].new_ok = true;
		if (be)
			be->installed(&ctx, name, &st[n].new_version, &st[n].new_ok);
		n++;
	}
	if (journal)
		fp_buf_addf(&msg, "interrupted: the agent stopped while job %lld was running",
			    (long long)job_id);
	else
		fp_buf_adds(&msg, "the package database shows an interrupted run");
	if (any)
		fp_buf_adds(&msg, still ? "; repair failed" : "; repaired");
	rep = result_json(job_id > 0 ? job_id : 1, FP_JOB_FAILED, 0, msg.data,
			  false, 0, st, n, &log);
	if (!rep) {
		r = FP_ENOMEM;
		goto out;
	}
	if (job_id <= 0)
		json_object_set_new(rep, "job_id", json_null());
	if (journal)
		json_object_set_new(rep, "started_at",
				    json_incref(json_object_get(journal, "started_at")));
	json_object_set_new(rep, "interrupted", json_true());
	json_object_set_new(rep, "found", json_incref(found));
	json_object_set_new(rep, "repaired", json_boolean(any && !still));
	json_object_set_new(rep, "rolled_back", json_false());
	if (job_id > 0 && (r = save_result(o->state_dir, job_id, rep)))
		goto out;
	if (journal)
		unlink(path);
	*ret_report = rep;
	rep = NULL;
out:
	for (i = 0; st && i < n; i++) {
		fp_free(st[i].old_version);
		fp_free(st[i].new_version);
	}
	fp_free(st);
	json_decref(rep);
	json_decref(journal);
	json_decref(found);
	fp_buf_release(&log);
	fp_buf_release(&msg);
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
		j = NULL;
		if (agent_json_load_path(path, &j) == 0)
			json_array_append_new(a, j);
	}
	if (d)
		closedir(d);
	*ret_array = a;
	return 0;
}
