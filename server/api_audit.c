/* SPDX-License-Identifier: MIT */
/* GET /api/v1/audit?limit=N (admin): newest first. */
#include <stdlib.h>

#include "server.h"

int api_audit_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *l = fpd_query(r, "limit");
	int64_t limit = 100;

	if (l && (fpd_parse_id(l, &limit) || limit > 100000))
		return fpd_fail(r, FP_EINVAL, "limit", "must be 1..100000");
	return st->ops->audit_list(st, limit, &r->resp);
}
