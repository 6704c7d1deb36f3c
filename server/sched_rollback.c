/* SPDX-License-Identifier: MIT */
/* Rollback on request and stored job results (sched_rollback.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "sched_rollback.h"
#include "scheduler.h"
#include "server.h"

/* A rollback handed out after a restart needs this much life left. */
#define RB_MIN_LIFE 600

void fpd_rb_release(struct fpd_rollbacks *rb)
{
	for (size_t i = 0; i < rb->n; i++)
		json_decref(rb->v[i].env);
	fp_free(rb->v);
	rb->v = NULL;
	rb->n = 0;
}

static struct fpd_rb_job *rb_find(const struct fpd_rollbacks *rb,
				  int64_t host_id)
{
	for (size_t i = 0; i < rb->n; i++)
		if (rb->v[i].host_id == host_id)
			return &rb->v[i];
	return NULL;
}

bool fpd_rb_holds(const struct fpd_rollbacks *rb, int64_t host_id)
{
	return rb_find(rb, host_id) != NULL;
}

static void rb_remove(struct fpd_rollbacks *rb, struct fpd_rb_job *j)
{
	json_decref(j->env);
	*j = rb->v[--rb->n];
}

static int rb_add(struct fpd_rollbacks *rb, int64_t host_id, int64_t job_id,
		  json_t *env, time_t expires_at)
{
	struct fpd_rb_job *nv = fp_reallocarray(rb->v, rb->n + 1, sizeof(*nv));

	if (!nv)
		return FP_ENOMEM;
	rb->v = nv;
	rb->v[rb->n++] = (struct fpd_rb_job){ host_id, job_id, env, expires_at,
					      0 };
	return 0;
}

/* ---- stored results ---- */

char *fpd_job_result_text(const struct fp_job_result *r)
{
	json_t *j = fp_job_result_to_json(r), *p;
	char *text;
	size_t i;

	json_array_foreach(json_object_get(j, "packages"), i, p)
		json_object_del(p, "log_tail");
	json_object_del(j, "job_id");
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}

int fpd_job_store_report(struct fpd_server *srv,
			 const struct fp_job_result *r, int64_t now)
{
	char *text;
	int rc;

	if (r->status == FP_JOB_RUNNING || r->status == FP_JOB_DEFERRED)
		return 0;
	text = fpd_job_result_text(r);
	if (!text)
		return FP_ENOMEM;
	rc = srv->store->ops->job_report(srv->store, r->job_id,
					 fp_job_status_name(r->status), text,
					 now);
	free(text); /* jansson's allocator */
	if (rc == FP_ENOENT)
		rc = 0; /* issued before jobs were stored */
	return rc;
}

void fpd_job_failure(struct fp_job_result *r, int64_t job_id,
		     const char *why, int64_t now)
{
	fp_job_result_init(r);
	r->job_id = job_id;
	r->status = FP_JOB_FAILED;
	r->finished_at = (time_t)now;
	r->message = why; /* not in the arena: release leaves it alone */
}

void fpd_job_store_failure(struct fpd_server *srv, int64_t job_id,
			   const char *message, int64_t now)
{
	struct fp_job_result r;

	fpd_job_failure(&r, job_id, message, now);
	if (fpd_job_store_report(srv, &r, now))
		fpd_err("job %lld: cannot store its result (%s)",
			(long long)job_id, message);
	fp_job_result_release(&r);
}

/* ---- the request ---- */

static int ring_index(const struct fp_deployment *dep, const char *name,
		      struct fp_diag *d, size_t *ret)
{
	char names[256] = "";

	for (size_t i = 0; i < dep->n_rings; i++) {
		size_t l = strlen(names);
		if (!strcmp(dep->rings[i].name, name)) {
			*ret = i;
			return 0;
		}
		snprintf(names + l, sizeof(names) - l, "%s%s", i ? ", " : "",
			 dep->rings[i].name);
	}
	return fp_diag_set(d, FP_ENOENT, 0, 0,
			   "ring: deployment %lld has no ring \"%.64s\" (its rings: %s)",
			   (long long)dep->id, name, names);
}

/* Mark the selected host indexes in 'pick' (dep->n_hosts bytes). */
static int select_hosts(const struct fp_deployment *dep,
			const struct fpd_rb_request *req, uint8_t *pick,
			struct fp_diag *d)
{
	size_t ring = 0;
	int rc;

