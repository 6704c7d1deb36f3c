/* SPDX-License-Identifier: MIT */
/* /api/v1/users (admin) and POST /api/v1/login. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "server.h"

#define LOGIN_TTL (12 * 3600)
#define MIN_PASSWORD 8

int api_users_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	return st->ops->user_list(st, &r->resp);
}

int api_users_create(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "name", .type = FP_F_NAME, .required = true, .max = 64 },
		{ .name = "role", .type = FP_F_ROLE, .required = true },
		{ .name = "password", .type = FP_F_STRING, .max = 1024 },
	};
	struct fp_store *st = r->srv->store;
	char hash[crypto_pwhash_STRBYTES];
	struct fp_jerr jerr;
	json_t *root = NULL;
	enum fp_role role;
	int64_t id;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	fp_role_parse(f[1].str, &role);
	if (f[2].present && strlen(f[2].str) < MIN_PASSWORD) {
		rc = fpd_fail(r, FP_EINVAL, "password", "at least %d characters",
			      MIN_PASSWORD);
		goto out;
	}
	if (f[2].present && (rc = fp_password_hash(f[2].str, hash, sizeof(hash))))
		goto out;
	rc = st->ops->user_create(st, f[0].str, role, f[2].present ? hash : NULL,
				  r->now, &id);
	if (rc == FP_EEXIST) {
		rc = fpd_fail(r, rc, "name", "user '%s' already exists", f[0].str);
		goto out;
	}
	if (rc)
		goto out;
	fpd_audit(r, "user.create", f[0].str, "role %s", f[1].str);
	r->status = 201;
	r->resp = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "name",
			    f[0].str, "role", f[1].str);
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	sodium_memzero(hash, sizeof(hash));
	json_decref(root);
	return rc;
}

int api_users_delete(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *name = r->params[0];
	int rc;

	if (!strcmp(name, r->who.user))
		return fpd_fail(r, FP_ECONFLICT, NULL, "you cannot delete yourself");
	rc = st->ops->user_delete(st, name);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no user '%.64s'", name);
	if (rc)
		return rc;
	fpd_audit(r, "user.delete", name, "with all their tokens");
	r->resp = json_pack("{s:s}", "deleted", name);
	return r->resp ? 0 : FP_ENOMEM;
}

int api_login(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "name", .type = FP_F_STRING, .required = true, .max = 64 },
		{ .name = "password", .type = FP_F_STRING, .required = true, .max = 1024 },
	};
	struct fp_store *st = r->srv->store;
	char stored[256] = "", token[64], hash[65], exp[32];
	struct fp_jerr jerr;
	json_t *root = NULL;
	int64_t uid;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	rc = st->ops->user_password(st, f[0].str, &uid, stored, sizeof(stored));
	if (rc == FP_ENOENT || (!rc && (!stored[0] ||
					fp_password_verify(stored, f[1].str)))) {
		struct fp_audit a = { f[0].str, "login.failed", f[0].str, NULL, r->remote };
		st->ops->audit_add(st, &a, r->now);
		rc = fpd_fail(r, FP_EAUTH, NULL, "wrong user name or password");
		goto out;
	}
	if (rc || (rc = fp_token_generate(32, token, sizeof(token))))
		goto out;
	fp_token_hash(token, hash);
	if ((rc = st->ops->token_create(st, uid, "login", hash, r->now,
					r->now + LOGIN_TTL, NULL)))
		goto out;
	snprintf(r->who.user, sizeof(r->who.user), "%s", f[0].str);
	fpd_audit(r, "login", f[0].str, "session token issued");
	r->resp = json_pack("{s:s, s:s}", "token", token, "expires_at",
			    fp_time_rfc3339((time_t)(r->now + LOGIN_TTL), exp));
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(root);
	return rc;
}
