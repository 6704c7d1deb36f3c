/* SPDX-License-Identifier: MIT */
/*
 * Differential test: fleetpatch's comparators against the real libraries,
 * linked into this test only.
 *   deb     fp_version_compare() vs libdpkg parseversion() +
 *           dpkg_version_compare(): same validity, same order
 *   rpm     fp__rpm_vercmp() vs rpmvercmp() on every pair, and
 *           fp_version_compare() vs rpmverParse() + rpmverCmp()
 *   pacman  fp_version_compare() vs libalpm's alpm_pkg_vercmp()
 * on every version of this machine's apt lists and dpkg status, and
 * mutations of them (tests/unit/version/vpairs.c), plus the tables.
 * FP_DIFF_SEED=n repeats a run with other mutations.
 */
#define LIBDPKG_VOLATILE_API 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dpkg/dpkg-db.h>
#include <dpkg/dpkg.h>
#include <dpkg/version.h>
#include <rpm/rpmver.h>

#include "fleetpatch/version.h"
#include "table.h"
#include "version_int.h"
#include "vpairs.h"

/* libalpm ships no header in Debian; this is its public prototype. */
int alpm_pkg_vercmp(const char *a, const char *b);

#define MAX_PAIRS 300000
#define MAX_REPORT 20

static struct vpairs vp;

static int sign(int c) { return (c > 0) - (c < 0); }

static int dpkg_parse(const char *v, struct dpkg_version *ret)
{
	struct dpkg_error err = DPKG_ERROR_INIT;
	int r = parseversion(ret, v, &err);

	dpkg_error_destroy(&err);
	return r;
}

/* dpkg's verdict for one pair: 2 when a version is invalid. */
static int dpkg_cmp(const char *a, const char *b, bool *ret_va, bool *ret_vb)
{
	struct dpkg_version va, vb;

	*ret_va = dpkg_parse(a, &va) == 0;
	*ret_vb = dpkg_parse(b, &vb) == 0;
	if (!*ret_va || !*ret_vb)
		return 2;
	return sign(dpkg_version_compare(&va, &vb));
}

static unsigned check_deb(const char *a, const char *b, unsigned *bad)
{
	bool dva, dvb;
	int want = dpkg_cmp(a, b, &dva, &dvb), got = 2;
	bool fva = fp_version_is_valid(FP_ECO_DEB, a, strlen(a));
	bool fvb = fp_version_is_valid(FP_ECO_DEB, b, strlen(b));

	if (fva && fvb)
		assert_int_equal(fp_version_compare(FP_ECO_DEB, a, b, &got,
						    NULL), 0);
	if (fva == dva && fvb == dvb && got == want)
		return 0;
	if ((*bad)++ < MAX_REPORT)
		fprintf(stderr, "deb: '%s' vs '%s': dpkg %d (valid %d %d), "
				"fleetpatch %d (valid %d %d)\n",
			a, b, want, dva, dvb, got, fva, fvb);
	return 1;
}

static unsigned check_rpm(const char *a, const char *b, unsigned *bad)
{
	int want = sign(rpmvercmp(a, b));
	int got = sign(fp__rpm_vercmp(a, strlen(a), b, strlen(b)));
	unsigned n = 0;

	if (want != got && (*bad)++ < MAX_REPORT)
		fprintf(stderr, "rpmvercmp: '%s' vs '%s': rpm %d, fp %d\n", a,
			b, want, got);
	n += want != got;
	if (fp_version_is_valid(FP_ECO_RPM, a, strlen(a)) &&
	    fp_version_is_valid(FP_ECO_RPM, b, strlen(b))) {
		rpmver ra = rpmverParse(a), rb = rpmverParse(b);

		assert_non_null(ra);
		assert_non_null(rb);
		want = sign(rpmverCmp(ra, rb));
		rpmverFree(ra);
		rpmverFree(rb);
		assert_int_equal(fp_version_compare(FP_ECO_RPM, a, b, &got,
						    NULL), 0);
		if (want != got && (*bad)++ < MAX_REPORT)
			fprintf(stderr, "rpmverCmp: '%s' vs '%s': rpm %d, "
					"fp %d\n", a, b, want, got);
		n += want != got;
	}
	return n;
}

