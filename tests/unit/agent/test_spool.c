/* SPDX-License-Identifier: MIT */
/* Agent spool and report bodies: delta computation, ordering, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "state.h"

static json_t *pkg(const char *name, const char *version)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "name", name, "version",
			 version, "arch", "amd64", "ecosystem", "deb");
}

static json_t *report(unsigned long long seq, const char *hash,
		      json_t *packages)
{
	return json_pack("{s:I, s:s, s:s, s:{s:s, s:o, s:[], s:b}}", "seq",
			 (json_int_t)seq, "created_at", "2026-12-04T20:00:00Z",
			 "hash", hash, "inventory", "hostname", "h", "packages",
			 packages, "updates", "reboot_required", 1);
}

static void test_body_full_without_acked(void **state)
{
	json_t *r = report(5, "h1", json_pack("[o]", pkg("bash", "5.2-1")));
	json_t *body = NULL;

	(void)state;
	assert_int_equal(agent_report_body(r, NULL, false, &body), 0);
	assert_non_null(json_object_get(body, "inventory"));
	assert_null(json_object_get(body, "delta"));
	assert_int_equal(json_integer_value(json_object_get(body, "seq")), 5);
	assert_string_equal(json_string_value(json_object_get(body, "inventory_hash")), "h1");
	/* Reboot state and updates travel every time. */
	assert_true(json_is_true(json_object_get(body, "reboot_required")));
	assert_true(json_is_array(json_object_get(body, "updates")));
	json_decref(body);
	json_decref(r);
}

static void test_body_unchanged_and_delta(void **state)
{
	json_t *old = report(1, "h1", json_pack("[o, o, o]", pkg("bash", "5.2-1"),
						pkg("tzdata", "2024a"),
						pkg("zlib1g", "1.2")));
	json_t *acked = json_pack("{s:s, s:O}", "hash", "h1", "inventory",
				  json_object_get(old, "inventory"));
	json_t *same = report(2, "h1", json_pack("[o]", pkg("bash", "5.2-1")));
	json_t *changed = report(3, "h2", json_pack("[o, o, o]",
						    pkg("bash", "5.2-2"),
						    pkg("curl", "7.88"),
						    pkg("zlib1g", "1.2")));
	json_t *body = NULL, *delta, *added, *removed;

	(void)state;
	assert_int_equal(agent_report_body(same, acked, false, &body), 0);
	assert_null(json_object_get(body, "inventory"));
	assert_null(json_object_get(body, "delta"));
	json_decref(body);

	assert_int_equal(agent_report_body(changed, acked, false, &body), 0);
	assert_null(json_object_get(body, "inventory"));
	delta = json_object_get(body, "delta");
	assert_string_equal(json_string_value(json_object_get(delta, "base_hash")), "h1");
	added = json_object_get(delta, "added");
	removed = json_object_get(delta, "removed");
	assert_int_equal(json_array_size(added), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(added, 0), "name")), "bash");
	assert_string_equal(json_string_value(json_object_get(json_array_get(added, 0), "version")), "5.2-2");
	assert_string_equal(json_string_value(json_object_get(json_array_get(added, 1), "name")), "curl");
	assert_int_equal(json_array_size(removed), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(removed, 0), "name")), "tzdata");
	assert_null(json_object_get(json_array_get(removed, 0), "version"));
	json_decref(body);

	/* need_full: the same report, whole. */
	assert_int_equal(agent_report_body(changed, acked, true, &body), 0);
	assert_non_null(json_object_get(body, "inventory"));
	assert_null(json_object_get(body, "delta"));
	json_decref(body);
	json_decref(old);
	json_decref(acked);
	json_decref(same);
	json_decref(changed);
}

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fp-agent-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return agent_state_prepare(dir);
}

static int teardown(void **state)
{
	struct agent_spool_entry *v;
	char p[512];
	size_t n;

	(void)state;
	if (agent_spool_list(dir, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			unlink(v[i].path);
		fp_free(v);
	}
	for (const char *const *f = (const char *const[]){ "seq", "spool", NULL }; *f; f++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *f);
		remove(p);
	}
	rmdir(dir);
	return 0;
}

static void test_spool_order_and_collapse(void **state)
{
	struct agent_spool_entry *v;
	unsigned long long seq[5];
	struct stat st;
	size_t n;

	(void)state;
	for (int i = 0; i < 5; i++) {
		json_t *r;

		assert_int_equal(agent_seq_next(dir, &seq[i]), 0);
		if (i)
			assert_true(seq[i] > seq[i - 1]);
		r = report(seq[i], "h", json_array());
		assert_int_equal(agent_spool_add(dir, seq[i], r, 3), 0);
		json_decref(r);
	}
	assert_int_equal(agent_spool_list(dir, &v, &n), 0);
	/* Bound 3: the two oldest collapsed, the newest three in order. */
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_true(v[i].seq == seq[2 + i]);
	assert_int_equal(stat(v[0].path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fp_free(v);

	/* The byte bound never drops the newest report. */
	assert_int_equal(agent_spool_collapse(dir, 100, 1), 0);
	assert_int_equal(agent_spool_list(dir, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].seq == seq[4]);
	fp_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_full_without_acked),
		cmocka_unit_test(test_body_unchanged_and_delta),
		cmocka_unit_test_setup_teardown(test_spool_order_and_collapse,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
