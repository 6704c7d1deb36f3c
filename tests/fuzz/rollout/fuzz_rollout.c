/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the rollout decoders (stored deployments, policies, rings) and run
 * a few ticks on any deployment that decodes: the machine must cope with
 * whatever state the decoder accepts.
 */
#include <stdint.h>
#include <string.h>

#include "fleetpatch/rollout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_deployment dep;
	struct fp_policy pol;
	struct fp_ring ring;
	struct fp_diag d;
	json_error_t jerr;
	json_t *j;

	if (size > 65536)
		return 0;
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!j)
		return 0;
	fp_diag_init(&d, NULL);
	fp_deployment_init(&dep);
	if (fp_deployment_from_json(j, &d, &dep) == 0) {
		struct fp_rollout_actions a;
		struct fp_rollout_env env = { .now = 1796000000 };
		struct fp_rollout_event ev = { .kind = FP_EV_RESULT };
		json_t *back;

		fp_rollout_actions_init(&a);
		for (int i = 0; i < 4; i++) {
			fp_rollout_tick(&dep, &env, &a);
			if (dep.n_hosts) {
				ev.host_id = dep.hosts[i % dep.n_hosts].host_id;
				ev.job_id = dep.hosts[i % dep.n_hosts].job_id;
				ev.status = (enum fp_job_status)(i % 7);
				fp_rollout_apply(&dep, &ev, &env, &a, &d);
			}
			env.now += 86400;
		}
		back = fp_deployment_to_json(&dep, true);
		json_decref(back);
		fp_rollout_actions_release(&a);
	}
	fp_deployment_release(&dep);
	if (fp_policy_from_json(j, &d, &pol) == 0)
		json_decref(fp_policy_to_json(&pol));
	if (fp_ring_from_json(j, &d, &ring) == 0)
		json_decref(fp_ring_to_json(&ring));
	json_decref(j);
	return 0;
}
