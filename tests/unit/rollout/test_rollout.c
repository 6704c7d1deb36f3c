/* SPDX-License-Identifier: MIT */
/* The deployment state machine: promotion, breaches, batches, operator
 * actions, windows, deadlines, serialisation, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/rollout.h"
#include "fleetpatch/util.h"

#define T0 ((time_t)1796000000) /* 2026-11-29T... UTC */
#define HOUR 3600
#define DAY 86400

static struct fp_rollout_actions acts;
static struct fp_diag diag;

static int setup(void **state)
{
	fp_rollout_actions_init(&acts);
	fp_diag_init(&diag, NULL);
	return 0;
}

static int teardown(void **state)
{
	fp_rollout_actions_release(&acts);
	return 0;
}

static struct fp_rollout_env env_at(time_t now)
{
	return (struct fp_rollout_env){ .now = now };
}

/* Rings named r0, r1, ... with the given host counts; host ids 100*ring+k. */
static void make(struct fp_deployment *dep, size_t n_rings, const int *sizes)
{
	fp_deployment_init(dep);
	dep->id = 7;
	dep->selector = FP_SEL_SECURITY;
	dep->state = FP_DEP_PENDING_APPROVAL;
	dep->created_at = T0;
	dep->n_rings = n_rings;
	for (size_t r = 0; r < n_rings; r++) {
		snprintf(dep->rings[r].name, sizeof(dep->rings[r].name), "r%zu", r);
		for (int k = 1; k <= sizes[r]; k++)
			assert_int_equal(fp_deployment_add_host(dep, (int64_t)(1000 * (r + 1) + k), r, false), 0);
	}
}

static void check_ok(struct fp_deployment *dep, time_t now)
{
	fp_diag_init(&diag, NULL);
	if (fp_deployment_check(dep, now, NULL, 0, &diag))
		fail_msg("check: %s", diag.msg);
}

static size_t count_kind(enum fp_rollout_action_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < acts.n; i++)
		n += acts.v[i].kind == k;
	return n;
}

static size_t tick(struct fp_deployment *dep, time_t now)
{
	struct fp_rollout_env env = env_at(now);
	acts.n = 0;
	assert_int_equal(fp_rollout_tick(dep, &env, &acts), 0);
	return count_kind(FP_ACT_DISPATCH);
}

static int event(struct fp_deployment *dep, time_t now, enum fp_rollout_event_kind k)
{
	struct fp_rollout_env env = env_at(now);
	struct fp_rollout_event ev = { .kind = k };
	acts.n = 0;
	fp_diag_init(&diag, NULL);
	return fp_rollout_apply(dep, &ev, &env, &acts, &diag);
}

/* Report 'n' hosts of ring 'ring' that are in flight with 'status'. */
static void report(struct fp_deployment *dep, size_t ring, size_t n,
		   enum fp_job_status status, time_t now)
{
	struct fp_rollout_env env = env_at(now);
	struct fp_rollout_actions a;
	size_t done = 0;

	fp_rollout_actions_init(&a);
	for (size_t i = 0; i < dep->n_hosts && done < n; i++) {
		struct fp_rollout_host *h = &dep->hosts[i];
		if (h->ring != ring || (h->state != FP_HOST_SENT && h->state != FP_HOST_RUNNING &&
					h->state != FP_HOST_DEFERRED))
			continue;
		struct fp_rollout_event ev = { .kind = FP_EV_RESULT, .host_id = h->host_id,
					       .job_id = h->job_id, .status = status };
		assert_int_equal(fp_rollout_apply(dep, &ev, &env, &a, &diag), 0);
		done++;
	}
	assert_int_equal(done, n);
	fp_rollout_actions_release(&a);
}

static size_t in_state(const struct fp_deployment *dep, size_t ring, enum fp_host_state s)
{
	struct fp_ring_counts c[FP_ROLLOUT_MAX_RINGS];
	fp_deployment_counts(dep, c);
	return c[ring].by_state[s];
}

static void test_two_ring_promotion(void **state)
{
	struct fp_deployment dep;
	const int sizes[] = { 3, 5 };

	make(&dep, 2, sizes);
	dep.rings[0].soak = 2 * DAY;
	check_ok(&dep, T0);
	/* Nothing happens before approval. */
	assert_int_equal(tick(&dep, T0), 0);
	assert_int_equal(dep.state, FP_DEP_PENDING_APPROVAL);
	assert_int_equal(event(&dep, T0, FP_EV_APPROVE), 0);
	assert_int_equal(dep.state, FP_DEP_RUNNING);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 3);
	for (size_t i = 0; i < acts.n; i++)
		assert_true(acts.v[i].host_id > 1000 && acts.v[i].host_id < 2000);
	/* Approving twice is a conflict with a clear message. */
	assert_int_equal(event(&dep, T0, FP_EV_APPROVE), FP_ECONFLICT);
	assert_non_null(strstr(diag.msg, "is running"));

	report(&dep, 0, 3, FP_JOB_RUNNING, T0 + 60);
	report(&dep, 0, 3, FP_JOB_SUCCEEDED, T0 + HOUR);
	assert_int_equal(tick(&dep, T0 + HOUR), 0);
	assert_int_equal(dep.progress[0].state, FP_RING_SOAKING);
	assert_int_equal(tick(&dep, T0 + HOUR + 2 * DAY - 1), 0);
	assert_int_equal(dep.progress[1].state, FP_RING_WAITING);
	assert_int_equal(tick(&dep, T0 + HOUR + 2 * DAY), 5);
	assert_int_equal(count_kind(FP_ACT_PROMOTE), 1);
	assert_int_equal(dep.progress[0].state, FP_RING_PROMOTED);
	assert_int_equal(dep.progress[1].state, FP_RING_RUNNING);
	report(&dep, 1, 5, FP_JOB_SUCCEEDED, T0 + 3 * DAY);
	assert_int_equal(tick(&dep, T0 + 3 * DAY), 0);
	assert_int_equal(count_kind(FP_ACT_COMPLETE), 1);
	assert_int_equal(dep.state, FP_DEP_COMPLETED);
	assert_int_equal(dep.progress[1].state, FP_RING_DONE);
	/* A finished deployment takes no more operator actions but results. */
	assert_int_equal(event(&dep, T0 + 3 * DAY, FP_EV_CANCEL), FP_ECONFLICT);
	fp_deployment_release(&dep);
}

