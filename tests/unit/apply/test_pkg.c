/* SPDX-License-Identifier: MIT */
/* The agent's package-manager helpers that need no package manager. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fleetpatch/alloc.h"
#include "pkg.h"

static void test_version_matches(void **state)
{
	(void)state;
	assert_true(agent_pkg_version_matches(FP_ECO_DEB, "1.1", "1.1"));
	assert_false(agent_pkg_version_matches(FP_ECO_DEB, "1.1-3", "1.1"));
	assert_false(agent_pkg_version_matches(FP_ECO_DEB, NULL, "1.1"));
	/* rpm and pacman: a target without release takes any release */
	assert_true(agent_pkg_version_matches(FP_ECO_RPM, "1.1-3", "1.1"));
	assert_true(agent_pkg_version_matches(FP_ECO_PACMAN, "1.1-1", "1.1"));
	assert_false(agent_pkg_version_matches(FP_ECO_RPM, "1.10-1", "1.1"));
	assert_false(agent_pkg_version_matches(FP_ECO_RPM, "1.1-3-x", "1.1"));
	assert_false(agent_pkg_version_matches(FP_ECO_RPM, "1.1-3", "1.1-2"));
	assert_true(agent_pkg_version_matches(FP_ECO_RPM, "1.1-2", "1.1-2"));
}

static void test_log_tail(void **state)
{
	struct fp_buf b;
	char *t;

	(void)state;
	fp_buf_init(&b, 1 << 16);
	fp_buf_adds(&b, "first line\nsecond line\nthird\n");
	t = agent_log_tail(&b, 1000);
	assert_string_equal(t, b.data);
	fp_free(t);
	/* cut to at most 12 bytes, starting at a line */
	t = agent_log_tail(&b, 12);
	assert_string_equal(t, "third\n");
	fp_free(t);
	fp_buf_release(&b);
}

static void test_argv(void **state)
{
	struct agent_argv a = { 0 };

	(void)state;
	agent_argv_add(&a, "apt-get");
	for (int i = 0; i < 100; i++)
		agent_argv_addf(&a, "pkg%d=1.%d", i, i);
	assert_int_equal(a.err, 0);
	assert_int_equal(a.n, 101);
	assert_string_equal(a.v[0], "apt-get");
	assert_string_equal(a.v[100], "pkg99=1.99");
	assert_null(a.v[101]);
	agent_argv_add(&a, NULL); /* sticky error */
	assert_int_equal(a.err, FP_EINVAL);
	agent_argv_release(&a);
	assert_null(a.v);
}

static void test_env_with(void **state)
{
	const char *extra[] = { "FP_TEST_X=new", "FP_TEST_Y=1", NULL };
	const char **env;
	int x = 0, y = 0;

	(void)state;
	setenv("FP_TEST_X", "old", 1);
	env = agent_env_with(extra);
	assert_non_null(env);
	for (size_t i = 0; env[i]; i++) {
		if (!strncmp(env[i], "FP_TEST_X=", 10)) {
			x++;
			assert_string_equal(env[i], "FP_TEST_X=new");
		}
		y += !strcmp(env[i], "FP_TEST_Y=1");
	}
	assert_int_equal(x, 1);
	assert_int_equal(y, 1);
	fp_free(env);
}

static void test_apt_audit_parse(void **state)
{
	static const struct {
		const char *in;
		const char *want; /* report, "" = nothing found */
	} cases[] = {
		{ "ii \tfpdemo\t1.1\n", "" },
		{ "iF \tfpdemo\t1.2\n", "dpkg: fpdemo 1.2 is half-configured\n" },
		{ "iU \ta\t1\n", "dpkg: a 1 is unpacked, not configured\n" },
		{ "iHR\tb\t2\n", "dpkg: b 2 is in need of reinstallation\n" },
		{ "iiR\tc\t3", "dpkg: c 3 is in need of reinstallation\n" },
		{ "iW \td\t4\nit \te\t5\n",
		  "dpkg: d 4 is awaiting trigger processing\n"
		  "dpkg: e 5 is triggers pending\n" },
		{ "rc \tf\t6\nun \tg\t\n", "" },
		/* hostile: no tabs, too short, empty fields */
		{ "iF\n\t\t\nF\tx\nii", "" },
		{ "", "" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fp_buf r;
		bool found;

		fp_buf_init(&r, 1 << 16);
		found = agent_apt_audit_parse(cases[i].in, &r);
		assert_string_equal(r.data, cases[i].want);
		assert_int_equal(found, cases[i].want[0] != '\0');
		fp_buf_release(&r);
	}
}

static void test_find(void **state)
{
	(void)state;
	assert_ptr_equal(agent_pkg_find("apt"), &agent_pkg_apt);
	assert_ptr_equal(agent_pkg_find("pacman"), &agent_pkg_pacman);
	assert_null(agent_pkg_find("yum"));
	assert_null(agent_pkg_find(NULL));
	assert_true(agent_root_is_live(NULL));
	assert_true(agent_root_is_live("/"));
	assert_false(agent_root_is_live("/srv/image"));
	/* an empty directory is no package manager's root */
	assert_null(agent_pkg_detect("/nonexistent-fleetpatch-root"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_matches),
		cmocka_unit_test(test_log_tail),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_env_with),
		cmocka_unit_test(test_apt_audit_parse),
		cmocka_unit_test(test_find),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
