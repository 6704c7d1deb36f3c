/* SPDX-License-Identifier: MIT */
/* Rollback on request: which versions a host goes back to, and what its
 * rollback job's result means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/rollout.h"
#include "fleetpatch/util.h"

/* A reported install result with one package entry per "name old new". */
#define R(pkgs) "{\"job_id\":1,\"status\":\"succeeded\",\"packages\":[" pkgs "]}"
#define P(n, o, v) "{\"name\":\"" n "\",\"old_version\":" o ",\"new_version\":" v ",\"result\":\"upgraded\"}"

static const struct plan_case {
	const char *what;
	const char *results[3]; /* in job order; NULL ends */
	const char *want;       /* "name=version ..." or the error's text */
	int want_rc;
	size_t want_new;
} plan_cases[] = {
	{ "one upgrade", { R(P("fpdemo", "\"1.0\"", "\"1.1\"")) }, "fpdemo=1.0", 0, 0 },
	{ "unchanged packages stay out",
	  { R(P("a", "\"1\"", "\"1\"") "," P("b", "\"2\"", "\"3\"")) }, "b=2", 0, 0 },
	{ "a downgrade goes back up", { R(P("a", "\"2\"", "\"1\"")) }, "a=2", 0, 0 },
	{ "installed from nothing: counted, not planned",
	  { R(P("new", "null", "\"1\"") "," P("a", "\"1\"", "\"2\"")) }, "a=1", 0, 1 },
	{ "removed or absent: nothing", { R(P("gone", "\"1\"", "null") "," P("x", "null", "null")) },
	  "", 0, 0 },
	{ "a retry: the first job's old version wins",
	  { R(P("a", "\"1\"", "\"2\"")), R(P("a", "\"2\"", "\"3\"") "," P("b", "\"5\"", "\"6\"")) },
	  "a=1 b=5", 0, 0 },
	{ "a failed job that was rolled back changed nothing",
	  { "{\"job_id\":1,\"status\":\"rolled_back\",\"packages\":[" P("a", "\"1\"", "\"1\"") "]}" },
	  "", 0, 0 },
	{ "a failed job that changed one package of two",
	  { "{\"job_id\":1,\"status\":\"failed\",\"packages\":[" P("a", "\"1\"", "\"2\"") ","
	    P("b", "\"1\"", "\"1\"") "]}" },
	  "a=1", 0, 0 },
	{ "an old version a job cannot carry", { R(P("a", "\"1 2\"", "\"2\"")) },
	  "packages[0].old_version: not a version", FP_EINVAL, 0 },
};

static void test_plan_table(void **state)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(plan_cases); i++) {
		const struct plan_case *c = &plan_cases[i];
		struct fp_rollback_plan plan;
		struct fp_diag d;
		char got[256] = "";
		int rc = 0;

		fp_rollback_plan_init(&plan);
		fp_diag_init(&d, NULL);
		for (size_t k = 0; !rc && k < 3 && c->results[k]; k++) {
			struct fp_job_result r;
			json_error_t je;
			json_t *j = json_loads(c->results[k], 0, &je);
			if (!j)
				fail_msg("case %zu: bad test JSON: %s", i, je.text);
			fp_job_result_init(&r);
			if (fp_job_result_from_json(j, &r, &d))
				fail_msg("case %zu: result does not decode: %s", i, d.msg);
			rc = fp_rollback_plan_add(&plan, &r, &d);
			fp_job_result_release(&r);
			json_decref(j);
		}
		for (size_t k = 0; k < plan.n_packages; k++) {
			size_t l = strlen(got);
			snprintf(got + l, sizeof(got) - l, "%s%s=%s", k ? " " : "",
				 plan.packages[k].name, plan.packages[k].version);
		}
		if (rc != c->want_rc || (rc == 0 && strcmp(got, c->want)) ||
		    (rc != 0 && !strstr(d.msg, c->want)) || plan.n_new != c->want_new)
			fail_msg("case %zu (%s): rc %d plan '%s' new %zu diag '%s'; want rc %d '%s' new %zu",
				 i, c->what, rc, got, plan.n_new, d.msg, c->want_rc, c->want,
				 c->want_new);
		/* A refused result leaves the plan as it was. */
		if (rc)
			assert_int_equal(plan.n_packages, 0);
		fp_rollback_plan_release(&plan);
	}
}

/* The result decoder refuses bad names already; a plan checks anyway. */
static void test_plan_bad_name(void **state)
{
	struct fp_job_pkg_result pk[] = { { "ok", "1", "2", "upgraded", NULL },
					  { "-rf", "1", "2", "upgraded", NULL } };
	struct fp_job_result r = { .job_id = 9, .packages = pk, .n_packages = 2 };
	struct fp_rollback_plan plan;
	struct fp_diag d;

	fp_rollback_plan_init(&plan);
	fp_diag_init(&d, NULL);
	assert_int_equal(fp_rollback_plan_add(&plan, &r, &d), FP_EINVAL);
	assert_non_null(strstr(d.msg, "job 9: packages[1].name"));
	assert_int_equal(plan.n_packages, 0);
	fp_rollback_plan_release(&plan);
}

static const struct outcome_case {
	enum fp_job_status status;
	const char *message;
	enum fp_rollback_state want;
} outcome_cases[] = {
	{ FP_JOB_SUCCEEDED, NULL, FP_RB_ROLLED_BACK },
	{ FP_JOB_FAILED, "rollback impossible: fpdemo 1.0 is in no repository and not in the local package cache",
	  FP_RB_IMPOSSIBLE },
	{ FP_JOB_FAILED, "apt: child process failed", FP_RB_FAILED },
	{ FP_JOB_FAILED, NULL, FP_RB_FAILED },
	{ FP_JOB_SKIPPED, "none of the packages is installed here: nothing to do", FP_RB_IMPOSSIBLE },
	{ FP_JOB_REFUSED, "job refused: signature does not verify", FP_RB_FAILED },
	{ FP_JOB_ROLLED_BACK, NULL, FP_RB_FAILED },
	{ FP_JOB_RUNNING, NULL, FP_RB_RUNNING },
	{ FP_JOB_DEFERRED, NULL, FP_RB_RUNNING },
};

static void test_outcome_table(void **state)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(outcome_cases); i++) {
		const struct outcome_case *c = &outcome_cases[i];
		enum fp_rollback_state got = fp_rollback_outcome(c->status, c->message);
		if (got != c->want)
			fail_msg("case %zu: %s '%s' -> %s, want %s", i,
				 fp_job_status_name(c->status), c->message ? c->message : "",
				 fp_rollback_state_name(got), fp_rollback_state_name(c->want));
	}
	assert_string_equal(fp_rollback_state_name(FP_RB_IMPOSSIBLE), "impossible");
	assert_string_equal(fp_rollback_state_name(FP_RB_ROLLED_BACK), "rolled_back");
	assert_string_equal(fp_rollback_state_name((enum fp_rollback_state)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_table),
		cmocka_unit_test(test_plan_bad_name),
		cmocka_unit_test(test_outcome_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
