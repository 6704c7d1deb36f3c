/* SPDX-License-Identifier: MIT */
/* /api/v1/tags and a host's tags. */
#include <stdio.h>
#include <stdlib.h>

#include "fleetpatch/util.h"
#include "server.h"

#define MAX_TAGS 100

int api_tags_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	return st->ops->tag_list(st, &r->resp);
}

static int host_id(struct fpd_req *r, int64_t *ret)
{
	struct fp_store *st = r->srv->store;
	int rc = st->ops->host_resolve(st, r->params[0], ret);

	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no host '%.255s'", r->params[0]);
	return rc;
}

int api_host_tags_add(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "tags", .type = FP_F_ARRAY, .required = true, .max = MAX_TAGS },
	};
	struct fp_store *st = r->srv->store;
	struct fp_jerr jerr;
	json_t *root = NULL, *v;
	int64_t id;
	size_t i;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	json_array_foreach(f[0].json, i, v) {
		if (!json_is_string(v) || !fp_name_is_valid(json_string_value(v), 64)) {
			char path[32];
			snprintf(path, sizeof(path), "tags[%zu]", i);
			rc = fpd_fail(r, FP_EINVAL, path,
				      "a tag is a name: letters, digits, '.', '_', '-' (at most 64)");
			goto out;
		}
	}
	if ((rc = host_id(r, &id)))
		goto out;
	json_array_foreach(f[0].json, i, v) {
		rc = st->ops->host_tag_add(st, id, json_string_value(v));
		if (rc == FP_ENOENT)
			rc = fpd_fail(r, rc, NULL, "host %lld is gone", (long long)id);
		if (rc)
			goto out;
	}
	{
		char *list = json_dumps(f[0].json, JSON_COMPACT);
		fpd_audit(r, "host.tag", r->params[0], "tags %.400s", list ? list : "?");
		free(list);
	}
	r->resp = json_pack("{s:I, s:O}", "host", (json_int_t)id, "tags", f[0].json);
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(root);
	return rc;
}

int api_host_tags_remove(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	int64_t id;
	int rc;

	if ((rc = host_id(r, &id)))
		return rc;
	rc = st->ops->host_tag_remove(st, id, r->params[1]);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "host %lld has no tag '%.64s'",
				(long long)id, r->params[1]);
	if (rc)
		return rc;
	fpd_audit(r, "host.untag", r->params[0], "tag %.64s", r->params[1]);
	r->resp = json_pack("{s:I, s:s}", "host", (json_int_t)id, "removed", r->params[1]);
	return r->resp ? 0 : FP_ENOMEM;
}
