/* SPDX-License-Identifier: MIT */
/* Deployments and policies to and from JSON (include/fleetpatch/rollout.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/rollout.h"
#include "fleetpatch/util.h"
#include "rjson.h"
#include "rollout_int.h"

static int set_time_opt(json_t *o, const char *key, time_t t)
{
	return t ? fp__rj_set_time(o, key, t)
		 : json_object_set_new(o, key, json_null());
}

static json_t *what_json(const struct fp_deployment *dep)
{
	json_t *o = json_object(), *pk = json_array();
	int bad = !o || !pk;

	for (size_t i = 0; !bad && i < dep->n_packages; i++) {
		json_t *p = json_object();
		bad |= !p || json_array_append_new(pk, p);
		if (bad)
			break;
		bad |= json_object_set_new(p, "name",
					   json_string(dep->packages[i].name));
		if (dep->packages[i].version)
			bad |= json_object_set_new(
				p, "version",
				json_string(dep->packages[i].version));
	}
	if (!bad) {
		bad |= json_object_set_new(
			o, "selector",
			json_string(fp__selector_names[dep->selector]));
		bad |= json_object_set_new(o, "packages", pk);
		pk = NULL;
		bad |= json_object_set_new(o, "cves",
					   fp__rj_strv_json(dep->cves, dep->n_cves));
	}
	json_decref(pk);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ring_progress_json(const struct fp_deployment *dep, size_t i,
				  const struct fp_ring_counts *c)
{
	json_t *o = fp_ring_to_json(&dep->rings[i]), *counts = json_object();
	const struct fp_ring_progress *p = &dep->progress[i];
	int bad = !o || !counts;

	for (size_t s = 0; !bad && s < FP_ARRAY_SIZE(fp__host_state_names); s++)
		bad |= json_object_set_new(counts, fp__host_state_names[s],
					   json_integer((json_int_t)c->by_state[s]));
	if (!bad)
		bad |= json_object_set_new(counts, "total",
					   json_integer((json_int_t)c->total));
	if (bad) {
		json_decref(counts);
		json_decref(o);
		return NULL;
	}
	bad |= json_object_set_new(o, "state",
				   json_string(fp__ring_state_names[p->state]));
	bad |= set_time_opt(o, "started_at", p->started_at);
	bad |= set_time_opt(o, "soak_started_at", p->soak_started_at);
	bad |= set_time_opt(o, "finished_at", p->finished_at);
	bad |= json_object_set_new(o, "counts", counts);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *fp_rollout_host_to_json(const struct fp_rollout_host *h)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "host_id", json_integer(h->host_id)) ||
	    json_object_set_new(o, "ring", json_integer(h->ring)) ||
	    json_object_set_new(o, "state",
				json_string(fp_host_state_name(h->state))) ||
	    json_object_set_new(o, "job_id", json_integer(h->job_id)) ||
	    json_object_set_new(o, "attempts", json_integer(h->attempts)) ||
	    json_object_set_new(o, "handed_out",
				json_boolean(h->handed_out != 0)) ||
	    set_time_opt(o, "updated_at", h->updated_at)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *hosts_json(const struct fp_deployment *dep)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < dep->n_hosts; i++) {
		if (json_array_append_new(a, fp_rollout_host_to_json(&dep->hosts[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *fp_deployment_to_json(const struct fp_deployment *dep, bool with_hosts)
{
	struct fp_ring_counts c[FP_ROLLOUT_MAX_RINGS];
	json_t *o = json_object(), *rings = json_array();
	int bad = !o || !rings;

	fp_deployment_counts(dep, c);
	for (size_t i = 0; !bad && i < dep->n_rings; i++)
		bad |= json_array_append_new(rings,
					     ring_progress_json(dep, i, &c[i]));
	if (bad) {
		json_decref(rings);
		json_decref(o);
		return NULL;
	}
	bad |= json_object_set_new(o, "id", json_integer(dep->id));
	bad |= json_object_set_new(o, "name", json_string(dep->name));
	bad |= json_object_set_new(o, "created_by",
				   json_string(dep->created_by));
	bad |= json_object_set_new(o, "state",
				   json_string(fp__dep_state_names[dep->state]));
	bad |= json_object_set_new(o, "reason", json_string(dep->reason));
	bad |= set_time_opt(o, "created_at", dep->created_at);
	bad |= set_time_opt(o, "approved_at", dep->approved_at);
	bad |= set_time_opt(o, "finished_at", dep->finished_at);
	bad |= set_time_opt(o, "deadline", dep->deadline);
	bad |= json_object_set_new(o, "job_seq", json_integer(dep->job_seq));
	bad |= json_object_set_new(o, "what", what_json(dep));
	bad |= json_object_set_new(o, "pre_hook",
				   fp__rj_strv_json(dep->pre_hook, dep->n_pre_hook));
	bad |= json_object_set_new(o, "post_hook",
				   fp__rj_strv_json(dep->post_hook, dep->n_post_hook));
	bad |= json_object_set_new(o, "allow_deferrals",
				   json_integer(dep->allow_deferrals));
	bad |= json_object_set_new(o, "hosts_total",
				   json_integer((json_int_t)dep->n_hosts));
	bad |= json_object_set_new(o, "rings", rings);
	if (with_hosts)
		bad |= json_object_set_new(o, "hosts", hosts_json(dep));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static bool cve_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 13 || n > 32 || strncmp(s, "CVE-", 4) != 0)
		return false;
	for (i = 4; i < 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	if (s[8] != '-')
		return false;
	for (i = 9; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The "what" member, shared by API bodies and stored deployments. */