	if (req->ring && (rc = ring_index(dep, req->ring, d, &ring)))
		return rc;
	for (size_t i = 0; i < req->n_hosts; i++) {
		const struct fp_rollout_host *h = fp_deployment_host(dep, req->hosts[i]);
		if (!h)
			return fp_diag_set(d, FP_ENOENT, 0, 0,
					   "hosts[%zu]: host %lld is not part of deployment %lld",
					   i, (long long)req->hosts[i], (long long)dep->id);
		if (req->ring && h->ring != ring)
			return fp_diag_set(d, FP_ENOENT, 0, 0,
					   "hosts[%zu]: host %lld is in ring \"%s\", not \"%s\"",
					   i, (long long)h->host_id,
					   dep->rings[h->ring].name, req->ring);
		pick[h - dep->hosts] = 1;
	}
	if (req->n_hosts)
		return 0;
	for (size_t k = 0; k < dep->n_hosts; k++)
		pick[k] = !req->ring || dep->hosts[k].ring == ring;
	return 0;
}

/* Nothing is issued while a selected host is busy with this deployment. */
static int check_busy(const struct fp_deployment *dep,
		      const struct fpd_rollbacks *rb, const uint8_t *pick,
		      struct fp_diag *d)
{
	for (size_t k = 0; k < dep->n_hosts; k++) {
		const struct fp_rollout_host *h = &dep->hosts[k];
		const struct fpd_rb_job *j;
		if (!pick[k])
			continue;
		if ((j = rb_find(rb, h->host_id)))
			return fp_diag_set(d, FP_ECONFLICT, 0, 0,
					   "host %lld: rollback job %lld of deployment %lld is still running; wait for its result",
					   (long long)h->host_id, (long long)j->job_id,
					   (long long)dep->id);
		if (h->state == FP_HOST_SENT || h->state == FP_HOST_RUNNING ||
		    h->state == FP_HOST_DEFERRED)
			return fp_diag_set(d, FP_ECONFLICT, 0, 0,
					   "host %lld: its job %lld of deployment %lld is still %s; roll back once it reported",
					   (long long)h->host_id, (long long)h->job_id,
					   (long long)dep->id, fp_host_state_name(h->state));
	}
	return 0;
}

/* Add a stored install row's result to the host's plan. */
static int plan_row(struct fp_rollback_plan *plan, const json_t *row,
		    struct fp_diag *d)
{
	json_t *res = json_object_get(row, "result");
	struct fp_job_result r;
	json_t *copy;
	int rc;

	if (strcmp(json_string_value(json_object_get(row, "action")), "install") ||
	    !json_is_object(res))
		return 0;
	copy = json_copy(res);
	if (!copy)
		return FP_ENOMEM;
	json_object_set(copy, "job_id", json_object_get(row, "job_id"));
	fp_job_result_init(&r);
	rc = fp_job_result_from_json(copy, &r, d);
	if (!rc)
		rc = fp_rollback_plan_add(plan, &r, d);
	fp_job_result_release(&r);
	json_decref(copy);
	return rc;
}

static json_t *plan_packages(const struct fp_rollback_plan *plan)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < plan->n_packages; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "name",
						   plan->packages[i].name,
						   "version",
						   plan->packages[i].version));
	return a;
}

static int sign_rollback(struct fpd_server *srv, const struct fp_deployment *dep,
			 int64_t host_id, int64_t job_id,
			 const struct fp_rollback_plan *plan, int64_t now,
			 struct fp_diag *d, json_t **ret_env)
{
	struct fp_job job;
	int rc;

	fp_job_init(&job);
	job.job_id = job_id;
	job.host_id = host_id;
	job.deployment_id = dep->id;
	job.issued_at = (time_t)now;
	job.expires_at = (time_t)(now + FPD_JOB_LIFETIME);
	job.action = FP_JOB_ROLLBACK;
	job.packages = plan->packages;
	job.n_packages = plan->n_packages;
	job.reboot = FP_REBOOT_NEVER;
	if (!(rc = fp_job_new_nonce(&job)))
		rc = fp_job_sign(&job, &srv->key, d, ret_env);
	job.packages = NULL;
	job.n_packages = 0;
	fp_job_release(&job);
	return rc;
}

