/* SPDX-License-Identifier: MIT */
/*
 * Jobs in the check-in loop: see run_jobs.h and docs/agent.md.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "run_jobs.h"

#define INBOX_DIR "inbox"

/* "<64 hex>.json": the inbox names a job by the hash of its envelope. */
static bool inbox_name(const char *name)
{
	if (strlen(name) != 69 || strcmp(name + 64, ".json") != 0)
		return false;
	for (int i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	return true;
}

static int inbox_list(const char *state_dir, char (**ret)[70], size_t *ret_n)
{
	char dir[4096], (*v)[70] = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if ((r = agent_path(dir, sizeof(dir), state_dir, INBOX_DIR)))
		return r;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : FP_EIO;
	v = fp_calloc(AGENT_INBOX_MAX, sizeof(*v));
	if (!v) {
		closedir(d);
		return FP_ENOMEM;
	}
	while ((de = readdir(d)) && n < AGENT_INBOX_MAX)
		if (inbox_name(de->d_name)) /* exactly 69 chars: fits v[n] */
			memcpy(v[n++], de->d_name, sizeof(v[0]));
	closedir(d);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Keep a job of the server's answer until it ran. */
static void inbox_add(const char *state_dir, const json_t *env)
{
	char *text = json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS);
	char (*v)[70] = NULL, hex[65], rel[80], dir[4096];
	size_t n = 0;

	if (!text)
		return;
	fp_sha256_hex(text, strlen(text), hex);
	free(text);
	snprintf(rel, sizeof(rel), INBOX_DIR "/%s.json", hex);
	if (inbox_list(state_dir, &v, &n) == 0 && n >= AGENT_INBOX_MAX) {
		agent_log("warning", "%d jobs already wait on this host: "
			  "dropping one more", AGENT_INBOX_MAX);
		goto out;
	}
	if (agent_path(dir, sizeof(dir), state_dir, INBOX_DIR) ||
	    fp_mkdir_p(dir, 0700) || agent_json_save(state_dir, rel, env))
		agent_log("error", "cannot keep a job in %s/%s", state_dir, rel);
out:
	fp_free(v);
}

static void hook_body(json_t *body, void *ctx)
{
	struct agent_run_jobs *rj = ctx;
	json_t *a = NULL;

	if (agent_jobs_results(rj->opts.state_dir, &a) != 0 || !a)
		return;
	while (json_array_size(a) > AGENT_RESULTS_PER_CHECKIN)
		json_array_remove(a, json_array_size(a) - 1);
	json_object_set_new(body, "job_results", a);
}

static void hook_answer(const json_t *body, const json_t *resp, void *ctx)
{
	struct agent_run_jobs *rj = ctx;
	const json_t *results = json_object_get(body, "job_results");
	const json_t *jobs = json_object_get(resp, "jobs"), *e;
	size_t i;

	json_array_foreach(results, i, e) {
		json_int_t id = json_integer_value(json_object_get(e, "job_id"));
		if (id > 0)
			agent_jobs_result_sent(rj->opts.state_dir, id);
	}
	json_array_foreach(jobs, i, e)
		if (json_is_object(e))
			inbox_add(rj->opts.state_dir, e);
}

void agent_run_jobs_start(struct agent_run_jobs *rj, const char *state_dir,
			  const char *root)
{
	json_t *rep = NULL;
	int r;

	memset(rj, 0, sizeof(*rj));
	rj->notice_s = -1;
	rj->opts.state_dir = state_dir;
	rj->opts.root = root;
	rj->hook.body = hook_body;
	rj->hook.answer = hook_answer;
	rj->hook.ctx = rj;
	r = agent_jobs_recover(&rj->opts, &rep);
	if (r && r != FP_EUNSUPPORTED)
		agent_log("warning", "checking for an interrupted job: %s",
			  fp_strerror(r));
	if (rep)
		agent_log("warning", "an interrupted job was found: %s",
			  json_string_value(json_object_get(rep, "message")) ?
			  json_string_value(json_object_get(rep, "message")) : "");
	json_decref(rep);
	agent_spool_set_hook(&rj->hook);
}

void agent_run_jobs_stop(struct agent_run_jobs *rj)
{
	agent_spool_set_hook(NULL);
	(void)rj;
}

static bool is_refusal(int r)
{
	return r == FP_ESIG || r == FP_ETIMEDOUT || r == FP_ECONFLICT ||
	       r == FP_EPERM || r == FP_EINVAL;
}

/*
 * A refused job is reported as "refused" under the id its (untrusted)
 * payload names, unless a result for that id exists: a replayed copy of
 * a job that ran must not overwrite its real result.
 */
static bool report_refusal(const char *state_dir, const json_t *env, int r,
			   const struct fp_diag *d)
{
	const char *payload = json_string_value(json_object_get(env, "payload"));
	json_t *p = payload ? json_loads(payload, 0, NULL) : NULL, *res = NULL;
	json_int_t id = json_integer_value(json_object_get(p, "job_id"));
	char rel[64], msg[320], ts[32];
	bool saved = false;

	json_decref(p);
	/*
	 * Replayed: the signature verified, so the id is the server's.  A
	 * job that already ran is answered with its stored result again,
	 * never run twice.
	 */
	if (r == FP_ECONFLICT && id > 0 && agent_jobs_report_again(state_dir, id)) {
		agent_log("info", "job %lld came again: it already ran; "
			  "reporting its stored result again", (long long)id);
		return true;
	}
	agent_log("error", "job %lld refused: %s: %s", (long long)id,
		  fp_strerror(r), d->msg);
	if (id <= 0 || r == FP_ECONFLICT)
		return false;
	snprintf(rel, sizeof(rel), "results/%lld.json", (long long)id);
	if (agent_json_load(state_dir, rel, &res) == 0) {
		json_decref(res);
		return false;
	}
	/* lib/rollout's refusals say "job refused:" themselves */
	snprintf(msg, sizeof(msg), "%s%s",
		 strncmp(d->msg, "job refused:", 12) ? "job refused: " : "", d->msg);
	fp_time_rfc3339(time(NULL), ts);
	res = json_pack("{s:I, s:s, s:s, s:s, s:s, s:[]}", "job_id", id,
			"status", "refused", "started_at", ts, "finished_at",
			ts, "message", msg, "packages");
	if (res) {
		char dir[4096];
		if (agent_path(dir, sizeof(dir), state_dir, "results") == 0 &&
		    fp_mkdir_p(dir, 0700) == 0 &&
		    agent_json_save(state_dir, rel, res) == 0)
			saved = true;
		json_decref(res);
	}
	return saved;
}

/* 1: a result to report, 0: nothing, -1: keep the job for later. */
static int run_one(struct agent_run_jobs *rj, const json_t *env)
{
	const char *state_dir = rj->opts.state_dir;
	char *text = json_dumps(env, JSON_COMPACT);
	struct fp_job job;
	struct agent_job_wait w;
	struct fp_diag d;
	json_t *res = NULL;
	time_t now = time(NULL);
	int r, out = 0;

	if (!text)
		return -1;
	fp_job_init(&job);
	fp_diag_init(&d, NULL);
	r = agent_job_verify(text, strlen(text), &rj->opts, &job, &d);
	if (r) {
		out = is_refusal(r) && report_refusal(state_dir, env, r, &d);
		if (!is_refusal(r))
			out = -1;
		goto done;
	}
	agent_job_offer(state_dir, &job, now, rj->notice_s);
	if (agent_job_waiting(state_dir, job.job_id, now, &w)) {
		char why[256];

		agent_job_wait_text(&w, why, sizeof(why));
		agent_log("info", "job %lld %s", (long long)job.job_id, why);
		if (!rj->next_due || w.until < rj->next_due)
			rj->next_due = w.until;
		out = -1;
		goto done;
	}
	agent_log("info", "running job %lld (%zu package%s)",
		  (long long)job.job_id, job.n_packages,
		  job.n_packages == 1 ? "" : "s");
	fp_diag_init(&d, NULL);
	r = agent_job_apply_doc(text, strlen(text), &rj->opts, &res, &d);
	if (r == 0) {
		const char *st = json_string_value(json_object_get(res, "status"));
		const char *m = json_string_value(json_object_get(res, "message"));
		agent_log(st && !strcmp(st, "succeeded") ? "info" : "warning",
			  "job %lld %s%s%s", (long long)job.job_id,
			  st ? st : "?", m && *m ? ": " : "", m ? m : "");
		out = 1;
	} else if (is_refusal(r)) {
		out = report_refusal(state_dir, env, r, &d);
	} else {
		agent_log("warning", "job %lld not run now: %s%s%s",
			  (long long)job.job_id, fp_strerror(r),
			  d.msg[0] ? ": " : "", d.msg);
		out = -1;
	}
done:
	json_decref(res);
	fp_job_release(&job);
	free(text);
	return out;
}

unsigned agent_run_jobs_apply(struct agent_run_jobs *rj)
{
	char (*v)[70] = NULL;
	unsigned reported = 0;
	size_t n = 0;

	rj->next_due = 0;
	if (inbox_list(rj->opts.state_dir, &v, &n)) {
		agent_log("error", "cannot read %s/" INBOX_DIR,
			  rj->opts.state_dir);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char rel[80], path[4096];
		json_t *env = NULL;
		int r;

		snprintf(rel, sizeof(rel), INBOX_DIR "/%s", v[i]);
		if (agent_path(path, sizeof(path), rj->opts.state_dir, rel))
			continue;
		if (agent_json_load(rj->opts.state_dir, rel, &env)) {
			agent_log("warning", "%s unreadable: dropped", path);
			unlink(path);
			continue;
		}
		r = run_one(rj, env);
		json_decref(env);
		if (r >= 0)
			unlink(path);
		if (r > 0)
			reported++;
	}
	fp_free(v);
	return reported;
}
