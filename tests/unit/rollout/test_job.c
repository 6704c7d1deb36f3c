/* SPDX-License-Identifier: MIT */
/* Signed job documents: sign, verify, and every way a job is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/job.h"
#include "fleetpatch/util.h"

#define T0 ((time_t)1796000000) /* 2026-11-30 */

static struct fp_sign_key key, other_key;
static struct fp_job_package pkgs[] = { { "openssl", "3.0.15-1~deb12u1" },
					{ "libc6:amd64", NULL } };
static const char *post[] = { "/usr/local/sbin/health", "--quick" };

static int setup(void **state)
{
	if (fp_sign_global_init() || fp_sign_keygen(&key) ||
	    fp_sign_keygen(&other_key))
		return -1;
	return 0;
}

static void sample_job(struct fp_job *job)
{
	fp_job_init(job);
	job->job_id = 901;
	job->host_id = 17;
	job->deployment_id = 12;
	job->issued_at = T0;
	job->expires_at = T0 + 86400;
	assert_int_equal(fp_job_new_nonce(job), 0);
	job->action = FP_JOB_INSTALL;
	job->packages = pkgs;
	job->n_packages = FP_ARRAY_SIZE(pkgs);
	job->post_hook = post;
	job->n_post_hook = FP_ARRAY_SIZE(post);
	job->reboot = FP_REBOOT_WINDOW;
	job->deadline = T0 + 14 * 86400;
	job->window_end = T0 + 4 * 3600;
	job->allow_deferrals = 3;
	job->window_start = T0 + 2 * 3600;
	job->defer_seconds = 3600;
	job->hook_timeout = 300;
	job->rollback_on_failure = true;
}

static json_t *signed_sample(struct fp_job *job)
{
	struct fp_diag d;
	json_t *env = NULL;

	fp_diag_init(&d, NULL);
	sample_job(job);
	assert_int_equal(fp_job_sign(job, &key, &d, &env), 0);
	assert_non_null(env);
	return env;
}

static void test_roundtrip(void **state)
{
	struct fp_job job, got;
	struct fp_job_seen seen;
	struct fp_diag d;
	json_t *env = signed_sample(&job);
	const char *payload = json_string_value(json_object_get(env, "payload"));

	/* Canonical: compact, sorted keys. */
	assert_non_null(strstr(payload, "{\"action\":\"install\",\"allow_deferrals\":3,"));
	fp_job_seen_init(&seen);
	fp_diag_init(&d, NULL);
	fp_job_init(&got);
	assert_int_equal(fp_job_verify(env, key.pk, 17, T0 + 60, &seen, &d, &got), 0);
	assert_int_equal(got.job_id, 901);
	assert_int_equal(got.deployment_id, 12);
	assert_int_equal(got.expires_at, T0 + 86400);
	assert_string_equal(got.nonce, job.nonce);
	assert_int_equal(got.n_packages, 2);
	assert_string_equal(got.packages[0].version, "3.0.15-1~deb12u1");
	assert_null(got.packages[1].version);
	assert_string_equal(got.packages[1].name, "libc6:amd64");
	assert_int_equal(got.n_post_hook, 2);
	assert_string_equal(got.post_hook[1], "--quick");
	assert_null(got.pre_hook);
	assert_int_equal(got.reboot, FP_REBOOT_WINDOW);
	assert_int_equal(got.deadline, T0 + 14 * 86400);
	assert_int_equal(got.window_end, T0 + 4 * 3600);
	assert_int_equal(got.allow_deferrals, 3);
	assert_int_equal(got.window_start, T0 + 2 * 3600);
	assert_int_equal(got.defer_seconds, 3600);
	assert_int_equal(got.hook_timeout, 300);
	assert_true(got.rollback_on_failure);
	assert_int_equal(seen.n, 1);
	fp_job_release(&got);

	/* The same envelope again: replayed. */
	assert_int_equal(fp_job_verify(env, key.pk, 17, T0 + 120, &seen, &d, &got),
			 FP_ECONFLICT);
	assert_non_null(strstr(d.msg, "replayed"));
	assert_int_equal(got.n_packages, 0);

	/* The replay store survives a save and load. */
	{
		json_t *sj = fp_job_seen_to_json(&seen);
		struct fp_job_seen s2;
		fp_job_seen_init(&s2);
		assert_int_equal(fp_job_seen_from_json(sj, &s2, &d), 0);
		assert_int_equal(s2.n, 1);
		assert_int_equal(fp_job_verify(env, key.pk, 17, T0 + 120, &s2, &d, &got),
				 FP_ECONFLICT);
		/* Once expired the entry goes, and the job is refused as expired. */
		fp_job_seen_prune(&s2, T0 + 86400);
		assert_int_equal(s2.n, 0);
		fp_job_seen_release(&s2);
		json_decref(sj);
	}
	fp_job_seen_release(&seen);
	json_decref(env);
}