/* The example policy, over three rings, from its JSON. */
static void test_three_ring_policy(void **state)
{
	const char *pj =
		"{\"name\":\"security\",\"selector\":\"security\",\"auto_approve\":true,"
		"\"every\":\"1d\",\"deadline\":\"14d\",\"reboot\":\"window\","
		"\"stages\":[{\"ring\":\"test\",\"soak\":\"2d\",\"success_threshold\":95},"
		"{\"ring\":\"pilot\",\"soak\":\"5d\"},{\"ring\":\"production\"}]}";
	struct fp_ring rings[3];
	struct fp_policy pol;
	struct fp_deployment dep;
	json_error_t je;
	json_t *j = json_loads(pj, 0, &je), *back;

	assert_int_equal(fp_policy_from_json(j, &diag, &pol), 0);
	back = fp_policy_to_json(&pol);
	{
		struct fp_policy pol2;
		assert_int_equal(fp_policy_from_json(back, &diag, &pol2), 0);
		assert_memory_equal(&pol, &pol2, sizeof(pol));
	}
	json_decref(back);
	json_decref(j);
	assert_true(fp_policy_is_due(&pol, 0, T0));
	assert_false(fp_policy_is_due(&pol, T0, T0 + DAY - 1));
	assert_true(fp_policy_is_due(&pol, T0, T0 + DAY));

	for (int i = 0; i < 3; i++)
		fp_ring_init(&rings[i]);
	snprintf(rings[0].name, sizeof(rings[0].name), "test");
	snprintf(rings[1].name, sizeof(rings[1].name), "pilot");
	snprintf(rings[2].name, sizeof(rings[2].name), "production");
	rings[1].success_threshold = 90;
	fp_deployment_init(&dep);
	assert_int_equal(fp_policy_start(&pol, rings, 3, 9, T0, &diag, &dep), 0);
	assert_int_equal(dep.state, FP_DEP_APPROVED);
	assert_int_equal(dep.deadline, T0 + 14 * DAY);
	assert_int_equal(dep.rings[0].soak, 2 * DAY);
	assert_int_equal(dep.rings[0].success_threshold, 95);
	assert_int_equal(dep.rings[1].success_threshold, 90);
	assert_int_equal(dep.rings[2].reboot, FP_REBOOT_WINDOW);
	assert_string_equal(dep.created_by, "policy:security");
	for (int k = 1; k <= 20; k++)
		fp_deployment_add_host(&dep, 100 + k, 0, false);
	for (int k = 1; k <= 10; k++)
		fp_deployment_add_host(&dep, 200 + k, 1, false);
	for (int k = 1; k <= 50; k++)
		fp_deployment_add_host(&dep, 300 + k, 2, k == 50 /* lacks it */);
	check_ok(&dep, T0);

	/* Test ring at once; 19 of 20 succeed = 95%: soak starts. */
	assert_int_equal(tick(&dep, T0), 20);
	report(&dep, 0, 1, FP_JOB_FAILED, T0 + HOUR);
	report(&dep, 0, 19, FP_JOB_SUCCEEDED, T0 + HOUR);
	tick(&dep, T0 + HOUR);
	assert_int_equal(dep.state, FP_DEP_RUNNING);
	assert_int_equal(dep.progress[0].state, FP_RING_SOAKING);
	/* Pilot after 2 days. */
	assert_int_equal(tick(&dep, T0 + HOUR + 2 * DAY - 1), 0);
	assert_int_equal(tick(&dep, T0 + HOUR + 2 * DAY), 10);
	report(&dep, 1, 10, FP_JOB_SUCCEEDED, T0 + 3 * DAY);
	tick(&dep, T0 + 3 * DAY);
	/* Production after 5 more days; the skipped host needs nothing. */
	assert_int_equal(tick(&dep, T0 + 8 * DAY - 1), 0);
	assert_int_equal(tick(&dep, T0 + 8 * DAY), 49);
	report(&dep, 2, 49, FP_JOB_SUCCEEDED, T0 + 9 * DAY);
	tick(&dep, T0 + 9 * DAY);
	assert_int_equal(dep.state, FP_DEP_COMPLETED);
	assert_int_equal(in_state(&dep, 2, FP_HOST_SKIPPED), 1);
	assert_int_equal(in_state(&dep, 0, FP_HOST_FAILED), 1);
	fp_deployment_release(&dep);

	/* A stage naming an unknown ring. */
	snprintf(rings[2].name, sizeof(rings[2].name), "prod");
	fp_deployment_init(&dep);
	assert_int_equal(fp_policy_start(&pol, rings, 3, 9, T0, &diag, &dep), FP_ENOENT);
	assert_non_null(strstr(diag.msg, "unknown ring \"production\""));
	fp_deployment_release(&dep);
}

