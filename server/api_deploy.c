/* SPDX-License-Identifier: MIT */
/*
 * /api/v1/deployments: create, list, show (per ring and per host) and the
 * operator actions approve, pause, resume, cancel, retry.
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "sched_rollback.h"
#include "scheduler.h"
#include "server.h"

#define MAX_RETRY_HOSTS 10000

int api_deploy_list(struct fpd_req *r)
{
	return fpd_sched_list(r->srv, &r->resp);
}

int api_deploy_create(struct fpd_req *r)
{
	json_error_t jerr;
	json_t *body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
				  &jerr);
	struct fp_diag d;
	int64_t id = 0;
	int rc;

	if (!body)
		return fpd_fail(r, FP_EINVAL, NULL, "body is not JSON: %s",
				jerr.text);
	fp_diag_init(&d, NULL);
	rc = fpd_sched_create(r->srv, body, r->who.user, r->now, &d, &id);
	json_decref(body);
	if (rc)
		return d.msg[0] ? fpd_fail_diag(r, rc, &d) : rc;
	fpd_audit(r, "deployment.create", NULL, "deployment %lld", (long long)id);
	r->status = 201;
	return fpd_sched_show(r->srv, id, false, &r->resp);
}

/* A host's latest rollback: {"job_id", "state", "message", "requested_at",
 * "packages": [{"name", "old_version", "new_version"}] once reported}. */
static json_t *rollback_json(const json_t *row)
{
	const json_t *res = json_object_get(row, "result"), *p;
	const char *msg = json_string_value(json_object_get(res, "message"));
	enum fp_job_status st;
	enum fp_rollback_state rs = FP_RB_RUNNING;
	char at[32];
	json_t *o, *pk;
	size_t i;

	if (fp_job_status_from_name(json_string_value(json_object_get(row, "status")),
				    &st) == 0)
		rs = fp_rollback_outcome(st, msg);
	fp_time_rfc3339((time_t)json_integer_value(json_object_get(row, "issued_at")),
			at);
	o = json_pack("{s:O, s:s, s:s?, s:s}", "job_id",
		      json_object_get(row, "job_id"), "state",
		      fp_rollback_state_name(rs), "message", msg,
		      "requested_at", at);
	pk = json_array();
	json_array_foreach(json_object_get(res, "packages"), i, p)
		json_array_append_new(pk, json_pack(
			"{s:O, s:O, s:O}", "name", json_object_get(p, "name"),
			"old_version", json_object_get(p, "old_version")
				? json_object_get(p, "old_version") : json_null(),
			"new_version", json_object_get(p, "new_version")
				? json_object_get(p, "new_version") : json_null()));
	if (o)
		json_object_set_new(o, "packages", pk);
	else
		json_decref(pk);
	return o;
}

/* Per host: the stored result of its current job and its latest
 * rollback (a merge by host id). */
static int add_job_details(struct fpd_server *srv, int64_t id, json_t *dep)
{
	json_t *hosts = json_object_get(dep, "hosts"), *rows = NULL;
	size_t k = 0;
	int rc;

	if (!json_array_size(hosts))
		return 0;
	rc = srv->store->ops->job_list(srv->store, id, false, &rows);
	if (rc)
		return rc;
	for (size_t i = 0; i < json_array_size(rows); i++) {
		json_t *row = json_array_get(rows, i), *h = NULL, *res;
		json_int_t hid = json_integer_value(json_object_get(row, "host_id"));

		while (k < json_array_size(hosts) &&
		       json_integer_value(json_object_get(json_array_get(hosts, k),
							  "host_id")) < hid)
			k++;
		if (k < json_array_size(hosts) &&
		    json_integer_value(json_object_get(json_array_get(hosts, k),
						       "host_id")) == hid)
			h = json_array_get(hosts, k);
		res = json_object_get(row, "result");
		if (h && !strcmp(json_string_value(json_object_get(row, "action")),
				 "rollback")) {
			/* rows come by job id: the latest rollback wins */
			json_object_set_new(h, "rollback", rollback_json(row));
			continue;
		}
		if (!h || !json_is_object(res))
			continue;
		if (json_equal(json_object_get(row, "job_id"),
			       json_object_get(h, "job_id")))
			json_object_set_new(h, "result", json_pack(
				"{s:O, s:O, s:O}", "status",
				json_object_get(row, "status"), "message",
				json_object_get(res, "message") ? json_object_get(res, "message")
								: json_null(),
				"finished_at",
				json_object_get(res, "finished_at") ? json_object_get(res, "finished_at")
								    : json_null()));
	}
	json_decref(rows);
	return 0;
}

int api_deploy_get(struct fpd_req *r)
{
	const char *hosts = fpd_query(r, "hosts");
	int64_t id;
	int rc;

	if (fpd_parse_id(r->params[0], &id))
		return fpd_fail(r, FP_EINVAL, NULL, "not a deployment id: '%.32s'",
				r->params[0]);
	rc = fpd_sched_show(r->srv, id, !(hosts && !strcmp(hosts, "0")),
			    &r->resp);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no deployment %lld", (long long)id);
	return rc ? rc : add_job_details(r->srv, id, r->resp);
}