static int what_from_json(const json_t *w, struct fp_diag *d,
			  struct fp_deployment *dep)
{
	static const char *const keys[] = { "selector", "packages", "cves",
					    NULL };
	const json_t *pk = NULL;
	int sel = 0, rc;
	char where[64];

	if ((rc = fp__rj_object(w, "what", d)) ||
	    (rc = fp__rj_only(w, "what", keys, d)) ||
	    (rc = fp__rj_enum(w, "selector", "what", true, fp__selector_names,
			      FP_ARRAY_SIZE(fp__selector_names), d, &sel)) ||
	    (rc = fp__rj_array(w, "packages", "what", false,
			       FP_JOB_MAX_PACKAGES, d, &pk)) ||
	    (rc = fp__rj_strv(w, "cves", FP_ROLLOUT_MAX_CVES, 32,
				 &dep->arena, d, &dep->cves, &dep->n_cves)))
		return rc;
	dep->selector = (enum fp_selector)sel;
	for (size_t i = 0; i < dep->n_cves; i++)
		if (!cve_ok(dep->cves[i]))
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "what.cves[%zu]: not a CVE id (CVE-YYYY-NNNN)",
					   i);
	dep->n_packages = pk ? json_array_size(pk) : 0;
	if (dep->n_packages) {
		dep->packages = fp_arena_calloc(&dep->arena, dep->n_packages,
						sizeof(*dep->packages));
		if (!dep->packages)
			return fp_diag_set(d, FP_ENOMEM, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < dep->n_packages; i++) {
		const json_t *p = json_array_get(pk, i);
		struct fp_job_package *jp = &dep->packages[i];
		fp__rj_path(where, sizeof(where), "what", "packages", (long)i);
		if ((rc = fp__rj_object(p, where, d)) ||
		    (rc = fp__rj_str(p, "name", where, true, 255, &dep->arena,
				     d, &jp->name)) ||
		    (rc = fp__rj_str(p, "version", where, false, 255,
				     &dep->arena, d, &jp->version)))
			return rc;
		if (!fp_job_name_is_valid(jp->name))
			return fp__rj_fail(d, FP_EINVAL, where, "name",
					   "invalid package name");
		if (jp->version && !fp_job_version_is_valid(jp->version))
			return fp__rj_fail(d, FP_EINVAL, where, "version",
					   "invalid version");
	}
	if ((dep->selector == FP_SEL_PACKAGES) != (dep->n_packages > 0))
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "what.packages: %s",
				   dep->n_packages ? "packages only with selector \"packages\""
						   : "name at least one package");
	if ((dep->selector == FP_SEL_CVES) != (dep->n_cves > 0))
		return fp_diag_set(d, FP_EINVAL, 0, 0, "what.cves: %s",
				   dep->n_cves ? "cves only with selector \"cves\""
					       : "name at least one CVE");
	return 0;
}

static int rings_from_json(const json_t *rings, struct fp_diag *d,
			   struct fp_deployment *dep)
{
	char where[64];
	int rc;

