/* SPDX-License-Identifier: MIT */
/* GET /api/v1/health: unauthenticated liveness (and the database answers). */
#include "server.h"

int api_health(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	char v[64];
	int rc = st->ops->setting_get(st, "stale_after", v, sizeof(v));

	if (rc && rc != FP_ENOENT)
		return fpd_fail(r, rc, NULL, "database: %s", fp_strerror(rc));
	r->resp = json_pack("{s:s, s:s}", "status", "ok", "version", FPD_VERSION);
	return r->resp ? 0 : FP_ENOMEM;
}