/* Breaches: hosts, threshold, max_failures, failures then successes. */
static const struct breach_case {
	int hosts, threshold, max_failures, fail, succeed;
	bool halted;
	enum fp_ring_state ring_state;
} breach_cases[] = {
	{ 10, 100, -1, 1, 0, true, FP_RING_RUNNING },   /* any failure breaks 100% */
	{ 10, 90, -1, 1, 9, false, FP_RING_SOAKING },   /* 9/10 = 90% holds */
	{ 10, 90, -1, 2, 0, true, FP_RING_RUNNING },    /* 8/10 can no longer make 90% */
	{ 10, 0, 2, 2, 8, false, FP_RING_SOAKING },     /* 2 failures allowed */
	{ 10, 0, 2, 3, 0, true, FP_RING_SOAKING },      /* the third halts, even soaking */
	{ 10, 50, 0, 1, 0, true, FP_RING_RUNNING },     /* max 0: first failure halts */
	{ 3, 66, -1, 1, 2, false, FP_RING_SOAKING },    /* 2/3 = 66.7% >= 66 */
	{ 3, 67, -1, 1, 0, true, FP_RING_RUNNING },     /* 2/3 < 67 */
	{ 1000, 99, 10, 10, 990, false, FP_RING_SOAKING },
	{ 1000, 99, 10, 11, 0, true, FP_RING_RUNNING },
};

static void test_breach_table(void **state)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(breach_cases); i++) {
		const struct breach_case *c = &breach_cases[i];
		struct fp_deployment dep;
		const int sizes[] = { c->hosts, 4 };

		make(&dep, 2, sizes);
		dep.rings[0].success_threshold = c->threshold;
		dep.rings[0].max_failures = c->max_failures;
		dep.rings[0].soak = DAY;
		dep.state = FP_DEP_APPROVED;
		check_ok(&dep, T0);
		assert_int_equal(tick(&dep, T0), (size_t)c->hosts);
		report(&dep, 0, (size_t)c->fail, FP_JOB_FAILED, T0 + 60);
		report(&dep, 0, (size_t)c->succeed, FP_JOB_SUCCEEDED, T0 + 60);
		tick(&dep, T0 + 120);
		if ((dep.state == FP_DEP_HALTED) != c->halted || dep.progress[0].state != c->ring_state)
			fail_msg("case %zu: state %s ring %s reason '%s'", i,
				 fp_dep_state_name(dep.state),
				 fp_ring_state_name(dep.progress[0].state), dep.reason);
		if (c->halted) {
			assert_int_equal(count_kind(FP_ACT_HALT), 1);
			assert_non_null(strstr(dep.reason, "ring \"r0\""));
			/* Halted: the next ring is never touched. */
			assert_int_equal(tick(&dep, T0 + 30 * DAY), 0);
			assert_int_equal(dep.progress[1].state, FP_RING_WAITING);
		}
		fp_deployment_release(&dep);
	}
}

static void test_batches(void **state)
{
	struct fp_deployment dep;
	const int sizes[] = { 10 };

	make(&dep, 1, sizes);
	dep.rings[0].batch_size = 3;
	dep.state = FP_DEP_APPROVED;
	check_ok(&dep, T0);
	assert_int_equal(tick(&dep, T0), 3);
	assert_int_equal(tick(&dep, T0 + 1), 0); /* batch full */
	report(&dep, 0, 1, FP_JOB_RUNNING, T0 + 2);
	assert_int_equal(tick(&dep, T0 + 3), 0); /* running still counts */
	report(&dep, 0, 2, FP_JOB_SUCCEEDED, T0 + 4);
	assert_int_equal(tick(&dep, T0 + 5), 2);
	/* A deferred job still holds its slot. */
	report(&dep, 0, 1, FP_JOB_DEFERRED, T0 + 6);
	assert_int_equal(tick(&dep, T0 + 7), 0);
	report(&dep, 0, 3, FP_JOB_SUCCEEDED, T0 + 8);
	assert_int_equal(tick(&dep, T0 + 9), 3);
	report(&dep, 0, 3, FP_JOB_SUCCEEDED, T0 + 10);
	assert_int_equal(tick(&dep, T0 + 11), 2);
	report(&dep, 0, 2, FP_JOB_SUCCEEDED, T0 + 12);
	tick(&dep, T0 + 13);
	assert_int_equal(dep.state, FP_DEP_COMPLETED);
	/* Each host got exactly one job with a distinct id. */
	for (size_t i = 0; i < dep.n_hosts; i++) {
		assert_int_equal(dep.hosts[i].attempts, 1);
		for (size_t k = 0; k < i; k++)
			assert_true(dep.hosts[k].job_id != dep.hosts[i].job_id);
	}
	assert_int_equal(dep.job_seq, 10);
	fp_deployment_release(&dep);
}

