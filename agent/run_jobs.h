/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_RUN_JOBS_H
#define FLEETPATCH_AGENT_RUN_JOBS_H

#include "jobs.h"
#include "state.h"

/*
 * The job side of `fleetpatch-agent run` (agent/cmd_run.c): results of
 * earlier jobs ride on every check-in as "job_results" and are forgotten
 * once the server answered 200; the signed jobs of each answer are kept
 * under state_dir/inbox/ until they ran, were refused or were replayed,
 * so a job deferred by a user or received just before a crash is not
 * lost (the server hands each job out once).
 */
#define AGENT_INBOX_MAX 64 /* jobs waiting on this host */
#define AGENT_RESULTS_PER_CHECKIN 256

struct agent_run_jobs {
	struct agent_apply_opts opts;
	struct agent_checkin_hook hook;
	int64_t notice_s; /* notice period, <0: AGENT_NOTICE_SECONDS */
	time_t next_due;  /* after apply: when the first waiting job is due
			   * (end of its notice period or deferral, at the
			   * latest its deadline); 0: none waits */
};

/* Recover an interrupted job, hook into agent_spool_deliver. */
void agent_run_jobs_start(struct agent_run_jobs *rj, const char *state_dir,
			  const char *root);

/*
 * Verify and run (or refuse) the jobs in the inbox; deferred ones and
 * ones that meet another running job stay.  Returns how many produced a
 * result to report (then check in again at once).
 */
unsigned agent_run_jobs_apply(struct agent_run_jobs *rj);

void agent_run_jobs_stop(struct agent_run_jobs *rj);

#endif