/* One host: its plan from the stored rows [*pos...] of its host id. */
static int plan_host(struct fpd_server *srv, const struct fp_deployment *dep,
		     int64_t host_id, const json_t *rows, size_t *pos,
		     int64_t job_id, int64_t now, json_t *done, json_t *nothing)
{
	struct fp_rollback_plan plan;
	struct fp_diag d;
	json_t *env = NULL;
	char why[320];
	int rc = 0;

	fp_rollback_plan_init(&plan);
	fp_diag_init(&d, NULL);
	for (; *pos < json_array_size(rows); (*pos)++) {
		const json_t *row = json_array_get(rows, *pos);
		json_int_t h = json_integer_value(json_object_get(row, "host_id"));
		if (h > host_id)
			break;
		if (h == host_id && !rc)
			rc = plan_row(&plan, row, &d);
	}
	if (rc == FP_ENOMEM)
		goto out;
	if (rc || plan.n_packages == 0) {
		if (rc)
			snprintf(why, sizeof(why), "cannot roll back: %s", d.msg);
		else if (plan.n_new)
			snprintf(why, sizeof(why),
				 "deployment %lld only installed new packages here (%zu); a rollback never removes packages",
				 (long long)dep->id, plan.n_new);
		else
			snprintf(why, sizeof(why),
				 "deployment %lld changed no package version here",
				 (long long)dep->id);
		rc = json_array_append_new(nothing, json_pack("{s:I, s:s}", "host_id",
							      (json_int_t)host_id,
							      "reason", why))
			     ? FP_ENOMEM : 0;
		goto out;
	}
	rc = sign_rollback(srv, dep, host_id, job_id, &plan, now, &d, &env);
	if (rc) {
		fpd_err("deployment %lld: cannot sign rollback job %lld: %s",
			(long long)dep->id, (long long)job_id, d.msg);
		goto out;
	}
	rc = json_array_append_new(done, json_pack("{s:I, s:I, s:o, s:o}",
						   "host_id", (json_int_t)host_id,
						   "job_id", (json_int_t)job_id,
						   "packages", plan_packages(&plan),
						   "envelope", env))
		     ? FP_ENOMEM : 1;
out:
	fp_rollback_plan_release(&plan);
	return rc;
}

int fpd_rb_prepare(struct fpd_server *srv, struct fp_deployment *dep,
		   const struct fpd_rollbacks *rb,
		   const struct fpd_rb_request *req, int64_t now,
		   struct fp_diag *d, json_t **ret_plan)
{
	uint8_t *pick = fp_calloc(dep->n_hosts ? dep->n_hosts : 1, 1);
	json_t *rows = NULL, *done = json_array(), *nothing = json_array();
	size_t pos = 0, n_picked = 0;
	int64_t seq = dep->job_seq;
	int rc;

	if (!pick || !done || !nothing) {
		rc = FP_ENOMEM;
		goto out;
	}
	if ((rc = select_hosts(dep, req, pick, d)) ||
	    (rc = check_busy(dep, rb, pick, d)) ||
	    (rc = srv->store->ops->job_list(srv->store, dep->id, false, &rows)))
		goto out;
	for (size_t k = 0; k < dep->n_hosts; k++) {
		if (!pick[k])
			continue;
		n_picked++;
		rc = plan_host(srv, dep, dep->hosts[k].host_id, rows, &pos,
			       fp_rollout_job_id(dep->id, seq + 1), now, done,
			       nothing);
		if (rc < 0)
			goto out;
		seq += rc; /* 1: a job was planned */
		rc = 0;
	}
	if (json_array_size(done) == 0) {
		if (n_picked == 1)
			rc = fp_diag_set(d, FP_ECONFLICT, 0, 0,
					 "nothing to roll back: %s",
					 json_string_value(json_object_get(
						 json_array_get(nothing, 0), "reason")));
		else
			rc = fp_diag_set(d, FP_ECONFLICT, 0, 0,
					 "nothing to roll back: deployment %lld changed no package version on the %zu selected hosts",
					 (long long)dep->id, n_picked);
		goto out;
	}
	*ret_plan = json_pack("{s:I, s:O, s:O}", "deployment_id",
			      (json_int_t)dep->id, "rollbacks", done,
			      "nothing_to_roll_back", nothing);
	if (!*ret_plan) {
		rc = FP_ENOMEM;
		goto out;
	}
	dep->job_seq = seq;
out:
	json_decref(rows);
	json_decref(done);
	json_decref(nothing);
	fp_free(pick);
	return rc;
}

int fpd_rb_commit(struct fpd_server *srv, int64_t dep_id,
		  struct fpd_rollbacks *rb, json_t *plan)
{
	json_t *done = json_object_get(plan, "rollbacks"), *e;
	size_t n = json_array_size(done), i;
	struct fp_store_job *rows = fp_calloc(n ? n : 1, sizeof(*rows));
	char **texts = fp_calloc(n ? n : 1, sizeof(*texts));
	int rc = rows && texts ? 0 : FP_ENOMEM;

