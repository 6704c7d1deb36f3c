/* SPDX-License-Identifier: MIT */
/* /api/v1/hosts: listing with filters, one host in full, forgetting one. */
#include <stdio.h>
#include <string.h>

#include "server.h"

static bool flag(struct fpd_req *r, const char *key)
{
	const char *v = fpd_query(r, key);
	return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes") ||
		     !*v);
}

static int check_query(struct fpd_req *r, const char *key, size_t max)
{
	const char *v = fpd_query(r, key);

	if (v && strlen(v) > max)
		return fpd_fail(r, FP_EINVAL, key, "longer than %zu bytes", max);
	return 0;
}

int api_hosts_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	struct fp_host_filter f = { 0 };
	const char *v;
	int rc;

	if ((rc = check_query(r, "group", 64)) || (rc = check_query(r, "os", 64)) ||
	    (rc = check_query(r, "search", 255)))
		return rc;
	f.group = fpd_query(r, "group");
	f.os = fpd_query(r, "os");
	f.search = fpd_query(r, "search");
	f.stale_only = flag(r, "stale");
	f.needs_reboot_only = flag(r, "needs_reboot");
	f.stale_before = fpd_stale_before(r);
	if ((v = fpd_query(r, "limit")) && fpd_parse_id(v, &f.limit))
		return fpd_fail(r, FP_EINVAL, "limit", "must be a positive number");
	if ((v = fpd_query(r, "offset")) && strcmp(v, "0") &&
	    fpd_parse_id(v, &f.offset))
		return fpd_fail(r, FP_EINVAL, "offset", "must be a number");
	return st->ops->host_list(st, &f, &r->resp);
}

int api_host_get(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *v = fpd_query(r, "history_limit");
	int64_t limit = 200;
	int rc;

	if (v && (fpd_parse_id(v, &limit) || limit > 100000))
		return fpd_fail(r, FP_EINVAL, "history_limit", "must be 1..100000");
	rc = st->ops->host_get(st, r->params[0], fpd_stale_before(r), (int)limit,
			       &r->resp);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no host '%.255s'", r->params[0]);
	return rc;
}

int api_host_delete(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	int64_t id;
	int rc;

	rc = st->ops->host_resolve(st, r->params[0], &id);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no host '%.255s'", r->params[0]);
	if (rc || (rc = st->ops->host_delete(st, id)))
		return rc;
	fpd_audit(r, "host.delete", r->params[0], "host %lld forgotten", (long long)id);
	r->resp = json_pack("{s:I}", "deleted", (json_int_t)id);
	return r->resp ? 0 : FP_ENOMEM;
}
