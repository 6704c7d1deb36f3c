/* SPDX-License-Identifier: MIT */
/* Delivered job results: kept in sent/, put back when their job comes
 * again, bounded in age and count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fleetpatch/util.h"
#include "jobs.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fp-sent-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
		if (unlink(p) != 0)
			rm_tree(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(dir);
	return 0;
}

static bool exists(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	return access(p, F_OK) == 0;
}

static void touch(const char *rel, time_t mtime)
{
	char p[512];
	struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"job_id\": 1, \"status\": \"succeeded\"}\n", f);
	fclose(f);
	assert_int_equal(utimes(p, tv), 0);
}

static size_t count(const char *rel)
{
	char p[512];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	d = opendir(p);
	while (d && (de = readdir(d)))
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_sent_and_again(void **state)
{
	char p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/results", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	touch("results/5.json", time(NULL));
	assert_int_equal(agent_jobs_result_sent(dir, 5), 0);
	assert_false(exists("results/5.json"));
	assert_true(exists(AGENT_SENT_DIR "/5.json"));
	/* the job came again: its result goes back to be reported */
	assert_true(agent_jobs_report_again(dir, 5));
	assert_true(exists("results/5.json"));
	assert_false(exists(AGENT_SENT_DIR "/5.json"));
	/* still waiting to go out: nothing to do; unknown job: nothing */
	assert_false(agent_jobs_report_again(dir, 5));
	assert_false(agent_jobs_report_again(dir, 6));
	/* a result already gone (sent twice) is fine */
	assert_int_equal(agent_jobs_result_sent(dir, 5), 0);
	assert_int_equal(agent_jobs_result_sent(dir, 5), 0);
	assert_true(exists(AGENT_SENT_DIR "/5.json"));
}

/* At most AGENT_SENT_MAX kept, the oldest go; none past a job's lifetime. */
static void test_prune_bounds(void **state)
{
	time_t now = time(NULL);
	char p[512], rel[64];
	const size_t extra = 9;

	(void)state;
	snprintf(p, sizeof(p), "%s/" AGENT_SENT_DIR, dir);
	assert_int_equal(mkdir(p, 0700), 0);
	for (size_t i = 0; i < AGENT_SENT_MAX + extra; i++) {
		snprintf(rel, sizeof(rel), AGENT_SENT_DIR "/%zu.json", 1000 + i);
		touch(rel, now - 100000 + (time_t)i);
	}
	touch(AGENT_SENT_DIR "/1.json", now - FP_JOB_MAX_LIFETIME - 60);
	touch(AGENT_SENT_DIR "/not-a-result", now - FP_JOB_MAX_LIFETIME - 60);
	agent_jobs_sent_prune(p, now);
	assert_false(exists(AGENT_SENT_DIR "/1.json"));
	assert_int_equal(count(AGENT_SENT_DIR), AGENT_SENT_MAX + 1); /* + not-a-result */
	for (size_t i = 0; i < AGENT_SENT_MAX + extra; i++) {
		snprintf(rel, sizeof(rel), AGENT_SENT_DIR "/%zu.json", 1000 + i);
		if (exists(rel) != (i >= extra))
			fail_msg("%s: %s", rel, exists(rel) ? "kept, one of the oldest" : "dropped, one of the newest");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sent_and_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_bounds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