	dep->n_rings = json_array_size(rings);
	if (dep->n_rings == 0)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "rings: at least one ring");
	for (size_t i = 0; i < dep->n_rings; i++) {
		const json_t *r = json_array_get(rings, i);
		json_t *copy;
		int st = 0;

		fp__rj_path(where, sizeof(where), NULL, "rings", (long)i);
		if ((rc = fp__rj_object(r, where, d)))
			return rc;
		/* The progress members ride along with the ring's own. */
		copy = json_deep_copy(r);
		if (!copy)
			return FP_ENOMEM;
		if ((rc = fp__rj_enum(r, "state", where, true,
				      fp__ring_state_names,
				      FP_ARRAY_SIZE(fp__ring_state_names), d, &st)) ||
		    (rc = fp__rj_time(r, "started_at", where, false, d,
				      &dep->progress[i].started_at)) ||
		    (rc = fp__rj_time(r, "soak_started_at", where, false, d,
				      &dep->progress[i].soak_started_at)) ||
		    (rc = fp__rj_time(r, "finished_at", where, false, d,
				      &dep->progress[i].finished_at))) {
			json_decref(copy);
			return rc;
		}
		dep->progress[i].state = (enum fp_ring_state)st;
		json_object_del(copy, "state");
		json_object_del(copy, "started_at");
		json_object_del(copy, "soak_started_at");
		json_object_del(copy, "finished_at");
		json_object_del(copy, "counts");
		rc = fp_ring_from_json(copy, d, &dep->rings[i]);
		json_decref(copy);
		if (rc) {
			char msg[sizeof(d->msg)];
			if (d) {
				snprintf(msg, sizeof(msg), "%s", d->msg);
				fp_diag_set(d, rc, 0, 0, "%s.%s", where, msg);
			}
			return rc;
		}
		/* A ring after a waiting ring cannot have started. */
		if (i && dep->progress[i - 1].state == FP_RING_WAITING &&
		    st != FP_RING_WAITING)
			return fp__rj_fail(d, FP_EINVAL, where, "state",
					   "ring started before the one before it");
	}
	return 0;
}

static int hosts_from_json(const json_t *hosts, struct fp_diag *d,
			   struct fp_deployment *dep)
{
	char where[64];
	int rc;

	for (size_t i = 0; i < json_array_size(hosts); i++) {
		const json_t *h = json_array_get(hosts, i);
		int64_t id = 0, ring = 0, job = 0, att = 0;
		time_t upd = 0;
		bool handed = false;
		int st = 0;
		struct fp_rollout_host *rh;

		fp__rj_path(where, sizeof(where), NULL, "hosts", (long)i);
		if ((rc = fp__rj_object(h, where, d)) ||
		    (rc = fp__rj_int(h, "host_id", where, true, 1, INT64_MAX, d,
				     &id)) ||
		    (rc = fp__rj_int(h, "ring", where, true, 0,
				     (int64_t)dep->n_rings - 1, d, &ring)) ||
		    (rc = fp__rj_enum(h, "state", where, true,
				      fp__host_state_names,
				      FP_ARRAY_SIZE(fp__host_state_names), d, &st)) ||
		    (rc = fp__rj_int(h, "job_id", where, false, 0, INT64_MAX,
				     d, &job)) ||
		    (rc = fp__rj_int(h, "attempts", where, false, 0, 255, d,
				     &att)) ||
		    (rc = fp__rj_time(h, "updated_at", where, false, d, &upd)) ||
		    (rc = fp__rj_bool(h, "handed_out", where, false, d, &handed)))
			return rc;
		rc = fp_deployment_add_host(dep, id, (size_t)ring, false);
		if (rc)
			return fp__rj_fail(d, rc, where, NULL,
					   "cannot add host");
		rh = &dep->hosts[dep->n_hosts - 1];
		rh->state = (uint8_t)st;
		rh->job_id = job;
		rh->attempts = (uint8_t)att;
		rh->updated_at = upd;
		rh->handed_out = handed && (st == FP_HOST_SENT ||
				      st == FP_HOST_RUNNING);
		if (st != FP_HOST_PENDING && st != FP_HOST_SKIPPED &&
		    dep->progress[ring].state == FP_RING_WAITING)
			return fp__rj_fail(d, FP_EINVAL, where, "state",
					   "host has a job in a ring that has not started");
	}
	return 0;
}