	json_array_foreach(done, i, e) {
		json_t *env = json_object_get(e, "envelope");
		json_t *p = json_loads(json_string_value(json_object_get(env, "payload")),
				       0, NULL);
		const char *iss = json_string_value(json_object_get(p, "issued_at"));
		const char *exp = json_string_value(json_object_get(p, "expires_at"));
		time_t ti = 0, te = 0;

		if (rc || !(texts[i] = json_dumps(env, JSON_COMPACT)) || !iss || !exp ||
		    fp_time_parse_rfc3339(iss, &ti) || fp_time_parse_rfc3339(exp, &te))
			rc = rc ? rc : FP_ENOMEM;
		json_decref(p);
		if (rc)
			break;
		rows[i] = (struct fp_store_job){
			.job_id = json_integer_value(json_object_get(e, "job_id")),
			.deployment_id = dep_id,
			.host_id = json_integer_value(json_object_get(e, "host_id")),
			.action = "rollback", .envelope = texts[i],
			.issued_at = (int64_t)ti, .expires_at = (int64_t)te,
		};
	}
	/* All or nothing: one transaction, then memory. */
	if (!rc)
		rc = srv->store->ops->jobs_issue(srv->store, rows, n);
	for (i = 0; !rc && i < n; i++) {
		e = json_array_get(done, i);
		rc = rb_add(rb, rows[i].host_id, rows[i].job_id,
			    json_incref(json_object_get(e, "envelope")),
			    (time_t)rows[i].expires_at);
		if (rc)
			json_decref(json_object_get(e, "envelope"));
	}
	json_array_foreach(done, i, e)
		json_object_del(e, "envelope");
	for (i = 0; texts && i < n; i++)
		free(texts[i]); /* jansson's allocator */
	fp_free(texts);
	fp_free(rows);
	return rc;
}

void fpd_rb_restore(struct fpd_server *srv, struct fpd_rollbacks *rb,
		    const json_t *row, int64_t now)
{
	int64_t job = json_integer_value(json_object_get(row, "job_id"));
	int64_t exp = json_integer_value(json_object_get(row, "expires_at"));
	const char *text = json_string_value(json_object_get(row, "envelope"));
	json_t *env = exp > now + RB_MIN_LIFE && text ? json_loads(text, 0, NULL)
						       : NULL;

	if (!env || rb_add(rb, json_integer_value(json_object_get(row, "host_id")),
			   job, env, (time_t)exp)) {
		json_decref(env);
		fpd_job_store_failure(srv, job,
				      "expired: the host did not check in while the job was valid",
				      now);
	}
}

int fpd_rb_deliver(struct fpd_rollbacks *rb, int64_t host_id, int64_t now,
		   json_t *jobs)
{
	struct fpd_rb_job *j = rb_find(rb, host_id);

	if (!j || j->handed_at)
		return 0;
	if (json_array_append(jobs, j->env))
		return FP_ENOMEM;
	j->handed_at = (time_t)now;
	return 0;
}

int fpd_rb_result(struct fpd_server *srv, struct fpd_rollbacks *rb,
		  int64_t host_id, const struct fp_job_result *r, int64_t now)
{
	struct fpd_rb_job *j = rb_find(rb, host_id);
	int rc;

	if (!j || j->job_id != r->job_id || r->status == FP_JOB_RUNNING ||
	    r->status == FP_JOB_DEFERRED)
		return 0;
	rc = fpd_job_store_report(srv, r, now);
	if (rc)
		return rc;
	fpd_info("host %lld rollback job %lld: %s", (long long)host_id,
		 (long long)r->job_id,
		 fp_rollback_state_name(fp_rollback_outcome(r->status, r->message)));
	rb_remove(rb, j);
	return 1;
}

void fpd_rb_tick(struct fpd_server *srv, int64_t dep_id,
		 struct fpd_rollbacks *rb, int64_t timeout, int64_t now)
{
	char why[96];

	for (size_t i = rb->n; i-- > 0;) {
		struct fpd_rb_job *j = &rb->v[i];
		if (j->handed_at && timeout > 0 && now - j->handed_at >= timeout)
			snprintf(why, sizeof(why),
				 "timed out: handed out and not reported within %llds",
				 (long long)timeout);
		else if (!j->handed_at && now >= j->expires_at)
			snprintf(why, sizeof(why),
				 "expired: the host did not check in while the job was valid");
		else
			continue;
		fpd_warn("deployment %lld: host %lld rollback job %lld %s",
			 (long long)dep_id, (long long)j->host_id,
			 (long long)j->job_id, why);
		fpd_job_store_failure(srv, j->job_id, why, now);
		rb_remove(rb, j);
	}
}