/* Each case changes the envelope or the checks and expects one refusal. */
static void test_refusals(void **state)
{
	struct fp_job job, got;
	struct fp_diag d;
	json_t *env = signed_sample(&job);
	char *text = json_dumps(env, JSON_COMPACT);
	const char *payload = json_string_value(json_object_get(env, "payload"));
	const char *sig = json_string_value(json_object_get(env, "signature"));
	char *tampered = strdup(payload);
	char *p = strstr(tampered, "3.0.15");
	json_t *e2;

	fp_job_init(&got);
	fp_diag_init(&d, NULL);

	/* Good text form verifies. */
	assert_int_equal(fp_job_verify_text(text, strlen(text), key.pk, 17, T0, NULL, &d, &got), 0);
	fp_job_release(&got);

	/* Unsigned. */
	e2 = json_pack("{s:s}", "payload", payload);
	assert_int_equal(fp_job_verify(e2, key.pk, 17, T0, NULL, &d, &got), FP_ESIG);
	assert_non_null(strstr(d.msg, "unsigned"));
	json_decref(e2);

	/* Tampered payload (version changed), same signature. */
	p[6] = '9';
	e2 = json_pack("{s:s,s:s}", "payload", tampered, "signature", sig);
	assert_int_equal(fp_job_verify(e2, key.pk, 17, T0, NULL, &d, &got), FP_ESIG);
	assert_non_null(strstr(d.msg, "does not verify"));
	json_decref(e2);

	/* Signed by another key. */
	assert_int_equal(fp_job_verify(env, other_key.pk, 17, T0, NULL, &d, &got), FP_ESIG);

	/* Wrong host. */
	assert_int_equal(fp_job_verify(env, key.pk, 18, T0, NULL, &d, &got), FP_EPERM);
	assert_non_null(strstr(d.msg, "host 17"));

	/* Expired, and issued too far in the future. */
	assert_int_equal(fp_job_verify(env, key.pk, 17, T0 + 86400, NULL, &d, &got),
			 FP_ETIMEDOUT);
	assert_non_null(strstr(d.msg, "expired"));
	assert_int_equal(fp_job_verify(env, key.pk, 17, T0 - 2 * 3600, NULL, &d, &got),
			 FP_ETIMEDOUT);
	assert_int_equal(fp_job_verify(env, key.pk, 17, T0 - 1800, NULL, &d, &got), 0);
	fp_job_release(&got);

	/* Not an envelope at all. */
	assert_int_equal(fp_job_verify_text("[1]", 3, key.pk, 17, T0, NULL, &d, &got), FP_ESIG);
	assert_int_equal(fp_job_verify_text("{", 1, key.pk, 17, T0, NULL, &d, &got), FP_ESIG);

	free(tampered);
	free(text);
	json_decref(env);
}

