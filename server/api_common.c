/* SPDX-License-Identifier: MIT */
/* Helpers shared by the api_*.c handlers. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

void fpd_audit(struct fpd_req *r, const char *action, const char *target,
	       const char *fmt, ...)
{
	struct fp_store *st = r->srv->store;
	char detail[512];
	struct fp_audit a;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	a.user = r->who.is_host || !r->who.user[0] ? NULL : r->who.user;
	a.action = action;
	a.target = target;
	a.detail = detail;
	a.remote_addr = r->remote;
	if ((rc = st->ops->audit_add(st, &a, r->now)))
		fpd_err("audit %s %s: %s", action, target ? target : "",
			fp_strerror(rc));
}

int64_t fpd_stale_before(struct fpd_req *r)
{
	return r->now - atomic_load(&r->srv->stale_after);
}

int fpd_parse_id(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || *s < '0' || *s > '9')
		return FP_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return FP_EINVAL;
	*ret = v;
	return 0;
}
