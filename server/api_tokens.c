/* SPDX-License-Identifier: MIT */
/*
 * /api/v1/tokens: everyone lists, creates and revokes their own API
 * tokens; an admin sees and revokes everyone's and may create one for
 * another user.  Tokens are shown once and stored hashed.
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "server.h"

static bool is_admin(struct fpd_req *r)
{
	return r->who.role == FP_ROLE_ADMIN;
}

int api_tokens_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	return st->ops->token_list(st, is_admin(r) ? 0 : r->who.user_id, &r->resp);
}

int api_tokens_create(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "name", .type = FP_F_NAME, .required = true, .max = 64 },
		{ .name = "user", .type = FP_F_NAME, .max = 64 },
		{ .name = "expires_in", .type = FP_F_DURATION, .max = 32 },
	};
	struct fp_store *st = r->srv->store;
	char token[64], hash[65];
	const char *user = r->who.user;
	struct fp_jerr jerr;
	json_t *root = NULL;
	int64_t uid = r->who.user_id, id, expires = 0;
	enum fp_role role;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	if (f[1].present && strcmp(f[1].str, r->who.user)) {
		if (!is_admin(r)) {
			rc = fpd_fail(r, FP_EPERM, "user",
				      "only an admin creates tokens for other users");
			goto out;
		}
		user = f[1].str;
		rc = st->ops->user_get(st, user, &uid, &role);
		if (rc == FP_ENOENT)
			rc = fpd_fail(r, rc, "user", "no user '%s'", user);
		if (rc)
			goto out;
	}
	if (f[2].present)
		expires = r->now + f[2].num;
	if ((rc = fp_token_generate(32, token, sizeof(token))))
		goto out;
	fp_token_hash(token, hash);
	if ((rc = st->ops->token_create(st, uid, f[0].str, hash, r->now, expires, &id)))
		goto out;
	fpd_audit(r, "token.create", user, "token %lld '%s'", (long long)id, f[0].str);
	r->status = 201;
	r->resp = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "token",
			    token, "user", user, "name", f[0].str);
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(root);
	return rc;
}

int api_tokens_revoke(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	int64_t id;
	int rc;

	if (fpd_parse_id(r->params[0], &id))
		return fpd_fail(r, FP_EINVAL, NULL, "token id must be a number");
	rc = st->ops->token_revoke(st, id, is_admin(r) ? 0 : r->who.user_id);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no token %lld of yours", (long long)id);
	if (rc)
		return rc;
	fpd_audit(r, "token.revoke", r->params[0], "revoked");
	r->resp = json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1);
	return r->resp ? 0 : FP_ENOMEM;
}
