/* SPDX-License-Identifier: MIT */
/* /api/v1/policies: deployments created by rule (lib/rollout policies). */
#include <string.h>

#include "scheduler.h"
#include "server.h"

static int policy_check(struct fpd_req *r, const json_t *body,
			struct fp_diag *d, json_t **ret_norm)
{
	struct fp_store *st = r->srv->store;
	struct fp_policy p;
	json_t *rings = NULL;
	int rc;

	if ((rc = fp_policy_from_json(body, d, &p)))
		return rc;
	if ((rc = st->ops->rollout_list(st, "ring", &rings)))
		return rc;
	for (size_t i = 0; i < p.n_stages; i++) {
		bool ok = false;
		for (size_t k = 0; k < json_array_size(rings); k++) {
			const char *n = json_string_value(
				json_object_get(json_array_get(rings, k), "name"));
			ok |= n && !strcmp(n, p.stages[i].ring);
		}
		if (!ok) {
			char path[48];
			snprintf(path, sizeof(path), "stages[%zu].ring", i);
			json_decref(rings);
			return fpd_fail(r, FP_ENOENT, path, "no ring '%s'",
					p.stages[i].ring);
		}
	}
	json_decref(rings);
	*ret_norm = fp_policy_to_json(&p);
	return *ret_norm ? 0 : FP_ENOMEM;
}

int api_policies_list(struct fpd_req *r)
{
	return fpd_obj_list(r, "policy");
}

int api_policies_put(struct fpd_req *r)
{
	return fpd_obj_put(r, "policy", policy_check);
}

int api_policies_delete(struct fpd_req *r)
{
	return fpd_obj_delete(r, "policy");
}