int fp_deployment_from_json(const json_t *j, struct fp_diag *d,
			    struct fp_deployment *dep)
{
	static const char *const keys[] = {
		"id", "name", "created_by", "state", "reason", "created_at",
		"approved_at", "finished_at", "deadline", "job_seq", "what",
		"pre_hook", "post_hook", "allow_deferrals", "rings", "hosts",
		"hosts_total", NULL
	};
	struct fp_deployment tmp;
	const json_t *rings = NULL, *hosts = NULL;
	const char *name = "", *by = "", *reason = "";
	int64_t defer = 0, dup;
	int st = 0, rc;

	fp_deployment_init(&tmp);
	if ((rc = fp__rj_object(j, "", d)) ||
	    (rc = fp__rj_only(j, "", keys, d)) ||
	    (rc = fp__rj_int(j, "id", NULL, true, 1, INT32_MAX, d, &tmp.id)) ||
	    (rc = fp__rj_str(j, "name", NULL, false, sizeof(tmp.name) - 1,
			     NULL, d, &name)) ||
	    (rc = fp__rj_str(j, "created_by", NULL, false,
			     sizeof(tmp.created_by) - 1, NULL, d, &by)) ||
	    (rc = fp__rj_str(j, "reason", NULL, false,
			     sizeof(tmp.reason) - 1, NULL, d, &reason)) ||
	    (rc = fp__rj_enum(j, "state", NULL, true, fp__dep_state_names,
			      FP_ARRAY_SIZE(fp__dep_state_names), d, &st)) ||
	    (rc = fp__rj_time(j, "created_at", NULL, false, d,
			      &tmp.created_at)) ||
	    (rc = fp__rj_time(j, "approved_at", NULL, false, d,
			      &tmp.approved_at)) ||
	    (rc = fp__rj_time(j, "finished_at", NULL, false, d,
			      &tmp.finished_at)) ||
	    (rc = fp__rj_time(j, "deadline", NULL, false, d, &tmp.deadline)) ||
	    (rc = fp__rj_int(j, "job_seq", NULL, false, 0, 0xffffffffLL, d,
			     &tmp.job_seq)) ||
	    (rc = fp__rj_int(j, "allow_deferrals", NULL, false, 0, 100, d,
			     &defer)) ||
	    (rc = fp__rj_strv(j, "pre_hook", FP_JOB_MAX_HOOK_ARGS, 4096,
				 &tmp.arena, d, &tmp.pre_hook,
				 &tmp.n_pre_hook)) ||
	    (rc = fp__rj_strv(j, "post_hook", FP_JOB_MAX_HOOK_ARGS, 4096,
				 &tmp.arena, d, &tmp.post_hook,
				 &tmp.n_post_hook)) ||
	    (rc = fp__rj_array(j, "rings", NULL, true, FP_ROLLOUT_MAX_RINGS, d,
			       &rings)) ||
	    (rc = fp__rj_array(j, "hosts", NULL, false, FP_ROLLOUT_MAX_HOSTS,
			       d, &hosts)))
		goto fail;
	if (!json_object_get(j, "what")) {
		rc = fp_diag_set(d, FP_EINVAL, 0, 0, "what: missing");
		goto fail;
	}
	if ((rc = what_from_json(json_object_get(j, "what"), d, &tmp)) ||
	    (rc = rings_from_json(rings, d, &tmp)) ||
	    (hosts && (rc = hosts_from_json(hosts, d, &tmp))))
		goto fail;
	if (tmp.pre_hook && tmp.pre_hook[0][0] != '/') {
		rc = fp_diag_set(d, FP_EINVAL, 0, 0,
				 "pre_hook[0]: must be an absolute path");
		goto fail;
	}
	if (tmp.post_hook && tmp.post_hook[0][0] != '/') {
		rc = fp_diag_set(d, FP_EINVAL, 0, 0,
				 "post_hook[0]: must be an absolute path");
		goto fail;
	}
	if (fp__rollout_sort_hosts(&tmp, &dup)) {
		rc = fp_diag_set(d, FP_EINVAL, 0, 0,
				 "hosts: host %lld listed twice",
				 (long long)dup);
		goto fail;
	}
	snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	snprintf(tmp.created_by, sizeof(tmp.created_by), "%s", by);
	snprintf(tmp.reason, sizeof(tmp.reason), "%s", reason);
	tmp.state = (enum fp_dep_state)st;
	tmp.allow_deferrals = (int)defer;
	fp_deployment_release(dep);
	*dep = tmp;
	return 0;
fail:
	fp_deployment_release(&tmp);
	return rc;
}

