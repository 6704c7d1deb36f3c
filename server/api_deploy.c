/* SPDX-License-Identifier: MIT */
/*
 * /api/v1/deployments: create, list, show (per ring and per host) and the
 * operator actions approve, pause, resume, cancel, retry.
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
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

/* Per host: the stored result of its current job (a merge by host id). */
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

/* POST /deployments/{id}/{approve|pause|resume|cancel|retry} */
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
	int64_t hosts[64], id, *hv = hosts;
	json_t *body = NULL;
	struct fp_diag d;
	size_t i;
	int rc;

	if (fpd_parse_id(r->params[0], &id))
		return fpd_fail(r, FP_EINVAL, NULL, "not a deployment id: '%.32s'",
				r->params[0]);
	for (i = 0; i < FP_ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i].name, r->params[1]))
			break;
	if (i == FP_ARRAY_SIZE(actions))
		return fpd_fail(r, FP_ENOENT, NULL,
				"no action '%.32s' (approve, pause, resume, cancel, retry)",
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
		if (a && (!json_is_array(a) || json_array_size(a) > MAX_RETRY_HOSTS)) {
			rc = fpd_fail(r, FP_EINVAL, "hosts",
				      "an array of at most %d host ids",
				      MAX_RETRY_HOSTS);
			goto out;
		}
		if (a && json_array_size(a) > FP_ARRAY_SIZE(hosts)) {
			hv = fp_reallocarray(NULL, json_array_size(a), sizeof(*hv));
			if (!hv) {
				rc = FP_ENOMEM;
				goto out;
			}
		}
		for (size_t k = 0; a && k < json_array_size(a); k++) {
			const json_t *v = json_array_get(a, k);
			if (!json_is_integer(v) || json_integer_value(v) <= 0) {
				char path[48];
				snprintf(path, sizeof(path), "hosts[%zu]", k);
				rc = fpd_fail(r, FP_EINVAL, path, "not a host id");
				goto out;
			}
			hv[k] = json_integer_value(v);
		}
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
	if (hv != hosts)
		fp_free(hv);
	json_decref(body);
	return rc;
}
