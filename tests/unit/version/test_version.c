/* SPDX-License-Identifier: MIT */
/*
 * Runs every table under tests/data/version through fp_version_compare()
 * (both ways round, and each version against itself), checks validity
 * lines, rejection reasons and that comparing allocates nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/version.h"
#include "table.h"
#include "version_int.h"

/* How a table is checked. */
enum mode {
	M_API,	      /* public API; every compared version valid */
	M_RPM_FIELD,  /* rpmvercmp() vectors: raw segment compare */
	M_APK,	      /* apk: raw compare where a version is invalid */
};

struct run {
	enum fp_ecosystem eco;
	enum mode mode;
	const char *file;
	unsigned failures;
	unsigned compared;
};

static int want_of(const char *op)
{
	return op[0] == '<' ? -1 : op[0] == '>' ? 1 : 0;
}

static const char *sym(int c)
{
	return c < 0 ? "<" : c > 0 ? ">" : "=";
}

static void case_fail(struct run *r, const struct vcase *c, const char *what)
{
	fprintf(stderr, "%s:%u: %s: '%s' %s '%s'\n", r->file, c->line, what,
		c->a, c->op, c->b);
	r->failures++;
}

static void api_check(struct run *r, const struct vcase *c, const char *a,
		      const char *b, int want)
{
	struct fp_diag d;
	int got = 99;

	fp_diag_init(&d, NULL);
	if (fp_version_compare(r->eco, a, b, &got, &d) != 0) {
		fprintf(stderr, "  %s\n", d.msg);
		case_fail(r, c, "rejected");
		return;
	}
	if (got != want) {
		fprintf(stderr, "  got '%s' %s '%s'\n", a, sym(got), b);
		case_fail(r, c, "wrong order");
	}
}

static int raw(struct run *r, const char *a, const char *b)
{
	if (r->eco == FP_ECO_APK)
		return fp__apk_compare(a, strlen(a), b, strlen(b));
	return fp__rpm_vercmp(a, strlen(a), b, strlen(b));
}

static void one_case(const struct vcase *c, void *arg)
{
	struct run *r = arg;
	bool va, vb;
	int want, got;

	va = fp_version_is_valid(r->eco, c->a, strlen(c->a));
	if (strcmp(c->op, "!") == 0 || strcmp(c->op, "v") == 0) {
		if (va != (c->op[0] == 'v'))
			case_fail(r, c, va ? "accepted an invalid version"
				      : "rejected a valid version");
		return;
	}
	if (strchr("<=>", c->op[0]) == NULL || c->op[1] != '\0')
		return; /* apk's fuzzy operators: not part of the API */
	want = want_of(c->op);
	vb = fp_version_is_valid(r->eco, c->b, strlen(c->b));
	r->compared++;
	if (r->mode != M_API) {
		got = raw(r, c->a, c->b);
		if (((got > 0) - (got < 0)) != want)
			case_fail(r, c, "raw compare disagrees");
		got = raw(r, c->b, c->a);
		if (((got > 0) - (got < 0)) != -want)
			case_fail(r, c, "raw compare disagrees reversed");
		if (!va || !vb) {
			int dummy;
			if (fp_version_compare(r->eco, c->a, c->b, &dummy,
					       NULL) != FP_EINVAL)
				case_fail(r, c, "invalid version compared");
			return;
		}
		/* rpmvercmp() vectors are single fields: EVR split only
		 * matches when there is nothing to split. */
		if (r->mode == M_RPM_FIELD &&
		    (strpbrk(c->a, ":-") || strpbrk(c->b, ":-")))
			return;
	}
	api_check(r, c, c->a, c->b, want);
	api_check(r, c, c->b, c->a, -want);
	api_check(r, c, c->a, c->a, 0);
	api_check(r, c, c->b, c->b, 0);
}

static void run_table(enum fp_ecosystem eco, enum mode mode, const char *file,
		      int min_cases)
{
	char path[512];
	struct run r = { .eco = eco, .mode = mode, .file = file };
	int n;

	snprintf(path, sizeof(path), "%s/version/%s", FP_TEST_DATA, file);
	n = vtable_each(path, one_case, &r);
	assert_true(n >= min_cases);
	assert_int_equal(r.failures, 0);
	assert_true(r.compared > 0 || min_cases == 0);
}

