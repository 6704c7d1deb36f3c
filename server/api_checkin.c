/* SPDX-License-Identifier: MIT */
/*
 * POST /api/v1/agent/checkin (host credential): full inventory, delta
 * against the last acknowledged hash, or unchanged.  Answered only after
 * the store committed it (durable).  The credential names the host: an
 * agent can only ever write its own host.
 */
#include <string.h>

#include "scheduler.h"
#include "server.h"

int api_checkin(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	struct fp_checkin req;
	struct fp_checkin_result res = { 0 };
	struct fp_jerr jerr;
	struct fp_diag d;
	const struct fp_store_feed *feed;
	json_t *jobs = NULL;
	int rc, feed_rc;

	if ((rc = fp_decode_checkin(r->body, r->body_len, &r->srv->cfg.limits, &req,
				    &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	if (req.kind == FP_CHECKIN_FULL) {
		char h[65];
		/* the decoder sorted the packages */
		fp_wpkg_hash(req.pkgs, req.n_pkgs, h);
		if (strcmp(h, req.inventory_hash)) {
			rc = fpd_fail(r, FP_EINVAL, "inventory_hash",
				      "does not match the inventory's packages (server computed %s)",
				      h);
			goto out;
		}
	}
	/*
	 * Job results first: a bad one is refused before anything commits.
	 * Then the jobs due; what both changed commits with the check-in
	 * (one transaction), before the answer goes out.
	 */
	jobs = json_array();
	if (!jobs) {
		rc = FP_ENOMEM;
		goto out;
	}
	fp_diag_init(&d, NULL);
	rc = fpd_sched_checkin(r->srv, r->who.host_id,
			       json_object_get(req.root, "job_results"),
			       &req.state, r->now, jobs, &d, &feed);
	if (rc) {
		fpd_sched_undeliver(r->srv, r->who.host_id);
		rc = d.msg[0] ? fpd_fail_diag(r, rc, &d) : rc;
		goto out;
	}
	rc = st->ops->checkin(st, r->who.host_id, &req, r->now, feed, &res,
			      &feed_rc);
	if (rc || feed_rc)
		fpd_sched_undeliver(r->srv, r->who.host_id);
	if (rc == FP_EAUTH) {
		rc = fpd_fail(r, rc, NULL, "host no longer enrolled");
		goto out;
	}
	if (!rc && feed_rc) {
		rc = fpd_fail(r, feed_rc, NULL,
			      "job results and jobs not stored (%s): send the check-in again",
			      fp_strerror(feed_rc));
		goto out;
	}
	if (rc)
		goto out;
	r->resp = json_pack("{s:s, s:s, s:I, s:O}", "status",
			    res.status == FP_CHECKIN_NEED_FULL ? "need_full" : "ok",
			    "inventory_hash", res.inventory_hash, "checkin_interval",
			    (json_int_t)atomic_load(&r->srv->checkin_interval), "jobs",
			    jobs);
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(jobs);
	fp_checkin_release(&req);
	return rc;
}
