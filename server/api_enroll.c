/* SPDX-License-Identifier: MIT */
/*
 * POST /api/v1/enroll: an enrollment secret and the machine's inventory
 * in, a fresh per-host credential (256 random bits, stored hashed) and
 * the server's public signing key out.  Same machine-id: the host keeps
 * its record and history and gets a new credential (the old one stops
 * working).  A clone (machine-id held by a recently seen host with another
 * hostname) is refused with 409 and recorded in the audit log.
 */
#include <stdio.h>

#include "server.h"

int api_enroll(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	struct fp_enroll req;
	struct fp_enroll_result res = { 0 };
	struct fp_jerr jerr;
	char cred[64], secret_hash[65], cred_hash[65], target[32];
	int rc;

	if ((rc = fp_decode_enroll(r->body, r->body_len, &r->srv->cfg.limits, &req,
				   &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	fp_token_hash(req.secret, secret_hash);
	if ((rc = fp_token_generate(32, cred, sizeof(cred))))
		goto out;
	fp_token_hash(cred, cred_hash);
	rc = st->ops->enroll(st, secret_hash, &req, cred_hash, r->now,
			     fpd_stale_before(r), &res);
	if (rc == FP_EAUTH) {
		rc = fpd_fail(r, rc, "secret", "unknown, revoked or expired enrollment secret");
		goto out;
	}
	if (rc == FP_ECONFLICT) {
		snprintf(target, sizeof(target), "host %lld", (long long)res.conflict_host_id);
		fpd_audit(r, "enroll.clone_refused", target,
			  "machine-id %.128s presented by '%.255s' is enrolled as host %lld (%s)",
			  req.ident.machine_id, req.ident.hostname,
			  (long long)res.conflict_host_id, res.conflict_hostname);
		fpd_warn("enroll: cloned machine-id %s from %s ('%s'), already host %lld ('%s')",
			 req.ident.machine_id, r->remote, req.ident.hostname,
			 (long long)res.conflict_host_id, res.conflict_hostname);
		rc = fpd_fail(r, rc, "inventory.machine_id",
			      "machine-id %.128s already enrolled as host %lld (hostname %s)",
			      req.ident.machine_id, (long long)res.conflict_host_id,
			      res.conflict_hostname);
		goto out;
	}
	if (rc)
		goto out;
	snprintf(target, sizeof(target), "host %lld", (long long)res.host_id);
	fpd_audit(r, res.re_enrolled ? "host.re_enroll" : "host.enroll", target,
		  "hostname %.255s machine-id %.128s", req.ident.hostname,
		  req.ident.machine_id);
	r->status = 201;
	r->resp = json_pack("{s:I, s:s, s:s, s:I}", "host_id", (json_int_t)res.host_id,
			    "credential", cred, "server_public_key", r->srv->pubkey_b64,
			    "checkin_interval",
			    (json_int_t)atomic_load(&r->srv->checkin_interval));
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	fp_enroll_release(&req);
	return rc;
}