/* A signed payload that is not a valid job still fails (defence in depth). */
static void test_signed_but_invalid(void **state)
{
	static const struct {
		const char *payload;
		const char *want;
	} cases[] = {
		{ "[]", "must be an object" },
		{ "{\"job_id\":1}", "host_id: missing" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-11-29T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"install\",\"reboot\":\"never\",\"packages\":[{\"name\":\"a\"}]}",
		  "expires_at: must be after issued_at" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-12-01T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"install\",\"reboot\":\"never\",\"packages\":[{\"name\":\"-rf\"}]}",
		  "packages[0].name: invalid package name" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-12-01T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"install\",\"reboot\":\"never\",\"packages\":[]}",
		  "install needs at least one package" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-12-01T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"install\",\"reboot\":\"never\",\"packages\":[{\"name\":\"a\",\"version\":\"1 2\"}]}",
		  "packages[0].version: invalid version" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-12-01T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"install\",\"reboot\":\"never\",\"packages\":[{\"name\":\"a\"}],"
		  "\"post_hook\":[\"health\"]}",
		  "post_hook: argv[0] must be an absolute path" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-12-01T00:00:00Z\",\"nonce\":\"xyz\","
		  "\"action\":\"install\",\"reboot\":\"never\",\"packages\":[{\"name\":\"a\"}]}",
		  "nonce: must be 32 lowercase hex" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2026-12-01T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"reinstall\",\"reboot\":\"never\",\"packages\":[{\"name\":\"a\"}]}",
		  "action: unknown value" },
		{ "{\"job_id\":1,\"host_id\":17,\"deployment_id\":1,\"issued_at\":\"2026-11-30T00:00:00Z\","
		  "\"expires_at\":\"2027-01-30T00:00:00Z\",\"nonce\":\"00112233445566778899aabbccddeeff\","
		  "\"action\":\"repair\",\"reboot\":\"never\",\"packages\":[]}",
		  "lifetime over 31 days" },
	};
	struct fp_job got;
	struct fp_diag d;

	fp_job_init(&got);
	for (size_t i = 0; i < FP_ARRAY_SIZE(cases); i++) {
		char sig[FP_SIGN_SIG_B64];
		size_t plen = strlen(cases[i].payload);
		char *msg = malloc(plen + 32);
		json_t *env;

		snprintf(msg, plen + 32, "fleetpatch-job-v1\n%s", cases[i].payload);
		assert_int_equal(fp_sign(&key, msg, strlen(msg), sig), 0);
		env = json_pack("{s:s,s:s}", "payload", cases[i].payload, "signature", sig);
		fp_diag_init(&d, NULL);
		int rc = fp_job_verify(env, key.pk, 17, T0, NULL, &d, &got);
		if (rc != FP_EINVAL || !strstr(d.msg, cases[i].want))
			fail_msg("case %zu: rc %d msg '%s', want '%s'", i, rc, d.msg,
				 cases[i].want);
		json_decref(env);
		free(msg);
	}
	/* A repair job may be empty, and a signature without the domain prefix fails. */
	{
		const char *ok = cases[4].payload;
		char sig[FP_SIGN_SIG_B64];
		json_t *env;
		assert_int_equal(fp_sign(&key, ok, strlen(ok), sig), 0);
		env = json_pack("{s:s,s:s}", "payload", ok, "signature", sig);
		assert_int_equal(fp_job_verify(env, key.pk, 17, T0, NULL, &d, &got), FP_ESIG);
		json_decref(env);
	}
}

static void test_sign_refuses_invalid(void **state)
{
	struct fp_job job;
	struct fp_diag d;
	json_t *env = NULL;
	struct fp_job_package bad[] = { { "ok", "1.0" }, { "x y", NULL } };

	fp_diag_init(&d, NULL);
	sample_job(&job);
	job.packages = bad;
	job.n_packages = 2;
	assert_int_equal(fp_job_sign(&job, &key, &d, &env), FP_EINVAL);
	assert_null(env);
	assert_string_equal(d.msg, "packages[1].name: invalid package name");
	sample_job(&job);
	job.host_id = 0;
	assert_int_equal(fp_job_sign(&job, &key, &d, &env), FP_EINVAL);
	sample_job(&job);
	job.nonce[0] = '\0';
	assert_int_equal(fp_job_sign(&job, &key, &d, &env), FP_EINVAL);
}

