/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_SCHEDULER_H
#define FLEETPATCHD_SCHEDULER_H

/*
 * The rollout scheduler: every deployment lives in memory as a struct
 * fp_deployment (lib/rollout) beside its stored form.  A thread ticks
 * them every FPD_TICK_SECONDS (promotion, halting, deadlines, windows,
 * policies); check-ins deliver signed jobs and feed results; the API
 * creates deployments and applies operator actions.  One mutex guards
 * it all; changed host rows are written through the store, durably before
 * a check-in or an API call is answered.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "fleetpatch/rollout.h"

#define FPD_TICK_SECONDS 2
#define FPD_JOB_LIFETIME ((int64_t)86400)
/* A handed-out job not reported within this fails ("timed out"); the
 * [rollout] job_timeout setting, at most FPD_JOB_LIFETIME. */
#define FPD_JOB_TIMEOUT_DEFAULT ((int64_t)4 * 3600)
#define FPD_MAX_JOB_RESULTS 256

struct fpd_server;
struct fp_store_feed;

/* Load windows, policies and deployments, start the tick thread. */
int fpd_sched_start(struct fpd_server *srv);
void fpd_sched_stop(struct fpd_server *srv);

/* Windows or policies changed in the store: reload them. */
int fpd_sched_reload(struct fpd_server *srv);

/*
 * A host checked in: apply its "job_results" (validated here; FP_EINVAL
 * with the path in 'd'; NULL: none), then append the signed jobs due for
 * it to 'jobs' (NULL: none).  What that changed waits for the store:
 * *ret_feed (NULL when nothing waits) goes to the store's check-in, so
 * the results and the jobs issued commit with the check-in, before the
 * answer.  When that check-in fails, fpd_sched_undeliver() takes the
 * jobs back: they go out again at the host's next check-in.
 */
int fpd_sched_checkin(struct fpd_server *srv, int64_t host_id,
		      const json_t *job_results, const struct fp_wstate *state,
		      int64_t now, json_t *jobs, struct fp_diag *d,
		      const struct fp_store_feed **ret_feed);
void fpd_sched_undeliver(struct fpd_server *srv, int64_t host_id);

/*
 * Create a deployment from an API body (see docs/api.md) or a policy
 * run: resolve ring membership, skip hosts without the named packages,
 * check, store, start.  FP_EINVAL/FP_ENOENT with the reason in 'd'.
 */
int fpd_sched_create(struct fpd_server *srv, const json_t *body,
		     const char *created_by, int64_t now, struct fp_diag *d,
		     int64_t *ret_id);

/* Operator action on deployment 'id' (FP_ENOENT, FP_ECONFLICT, ...). */
int fpd_sched_event(struct fpd_server *srv, int64_t id,
		    const struct fp_rollout_event *ev, int64_t now,
		    struct fp_diag *d);

/*
 * Operator rollback of deployment 'id' (sched_rollback.h): refusals with
 * the reason in 'd'; on success the answer of POST .../rollback.
 */
struct fpd_rb_request;
int fpd_sched_rollback(struct fpd_server *srv, int64_t id,
		       const struct fpd_rb_request *req, int64_t now,
		       struct fp_diag *d, json_t **ret);

/* JSON of one deployment (with per-host state) or of all (without). */
int fpd_sched_show(struct fpd_server *srv, int64_t id, bool with_hosts,
		   json_t **ret);
int fpd_sched_list(struct fpd_server *srv, json_t **ret);

/* One tick at 'now' (the thread calls it; tests may too). */
void fpd_sched_tick(struct fpd_server *srv, int64_t now);

#endif

/* ---- helpers for api_rings.c, api_window.c, api_policy.c, api_deploy.c ---- */
struct fpd_req;

/* Fail with a lib/rollout diag "path: message", splitting off the path. */
int fpd_fail_diag(struct fpd_req *r, int err, const struct fp_diag *d);

/*
 * Rings, windows and policies are named JSON objects of one 'kind'.
 * 'check' validates a body and returns its normalised form.
 */
typedef int fpd_obj_check(struct fpd_req *r, const json_t *body,
			  struct fp_diag *d, json_t **ret_norm);
int fpd_obj_list(struct fpd_req *r, const char *kind);
int fpd_obj_put(struct fpd_req *r, const char *kind, fpd_obj_check *check);
int fpd_obj_delete(struct fpd_req *r, const char *kind);