/* ---- policies ---- */

static int stage_from_json(const json_t *s, const char *where,
			   struct fp_diag *d, struct fp_policy_stage *st)
{
	static const char *const keys[] = { "ring", "soak",
					    "success_threshold",
					    "max_failures", "batch_size",
					    NULL };
	int64_t thr = -1, maxf = -2, batch = -1;
	const char *ring = NULL;
	int rc;

	st->soak = -1;
	if ((rc = fp__rj_object(s, where, d)) ||
	    (rc = fp__rj_only(s, where, keys, d)) ||
	    (rc = fp__rj_str(s, "ring", where, true, FP_ROLLOUT_NAME_MAX, NULL,
			     d, &ring)) ||
	    (rc = fp__rj_duration(s, "soak", where, false, 366 * 86400LL, d,
				  &st->soak)) ||
	    (rc = fp__rj_int(s, "success_threshold", where, false, 0, 100, d,
			     &thr)) ||
	    (rc = fp__rj_int(s, "max_failures", where, false, -1, 1000000, d,
			     &maxf)) ||
	    (rc = fp__rj_int(s, "batch_size", where, false, 0, 1000000, d,
			     &batch)))
		return rc;
	if (!fp_rollout_name_is_valid(ring))
		return fp__rj_fail(d, FP_EINVAL, where, "ring", "invalid name");
	snprintf(st->ring, sizeof(st->ring), "%s", ring);
	st->success_threshold = (int)thr;
	st->max_failures = (int)maxf;
	st->batch_size = (int)batch;
	return 0;
}

int fp_policy_from_json(const json_t *j, struct fp_diag *d,
			struct fp_policy *ret_policy)
{
	static const char *const keys[] = { "name", "selector", "auto_approve",
					    "enabled", "every", "deadline",
					    "reboot", "stages", NULL };
	struct fp_policy p;
	const json_t *stages = NULL;
	const char *name = NULL;
	char where[64];
	int sel = 0, reboot = -1, rc;

	memset(&p, 0, sizeof(p));
	p.enabled = true;
	p.every = 86400;
	if ((rc = fp__rj_object(j, "", d)) ||
	    (rc = fp__rj_only(j, "", keys, d)) ||
	    (rc = fp__rj_str(j, "name", NULL, true, FP_ROLLOUT_NAME_MAX, NULL,
			     d, &name)) ||
	    (rc = fp__rj_enum(j, "selector", NULL, true, fp__selector_names, 2,
			      d, &sel)) ||
	    (rc = fp__rj_bool(j, "auto_approve", NULL, false, d,
			      &p.auto_approve)) ||
	    (rc = fp__rj_bool(j, "enabled", NULL, false, d, &p.enabled)) ||
	    (rc = fp__rj_duration(j, "every", NULL, false, 366 * 86400LL, d,
				  &p.every)) ||
	    (rc = fp__rj_duration(j, "deadline", NULL, false, 366 * 86400LL,
				  d, &p.deadline)) ||
	    (rc = fp__rj_enum(j, "reboot", NULL, false,
			      (const char *const[]){ "never", "window",
						     "notify" },
			      3, d, &reboot)) ||
	    (rc = fp__rj_array(j, "stages", NULL, true, FP_ROLLOUT_MAX_RINGS,
			       d, &stages)))
		return rc;
	if (!fp_rollout_name_is_valid(name))
		return fp__rj_fail(d, FP_EINVAL, NULL, "name", "invalid name");
	if (p.every < 60)
		return fp__rj_fail(d, FP_EINVAL, NULL, "every",
				   "must be at least 1 minute");
	p.n_stages = json_array_size(stages);
	if (p.n_stages == 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "stages",
				   "at least one stage");
	for (size_t i = 0; i < p.n_stages; i++) {
		fp__rj_path(where, sizeof(where), NULL, "stages", (long)i);
		rc = stage_from_json(json_array_get(stages, i), where, d,
				     &p.stages[i]);
		if (rc)
			return rc;
		for (size_t k = 0; k < i; k++)
			if (strcmp(p.stages[k].ring, p.stages[i].ring) == 0)
				return fp__rj_fail(d, FP_EINVAL, where, "ring",
						   "ring listed twice");
	}
	snprintf(p.name, sizeof(p.name), "%s", name);
	p.selector = (enum fp_selector)sel;
	p.reboot = reboot;
	*ret_policy = p;
	return 0;
}

