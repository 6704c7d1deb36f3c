/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ROLLOUT_INT_H
#define FLEETPATCH_ROLLOUT_INT_H

/* Shared between rollout.c (the machine) and rollout_json.c (its JSON). */
#include "fleetpatch/rollout.h"

extern const char *const fp__selector_names[4];
extern const char *const fp__dep_state_names[7];
extern const char *const fp__ring_state_names[5];
extern const char *const fp__host_state_names[8];

/* Sort hosts by id; FP_EEXIST with the first duplicate id. */
int fp__rollout_sort_hosts(struct fp_deployment *dep, int64_t *ret_dup);

#endif
