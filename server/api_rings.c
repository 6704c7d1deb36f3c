/* SPDX-License-Identifier: MIT */
/*
 * /api/v1/rings: the ordered stages of a rollout (lib/rollout ring
 * objects), plus the helpers the other rollout resources share.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "scheduler.h"
#include "server.h"

int fpd_fail_diag(struct fpd_req *r, int err, const struct fp_diag *d)
{
	const char *colon = strstr(d->msg, ": ");
	size_t n = colon ? (size_t)(colon - d->msg) : 0;
	char path[128];

	/* "rings[0].name: invalid name" -> path and message */
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)d->msg[i]) || d->msg[i] == '"')
			n = 0;
	if (n == 0 || n >= sizeof(path))
		return fpd_fail(r, err, NULL, "%s", d->msg);
	memcpy(path, d->msg, n);
	path[n] = '\0';
	return fpd_fail(r, err, path, "%s", colon + 2);
}

static json_t *parse_body(struct fpd_req *r, int *rc)
{
	json_error_t jerr;
	json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
			       &jerr);

	*rc = 0;
	if (!j)
		*rc = fpd_fail(r, FP_EINVAL, NULL, "body is not JSON: %s",
			       jerr.text);
	return j;
}

int fpd_obj_list(struct fpd_req *r, const char *kind)
{
	struct fp_store *st = r->srv->store;
	return st->ops->rollout_list(st, kind, &r->resp);
}

int fpd_obj_put(struct fpd_req *r, const char *kind, fpd_obj_check *check)
{
	struct fp_store *st = r->srv->store;
	json_t *body, *norm = NULL;
	struct fp_diag d;
	const char *name;
	char *text = NULL;
	int rc;

	body = parse_body(r, &rc);
	if (!body)
		return rc;
	fp_diag_init(&d, NULL);
	rc = check(r, body, &d, &norm);
	if (rc) {
		if (!r->jerr.msg[0])
			rc = fpd_fail_diag(r, rc, &d);
		goto out;
	}
	name = json_string_value(json_object_get(norm, "name"));
	text = json_dumps(norm, JSON_COMPACT | JSON_SORT_KEYS);
	if (!name || !text) {
		rc = name ? FP_ENOMEM : fpd_fail(r, FP_EINVAL, "name", "missing");
		goto out;
	}
	if ((rc = st->ops->rollout_put(st, kind, name, text)))
		goto out;
	if (strcmp(kind, "ring"))
		fpd_sched_reload(r->srv);
	fpd_audit(r, strcmp(kind, "ring") == 0 ? "ring.put"
		     : strcmp(kind, "window") == 0 ? "window.put" : "policy.put",
		  name, "%.200s", text);
	r->status = 201;
	r->resp = norm;
	norm = NULL;
out:
	free(text);
	json_decref(norm);
	json_decref(body);
	return rc;
}

int fpd_obj_delete(struct fpd_req *r, const char *kind)
{
	struct fp_store *st = r->srv->store;
	int rc = st->ops->rollout_delete(st, kind, r->params[0]);

	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no %s '%.64s'", kind, r->params[0]);
	if (rc)
		return rc;
	if (strcmp(kind, "ring"))
		fpd_sched_reload(r->srv);
	fpd_audit(r, strcmp(kind, "ring") == 0 ? "ring.delete"
		     : strcmp(kind, "window") == 0 ? "window.delete"
						   : "policy.delete",
		  r->params[0], "deleted");
	r->resp = json_pack("{s:s}", "deleted", r->params[0]);
	return r->resp ? 0 : FP_ENOMEM;
}

static int ring_check(struct fpd_req *r, const json_t *body, struct fp_diag *d,
		      json_t **ret_norm)
{
	struct fp_ring ring;
	int rc = fp_ring_from_json(body, d, &ring);

	if (rc)
		return rc;
	*ret_norm = fp_ring_to_json(&ring);
	return *ret_norm ? 0 : FP_ENOMEM;
}

int api_rings_list(struct fpd_req *r)
{
	return fpd_obj_list(r, "ring");
}

int api_rings_put(struct fpd_req *r)
{
	return fpd_obj_put(r, "ring", ring_check);
}

int api_rings_delete(struct fpd_req *r)
{
	return fpd_obj_delete(r, "ring");
}