static void test_operator_actions(void **state)
{
	struct fp_deployment dep;
	const int sizes[] = { 6, 2 };
	struct fp_rollout_env env;
	struct fp_rollout_event ev = { 0 };
	int64_t one;

	make(&dep, 2, sizes);
	dep.rings[0].batch_size = 2;
	dep.rings[0].max_failures = 0;
	check_ok(&dep, T0);
	assert_int_equal(event(&dep, T0, FP_EV_PAUSE), FP_ECONFLICT);
	assert_int_equal(event(&dep, T0, FP_EV_APPROVE), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 2);
	/* Pause: in-flight jobs finish, nothing new is queued. */
	assert_int_equal(event(&dep, T0 + 1, FP_EV_PAUSE), 0);
	report(&dep, 0, 2, FP_JOB_SUCCEEDED, T0 + 2);
	assert_int_equal(tick(&dep, T0 + 3), 0);
	assert_int_equal(dep.state, FP_DEP_PAUSED);
	assert_int_equal(event(&dep, T0 + 4, FP_EV_RESUME), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 2);
	/* A failure halts (max_failures 0). */
	report(&dep, 0, 1, FP_JOB_FAILED, T0 + 5);
	report(&dep, 0, 1, FP_JOB_SUCCEEDED, T0 + 5);
	assert_int_equal(tick(&dep, T0 + 6), 0);
	assert_int_equal(dep.state, FP_DEP_HALTED);
	assert_int_equal(count_kind(FP_ACT_HALT), 1);
	/* Resume refuses while the breach holds. */
	assert_int_equal(event(&dep, T0 + 7, FP_EV_RESUME), FP_ECONFLICT);
	assert_non_null(strstr(diag.msg, "retry the failed hosts"));
	/* Retry a host that did not fail: refused, nothing changes. */
	env = env_at(T0 + 8);
	one = 1001;
	ev.kind = FP_EV_RETRY;
	ev.hosts = &one;
	ev.n_hosts = 1;
	acts.n = 0;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), FP_ECONFLICT);
	assert_non_null(strstr(diag.msg, "host 1001 is succeeded"));
	one = 4242;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), FP_ENOENT);
	/* Retry every failed host, then resume: it gets a new job. */
	assert_int_equal(event(&dep, T0 + 9, FP_EV_RETRY), 0);
	assert_int_equal(in_state(&dep, 0, FP_HOST_PENDING), 3);
	assert_int_equal(dep.state, FP_DEP_HALTED);
	assert_int_equal(event(&dep, T0 + 10, FP_EV_RESUME), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 2);
	assert_int_equal(event(&dep, T0 + 11, FP_EV_RETRY), FP_ECONFLICT); /* none failed */
	/* Cancel revokes the undelivered jobs and ends it. */
	assert_int_equal(event(&dep, T0 + 12, FP_EV_CANCEL), 0);
	assert_int_equal(count_kind(FP_ACT_REVOKE), 2);
	assert_int_equal(dep.state, FP_DEP_CANCELLED);
	assert_int_equal(tick(&dep, T0 + 13), 0);
	assert_int_equal(event(&dep, T0 + 14, FP_EV_RESUME), FP_ECONFLICT);
	assert_int_equal(event(&dep, T0 + 14, FP_EV_RETRY), FP_ECONFLICT);
	fp_deployment_release(&dep);
}

static void test_results_edge_cases(void **state)
{
	struct fp_deployment dep;
	const int sizes[] = { 2 };
	struct fp_rollout_env env = env_at(T0);
	struct fp_rollout_event ev = { .kind = FP_EV_RESULT, .status = FP_JOB_SUCCEEDED };
	int64_t old_job;

	make(&dep, 1, sizes);
	dep.state = FP_DEP_APPROVED;
	dep.rings[0].success_threshold = 50;
	check_ok(&dep, T0);
	tick(&dep, T0);
	/* Unknown host. */
	ev.host_id = 99;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), FP_ENOENT);
	assert_non_null(strstr(diag.msg, "host 99 is not part of deployment 7"));
	/* Out of order: succeeded, then a late "running" does not undo it. */
	ev.host_id = 1001;
	ev.job_id = fp_deployment_host(&dep, 1001)->job_id;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
	ev.status = FP_JOB_RUNNING;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
	assert_int_equal(fp_deployment_host(&dep, 1001)->state, FP_HOST_SUCCEEDED);
	/* A refused job counts as failed; after a retry the old job's late
	 * report is ignored. */
	ev.host_id = 1002;
	ev.job_id = old_job = fp_deployment_host(&dep, 1002)->job_id;
	ev.status = FP_JOB_REFUSED;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
	assert_int_equal(fp_deployment_host(&dep, 1002)->state, FP_HOST_FAILED);
	assert_int_equal(event(&dep, T0 + 1, FP_EV_RETRY), 0);
	assert_true(fp_deployment_host(&dep, 1002)->job_id != old_job);
	assert_int_equal(fp_deployment_host(&dep, 1002)->attempts, 2);
	ev.status = FP_JOB_FAILED;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
	assert_int_equal(fp_deployment_host(&dep, 1002)->state, FP_HOST_SENT);
	fp_deployment_release(&dep);
}

static void load_window(struct fp_window *w, const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	fp_window_init(w);
	assert_int_equal(fp_window_from_json(j, NULL, &diag, w), 0);
	json_decref(j);
}

