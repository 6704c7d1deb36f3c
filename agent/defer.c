/* SPDX-License-Identifier: MIT */
/* Pending jobs and their deferrals (see jobs.h). */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fleetpatch/util.h"
#include "jobs.h"
#include "notify.h"

/*
 * After users were told about a job they may defer, it waits this long
 * (never past its deadline) so that they can: the server hands a job out
 * when the window opens, and running it at once would leave no one the
 * time to type `fleetpatch-agent defer`.
 */

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

/* What users are told when a job is offered: packages, window,
 * deadline and how to defer. */
static int offer_body(const struct fp_job *job, struct fp_buf *b)
{
	char t1[32], t2[32];
	size_t shown = job->n_packages < 8 ? job->n_packages : 8;
	int left = job->allow_deferrals;
	long long mins;
	int r;

	r = fp_buf_addf(b, "Updates will be installed on this machine (job %lld)",
			(long long)job->job_id);
	for (size_t i = 0; r == 0 && i < shown; i++) {
		const struct fp_job_package *p = &job->packages[i];
		r = fp_buf_addf(b, "%s%s%s%s", i ? ", " : ": ", p->name,
				p->version ? " " : "", p->version ? p->version : "");
	}
	if (r == 0 && job->n_packages > shown)
		r = fp_buf_addf(b, " and %zu more", job->n_packages - shown);
	if (r == 0 && job->window_start && job->window_end)
		r = fp_buf_addf(b, ", in the maintenance window %s to %s",
				fp_time_rfc3339(job->window_start, t1),
				fp_time_rfc3339(job->window_end, t2));
	else if (r == 0 && job->window_end)
		r = fp_buf_addf(b, ", in the maintenance window ending %s",
				fp_time_rfc3339(job->window_end, t1));
	else if (r == 0 && job->window_start)
		r = fp_buf_addf(b, ", in the maintenance window from %s",
				fp_time_rfc3339(job->window_start, t1));
	if (r == 0 && job->deadline)
		r = fp_buf_addf(b, ", at the latest at %s.",
				fp_time_rfc3339(job->deadline, t1));
	else if (r == 0)
		r = fp_buf_adds(b, job->window_start || job->window_end ? "." : ", now.");
	if (r || !job->deadline || left <= 0)
		return r;
	mins = (job->defer_seconds > 0 ? job->defer_seconds : AGENT_DEFER_SECONDS) / 60;
	return fp_buf_addf(b,
			   " To postpone it by %lld min (%d time%s at most, never past the deadline), run: fleetpatch-agent defer %lld",
			   mins > 0 ? mins : 1, left, left == 1 ? "" : "s",
			   (long long)job->job_id);
}

int agent_job_offer(const char *state_dir, const struct fp_job *job,
		    time_t now, int64_t notice_s)
{
	char rel[64], dir[4096];
	struct fp_buf body;
	unsigned told = 0;
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
	if ((r = agent_json_save(state_dir, rel, j)))
		goto out;
	fp_buf_init(&body, 4 * NOTIFY_BODY_MAX);
	r = offer_body(job, &body);
	if (r == 0 || r == FP_ETOOBIG) /* a cut text is still worth telling */
		r = agent_notify_users("updates pending", body.data, NULL, &told);
	fp_buf_release(&body);
	/* Users who were told they may postpone get the time to do so. */
	if (r == 0 && told > 0 && job->allow_deferrals > 0 &&
	    job->deadline > now) {
		time_t until = now + (notice_s >= 0 ? notice_s
						    : AGENT_NOTICE_SECONDS);
		if (until > job->deadline)
			until = job->deadline;
		json_object_set_new(j, "notice_until", json_integer(until));
		r = agent_json_save(state_dir, rel, j);
	}
out:
	json_decref(j);
	return r;
}

/*
 * Lock the pending/ directory: two users deferring at once must not both
 * take the last deferral.  FP_ENOENT: nothing was ever offered here.
 */
static int pending_lock(const char *state_dir, int *ret_fd,
			struct fp_diag *diag)
{
	char dir[4096];
	int fd, r;