/* "hosts" (absent: none): at most MAX_RETRY_HOSTS ids; fp_free *ret. */
static int host_ids(struct fpd_req *r, const json_t *a, int64_t **ret)
{
	int64_t *v;

	if (a && (!json_is_array(a) || json_array_size(a) > MAX_RETRY_HOSTS))
		return fpd_fail(r, FP_EINVAL, "hosts",
				"an array of at most %d host ids",
				MAX_RETRY_HOSTS);
	v = fp_reallocarray(NULL, json_array_size(a) + 1, sizeof(*v));
	if (!v)
		return FP_ENOMEM;
	for (size_t k = 0; k < json_array_size(a); k++) {
		const json_t *e = json_array_get(a, k);
		if (!json_is_integer(e) || json_integer_value(e) <= 0) {
			char path[48];
			fp_free(v);
			snprintf(path, sizeof(path), "hosts[%zu]", k);
			return fpd_fail(r, FP_EINVAL, path, "not a host id");
		}
		v[k] = json_integer_value(e);
	}
	*ret = v;
	return 0;
}

/*
 * POST /deployments/{id}/rollback {"ring": "production", "hosts": [17]}
 * (both optional): see docs/api.md.
 */
static int deploy_rollback(struct fpd_req *r, int64_t id)
{
	static const char *const keys[] = { "ring", "hosts", NULL };
	struct fpd_rb_request req = { 0 };
	json_t *body = NULL, *a = NULL, *v;
	int64_t *hv = NULL;
	const char *k;
	struct fp_diag d;
	int rc = 0;

	if (r->body_len) {
		json_error_t jerr;
		body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &jerr);
		if (!json_is_object(body)) {
			json_decref(body);
			return fpd_fail(r, FP_EINVAL, NULL,
					"body must be a JSON object: %s",
					body ? "not an object" : jerr.text);
		}
	}
	json_object_foreach(body, k, v) {
		size_t i = 0;
		while (keys[i] && strcmp(keys[i], k))
			i++;
		if (!keys[i]) {
			rc = fpd_fail(r, FP_EINVAL, k,
				      "unknown field (ring, hosts)");
			goto out;
		}
	}
	v = json_object_get(body, "ring");
	if (v && (!json_is_string(v) || !fp_rollout_name_is_valid(json_string_value(v)))) {
		rc = fpd_fail(r, FP_EINVAL, "ring", "a ring name (1-64 of A-Z a-z 0-9 . _ -)");
		goto out;
	}
	req.ring = json_string_value(v);
	a = json_object_get(body, "hosts");
	if ((rc = host_ids(r, a, &hv)))
		goto out;
	req.hosts = hv;
	req.n_hosts = json_array_size(a);
	fp_diag_init(&d, NULL);
	rc = fpd_sched_rollback(r->srv, id, &req, r->now, &d, &r->resp);
	if (rc) {
		rc = d.msg[0] ? fpd_fail_diag(r, rc, &d) : rc;
		goto out;
	}
	fpd_audit(r, "deployment.rollback", r->params[0],
		  "ring %s, %zu hosts named: %zu rollback jobs",
		  req.ring ? req.ring : "(all)", req.n_hosts,
		  json_array_size(json_object_get(r->resp, "rollbacks")));
out:
	fp_free(hv);
	json_decref(body);
	return rc;
}

/* POST /deployments/{id}/{approve|pause|resume|cancel|retry|rollback} */
int api_deploy_action(struct fpd_req *r)
{
	static const struct {
		const char *name;
		enum fp_rollout_event_kind kind;
	} actions[] = {
		{ "approve", FP_EV_APPROVE }, { "pause", FP_EV_PAUSE },
		{ "resume", FP_EV_RESUME },   { "cancel", FP_EV_CANCEL },
		{ "retry", FP_EV_RETRY },
	};
	struct fp_rollout_event ev = { 0 };
	int64_t id, *hv = NULL;
	json_t *body = NULL;
	struct fp_diag d;
	size_t i;
	int rc;

	if (fpd_parse_id(r->params[0], &id))
		return fpd_fail(r, FP_EINVAL, NULL, "not a deployment id: '%.32s'",
				r->params[0]);
	if (!strcmp(r->params[1], "rollback"))
		return deploy_rollback(r, id);
	for (i = 0; i < FP_ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].name, r->params[1]))
			break;
	if (i == FP_ARRAY_SIZE(actions))
		return fpd_fail(r, FP_ENOENT, NULL,
				"no action '%.32s' (approve, pause, resume, cancel, retry, rollback)",
				r->params[1]);
	ev.kind = actions[i].kind;
	if (r->body_len) {
		json_error_t jerr;
		const json_t *a, *reason;
		body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
				  &jerr);
		if (!json_is_object(body)) {
			json_decref(body);
			return fpd_fail(r, FP_EINVAL, NULL,
					"body must be a JSON object");
		}
		a = json_object_get(body, "hosts");
		reason = json_object_get(body, "reason");
		if ((rc = host_ids(r, a, &hv)))
			goto out;
		ev.hosts = hv;
		ev.n_hosts = a ? json_array_size(a) : 0;
		if (reason && (!json_is_string(reason) ||
			       json_string_length(reason) > 200)) {
			rc = fpd_fail(r, FP_EINVAL, "reason",
				      "a string of at most 200 bytes");
			goto out;
		}
		ev.reason = json_string_value(reason);
	}
	fp_diag_init(&d, NULL);
	rc = fpd_sched_event(r->srv, id, &ev, r->now, &d);
	if (rc) {
		rc = d.msg[0] ? fpd_fail_diag(r, rc, &d) : rc;
		goto out;
	}
	fpd_audit(r, "deployment.action", r->params[0], "%s", r->params[1]);
	rc = fpd_sched_show(r->srv, id, false, &r->resp);
out:
	fp_free(hv);
	json_decref(body);
	return rc;
}