static void test_deb(void **state)
{
	run_table(FP_ECO_DEB, M_API, "deb_dpkg_version.txt", 40);
	run_table(FP_ECO_DEB, M_API, "deb_dpkg_t-version_c.txt", 13);
	run_table(FP_ECO_DEB, M_API, "deb_fleetpatch.txt", 40);
}

static void test_rpm(void **state)
{
	run_table(FP_ECO_RPM, M_RPM_FIELD, "rpm_vercmp.txt", 91);
	run_table(FP_ECO_RPM, M_RPM_FIELD, "rpm_vercmp_oddities.txt", 6);
	run_table(FP_ECO_RPM, M_API, "rpm_fleetpatch.txt", 20);
}

static void test_apk(void **state)
{
	run_table(FP_ECO_APK, M_APK, "apk_version.data", 750);
	run_table(FP_ECO_APK, M_APK, "apk_fleetpatch.txt", 20);
}

static void test_pacman(void **state)
{
	run_table(FP_ECO_PACMAN, M_API, "pacman_vercmp.txt", 92);
	run_table(FP_ECO_PACMAN, M_API, "pacman_fleetpatch.txt", 10);
}

static void test_semver(void **state)
{
	run_table(FP_ECO_SEMVER, M_API, "semver_compare.txt", 21);
	run_table(FP_ECO_SEMVER, M_API, "semver_spec_precedence.txt", 11);
	run_table(FP_ECO_SEMVER, M_API, "semver_compare_nonstrict.txt", 47);
	run_table(FP_ECO_SEMVER, M_API, "semver_fleetpatch.txt", 25);
}

static void test_generic(void **state)
{
	run_table(FP_ECO_GENERIC, M_API, "generic_fleetpatch.txt", 40);
}

/* The reason and column for a rejection; 'which' is first or second. */
static void expect_reason(enum fp_ecosystem eco, const char *bad,
			  const char *reason, unsigned long column)
{
	struct fp_diag d;
	int cmp = 42;

	fp_diag_init(&d, NULL);
	assert_int_equal(fp_version_check(eco, bad, strlen(bad), &d), FP_EINVAL);
	if (!strstr(d.msg, reason) || d.column != column)
		fprintf(stderr, "'%s': got '%s' column %lu\n", bad, d.msg,
			d.column);
	assert_non_null(strstr(d.msg, reason));
	assert_int_equal(d.column, column);

	fp_diag_init(&d, NULL);
	assert_int_equal(fp_version_compare(eco, "1.0.0", bad, &cmp, &d),
			 FP_EINVAL);
	assert_int_equal(cmp, 42); /* out-param untouched on failure */
	assert_true(strncmp(d.msg, "second version: ", 16) == 0);
	fp_diag_init(&d, NULL);
	assert_int_equal(fp_version_compare(eco, bad, "1.0.0", &cmp, &d),
			 FP_EINVAL);
	assert_true(strncmp(d.msg, "first version: ", 15) == 0);
}

