/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the job decoders: the payload decoder (what a signed job contains),
 * the envelope verifier, job results (from agents; also as the input of
 * a rollback plan) and the replay store (from the agent's state
 * directory).
 */
#include <stdint.h>
#include <string.h>

#include "fleetpatch/job.h"
#include "fleetpatch/rollout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char pk[FP_SIGN_PUBLIC_BYTES] = { 1, 2, 3 };
	struct fp_job job;
	struct fp_job_result r;
	struct fp_job_seen seen;
	struct fp_diag d;
	json_error_t jerr;
	json_t *j;

	if (size > 65536)
		return 0;
	fp_diag_init(&d, NULL);
	fp_job_init(&job);
	fp_job_seen_init(&seen);
	fp_job_verify_text((const char *)data, size, pk, 17, 1796000000, &seen,
			   &d, &job);
	fp_job_release(&job);
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (j) {
		if (fp_job_from_json(j, &job, &d) == 0) {
			json_t *back = fp_job_to_json(&job);
			json_decref(back);
		}
		fp_job_release(&job);
		fp_job_result_init(&r);
		if (fp_job_result_from_json(j, &r, &d) == 0) {
			struct fp_rollback_plan plan;
			json_decref(fp_job_result_to_json(&r));
			/* twice: the second adds nothing new */
			fp_rollback_plan_init(&plan);
			fp_rollback_plan_add(&plan, &r, &d);
			fp_rollback_plan_add(&plan, &r, &d);
			fp_rollback_outcome(r.status, r.message);
			fp_rollback_plan_release(&plan);
		}
		fp_job_result_release(&r);
		fp_job_seen_from_json(j, &seen, &d);
		json_decref(j);
	}
	fp_job_seen_release(&seen);
	return 0;
}
