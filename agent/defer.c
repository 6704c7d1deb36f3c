/* SPDX-License-Identifier: MIT */
/* Pending jobs and their deferrals (see jobs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "jobs.h"
#include "notify.h"

static int pending_rel(char rel[64], int64_t job_id)
{
	if (job_id <= 0)
		return FP_EINVAL;
	snprintf(rel, 64, "pending/%lld.json", (long long)job_id);
	return 0;
}

static json_t *pending_load(const char *state_dir, const char *rel)
{
	json_t *j = NULL;

	if (agent_json_load(state_dir, rel, &j))
		return NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static long long get_ll(const json_t *j, const char *key)
{
	return json_integer_value(json_object_get(j, key));
}

int agent_job_offer(const char *state_dir, const struct fp_job *job,
		    time_t now)
{
	char rel[64], dir[4096], t[32], body[512];
	json_t *j;
	int r;

	if ((r = pending_rel(rel, job->job_id)))
		return r;
	j = pending_load(state_dir, rel);
	if (j) { /* offered before: keep the deferral state */
		json_decref(j);
		return 0;
	}
	if ((r = fp_path_join(dir, sizeof(dir), state_dir, "pending")) ||
	    (r = fp_mkdir_p(dir, 0700)))
		return r;
	j = json_pack("{s:I, s:I, s:i, s:I, s:i, s:I, s:I}", "job_id",
		      (json_int_t)job->job_id, "deadline",
		      (json_int_t)job->deadline, "allow_deferrals",
		      job->allow_deferrals, "defer_seconds",
		      (json_int_t)(job->defer_seconds > 0 ? job->defer_seconds
							  : AGENT_DEFER_SECONDS),
		      "deferrals", 0, "deferred_until", (json_int_t)0,
		      "offered_at", (json_int_t)now);
	if (!j)
		return FP_ENOMEM;
	r = agent_json_save(state_dir, rel, j);
	json_decref(j);
	if (r)
		return r;
	if (job->deadline && job->allow_deferrals > 0)
		snprintf(body, sizeof(body),
			 "Updates will be installed on this machine (job %lld), at the latest at %s. To postpone: fleetpatch-agent defer %lld",
			 (long long)job->job_id, fp_time_rfc3339(job->deadline, t),
			 (long long)job->job_id);
	else if (job->deadline)
		snprintf(body, sizeof(body),
			 "Updates will be installed on this machine (job %lld), at the latest at %s.",
			 (long long)job->job_id, fp_time_rfc3339(job->deadline, t));
	else
		snprintf(body, sizeof(body),
			 "Updates will be installed on this machine now (job %lld).",
			 (long long)job->job_id);
	return agent_notify_users("updates pending", body, NULL, NULL);
}

int agent_job_defer(const char *state_dir, int64_t job_id, time_t now,
		    time_t *ret_until, int *ret_left, struct fp_diag *diag)
{
	char rel[64], t[32];
	json_t *j;
	long long deadline, max, used, secs, until;
	int r;

	if ((r = pending_rel(rel, job_id)))
		return fp_diag_set(diag, r, 0, 0, "invalid job id %lld",
				   (long long)job_id);
	j = pending_load(state_dir, rel);
	if (!j)
		return fp_diag_set(diag, FP_ENOENT, 0, 0,
				   "no pending job %lld on this host",
				   (long long)job_id);
	deadline = get_ll(j, "deadline");
	max = get_ll(j, "allow_deferrals");
	used = get_ll(j, "deferrals");
	secs = get_ll(j, "defer_seconds");
	if (deadline && now >= deadline) {
		r = fp_diag_set(diag, FP_EPERM, 0, 0,
				"job %lld is past its deadline (%s): it will not be deferred",
				(long long)job_id, fp_time_rfc3339((time_t)deadline, t));
		goto out;
	}
	if (used >= max) {
		r = fp_diag_set(diag, FP_EPERM, 0, 0,
				"job %lld may be deferred %lld time(s), all used",
				(long long)job_id, max);
		goto out;
	}
	until = now + (secs > 0 ? secs : 3600);
	if (deadline && until > deadline)
		until = deadline;
	json_object_set_new(j, "deferrals", json_integer(used + 1));
	json_object_set_new(j, "deferred_until", json_integer(until));
	r = agent_json_save(state_dir, rel, j);
	if (r) {
		fp_diag_set(diag, r, 0, 0, "%s/%s: %s", state_dir, rel, fp_strerror(r));
		goto out;
	}
	*ret_until = (time_t)until;
	*ret_left = (int)(max - used - 1);
out:
	json_decref(j);
	return r;
}

bool agent_job_is_deferred(const char *state_dir, int64_t job_id,
			   time_t now)
{
	char rel[64];
	json_t *j;
	bool deferred;
	long long deadline;

	if (pending_rel(rel, job_id))
		return false;
	j = pending_load(state_dir, rel);
	if (!j)
		return false;
	deadline = get_ll(j, "deadline");
	deferred = now < get_ll(j, "deferred_until") &&
		   (!deadline || now < deadline);
	json_decref(j);
	return deferred;
}

int agent_job_deferrals_used(const char *state_dir, int64_t job_id)
{
	char rel[64];
	json_t *j;
	long long used;

	if (pending_rel(rel, job_id))
		return 0;
	j = pending_load(state_dir, rel);
	used = j ? get_ll(j, "deferrals") : 0;
	json_decref(j);
	return used < 0 ? 0 : used > 100 ? 100 : (int)used;
}