static void test_windows_and_deadlines(void **state)
{
	struct fp_window w[2];
	struct fp_deployment dep;
	const int sizes[] = { 4 };
	struct fp_rollout_env env;
	time_t noon, open;

	/* Nightly 02:30 Berlin for 2 h; 2026-12-02 02:30 CET = 01:30 UTC. */
	load_window(&w[0], "{\"name\":\"nightly\",\"days\":\"daily\",\"start\":\"02:30\","
			   "\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}");
	fp_window_init(&w[1]);
	snprintf(w[1].name, sizeof(w[1].name), "never");
	w[1].duration = 3600; /* no days */
	assert_int_equal(fp_time_parse_rfc3339("2026-12-01T12:00:00Z", &noon), 0);
	assert_int_equal(fp_time_parse_rfc3339("2026-12-02T01:30:00Z", &open), 0);

	make(&dep, 1, sizes);
	snprintf(dep.rings[0].window, sizeof(dep.rings[0].window), "nightly");
	dep.rings[0].deadline_offset = 3 * DAY;
	dep.state = FP_DEP_APPROVED;
	assert_int_equal(fp_deployment_check(&dep, noon, w, 2, &diag), 0);
	env = (struct fp_rollout_env){ .now = noon, .windows = w, .n_windows = 2 };
	acts.n = 0;
	assert_int_equal(fp_rollout_tick(&dep, &env, &acts), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 0);
	assert_int_equal(count_kind(FP_ACT_WAIT), 1);
	assert_int_equal(acts.v[0].until, open);
	env.now = open;
	acts.n = 0;
	assert_int_equal(fp_rollout_tick(&dep, &env, &acts), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 4);
	fp_deployment_release(&dep);

	/* A window that never opens: refused without a deadline ... */
	make(&dep, 1, sizes);
	snprintf(dep.rings[0].window, sizeof(dep.rings[0].window), "never");
	assert_int_equal(fp_deployment_check(&dep, noon, w, 2, &diag), FP_EINVAL);
	assert_non_null(strstr(diag.msg, "never opens and there is no deadline"));
	/* ... with one, hosts wait until the deadline, then go at once. */
	dep.deadline = noon + 2 * DAY;
	assert_int_equal(fp_deployment_check(&dep, noon, w, 2, &diag), 0);
	dep.state = FP_DEP_APPROVED;
	env.now = noon;
	acts.n = 0;
	assert_int_equal(fp_rollout_tick(&dep, &env, &acts), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 0);
	assert_int_equal(acts.v[0].kind, FP_ACT_WAIT);
	assert_int_equal(acts.v[0].until, noon + 2 * DAY);
	env.now = noon + 2 * DAY;
	acts.n = 0;
	assert_int_equal(fp_rollout_tick(&dep, &env, &acts), 0);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 4);
	fp_deployment_release(&dep);

	/* Ring deadline: outside the window, past start + offset, work goes. */
	make(&dep, 1, sizes);
	snprintf(dep.rings[0].window, sizeof(dep.rings[0].window), "nightly");
	dep.rings[0].deadline_offset = HOUR;
	dep.state = FP_DEP_APPROVED;
	assert_int_equal(fp_deployment_check(&dep, noon, w, 2, &diag), 0);
	env.now = noon;
	acts.n = 0;
	fp_rollout_tick(&dep, &env, &acts);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 0);
	assert_int_equal(fp_rollout_host_deadline(&dep, 0), noon + HOUR);
	env.now = noon + HOUR;
	acts.n = 0;
	fp_rollout_tick(&dep, &env, &acts);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 4);
	fp_deployment_release(&dep);
	fp_window_release(&w[0]);
	fp_window_release(&w[1]);
}

/* Two deployments share hosts: a host runs one job at a time. */
struct two {
	struct fp_deployment *other;
};

static bool busy_in_other(void *ctx, int64_t host_id, int64_t dep_id)
{
	struct two *t = ctx;
	const struct fp_rollout_host *h = fp_deployment_host(t->other, host_id);
	return h && (h->state == FP_HOST_SENT || h->state == FP_HOST_RUNNING ||
		     h->state == FP_HOST_DEFERRED);
}

static void test_overlapping_deployments(void **state)
{
	struct fp_deployment a, b;
	const int sizes[] = { 3 };
	struct two ta = { &b }, tb = { &a };
	struct fp_rollout_env ea = { .now = T0, .host_busy = busy_in_other, .ctx = &ta };
	struct fp_rollout_env eb = { .now = T0, .host_busy = busy_in_other, .ctx = &tb };

	make(&a, 1, sizes);
	make(&b, 1, sizes);
	b.id = 8;
	a.state = b.state = FP_DEP_APPROVED;
	check_ok(&a, T0);
	check_ok(&b, T0);
	acts.n = 0;
	fp_rollout_tick(&a, &ea, &acts); /* older first */
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 3);
	acts.n = 0;
	fp_rollout_tick(&b, &eb, &acts);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 0);
	report(&a, 0, 2, FP_JOB_SUCCEEDED, T0 + 60);
	acts.n = 0;
	fp_rollout_tick(&b, &eb, &acts);
	assert_int_equal(count_kind(FP_ACT_DISPATCH), 2);
	/* Job ids of the two deployments never collide. */
	assert_true(fp_rollout_job_id(7, 1) != fp_rollout_job_id(8, 1));
	fp_deployment_release(&a);
	fp_deployment_release(&b);
}