static unsigned check_pacman(const char *a, const char *b, unsigned *bad)
{
	int want, got;

	if (!fp_version_is_valid(FP_ECO_PACMAN, a, strlen(a)) ||
	    !fp_version_is_valid(FP_ECO_PACMAN, b, strlen(b)))
		return 0;
	want = sign(alpm_pkg_vercmp(a, b));
	assert_int_equal(fp_version_compare(FP_ECO_PACMAN, a, b, &got, NULL), 0);
	if (want != got && (*bad)++ < MAX_REPORT)
		fprintf(stderr, "alpm_pkg_vercmp: '%s' vs '%s': alpm %d, fp "
				"%d\n", a, b, want, got);
	return want != got;
}

static int setup(void **state)
{
	const char *s = getenv("FP_DIFF_SEED");

	if (vpairs_load(&vp, MAX_PAIRS, s ? strtoull(s, NULL, 10) : 0) != 0)
		return -1;
	fprintf(stderr, "# %zu system versions, %zu with mutations, %zu pairs\n",
		vp.n_real, vp.nv, vp.npairs);
	return 0;
}

static int teardown(void **state)
{
	vpairs_release(&vp);
	nffreeall();
	return 0;
}

typedef unsigned check_fn(const char *a, const char *b, unsigned *bad);

static void run_pairs(check_fn *fn, const char *what)
{
	unsigned bad = 0, mismatches = 0, valid = 0;

	assert_true(vp.npairs >= 100000);
	for (size_t i = 0; i < vp.npairs; i++) {
		const char *a = vp.v[vp.pairs[i].a], *b = vp.v[vp.pairs[i].b];
		mismatches += fn(a, b, &bad);
		valid += fp_version_is_valid(FP_ECO_DEB, a, strlen(a)) &&
			 fp_version_is_valid(FP_ECO_DEB, b, strlen(b));
		if ((i & 8191) == 0)
			nffreeall(); /* parseversion() allocates on an obstack */
	}
	fprintf(stderr, "# %s: %zu pairs (%u valid for dpkg), %u mismatches\n",
		what, vp.npairs, valid, mismatches);
	/* The mutations must reach both sides of validity. */
	assert_true(valid > vp.npairs / 2 && valid < vp.npairs);
	assert_int_equal(mismatches, 0);
}

static void test_deb_pairs(void **state) { run_pairs(check_deb, "deb"); }
static void test_rpm_pairs(void **state) { run_pairs(check_rpm, "rpm"); }
static void test_pacman_pairs(void **state)
{
	run_pairs(check_pacman, "pacman");
}

struct tcheck {
	check_fn *fn;
	unsigned bad, mismatches;
};

static void table_case(const struct vcase *c, void *arg)
{
	struct tcheck *t = arg;

	if (strcmp(c->op, "!") == 0 || strcmp(c->op, "v") == 0)
		t->mismatches += t->fn(c->a, c->a, &t->bad);
	else
		t->mismatches += t->fn(c->a, c->b, &t->bad);
}

/* The tables' expectations come from the real libraries too. */
static void run_table(check_fn *fn, const char *file)
{
	char path[512];
	struct tcheck t = { .fn = fn };

	snprintf(path, sizeof(path), "%s/version/%s", FP_TEST_DATA, file);
	assert_true(vtable_each(path, table_case, &t) > 0);
	assert_int_equal(t.mismatches, 0);
}

static void test_tables(void **state)
{
	run_table(check_deb, "deb_dpkg_version.txt");
	run_table(check_deb, "deb_dpkg_t-version_c.txt");
	run_table(check_deb, "deb_fleetpatch.txt");
	run_table(check_rpm, "rpm_vercmp.txt");
	run_table(check_rpm, "rpm_vercmp_oddities.txt");
	run_table(check_rpm, "rpm_fleetpatch.txt");
	run_table(check_pacman, "pacman_vercmp.txt");
	run_table(check_pacman, "pacman_fleetpatch.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_deb_pairs),
		cmocka_unit_test(test_rpm_pairs),
		cmocka_unit_test(test_pacman_pairs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
