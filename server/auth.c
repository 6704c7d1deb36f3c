/* SPDX-License-Identifier: MIT */
/*
 * Authentication: "Authorization: Bearer <token>".  The token is hashed
 * (fp_token_hash) and looked up in the store on every request, so a
 * revoked token, a revoked user or a replaced host credential stops
 * working at once; there is no cache to invalidate.
 *
 *   no or unknown credential           -> 401
 *   user token on an agent route,
 *   host credential on an admin route,
 *   role below the route's             -> 403
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "server.h"

#define MAX_TOKEN 256

int fpd_auth(struct fpd_server *srv, const struct fpd_route *route,
	     const char *authorization, int64_t now, struct fp_principal *ret,
	     struct fp_jerr *jerr)
{
	struct fp_store *st = srv->store;
	struct fp_principal p;
	char hash[65];
	const char *tok;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if (route->auth == FPD_AUTH_NONE)
		return 0;
	if (!authorization || strncasecmp(authorization, "Bearer ", 7)) {
		snprintf(jerr->msg, sizeof(jerr->msg),
			 "missing credential (Authorization: Bearer TOKEN)");
		return FP_EAUTH;
	}
	tok = authorization + 7;
	while (*tok == ' ')
		tok++;
	if (!*tok || strlen(tok) > MAX_TOKEN) {
		snprintf(jerr->msg, sizeof(jerr->msg), "invalid credential");
		return FP_EAUTH;
	}
	fp_token_hash(tok, hash);

	/* the route says which kind to look for first; the other only to tell 401 from 403 */
	if (route->auth == FPD_AUTH_HOST) {
		rc = st->ops->host_auth(st, hash, &p);
		if (rc == FP_EAUTH && !st->ops->token_auth(st, hash, now, &p)) {
			snprintf(jerr->msg, sizeof(jerr->msg),
				 "a user token cannot check in: use the host credential");
			return FP_EPERM;
		}
	} else {
		rc = st->ops->token_auth(st, hash, now, &p);
		if (rc == FP_EAUTH && !st->ops->host_auth(st, hash, &p)) {
			snprintf(jerr->msg, sizeof(jerr->msg),
				 "a host credential may only check in for its own host");
			return FP_EPERM;
		}
	}
	if (rc == FP_EAUTH) {
		snprintf(jerr->msg, sizeof(jerr->msg),
			 "unknown, revoked or expired credential");
		return FP_EAUTH;
	}
	if (rc) {
		snprintf(jerr->msg, sizeof(jerr->msg), "credential check failed: %s",
			 fp_strerror(rc));
		return rc;
	}
	if (route->auth == FPD_AUTH_USER && p.role < route->role) {
		snprintf(jerr->msg, sizeof(jerr->msg),
			 "role %s may not do this (needs %s)", fp_role_name(p.role),
			 fp_role_name(route->role));
		return FP_EPERM;
	}
	*ret = p;
	return 0;
}