static void test_names(void **state)
{
	assert_true(fp_job_name_is_valid("libstdc++6"));
	assert_true(fp_job_name_is_valid("python3.11"));
	assert_true(fp_job_name_is_valid("libc6:amd64"));
	assert_true(fp_job_name_is_valid("NetworkManager"));
	assert_false(fp_job_name_is_valid(""));
	assert_false(fp_job_name_is_valid("-o"));
	assert_false(fp_job_name_is_valid("a b"));
	assert_false(fp_job_name_is_valid("a;rm"));
	assert_false(fp_job_name_is_valid("a/../b"));
	assert_true(fp_job_version_is_valid("1:2.3~rc1-4+deb12u1"));
	assert_true(fp_job_version_is_valid("1.2^git3"));
	assert_false(fp_job_version_is_valid("1.0 "));
	assert_false(fp_job_version_is_valid("-1"));
	assert_false(fp_job_version_is_valid("1.0\n"));
}

static void test_result_roundtrip(void **state)
{
	const char *in =
		"{\"job_id\":901,\"status\":\"failed\",\"started_at\":\"2026-12-04T20:00:00Z\","
		"\"finished_at\":\"2026-12-04T20:01:00Z\",\"message\":\"post hook failed\","
		"\"reboot_required\":true,\"deferrals_used\":1,\"packages\":[{\"name\":\"hello\","
		"\"old_version\":\"1.1\",\"new_version\":\"1.2\",\"result\":\"failed\",\"log_tail\":\"E: x\"}]}";
	struct fp_job_result r, r2;
	struct fp_diag d;
	json_error_t je;
	json_t *j = json_loads(in, 0, &je), *out;

	fp_job_result_init(&r);
	fp_job_result_init(&r2);
	fp_diag_init(&d, NULL);
	assert_int_equal(fp_job_result_from_json(j, &r, &d), 0);
	assert_int_equal(r.status, FP_JOB_FAILED);
	assert_int_equal(r.n_packages, 1);
	assert_string_equal(r.packages[0].new_version, "1.2");
	assert_true(r.reboot_required);
	out = fp_job_result_to_json(&r);
	assert_int_equal(fp_job_result_from_json(out, &r2, &d), 0);
	assert_true(json_equal(j, out));
	json_decref(out);
	json_decref(j);
	fp_job_result_release(&r2);
	fp_job_result_release(&r);

	j = json_loads("{\"job_id\":1,\"status\":\"done\"}", 0, &je);
	assert_int_equal(fp_job_result_from_json(j, &r, &d), FP_EINVAL);
	assert_string_equal(d.msg, "status: unknown value \"done\"");
	json_decref(j);
	fp_job_result_release(&r);
}

/* Every allocation failure during sign + verify fails cleanly. */
static void test_alloc_failures(void **state)
{
	for (unsigned long n = 1; n < 200; n++) {
		struct fp_job job, got;
		struct fp_job_seen seen;
		struct fp_diag d;
		json_t *env = NULL;
		int rc;

		sample_job(&job);
		fp_job_init(&got);
		fp_job_seen_init(&seen);
		fp_alloc_fail_at(n);
		rc = fp_job_sign(&job, &key, &d, &env);
		if (rc == 0)
			rc = fp_job_verify(env, key.pk, 17, T0, &seen, &d, &got);
		fp_alloc_fail_at(0);
		assert_true(rc == 0 || rc == FP_ENOMEM);
		json_decref(env);
		fp_job_release(&got);
		fp_job_seen_release(&seen);
		if (rc == 0)
			break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_signed_but_invalid),
		cmocka_unit_test(test_sign_refuses_invalid),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_result_roundtrip),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
