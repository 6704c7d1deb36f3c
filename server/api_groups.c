/* SPDX-License-Identifier: MIT */
/*
 * /api/v1/groups: static groups (explicit members) and dynamic ones
 * (a rule on os, tag or hostname pattern, evaluated at query time).
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "server.h"

#define MAX_GROUP_HOSTS 10000

int api_groups_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	return st->ops->group_list(st, &r->resp);
}

int api_groups_create(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "name", .type = FP_F_NAME, .required = true, .max = 64 },
		{ .name = "kind", .type = FP_F_STRING, .required = true, .max = 16 },
		{ .name = "rule", .type = FP_F_OBJECT },
	};
	struct fp_store *st = r->srv->store;
	const char *key = NULL, *value = NULL;
	struct fp_jerr jerr;
	json_t *root = NULL;
	bool dynamic;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	if (strcmp(f[1].str, "static") && strcmp(f[1].str, "dynamic")) {
		rc = fpd_fail(r, FP_EINVAL, "kind", "must be static or dynamic");
		goto out;
	}
	dynamic = !strcmp(f[1].str, "dynamic");
	if (dynamic != f[2].present) {
		rc = fpd_fail(r, FP_EINVAL, "rule",
			      dynamic ? "a dynamic group needs a rule"
				      : "a static group has no rule");
		goto out;
	}
	if (dynamic && (rc = fp_decode_group_rule(f[2].json, &key, &value, &jerr))) {
		rc = fpd_decode_failed(r, rc, &jerr);
		goto out;
	}
	rc = st->ops->group_create(st, f[0].str, dynamic, key, value, r->now);
	if (rc == FP_EEXIST)
		rc = fpd_fail(r, rc, "name", "group '%s' already exists", f[0].str);
	if (rc)
		goto out;
	fpd_audit(r, "group.create", f[0].str, "%s%s%s%s", f[1].str,
		  key ? " " : "", key ? key : "", value ? "=" : "");
	r->status = 201;
	r->resp = json_pack("{s:s, s:s, s:O}", "name", f[0].str, "kind", f[1].str,
			    "rule", dynamic ? f[2].json : json_null());
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(root);
	return rc;
}

int api_groups_delete(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	int rc = st->ops->group_delete(st, r->params[0]);

	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no group '%.64s'", r->params[0]);
	if (rc)
		return rc;
	fpd_audit(r, "group.delete", r->params[0], "deleted");
	r->resp = json_pack("{s:s}", "deleted", r->params[0]);
	return r->resp ? 0 : FP_ENOMEM;
}

int api_groups_add_hosts(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "hosts", .type = FP_F_ARRAY, .required = true,
		  .max = MAX_GROUP_HOSTS },
	};
	struct fp_store *st = r->srv->store;
	struct fp_jerr jerr;
	json_t *root = NULL, *v, *added = NULL;
	size_t i;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	/* resolve every reference first: all or nothing */
	json_array_foreach(f[0].json, i, v) {
		char path[32], ref[32];
		const char *s = ref;
		int64_t id;

		snprintf(path, sizeof(path), "hosts[%zu]", i);
		if (json_is_integer(v))
			snprintf(ref, sizeof(ref), "%lld", (long long)json_integer_value(v));
		else if (json_is_string(v) && json_string_length(v) <= 255)
			s = json_string_value(v);
		else {
			rc = fpd_fail(r, FP_EINVAL, path, "must be a host id or hostname");
			goto out;
		}
		rc = st->ops->host_resolve(st, s, &id);
		if (rc == FP_ENOENT)
			rc = fpd_fail(r, rc, path, "no host '%.255s'", s);
		if (rc)
			goto out;
		json_array_set_new(f[0].json, i, json_integer(id));
	}
	added = json_array();
	json_array_foreach(f[0].json, i, v) {
		rc = st->ops->group_add_host(st, r->params[0], json_integer_value(v));
		if (rc == FP_ENOENT)
			rc = fpd_fail(r, rc, NULL, "no group '%.64s'", r->params[0]);
		else if (rc == FP_EINVAL)
			rc = fpd_fail(r, rc, NULL,
				      "group '%.64s' is dynamic: its rule decides membership",
				      r->params[0]);
		if (rc)
			goto out;
		json_array_append(added, v);
	}
	{
		char *list = json_dumps(added, JSON_COMPACT);
		fpd_audit(r, "group.add_hosts", r->params[0], "hosts %.400s",
			  list ? list : "?");
		free(list);
	}
	r->resp = json_pack("{s:s, s:O}", "group", r->params[0], "added", added);
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(added);
	json_decref(root);
	return rc;
}

int api_groups_remove_host(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	int64_t id;
	int rc;

	rc = st->ops->host_resolve(st, r->params[1], &id);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no host '%.255s'", r->params[1]);
	if (rc)
		return rc;
	rc = st->ops->group_remove_host(st, r->params[0], id);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "host %lld is not a member of '%.64s'",
				(long long)id, r->params[0]);
	if (rc == FP_EINVAL)
		return fpd_fail(r, rc, NULL, "group '%.64s' is dynamic", r->params[0]);
	if (rc)
		return rc;
	fpd_audit(r, "group.remove_host", r->params[0], "host %lld", (long long)id);
	r->resp = json_pack("{s:s, s:I}", "group", r->params[0], "removed", (json_int_t)id);
	return r->resp ? 0 : FP_ENOMEM;
}
