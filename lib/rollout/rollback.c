/* SPDX-License-Identifier: MIT */
/* Rollback on request: the plan for a host and the outcome of its job. */
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/rollout.h"
#include "fleetpatch/util.h"

void fp_rollback_plan_init(struct fp_rollback_plan *p)
{
	memset(p, 0, sizeof(*p));
	fp_arena_init(&p->arena, 4096, (size_t)4 << 20);
}

void fp_rollback_plan_release(struct fp_rollback_plan *p)
{
	if (!p)
		return;
	fp_arena_release(&p->arena);
	fp_free(p->packages);
	fp_rollback_plan_init(p);
}

static bool planned(const struct fp_rollback_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_packages; i++)
		if (!strcmp(p->packages[i].name, name))
			return true;
	return false;
}

int fp_rollback_plan_add(struct fp_rollback_plan *p,
			 const struct fp_job_result *r, struct fp_diag *d)
{
	size_t add = 0, n_new = 0;

	/* Check everything first: the plan changes whole or not at all. */
	for (size_t i = 0; i < r->n_packages; i++) {
		const struct fp_job_pkg_result *pk = &r->packages[i];
		if (!pk->new_version || (pk->old_version &&
					 !strcmp(pk->old_version, pk->new_version)))
			continue;
		if (!pk->name || !fp_job_name_is_valid(pk->name))
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "job %lld: packages[%zu].name: not a package name a job can carry",
					   (long long)r->job_id, i);
		if (!pk->old_version) {
			n_new++;
			continue;
		}
		if (!fp_job_version_is_valid(pk->old_version))
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "job %lld: packages[%zu].old_version: not a version a job can carry",
					   (long long)r->job_id, i);
		if (!planned(p, pk->name))
			add++;
	}
	if (p->n_packages + add > FP_JOB_MAX_PACKAGES)
		return fp_diag_set(d, FP_ETOOBIG, 0, 0,
				   "more than %d packages to roll back",
				   FP_JOB_MAX_PACKAGES);
	if (p->n_packages + add > p->alloc) {
		size_t na = p->n_packages + add + 8;
		void *nv = fp_reallocarray(p->packages, na, sizeof(*p->packages));
		if (!nv)
			return FP_ENOMEM;
		p->packages = nv;
		p->alloc = na;
	}
	for (size_t i = 0; i < r->n_packages; i++) {
		const struct fp_job_pkg_result *pk = &r->packages[i];
		struct fp_job_package *to;
		if (!pk->new_version || !pk->old_version ||
		    !strcmp(pk->old_version, pk->new_version) ||
		    planned(p, pk->name))
			continue;
		to = &p->packages[p->n_packages];
		to->name = fp_arena_strdup(&p->arena, pk->name);
		to->version = fp_arena_strdup(&p->arena, pk->old_version);
		if (!to->name || !to->version)
			return FP_ENOMEM;
		p->n_packages++;
	}
	p->n_new += n_new;
	return 0;
}

static const char *const rb_state_names[] = { "none", "running",
					      "rolled_back", "failed",
					      "impossible" };

const char *fp_rollback_state_name(enum fp_rollback_state s)
{
	return (unsigned)s < FP_ARRAY_SIZE(rb_state_names) ? rb_state_names[s]
							   : "unknown";
}

enum fp_rollback_state fp_rollback_outcome(enum fp_job_status status,
					   const char *message)
{
	switch (status) {
	case FP_JOB_SUCCEEDED:
		return FP_RB_ROLLED_BACK;
	case FP_JOB_SKIPPED:
		return FP_RB_IMPOSSIBLE;
	case FP_JOB_FAILED:
		return message && strstr(message, "rollback impossible")
			       ? FP_RB_IMPOSSIBLE
			       : FP_RB_FAILED;
	case FP_JOB_RUNNING:
	case FP_JOB_DEFERRED:
		return FP_RB_RUNNING;
	case FP_JOB_ROLLED_BACK:
	case FP_JOB_REFUSED:
	default:
		return FP_RB_FAILED;
	}
}
