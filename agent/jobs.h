/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_JOBS_H
#define FLEETPATCH_AGENT_JOBS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "fleetpatch/err.h"
#include "fleetpatch/job.h"
#include "fleetpatch/sign.h"
#include "state.h" /* AGENT_DEFAULT_STATE_DIR, state files */

/*
 * Running signed jobs (include/fleetpatch/job.h) on this host: the agent
 * side of deployments.
 *
 * State directory files (all 0600):
 *   server.pub          base64 ed25519 key pinned at enrollment
 *   config.json         {"host_id": N, ...} written at enrollment
 *   job.lock            flock()ed while a job runs: never two at once
 *   jobs-seen.json      replay store (fp_job_seen), saved after each
 *                       accepted job before acting on it
 *   journal.json        written before a job touches the package manager,
 *                       removed when its result is saved: found at start
 *                       = the previous run was interrupted
 *   results/ID.json     job results not yet delivered to the server
 *   sent/ID.json        delivered results, kept while their job could be
 *                       handed out again (FP_JOB_MAX_LIFETIME, at most
 *                       AGENT_SENT_MAX): a job that comes again is
 *                       answered with its stored result, never re-run
 *   pending/ID.json     offered jobs with their deferral state
 *
 * How the check-in loop (agent/cmd_run.c) uses this:
 *   at start:        agent_jobs_recover(&opts, &report); a report is also
 *                    saved under results/, so it goes out with the rest
 *   each job doc:    agent_job_verify() (refused: log the diag, report
 *                    status "refused" if it has a job id); then
 *                    agent_job_offer() (tells logged-in users once, keeps
 *                    the deferral state); while agent_job_is_deferred()
 *                    and the deadline has not passed, skip it; else
 *                    agent_job_apply_doc() -> result
 *   each check-in:   agent_jobs_results() -> "job_results": [...]; once
 *                    the server acknowledged: agent_jobs_result_sent()

 */
#define AGENT_PINNED_KEY_FILE "server.pub"
#define AGENT_DEFER_SECONDS FP_JOB_DEFER_DEFAULT
#define AGENT_SENT_DIR "sent"
#define AGENT_SENT_MAX 512

struct agent_apply_opts {
	const char *state_dir;      /* required */
	const char *root;           /* NULL: the running system */
	const char *backend;        /* NULL: detect from root */
	const unsigned char *pk;    /* pinned key; NULL: read from state_dir */
	int64_t host_id;            /* 0: read from state_dir/config.json */
	const char *const *reboot_argv; /* NULL: systemctl reboot (live root
					 * only); set it to reboot even with
					 * --root (tests: a fake command) */
	unsigned lock_wait_s;       /* package-manager lock, default 300 */
	unsigned job_lock_wait_s;   /* another job running: wait this long */
	unsigned pm_timeout_s;      /* one package-manager run, default 3600 */
	time_t now;                 /* 0: time(NULL) (tests set it) */
};

/* Read the pinned key from state_dir/server.pub. */
int agent_jobs_load_key(const char *state_dir,
			unsigned char ret_pk[FP_SIGN_PUBLIC_BYTES],
			struct fp_diag *diag);

/*
 * Decode and check a signed job (fp_job_verify_text): signature against
 * the pinned key, meant for this host, not expired, not seen before in
 * the state dir's replay store.  FP_ESIG (unsigned/tampered),
 * FP_ETIMEDOUT (expired), FP_ECONFLICT (replayed), FP_EPERM (another
 * host), FP_EINVAL (malformed); 'diag' says which.  Records nothing.
 * 'ret_job' must be fp_job_init'ed.
 */
int agent_job_verify(const void *doc, size_t len,
		     const struct agent_apply_opts *o, struct fp_job *ret_job,
		     struct fp_diag *diag);

