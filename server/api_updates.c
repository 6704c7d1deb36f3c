/* SPDX-License-Identifier: MIT */
/* GET /api/v1/updates?security=1&group=G: fleet-wide pending updates. */
#include <string.h>

#include "server.h"

int api_updates_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *sec = fpd_query(r, "security");
	const char *group = fpd_query(r, "group");

	if (group && strlen(group) > 64)
		return fpd_fail(r, FP_EINVAL, "group", "longer than 64 bytes");
	return st->ops->updates_list(st, sec && (!strcmp(sec, "1") ||
						 !strcmp(sec, "true") || !*sec),
				     group, &r->resp);
}