static void test_bad_input(void **state)
{
	struct fp_deployment dep;
	const int sizes[] = { 2, 2 };
	struct fp_job_package pk = { "no-such-package", NULL };

	/* Named package that no host has: every host skipped. */
	make(&dep, 1, sizes);
	dep.selector = FP_SEL_PACKAGES;
	dep.packages = &pk;
	dep.n_packages = 1;
	for (size_t i = 0; i < dep.n_hosts; i++)
		dep.hosts[i].state = FP_HOST_SKIPPED;
	assert_int_equal(fp_deployment_check(&dep, T0, NULL, 0, &diag), FP_EINVAL);
	assert_string_equal(diag.msg, "no host in the rings has package \"no-such-package\"");
	dep.packages = NULL;
	fp_deployment_release(&dep);

	/* Deadline in the past. */
	make(&dep, 1, sizes);
	dep.deadline = T0 - 1;
	assert_int_equal(fp_deployment_check(&dep, T0, NULL, 0, &diag), FP_EINVAL);
	assert_string_equal(diag.msg, "deadline: the deadline is in the past");
	fp_deployment_release(&dep);

	/* Unknown window, duplicate ring, host in two rings, no rings. */
	make(&dep, 2, sizes);
	snprintf(dep.rings[1].window, sizeof(dep.rings[1].window), "weekend");
	assert_int_equal(fp_deployment_check(&dep, T0, NULL, 0, &diag), FP_ENOENT);
	assert_string_equal(diag.msg, "ring \"r1\": unknown window \"weekend\"");
	dep.rings[1].window[0] = '\0';
	snprintf(dep.rings[1].name, sizeof(dep.rings[1].name), "r0");
	assert_int_equal(fp_deployment_check(&dep, T0, NULL, 0, &diag), FP_EINVAL);
	assert_non_null(strstr(diag.msg, "listed twice"));
	snprintf(dep.rings[1].name, sizeof(dep.rings[1].name), "r1");
	assert_int_equal(fp_deployment_add_host(&dep, 1001, 1, false), 0);
	assert_int_equal(fp_deployment_check(&dep, T0, NULL, 0, &diag), FP_EINVAL);
	assert_non_null(strstr(diag.msg, "host 1001 is in two rings"));
	assert_int_equal(fp_deployment_add_host(&dep, 5, 9, false), FP_EINVAL);
	dep.n_rings = 0;
	assert_int_equal(fp_deployment_check(&dep, T0, NULL, 0, &diag), FP_EINVAL);
	fp_deployment_release(&dep);

	/* An empty ring passes straight through (no hang). */
	{
		const int s2[] = { 0, 2 };
		make(&dep, 2, s2);
		dep.state = FP_DEP_APPROVED;
		check_ok(&dep, T0);
		assert_int_equal(tick(&dep, T0), 2);
		assert_int_equal(count_kind(FP_ACT_PROMOTE), 1);
		fp_deployment_release(&dep);
	}
}

static void roundtrip(struct fp_deployment *dep)
{
	json_t *j = fp_deployment_to_json(dep, true), *j2;
	struct fp_deployment back;

	fp_deployment_init(&back);
	if (fp_deployment_from_json(j, &diag, &back))
		fail_msg("from_json: %s", diag.msg);
	j2 = fp_deployment_to_json(&back, true);
	if (!json_equal(j, j2)) {
		char *a = json_dumps(j, JSON_COMPACT), *b = json_dumps(j2, JSON_COMPACT);
		fail_msg("round trip differs:\n%s\n%s", a, b);
	}
	json_decref(j);
	json_decref(j2);
	fp_deployment_release(dep);
	*dep = back;
}

static void test_serialisation(void **state)
{
	struct fp_deployment dep;
	const int sizes[] = { 4, 3, 2 };
	static const char *hook[] = { "/usr/local/sbin/health", "--ok" };
	static struct fp_job_package pk[] = { { "openssl", "3.0.15-1~deb12u1" }, { "curl", NULL } };

	make(&dep, 3, sizes);
	snprintf(dep.name, sizeof(dep.name), "openssl fix");
	dep.selector = FP_SEL_PACKAGES;
	dep.packages = pk;
	dep.n_packages = 2;
	dep.post_hook = hook;
	dep.n_post_hook = 2;
	dep.rings[0].soak = DAY;
	dep.rings[0].batch_size = 2;
	dep.rings[1].success_threshold = 50;
	dep.deadline = T0 + 10 * DAY;
	dep.state = FP_DEP_APPROVED;
	check_ok(&dep, T0);
	/* Round trip at every stage; afterwards it behaves the same. */
	roundtrip(&dep);
	assert_int_equal(tick(&dep, T0), 2);
	roundtrip(&dep);
	report(&dep, 0, 2, FP_JOB_SUCCEEDED, T0 + 10);
	assert_int_equal(tick(&dep, T0 + 20), 2);
	roundtrip(&dep);
	report(&dep, 0, 2, FP_JOB_SUCCEEDED, T0 + 30);
	tick(&dep, T0 + 40);
	roundtrip(&dep);
	assert_int_equal(dep.progress[0].state, FP_RING_SOAKING);
	assert_int_equal(tick(&dep, T0 + 40 + DAY), 3);
	roundtrip(&dep);
	assert_string_equal(dep.packages[0].version, "3.0.15-1~deb12u1");
	assert_string_equal(dep.post_hook[0], "/usr/local/sbin/health");
	assert_int_equal(dep.rings[1].success_threshold, 50);
	assert_int_equal(dep.progress[1].state, FP_RING_RUNNING);
	/* The listing form leaves the hosts out and still decodes. */
	{
		json_t *j = fp_deployment_to_json(&dep, false);
		struct fp_deployment d2;
		assert_null(json_object_get(j, "hosts"));
		assert_int_equal(json_integer_value(json_object_get(
			json_object_get(json_array_get(json_object_get(j, "rings"), 0), "counts"),
			"succeeded")), 4);
		fp_deployment_init(&d2);
		assert_int_equal(fp_deployment_from_json(j, &diag, &d2), 0);
		assert_int_equal(d2.n_hosts, 0);
		fp_deployment_release(&d2);
		json_decref(j);
	}
	fp_deployment_release(&dep);
}