static void test_reasons(void **state)
{
	char longv[FP_VERSION_MAX_LEN + 2];

	expect_reason(FP_ECO_DEB, "", "empty", 0);
	expect_reason(FP_ECO_DEB, "1.0 beta", "embedded spaces", 4);
	expect_reason(FP_ECO_DEB, "beta", "does not start with digit", 1);
	expect_reason(FP_ECO_DEB, "1:beta", "does not start with digit", 3);
	expect_reason(FP_ECO_DEB, "x:1.0", "epoch in version is empty", 1);
	expect_reason(FP_ECO_DEB, "1x:1.0", "epoch in version is not number", 2);
	expect_reason(FP_ECO_DEB, "-1:1.0", "negative", 1);
	expect_reason(FP_ECO_DEB, "2147483648:1", "too big", 1);
	expect_reason(FP_ECO_DEB, "1:", "nothing after colon", 2);
	expect_reason(FP_ECO_DEB, "1.0-", "revision number is empty", 4);
	expect_reason(FP_ECO_DEB, "-1", "upstream version is empty", 1);
	expect_reason(FP_ECO_DEB, "1.0_1", "invalid character in version", 4);
	expect_reason(FP_ECO_DEB, "1.0-1_1", "invalid character in revision", 6);
	expect_reason(FP_ECO_RPM, "1.0 1", "space", 4);
	expect_reason(FP_ECO_RPM, ":1", "epoch", 1);
	expect_reason(FP_ECO_RPM, "1.0-", "release", 4);
	expect_reason(FP_ECO_PACMAN, "1:-1", "version part is empty", 3);
	expect_reason(FP_ECO_APK, "1.0_foo", "unknown suffix", 5);
	expect_reason(FP_ECO_APK, "1.0-1", "-rN", 4);
	expect_reason(FP_ECO_APK, "x1", "start with a digit", 1);
	expect_reason(FP_ECO_SEMVER, "1.2", "expected '.'", 4);
	expect_reason(FP_ECO_SEMVER, "1.02.3", "leading zero", 3);
	expect_reason(FP_ECO_SEMVER, "1.2.3-", "empty pre-release", 7);
	expect_reason(FP_ECO_GENERIC, "1..2", "two separators", 3);
	expect_reason(FP_ECO_GENERIC, "1.2 3", "space", 4);

	memset(longv, '1', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	for (int e = 0; e < FP_ECO__COUNT; e++) {
		expect_reason((enum fp_ecosystem)e, longv, "longer than",
			      FP_VERSION_MAX_LEN + 1);
		expect_reason((enum fp_ecosystem)e, "", "empty", 0);
		/* An embedded NUL is never part of a valid version. */
		assert_false(fp_version_is_valid((enum fp_ecosystem)e,
						 "1.0\0" "1", 5));
		/* The longest allowed version is accepted. */
		longv[FP_VERSION_MAX_LEN] = '\0';
		if (e != FP_ECO_SEMVER)
			assert_true(fp_version_is_valid((enum fp_ecosystem)e,
							longv, strlen(longv)));
		longv[FP_VERSION_MAX_LEN] = '1';
	}
}

static void test_names(void **state)
{
	enum fp_ecosystem e;

	for (int i = 0; i < FP_ECO__COUNT; i++) {
		const char *n = fp_ecosystem_name((enum fp_ecosystem)i);
		assert_non_null(n);
		assert_int_equal(fp_ecosystem_from_name(n, &e), 0);
		assert_int_equal(e, i);
	}
	assert_null(fp_ecosystem_name(FP_ECO__COUNT));
	assert_int_equal(fp_ecosystem_from_name("msi", &e), FP_EINVAL);
	assert_int_equal(fp_ecosystem_from_name(NULL, &e), FP_EINVAL);
	assert_int_equal(fp_version_check(FP_ECO__COUNT, "1", 1, NULL),
			 FP_EINVAL);
}

/* Comparing goes through fp_malloc never: count every allocation. */
static void test_no_allocation(void **state)
{
	static const char *pairs[][3] = {
		{ "deb", "1:2.36-9+deb12u3", "2.36-9+deb12u10" },
		{ "rpm", "1:5.14.0-362.8.1.el9_3", "5.14.0-362.13.1.el9_3" },
		{ "apk", "3.0.12_rc1-r1", "3.0.12-r1" },
		{ "pacman", "1:6.0.2-1", "6.0.2-2" },
		{ "semver", "1.0.0-beta.11", "1.0.0-rc.1" },
		{ "generic", "1.8.0_391", "17.0.9+9" },
	};
	unsigned long before = fp_alloc_count();

	for (int k = 0; k < 1000; k++) {
		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			enum fp_ecosystem e;
			int c;
			assert_int_equal(fp_ecosystem_from_name(pairs[i][0], &e), 0);
			assert_int_equal(fp_version_compare(e, pairs[i][1],
							    pairs[i][2], &c,
							    NULL), 0);
		}
	}
	assert_int_equal(fp_alloc_count(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deb),
		cmocka_unit_test(test_rpm),
		cmocka_unit_test(test_apk),
		cmocka_unit_test(test_pacman),
		cmocka_unit_test(test_semver),
		cmocka_unit_test(test_generic),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_no_allocation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
