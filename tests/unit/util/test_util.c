/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/arena.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"

static void test_buf_cap(void **state)
{
	struct fp_buf b;

	fp_buf_init(&b, 8);
	assert_string_equal(b.data, "");
	assert_int_equal(fp_buf_adds(&b, "1234"), 0);
	assert_int_equal(fp_buf_addf(&b, "%d", 567), 0);
	assert_string_equal(b.data, "1234567");
	/* Past the cap: fails and leaves the buffer untouched. */
	assert_int_equal(fp_buf_adds(&b, "89"), FP_ETOOBIG);
	assert_string_equal(b.data, "1234567");
	assert_int_equal(fp_buf_addch(&b, '8'), 0);
	size_t n;
	char *d = fp_buf_detach(&b, &n);
	assert_int_equal(n, 8);
	assert_string_equal(d, "12345678");
	assert_string_equal(b.data, "");
	fp_free(d);
	fp_buf_release(&b);
}

static void test_buf_alloc_failure(void **state)
{
	struct fp_buf b;

	fp_buf_init(&b, 0);
	fp_alloc_fail_at(1);
	assert_int_equal(fp_buf_adds(&b, "x"), FP_ENOMEM);
	assert_string_equal(b.data, "");
	assert_int_equal(fp_buf_adds(&b, "x"), 0);
	fp_buf_release(&b);
}

static void test_reserve(void **state)
{
	int *v = NULL;
	size_t alloc = 0;

	assert_int_equal(fp_reserve((void **)&v, 1, &alloc, sizeof(*v)), 0);
	assert_int_equal(alloc, 16);
	for (int i = 0; i < 16; i++)
		v[i] = i;
	assert_int_equal(fp_reserve((void **)&v, 16, &alloc, sizeof(*v)), 0);
	assert_int_equal(alloc, 16); /* enough already: untouched */
	assert_int_equal(fp_reserve((void **)&v, 100, &alloc, sizeof(*v)), 0);
	assert_int_equal(alloc, 128);
	assert_int_equal(v[15], 15);
	/* a failure leaves the array and its size as they were */
	int *old = v;
	fp_alloc_fail_at(1);
	assert_int_equal(fp_reserve((void **)&v, 129, &alloc, sizeof(*v)),
			 FP_ENOMEM);
	fp_alloc_fail_at(0);
	assert_ptr_equal(v, old);
	assert_int_equal(alloc, 128);
	assert_int_equal(v[15], 15);
	/* no size_t overflow on doubling or on the byte count */
	assert_int_equal(fp_reserve((void **)&v, SIZE_MAX, &alloc, sizeof(*v)),
			 FP_ENOMEM);
	assert_int_equal(fp_reserve((void **)&v, SIZE_MAX / 2, &alloc,
				    sizeof(*v)),
			 FP_ENOMEM);
	assert_int_equal(alloc, 128);
	fp_free(v);
}

static void test_arena(void **state)
{
	struct fp_arena a;

	fp_arena_init(&a, 128, 4096);
	char *s = fp_arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	void *big = fp_arena_alloc(&a, 1000);
	assert_non_null(big);
	assert_null(fp_arena_alloc(&a, 8192)); /* over the cap */
	assert_string_equal(s, "hello");
	fp_arena_release(&a);
}

static void test_diag(void **state)
{
	struct fp_diag d;
	char out[300];

	fp_diag_init(&d, "status");
	assert_int_equal(fp_diag_set(&d, FP_EINVAL, 3, 7, "bad %s", "thing"),
			 FP_EINVAL);
	fp_diag_format(&d, out, sizeof(out));
	assert_string_equal(out, "status:3:7: bad thing");
	assert_int_equal(fp_err_http_status(FP_EAUTH), 401);
	assert_int_equal(fp_err_exit_code(FP_EINVAL), 2);
	assert_string_equal(fp_err_name(FP_EPERM), "forbidden");
}

static void test_time(void **state)
{
	char out[32];
	time_t t;
	int64_t s;

	assert_string_equal(fp_time_rfc3339(0, out), "1970-01-01T00:00:00Z");
	assert_int_equal(fp_time_parse_rfc3339("2026-12-04T19:48:34+01:00", &t),
			 0);
	assert_string_equal(fp_time_rfc3339(t, out), "2026-12-04T18:48:34Z");
	assert_int_not_equal(fp_time_parse_rfc3339("2026-13-04T00:00:00Z", &t),
			     0);
	assert_int_equal(fp_duration_parse("1h30m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(fp_duration_parse("7d", &s), 0);
	assert_int_equal(s, 604800);
	assert_int_not_equal(fp_duration_parse("7x", &s), 0);
	assert_int_not_equal(fp_duration_parse("", &s), 0);
}

static void test_exec(void **state)
{
	struct fp_buf out, err;
	struct fp_exec_result res;
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3",
			       NULL };
	const char *argv_missing[] = { "/nonexistent/prog", NULL };
	const char *argv_sleep[] = { "sleep", "10", NULL };

	fp_buf_init(&out, 0);
	fp_buf_init(&err, 0);
	struct fp_exec_opts o = { .argv = argv, .out = &out, .err = &err };
	assert_int_equal(fp_exec(&o, &res), 0);
	assert_int_equal(res.exit_code, 3);
	assert_string_equal(out.data, "out\n");
	assert_string_equal(err.data, "err\n");

	o.argv = argv_missing;
	assert_int_equal(fp_exec(&o, &res), FP_ESPAWN);

	o.argv = argv_sleep;
	o.timeout_ms = 100;
	assert_int_equal(fp_exec(&o, &res), 0);
	assert_true(res.timed_out);
	fp_buf_release(&out);
	fp_buf_release(&err);
}

static void test_write_atomic(void **state)
{
	char dir[] = "/tmp/fp-test-XXXXXX", path[256];
	struct fp_buf b;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(fp_write_file_atomic(path, "abc", 3, 0600), 0);
	fp_buf_init(&b, 0);
	assert_int_equal(fp_read_file(path, &b), 0);
	assert_string_equal(b.data, "abc");
	fp_buf_release(&b);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_alloc_failure),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_diag),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_write_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
