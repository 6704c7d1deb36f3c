/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_SCHED_ROLLBACK_H
#define FLEETPATCHD_SCHED_ROLLBACK_H

/*
 * Rollback on request (docs/rollout.md) and the stored results of jobs,
 * for scheduler.c.  Each deployment in memory keeps the rollback jobs it
 * issued that are not reported yet; the scheduler's mutex guards them.
 * A rollback job is signed and stored (deployment_jobs) when the
 * operator asks for it, handed out at its host's next check-in (again,
 * byte for byte, after a restart), and times out like any job.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/rollout.h"

struct fpd_server;

struct fpd_rb_job {
	int64_t host_id, job_id;
	json_t *env;        /* the signed envelope */
	time_t expires_at;
	time_t handed_at;   /* 0: not handed out since the server started */
};

struct fpd_rollbacks {
	struct fpd_rb_job *v; /* running rollbacks, one per host at most */
	size_t n;
};

void fpd_rb_release(struct fpd_rollbacks *rb);
/* Does a rollback of this deployment still run on the host? */
bool fpd_rb_holds(const struct fpd_rollbacks *rb, int64_t host_id);

/* What an operator asked to roll back. */
struct fpd_rb_request {
	const char *ring;     /* NULL: every ring */
	const int64_t *hosts; /* none: every host (of the ring) */
	size_t n_hosts;
};

/*
 * Check the request against 'dep' and what its jobs installed (the
 * stored results), plan and sign one rollback job per host that has
 * something to roll back.  Refusals (nothing changed): FP_ENOENT for an
 * unknown ring or a host not in the deployment (or not in the ring),
 * FP_ECONFLICT for a host whose rollback is still running or whose job
 * is still in flight, and when the deployment installed nothing on the
 * selected hosts; 'd' says what and why.  On success dep->job_seq
 * counts the new jobs (store the deployment before committing) and
 * *ret_plan is {"deployment_id", "rollbacks": [{"host_id", "job_id",
 * "packages": [{"name", "version"}], "envelope"}], "nothing_to_roll_back":
 * [{"host_id", "reason"}]}.
 */
int fpd_rb_prepare(struct fpd_server *srv, struct fp_deployment *dep,
		   const struct fpd_rollbacks *rb,
		   const struct fpd_rb_request *req, int64_t now,
		   struct fp_diag *d, json_t **ret_plan);

/* Store the planned jobs in one transaction, then keep them running;
 * the envelopes leave the plan, which becomes the API's answer. */
int fpd_rb_commit(struct fpd_server *srv, int64_t dep_id,
		  struct fpd_rollbacks *rb, json_t *plan);

/* A stored, unreported rollback row found at start (job_list form). */
void fpd_rb_restore(struct fpd_server *srv, struct fpd_rollbacks *rb,
		    const json_t *row, int64_t now);

/* Append the host's rollback job to a check-in answer, once. */
int fpd_rb_deliver(struct fpd_rollbacks *rb, int64_t host_id, int64_t now,
		   json_t *jobs);

/*
 * A host reported on a job of this deployment that is not its install
 * job: when it is the host's running rollback, store the result and
 * forget the job (1); 0 otherwise; < 0 when storing failed.
 */
int fpd_rb_result(struct fpd_server *srv, struct fpd_rollbacks *rb,
		  int64_t host_id, const struct fp_job_result *r, int64_t now);

/* Rollbacks handed out and not reported within 'timeout', or never
 * handed out before they expired, fail. */
void fpd_rb_tick(struct fpd_server *srv, int64_t dep_id,
		 struct fpd_rollbacks *rb, int64_t timeout, int64_t now);

/* What the server stores of a job's result (no log tails, no id), as
 * compact JSON text to free(); NULL when out of memory. */
char *fpd_job_result_text(const struct fp_job_result *r);
/* Store a host's final report of a job (running/deferred are not). */
int fpd_job_store_report(struct fpd_server *srv,
			 const struct fp_job_result *r, int64_t now);
/* A failed result for the server's own reason ('why' is not copied). */
void fpd_job_failure(struct fp_job_result *r, int64_t job_id,
		     const char *why, int64_t now);
/* Store that a job failed for the server's own reason ("timed out"). */
void fpd_job_store_failure(struct fpd_server *srv, int64_t job_id,
			   const char *message, int64_t now);

#endif