static void test_decoder_errors(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[]}",
		  "rings: at least one ring" },
		{ "{\"id\":1,\"state\":\"flying\",\"what\":{\"selector\":\"all\"},\"rings\":[]}",
		  "state: unknown value" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"packages\"},\"rings\":[{\"name\":\"a\",\"state\":\"running\"}]}",
		  "what.packages: name at least one package" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"cves\",\"cves\":[\"CVE-24-1\"]},\"rings\":[{\"name\":\"a\",\"state\":\"running\"}]}",
		  "what.cves[0]: not a CVE id" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a\",\"state\":\"running\"}],"
		  "\"hosts\":[{\"host_id\":5,\"ring\":1,\"state\":\"pending\"}]}",
		  "hosts[0].ring: must be between 0 and 0" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a\",\"state\":\"running\"}],"
		  "\"hosts\":[{\"host_id\":5,\"ring\":0,\"state\":\"pending\"},{\"host_id\":5,\"ring\":0,\"state\":\"pending\"}]}",
		  "hosts: host 5 listed twice" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a\",\"state\":\"waiting\"},"
		  "{\"name\":\"b\",\"state\":\"running\"}]}",
		  "rings[1].state: ring started before the one before it" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a b\",\"state\":\"running\"}]}",
		  "rings[0].name: invalid name" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a\",\"state\":\"running\","
		  "\"success_threshold\":101}]}",
		  "rings[0].success_threshold: must be between 0 and 100" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a\",\"state\":\"running\","
		  "\"group\":\"g\",\"tag\":\"t\"}]}",
		  "give a group or a tag, not both" },
		{ "{\"id\":1,\"state\":\"running\",\"what\":{\"selector\":\"all\"},\"rings\":[{\"name\":\"a\",\"state\":\"running\"}],\"extra\":1}",
		  "extra: unknown field" },
	};
	struct fp_deployment dep;
	json_error_t je;

	for (size_t i = 0; i < FP_ARRAY_SIZE(cases); i++) {
		json_t *j = json_loads(cases[i].json, 0, &je);
		if (!j)
			fail_msg("case %zu: bad test JSON: %s", i, je.text);
		fp_deployment_init(&dep);
		fp_diag_init(&diag, NULL);
		assert_int_not_equal(fp_deployment_from_json(j, &diag, &dep), 0);
		if (!strstr(diag.msg, cases[i].want))
			fail_msg("case %zu: '%s' want '%s'", i, diag.msg, cases[i].want);
		fp_deployment_release(&dep);
		json_decref(j);
	}
}

/*
 * Job timeout: a job handed out and not finished within env.job_timeout
 * fails ("timed out"), frees its batch slot and counts toward the
 * ring's failure threshold.  Ring r0 of 'hosts' hosts, batch 'batch',
 * threshold 'threshold', max_failures 'maxf'; the first dispatched host
 * gets 'first' (a status, or -1: nothing) at T0 + 'first_at' when
 * handed out; ticks at T0 + 'tick_at'.
 */
struct timeout_case {
	const char *what;
	int hosts, batch, threshold, maxf;
	int64_t timeout;
	bool hand_out, pause;
	int first;
	time_t first_at, tick_at;
	enum fp_host_state want;
	size_t want_timeouts, want_dispatch;
	enum fp_dep_state want_dep;
};

static const struct timeout_case timeout_cases[] = {
	{ "not yet", 2, 1, 0, -1, HOUR, true, false, -1, 0, HOUR - 1,
	  FP_HOST_SENT, 0, 0, FP_DEP_RUNNING },
	{ "timed out: the slot goes to the next host", 2, 1, 0, -1, HOUR, true,
	  false, -1, 0, HOUR, FP_HOST_FAILED, 1, 1, FP_DEP_RUNNING },
	{ "queued, never handed out (host away)", 2, 1, 0, -1, HOUR, false,
	  false, -1, 0, 30 * DAY, FP_HOST_SENT, 0, 0, FP_DEP_RUNNING },
	{ "no timeout configured", 2, 1, 0, -1, 0, true, false, -1, 0, 30 * DAY,
	  FP_HOST_SENT, 0, 0, FP_DEP_RUNNING },
	{ "reported running: the bound runs from the report", 2, 1, 0, -1, HOUR,
	  true, false, FP_JOB_RUNNING, 600, HOUR + 599, FP_HOST_RUNNING, 0, 0,
	  FP_DEP_RUNNING },
	{ "running past the bound", 2, 1, 0, -1, HOUR, true, false,
	  FP_JOB_RUNNING, 600, HOUR + 600, FP_HOST_FAILED, 1, 1, FP_DEP_RUNNING },
	{ "deferred by a user: the deadline governs", 2, 1, 0, -1, HOUR, true,
	  false, FP_JOB_DEFERRED, 60, 30 * DAY, FP_HOST_DEFERRED, 0, 0,
	  FP_DEP_RUNNING },
	{ "finished before the bound", 2, 1, 0, -1, HOUR, true, false,
	  FP_JOB_SUCCEEDED, 60, 30 * DAY, FP_HOST_SUCCEEDED, 0, 1,
	  FP_DEP_RUNNING },
	{ "counts toward max_failures: halts", 3, 1, 0, 0, HOUR, true, false, -1,
	  0, HOUR, FP_HOST_FAILED, 1, 0, FP_DEP_HALTED },
	{ "counts toward the threshold: halts", 2, 2, 100, -1, HOUR, true, false,
	  -1, 0, HOUR, FP_HOST_FAILED, 1, 0, FP_DEP_HALTED },
	{ "paused: in-flight jobs still time out", 2, 1, 0, -1, HOUR, true, true,
	  -1, 0, HOUR, FP_HOST_FAILED, 1, 0, FP_DEP_PAUSED },
};