/*
 * Under the host's job lock: verify, record the job in the replay
 * store, write the journal, run the job through the package-manager
 * backend and produce its result, the fp_job_result wire form
 *   {"job_id", "status": "succeeded"|"failed"|"rolled_back"|"skipped",
 *    "started_at", "finished_at", "message", "reboot_required",
 *    "deferrals_used",
 *    "packages": [{"name","old_version","new_version","result","log_tail"}]}
 * plus "backend", "log_tail" (the last 4 KiB of everything run),
 * "rolled_back", "rollback_error" ("rollback impossible: ..."),
 * "reboot_action", "inventory_hash" and "inventory_packages" (the package
 * set re-read after the job); saved as state_dir/results/ID.json.  Returns 0 when
 * the job ran (even if it failed: see "status"), the refusal error of
 * agent_job_verify (no result then), or FP_EBUSY when another job holds
 * the lock past job_lock_wait_s.
 */
int agent_job_apply_doc(const void *doc, size_t len,
			const struct agent_apply_opts *o, json_t **ret_result,
			struct fp_diag *diag);

/* The execution part alone, for a job already verified. */
int agent_job_execute(const struct fp_job *job,
		      const struct agent_apply_opts *o, json_t **ret_result);

/*
 * At agent start: a journal left behind means a job was interrupted.
 * Reports it (status "failed", message "interrupted: ...", "found": [...],
 * "repaired": bool; saved as its result), audits the package database
 * (dpkg half-configured, unfinished transaction) and repairs what the
 * package manager can.  *ret_report is NULL when there was nothing to
 * report.
 */
int agent_jobs_recover(const struct agent_apply_opts *o, json_t **ret_report);

/*
 * Undelivered results as a JSON array (new reference); one the server
 * acknowledged moves to sent/.
 */
int agent_jobs_results(const char *state_dir, json_t **ret_array);
int agent_jobs_result_sent(const char *state_dir, int64_t job_id);

/*
 * A job that already ran came again (its replay check said so; e.g. the
 * server restarted before it stored the report): put its delivered
 * result back among the undelivered ones so it is reported again.  True
 * when it did; false when the result still waits to go out, or none is
 * kept.
 */
bool agent_jobs_report_again(const char *state_dir, int64_t job_id);
/* Keep sent/ ('dir') bounded: drop entries older than FP_JOB_MAX_LIFETIME,
 * then the oldest past AGENT_SENT_MAX. */
void agent_jobs_sent_prune(const char *dir, time_t now);

/*
 * Deferrals.  agent_job_offer() records a verified job as pending (once;
 * later calls keep the state) and tells logged-in users, naming the
 * deadline and how to defer.  agent_job_defer() pushes it back by the
 * job's defer_seconds (recording by_uid, who asked) (default AGENT_DEFER_SECONDS; never past the
 * deadline): FP_EPERM when the job's
 * allow_deferrals are used up or the deadline has passed, FP_ENOENT for
 * an unknown job.  agent_job_is_deferred() says whether to wait now;
 * agent_job_deferrals_used() is for the result.
 */
int agent_job_offer(const char *state_dir, const struct fp_job *job,
		    time_t now, int64_t notice_s);
int agent_job_defer(const char *state_dir, int64_t job_id, time_t now,
		    unsigned by_uid, time_t *ret_until, int *ret_left,
		    struct fp_diag *diag);
bool agent_job_is_deferred(const char *state_dir, int64_t job_id,
			   time_t now);

/*
 * Why and until when a pending job waits: the notice period after users
 * were told (agent_job_offer's notice_s, negative: AGENT_NOTICE_SECONDS)
 * or a user's deferral (by_uid: who deferred), never past the deadline.
 * agent_job_waiting() returns false (and leaves *ret) when it need not
 * wait; agent_job_wait_text() says it in words for logs and results.
 */
#define AGENT_NOTICE_SECONDS 300
enum agent_wait_why { AGENT_WAIT_NONE, AGENT_WAIT_NOTICE, AGENT_WAIT_DEFERRED };
struct agent_job_wait {
	enum agent_wait_why why;
	time_t until;
	long long by_uid;
};
bool agent_job_waiting(const char *state_dir, int64_t job_id, time_t now,
		       struct agent_job_wait *ret);
void agent_job_wait_text(const struct agent_job_wait *w, char *out, size_t n);
int agent_job_deferrals_used(const char *state_dir, int64_t job_id);

#endif