json_t *fp_policy_to_json(const struct fp_policy *p)
{
	json_t *o = json_object(), *stages = json_array();
	char buf[32];
	int bad = !o || !stages;

	for (size_t i = 0; !bad && i < p->n_stages; i++) {
		const struct fp_policy_stage *s = &p->stages[i];
		json_t *so = json_object();
		bad |= !so || json_array_append_new(stages, so);
		if (bad)
			break;
		bad |= json_object_set_new(so, "ring", json_string(s->ring));
		if (s->soak >= 0) {
			fp__rj_duration_text(s->soak, buf);
			bad |= json_object_set_new(so, "soak", json_string(buf));
		}
		if (s->success_threshold >= 0)
			bad |= json_object_set_new(so, "success_threshold",
						   json_integer(s->success_threshold));
		if (s->max_failures >= -1)
			bad |= json_object_set_new(so, "max_failures",
						   json_integer(s->max_failures));
		if (s->batch_size >= 0)
			bad |= json_object_set_new(so, "batch_size",
						   json_integer(s->batch_size));
	}
	if (bad) {
		json_decref(stages);
		json_decref(o);
		return NULL;
	}
	bad |= json_object_set_new(o, "name", json_string(p->name));
	bad |= json_object_set_new(o, "selector",
				   json_string(fp_selector_name(p->selector)));
	bad |= json_object_set_new(o, "auto_approve",
				   json_boolean(p->auto_approve));
	bad |= json_object_set_new(o, "enabled", json_boolean(p->enabled));
	fp__rj_duration_text(p->every, buf);
	bad |= json_object_set_new(o, "every", json_string(buf));
	if (p->deadline) {
		fp__rj_duration_text(p->deadline, buf);
		bad |= json_object_set_new(o, "deadline", json_string(buf));
	}
	if (p->reboot >= 0)
		bad |= json_object_set_new(
			o, "reboot",
			json_string(fp_reboot_policy_name(
				(enum fp_reboot_policy)p->reboot)));
	bad |= json_object_set_new(o, "stages", stages);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool fp_policy_is_due(const struct fp_policy *p, time_t last_run, time_t now)
{
	return p->enabled && (last_run == 0 || now - last_run >= p->every);
}

int fp_policy_start(const struct fp_policy *p, const struct fp_ring *rings,
		    size_t n_rings, int64_t id, time_t now,
		    struct fp_diag *d, struct fp_deployment *dep)
{
	struct fp_ring chosen[FP_ROLLOUT_MAX_RINGS];

	for (size_t i = 0; i < p->n_stages; i++) {
		const struct fp_policy_stage *s = &p->stages[i];
		size_t k;
		for (k = 0; k < n_rings; k++)
			if (strcmp(rings[k].name, s->ring) == 0)
				break;
		if (k == n_rings)
			return fp_diag_set(d, FP_ENOENT, 0, 0,
					   "policy \"%s\": stage %zu names unknown ring \"%s\"",
					   p->name, i, s->ring);
		chosen[i] = rings[k];
		if (s->soak >= 0)
			chosen[i].soak = s->soak;
		if (s->success_threshold >= 0)
			chosen[i].success_threshold = s->success_threshold;
		if (s->max_failures >= -1)
			chosen[i].max_failures = s->max_failures;
		if (s->batch_size >= 0)
			chosen[i].batch_size = s->batch_size;
		if (p->reboot >= 0)
			chosen[i].reboot = (enum fp_reboot_policy)p->reboot;
	}
	fp_deployment_release(dep);
	dep->id = id;
	snprintf(dep->name, sizeof(dep->name), "%s %s updates", p->name,
		 p->selector == FP_SEL_SECURITY ? "security" : "all");
	snprintf(dep->created_by, sizeof(dep->created_by), "policy:%.56s",
		 p->name);
	dep->selector = p->selector;
	dep->created_at = now;
	dep->deadline = p->deadline ? now + p->deadline : 0;
	dep->state = p->auto_approve ? FP_DEP_APPROVED
				     : FP_DEP_PENDING_APPROVAL;
	if (p->auto_approve)
		dep->approved_at = now;
	memcpy(dep->rings, chosen, p->n_stages * sizeof(chosen[0]));
	dep->n_rings = p->n_stages;
	return 0;
}