	if ((r = fp_path_join(dir, sizeof(dir), state_dir, "pending")))
		return fp_diag_set(diag, r, 0, 0, "%s: path too long", state_dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return fp_diag_set(diag, FP_EPERM, 0, 0,
				   "%s: permission denied: deferring a job needs root (sudo fleetpatch-agent defer)",
				   state_dir);
	if (fd < 0)
		return FP_ENOENT;
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			close(fd);
			return fp_diag_set(diag, FP_EIO, 0, 0, "%s: cannot lock: %s",
					   dir, strerror(errno));
		}
	}
	*ret_fd = fd;
	return 0;
}

int agent_job_defer(const char *state_dir, int64_t job_id, time_t now,
		    unsigned by_uid, time_t *ret_until, int *ret_left,
		    struct fp_diag *diag)
{
	char rel[64], t[32];
	json_t *j = NULL;
	long long deadline, max, used, secs, until;
	int r, lock_fd = -1;

	if ((r = pending_rel(rel, job_id)))
		return fp_diag_set(diag, r, 0, 0, "invalid job id %lld",
				   (long long)job_id);
	r = pending_lock(state_dir, &lock_fd, diag);
	if (r == 0)
		j = pending_load(state_dir, rel);
	if (r == FP_ENOENT || (r == 0 && !j))
		r = fp_diag_set(diag, FP_ENOENT, 0, 0,
				"no pending job %lld on this host",
				(long long)job_id);
	if (r)
		goto out;
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
				max > 0 ? "job %lld may be deferred %lld time(s), all used"
					: "job %lld may not be deferred (%lld deferrals allowed)",
				(long long)job_id, max);
		goto out;
	}
	until = now + (secs > 0 ? secs : AGENT_DEFER_SECONDS);
	if (deadline && until > deadline)
		until = deadline;
	json_object_set_new(j, "deferrals", json_integer(used + 1));
	json_object_set_new(j, "deferred_until", json_integer(until));
	json_object_set_new(j, "deferred_by", json_integer(by_uid));
	r = agent_json_save(state_dir, rel, j);
	if (r) {
		fp_diag_set(diag, r, 0, 0, "%s/%s: %s", state_dir, rel, fp_strerror(r));
		goto out;
	}
	*ret_until = (time_t)until;
	*ret_left = (int)(max - used - 1);
out:
	json_decref(j);
	if (lock_fd >= 0)
		close(lock_fd);
	return r;
}

bool agent_job_waiting(const char *state_dir, int64_t job_id, time_t now,
		       struct agent_job_wait *ret)
{
	char rel[64];
	json_t *j;
	long long deadline, deferred, notice;
	struct agent_job_wait w = { 0 };

	if (pending_rel(rel, job_id) || !(j = pending_load(state_dir, rel)))
		return false;
	deadline = get_ll(j, "deadline");
	deferred = get_ll(j, "deferred_until");
	notice = get_ll(j, "notice_until");
	if (now < deferred && deferred >= notice) {
		w.why = AGENT_WAIT_DEFERRED;
		w.until = (time_t)deferred;
		w.by_uid = get_ll(j, "deferred_by");
	} else if (now < notice) {
		w.why = AGENT_WAIT_NOTICE;
		w.until = (time_t)notice;
	}
	json_decref(j);
	if (deadline && w.until > deadline)
		w.until = (time_t)deadline;
	if (w.why == AGENT_WAIT_NONE || now >= w.until)
		return false;
	*ret = w;
	return true;
}

bool agent_job_is_deferred(const char *state_dir, int64_t job_id,
			   time_t now)
{
	struct agent_job_wait w;

	return agent_job_waiting(state_dir, job_id, now, &w);
}

void agent_job_wait_text(const struct agent_job_wait *w, char *out, size_t n)
{
	char t[32], pwbuf[1024];
	struct passwd pw, *pwp = NULL;

	fp_time_rfc3339(w->until, t);
	if (w->why == AGENT_WAIT_NOTICE) {
		snprintf(out, n, "waiting until %s: users were told and may defer it (notice period)", t);
		return;
	}
	if (w->by_uid >= 0 && w->by_uid < 0x7fffffff &&
	    getpwuid_r((uid_t)w->by_uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0)
		pwp = NULL;
	snprintf(out, n, "deferred by the user %s (uid %lld) until %s",
		 pwp ? pwp->pw_name : "?", w->by_uid, t);
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
