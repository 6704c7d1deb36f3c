/* SPDX-License-Identifier: MIT */
/*
 * /api/v1/enroll-secrets (admin): create (the secret is shown once and
 * stored hashed), list, revoke (effective at once).  A secret's group is
 * a static group its hosts join at enrollment; it is created if missing.
 */
#include <stdio.h>

#include "fleetpatch/util.h"
#include "server.h"

int api_secrets_create(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "group", .type = FP_F_NAME, .max = 64 },
		{ .name = "expires_in", .type = FP_F_DURATION, .max = 32 },
	};
	struct fp_store *st = r->srv->store;
	char secret[64], hash[65], exp[32];
	struct fp_jerr jerr;
	json_t *root = NULL;
	int64_t id, expires = 0;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	if (f[1].present)
		expires = r->now + f[1].num;
	if ((rc = fp_token_generate(32, secret, sizeof(secret))))
		goto out;
	fp_token_hash(secret, hash);
	if ((rc = st->ops->secret_create(st, hash, f[0].present ? f[0].str : NULL,
					 r->now, expires, &id)))
		goto out;
	{
		char target[32];
		snprintf(target, sizeof(target), "secret %lld", (long long)id);
		fpd_audit(r, "enroll_secret.create", target, "group %s, expires %s",
			  f[0].present ? f[0].str : "-",
			  expires ? fp_time_rfc3339((time_t)expires, exp) : "never");
	}
	r->status = 201;
	r->resp = json_pack("{s:I, s:s, s:o, s:o}", "id", (json_int_t)id, "secret",
			    secret, "group",
			    f[0].present ? json_string(f[0].str) : json_null(),
			    "expires_at",
			    expires ? json_string(fp_time_rfc3339((time_t)expires, exp))
				    : json_null());
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(root);
	return rc;
}

int api_secrets_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	return st->ops->secret_list(st, &r->resp);
}

int api_secrets_revoke(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	int64_t id;
	int rc;

	if (fpd_parse_id(r->params[0], &id))
		return fpd_fail(r, FP_EINVAL, NULL, "secret id must be a number");
	rc = st->ops->secret_revoke(st, id);
	if (rc == FP_ENOENT)
		return fpd_fail(r, rc, NULL, "no enrollment secret %lld", (long long)id);
	if (rc)
		return rc;
	fpd_audit(r, "enroll_secret.revoke", r->params[0], "revoked");
	r->resp = json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1);
	return r->resp ? 0 : FP_ENOMEM;
}