static void test_job_timeout_table(void **state)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(timeout_cases); i++) {
		const struct timeout_case *c = &timeout_cases[i];
		struct fp_deployment dep;
		struct fp_rollout_env env = env_at(T0);
		struct fp_rollout_host *h;
		const int sizes[] = { c->hosts };

		make(&dep, 1, sizes);
		dep.rings[0].batch_size = c->batch;
		dep.rings[0].success_threshold = c->threshold;
		dep.rings[0].max_failures = c->maxf;
		dep.state = FP_DEP_APPROVED;
		check_ok(&dep, T0);
		assert_int_equal(tick(&dep, T0), (size_t)c->batch);
		h = fp_deployment_host(&dep, acts.v[0].host_id);
		if (c->hand_out)
			assert_int_equal(fp_rollout_handed_out(&dep, h->host_id, h->job_id, T0), 0);
		if (c->first >= 0) {
			struct fp_rollout_event ev = { .kind = FP_EV_RESULT, .host_id = h->host_id,
						       .job_id = h->job_id, .status = c->first };
			env = env_at(T0 + c->first_at);
			acts.n = 0;
			assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
		}
		if (c->pause)
			assert_int_equal(event(&dep, T0 + 1, FP_EV_PAUSE), 0);
		env = env_at(T0 + c->tick_at);
		env.job_timeout = c->timeout;
		acts.n = 0;
		assert_int_equal(fp_rollout_tick(&dep, &env, &acts), 0);
		if (h->state != c->want || count_kind(FP_ACT_TIMEOUT) != c->want_timeouts ||
		    count_kind(FP_ACT_DISPATCH) != c->want_dispatch || dep.state != c->want_dep)
			fail_msg("case %zu (%s): host %s, %zu timeouts, %zu dispatched, deployment %s '%s'",
				 i, c->what, fp_host_state_name(h->state),
				 count_kind(FP_ACT_TIMEOUT), count_kind(FP_ACT_DISPATCH),
				 fp_dep_state_name(dep.state), dep.reason);
		for (size_t k = 0; k < acts.n; k++)
			if (acts.v[k].kind == FP_ACT_TIMEOUT)
				assert_int_equal(acts.v[k].job_id, h->job_id);
		fp_deployment_release(&dep);
	}
}

/* After a timeout: late reports, handing out rules, the flag survives JSON. */
static void test_job_timeout_edges(void **state)
{
	struct fp_deployment dep, back;
	struct fp_rollout_env env = env_at(T0);
	struct fp_rollout_host *h;
	struct fp_rollout_event ev = { .kind = FP_EV_RESULT };
	const int sizes[] = { 2 };
	json_t *j;

	make(&dep, 1, sizes);
	dep.rings[0].batch_size = 1;
	dep.rings[0].success_threshold = 0;
	dep.state = FP_DEP_APPROVED;
	check_ok(&dep, T0);
	assert_int_equal(tick(&dep, T0), 1);
	h = fp_deployment_host(&dep, acts.v[0].host_id);
	/* Only the current job of a host in state sent can be handed out. */
	assert_int_equal(fp_rollout_handed_out(&dep, h->host_id, h->job_id + 1, T0), FP_ENOENT);
	assert_int_equal(fp_rollout_handed_out(&dep, 999999, h->job_id, T0), FP_ENOENT);
	assert_int_equal(fp_rollout_handed_out(&dep, h->host_id, h->job_id, T0 + 10), 0);
	/* The flag survives the stored form. */
	j = fp_deployment_to_json(&dep, true);
	fp_deployment_init(&back);
	assert_int_equal(fp_deployment_from_json(j, &diag, &back), 0);
	assert_int_equal(fp_deployment_host(&back, h->host_id)->handed_out, 1);
	json_decref(j);
	fp_deployment_release(&back);

	env.now = T0 + 10 + HOUR;
	env.job_timeout = HOUR;
	acts.n = 0;
	assert_int_equal(fp_rollout_tick(&dep, &env, &acts), 0);
	assert_int_equal(h->state, FP_HOST_FAILED);
	assert_int_equal(h->handed_out, 0);
	/* A late "running" does not bring it back in flight ... */
	ev.host_id = h->host_id;
	ev.job_id = h->job_id;
	ev.status = FP_JOB_RUNNING;
	acts.n = 0;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
	assert_int_equal(h->state, FP_HOST_FAILED);
	/* ... but a late final result is the truth about the host. */
	ev.status = FP_JOB_SUCCEEDED;
	assert_int_equal(fp_rollout_apply(&dep, &ev, &env, &acts, &diag), 0);
	assert_int_equal(h->state, FP_HOST_SUCCEEDED);
	fp_deployment_release(&dep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_ring_promotion),
		cmocka_unit_test(test_three_ring_policy),
		cmocka_unit_test(test_breach_table),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_operator_actions),
		cmocka_unit_test(test_results_edge_cases),
		cmocka_unit_test(test_windows_and_deadlines),
		cmocka_unit_test(test_overlapping_deployments),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_serialisation),
		cmocka_unit_test(test_decoder_errors),
		cmocka_unit_test(test_job_timeout_table),
		cmocka_unit_test(test_job_timeout_edges),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
