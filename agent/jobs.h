/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_JOBS_H
#define FLEETPATCH_AGENT_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "fleetpatch/err.h"
#include "fleetpatch/sign.h"
#include "job_doc.h"

/*
 * Running signed jobs on this host (the agent side of deployments).
 *
 * State directory files (all 0600):
 *   server_public_key   base64 ed25519 key pinned at enrollment
 *   job.lock            flock()ed while a job runs: never two at once
 *   replay              "job_id\texpires_at\n" of every job accepted
 *   journal.json        written before a job touches the package manager,
 *                       removed when its result is saved: found at start
 *                       = the previous run was interrupted
 *   results/JOB_ID.json job results not yet delivered to the server
 *   pending/JOB_ID.json offered jobs with their deferral state
 *
 * How the check-in loop (agent/cmd_run.c) uses this:
 *   at start:        agent_jobs_recover(&opts, &report) -> report (if not
 *                    NULL) is also saved as a result, send it
 *   each job doc:    agent_job_verify() (refuse: send nothing, log);
 *                    agent_job_offer() once (tells logged-in users, keeps
 *                    deferral state); while agent_job_is_deferred() skip
 *                    it; else agent_job_apply_doc() -> result JSON
 *   each check-in:   agent_jobs_results() -> "job_results": [...]; after
 *                    the server acknowledged: agent_jobs_result_sent()
 */
#define AGENT_DEFAULT_STATE_DIR "/var/lib/fleetpatch-agent"
#define AGENT_PINNED_KEY_FILE "server_public_key"

struct agent_apply_opts {
	const char *state_dir;      /* required */
	const char *root;           /* NULL: the running system */
	const char *backend;        /* NULL: detect from root */
	const unsigned char *pk;    /* pinned key; NULL: read from state_dir */
	const char *machine_id;     /* checked against a job's "host" */
	const char *const *reboot_argv; /* NULL: systemctl reboot (live root
					 * only); set it to reboot even with
					 * --root (tests: a fake command) */
	unsigned lock_wait_s;       /* package-manager lock, default 300 */
	unsigned job_lock_wait_s;   /* another job running: wait this long */
	unsigned pm_timeout_s;      /* one package-manager run, default 3600 */
	time_t now;                 /* 0: time(NULL) (tests set it) */
};

/* State files: JSON saved atomically with mode 0600, loaded (<= 4 MiB;
 * NULL when missing or not JSON). */
int agent_state_save_json(const char *path, const json_t *j);
json_t *agent_state_load_json(const char *path);

/* Read the pinned key from state_dir/server_public_key. */
int agent_jobs_load_key(const char *state_dir,
			unsigned char ret_pk[FP_SIGN_PUBLIC_BYTES],
			struct fp_diag *diag);

/*
 * Decode and check a signed job: signature against the pinned key,
 * not expired, not seen before (replay record), meant for this host.
 * FP_ESIG (unsigned/tampered), FP_ETIMEDOUT (expired), FP_EEXIST
 * (replayed), FP_EPERM (another host), FP_EINVAL (malformed); 'diag'
 * says which.  Does not record the job: agent_job_apply_doc() does.
 */
int agent_job_verify(const void *doc, size_t len,
		     const struct agent_apply_opts *o, struct agent_job *ret_job,
		     struct fp_diag *diag);

/*
 * Verify, record in the replay file, take the host's job lock, write
 * the journal, run the job through the package-manager backend and
 * produce its result:
 *   {"job_id", "result": "succeeded"|"failed", "backend",
 *    "packages": [{"name","old_version","new_version",
 *                  "result": "succeeded"|"failed"|"unchanged","log_tail"}],
 *    "log_tail", "reboot_required", "reboot_action", "rolled_back",
 *    "error" (when failed), "rollback_error" (when impossible),
 *    "started_at", "finished_at"}
 * saved as state_dir/results/JOB_ID.json.  Returns 0 when the job ran
 * (even if it failed: see "result"), or the refusal error of
 * agent_job_verify (no result then) / FP_EBUSY when another job holds
 * the lock past job_lock_wait_s.
 */
int agent_job_apply_doc(const void *doc, size_t len,
			const struct agent_apply_opts *o, json_t **ret_result,
			struct fp_diag *diag);

/* The execution part alone, for a job already verified. */
int agent_job_execute(const struct agent_job *job,
		      const struct agent_apply_opts *o, json_t **ret_result);

/*
 * At agent start: a journal left behind means a job was interrupted.
 * Reports it ({"job_id", "result": "interrupted", "found": [...],
 * "repaired": bool, ...}, saved as its result), audits the package
 * database (dpkg half-configured, unfinished dnf transaction) and
 * repairs what the package manager can.  *ret_report is NULL when there
 * was nothing to report.
 */
int agent_jobs_recover(const struct agent_apply_opts *o, json_t **ret_report);

/* Undelivered results as a JSON array (new reference), and forget one. */
int agent_jobs_results(const char *state_dir, json_t **ret_array);
int agent_jobs_result_sent(const char *state_dir, const char *job_id);

/*
 * Deferrals.  agent_job_offer() records a verified job as pending (once;
 * later calls keep the state) and tells logged-in users, naming the
 * deadline and how to defer.  agent_job_defer() pushes it back by the
 * job's defer_seconds: FP_EPERM when max_deferrals are used up or the
 * deadline has passed, FP_ENOENT for an unknown job.  *ret_until gets
 * the new time.  agent_job_is_deferred() says whether to wait now.
 */
int agent_job_offer(const char *state_dir, const struct agent_job *job,
		    time_t now);
int agent_job_defer(const char *state_dir, const char *job_id, time_t now,
		    time_t *ret_until, int *ret_left, struct fp_diag *diag);
bool agent_job_is_deferred(const char *state_dir, const char *job_id,
			   time_t now);

#endif
