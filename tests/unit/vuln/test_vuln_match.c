/* SPDX-License-Identifier: MIT */
/*
 * The matcher: OSV range semantics at every edge (just below a fix, at
 * it, the introduced boundary, last_affected inclusive, limit exclusive,
 * Debian's "0" and open entries, explicit version lists, deb epochs and
 * tildes, rpm EVRs), then the index over the real samples with KEV and
 * EPSS flags.
 */
#include "vtest.h"

/* A feed of one advisory with one affected entry in 'ecosystem'. */
static struct fp_vuln_feed *entry(const char *ecosystem, const char *ranges,
				  const char *versions)
{
	struct fp_vuln_feed *f = NULL;
	struct fp_diag d;
	struct fp_buf b;

	fp_buf_init(&b, 0);
	fp_buf_addf(&b, "{\"id\":\"T-1\",\"modified\":\"2024-01-01T00:00:00Z\","
		    "\"affected\":[{\"package\":{\"ecosystem\":\"%s\","
		    "\"name\":\"p\"},\"ranges\":[%s],\"versions\":[%s]}]}",
		    ecosystem, ranges, versions);
	if (fp_vuln_parse_osv(b.data, b.len, "t", &f, &d))
		fail_msg("%s", d.msg);
	fp_buf_release(&b);
	return f;
}

#define ECO(events) "{\"type\":\"ECOSYSTEM\",\"events\":[" events "]}"

static void expect(const struct fp_vuln_feed *f, const char *v,
		   enum fp_vuln_verdict want, const char *want_fixed)
{
	const struct fp_vuln_affected *a = &f->vulns[0].affected[0];
	enum fp_vuln_verdict got;
	const char *fixed = "unset";
	struct fp_diag d;

	fp_diag_init(&d, NULL);
	if (fp_vuln_affected_check(a, a->eco, v, &got, &fixed, &d))
		fail_msg("%s: %s", v, d.msg);
	if (got != want)
		fail_msg("%s: verdict %d, want %d", v, got, want);
	if (want_fixed ? !fixed || strcmp(fixed, want_fixed) : fixed != NULL)
		fail_msg("%s: fixed %s, want %s", v, fixed ? fixed : "none",
			 want_fixed ? want_fixed : "none");
}

static void test_fix_edges(void **state)
{
	struct fp_vuln_feed *f = entry(
		"Debian:12", ECO("{\"introduced\":\"0\"},{\"fixed\":\"2.36-9+deb12u3\"}"),
		"");

	expect(f, "2.36-9+deb12u2", FP_VULN_AFFECTED, "2.36-9+deb12u3");
	expect(f, "2.36-9+deb12u3~1", FP_VULN_AFFECTED, "2.36-9+deb12u3");
	expect(f, "2.36-9+deb12u3", FP_VULN_FIXED, NULL);
	expect(f, "2.36-9+deb12u3+b1", FP_VULN_FIXED, NULL);
	expect(f, "2.37-1", FP_VULN_FIXED, NULL);
	expect(f, "0.1-1", FP_VULN_AFFECTED, "2.36-9+deb12u3");
	fp_vuln_feed_free(f);

	/* introduced is inclusive; below it nothing applies. */
	f = entry("Debian:12", ECO("{\"introduced\":\"1.0-1\"},{\"fixed\":\"2.0-1\"}"), "");
	expect(f, "1.0-0", FP_VULN_NOT_AFFECTED, NULL);
	expect(f, "1.0~rc1-1", FP_VULN_NOT_AFFECTED, NULL);
	expect(f, "1.0-1", FP_VULN_AFFECTED, "2.0-1");
	expect(f, "2.0~beta-1", FP_VULN_AFFECTED, "2.0-1");
	expect(f, "2.0-1", FP_VULN_FIXED, NULL);
	fp_vuln_feed_free(f);

	/* Epochs: 2.0-1 has epoch 0, below 1:1.0-1. */
	f = entry("Ubuntu:22.04:LTS", ECO("{\"introduced\":\"0\"},{\"fixed\":\"1:1.0-1\"}"), "");
	expect(f, "2.0-1", FP_VULN_AFFECTED, "1:1.0-1");
	expect(f, "1:0.9-1", FP_VULN_AFFECTED, "1:1.0-1");
	expect(f, "1:1.0-1", FP_VULN_FIXED, NULL);
	expect(f, "2:0.1-1", FP_VULN_FIXED, NULL);
	fp_vuln_feed_free(f);
}

static void test_last_affected_limit(void **state)
{
	struct fp_vuln_feed *f = entry(
		"Debian:12",
		ECO("{\"introduced\":\"1.0-1\"},{\"last_affected\":\"1.5-1\"}"), "");

	expect(f, "0.9-1", FP_VULN_NOT_AFFECTED, NULL);
	expect(f, "1.2-1", FP_VULN_AFFECTED, NULL);
	expect(f, "1.5-1", FP_VULN_AFFECTED, NULL); /* inclusive */
	expect(f, "1.5-1+deb12u1", FP_VULN_NOT_AFFECTED, NULL);
	fp_vuln_feed_free(f);

	f = entry("Debian:12",
		  "{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},"
		  "{\"limit\":\"2.0.0\"}]}", "");
	expect(f, "0.9.9", FP_VULN_NOT_AFFECTED, NULL);
	expect(f, "1.0.0", FP_VULN_AFFECTED, NULL);
	expect(f, "1.9.9", FP_VULN_AFFECTED, NULL);
	expect(f, "2.0.0", FP_VULN_NOT_AFFECTED, NULL); /* exclusive */
	expect(f, "2.1-1", FP_VULN_NOT_AFFECTED, NULL); /* not semver */
	fp_vuln_feed_free(f);

	/* A fix, then the bug again from 2.0, fixed again in 2.5. */
	f = entry("Debian:12",
		  ECO("{\"introduced\":\"0\"},{\"fixed\":\"1.0\"},"
		      "{\"introduced\":\"2.0\"},{\"fixed\":\"2.5\"}"), "");
	expect(f, "0.5", FP_VULN_AFFECTED, "1.0");
	expect(f, "1.5", FP_VULN_FIXED, NULL);
	expect(f, "2.0", FP_VULN_AFFECTED, "2.5");
	expect(f, "3.0", FP_VULN_FIXED, NULL);
	fp_vuln_feed_free(f);

	/* Two ranges: upgrading must leave both behind. */
	f = entry("Debian:12",
		  ECO("{\"introduced\":\"0\"},{\"fixed\":\"1.2\"}") ","
		  ECO("{\"introduced\":\"1.0\"},{\"fixed\":\"1.4\"}"), "");
	expect(f, "1.1", FP_VULN_AFFECTED, "1.4");
	expect(f, "1.3", FP_VULN_AFFECTED, "1.4");
	expect(f, "1.4", FP_VULN_FIXED, NULL);
	fp_vuln_feed_free(f);
	f = entry("Debian:12",
		  ECO("{\"introduced\":\"0\"},{\"fixed\":\"1.2\"}") ","
		  ECO("{\"introduced\":\"1.0\"}"), "");
	expect(f, "1.1", FP_VULN_AFFECTED, NULL);
	fp_vuln_feed_free(f);
}

static void test_versions_list(void **state)
{
	struct fp_vuln_feed *f = entry("Ubuntu:22.04:LTS", "",
				       "\"1.19.0-2build1\",\"1.20.0-1\"");

	expect(f, "1.20.0-1", FP_VULN_AFFECTED, NULL);
	expect(f, "1.19.0-2build1", FP_VULN_AFFECTED, NULL);
	expect(f, "1.19.0-2", FP_VULN_NOT_AFFECTED, NULL);
	expect(f, "1.20.0-1ubuntu0.1", FP_VULN_NOT_AFFECTED, NULL);
	fp_vuln_feed_free(f);

	/* Listed outside the range: affected, the fix above it is named. */
	f = entry("Debian:12",
		  ECO("{\"introduced\":\"2.0\"},{\"fixed\":\"2.1\"}"), "\"1.5\"");
	expect(f, "1.5", FP_VULN_AFFECTED, "2.1");
	expect(f, "1.6", FP_VULN_NOT_AFFECTED, NULL);
	fp_vuln_feed_free(f);
}

static void test_rpm_apk(void **state)
{
	struct fp_vuln_feed *f = entry(
		"Rocky Linux:8",
		ECO("{\"introduced\":\"0\"},{\"fixed\":\"0:102.11.0-2.el8_7\"}"), "");

	expect(f, "102.10.0-1.el8_7", FP_VULN_AFFECTED, "0:102.11.0-2.el8_7");
	expect(f, "102.11.0-1.el8_7", FP_VULN_AFFECTED, "0:102.11.0-2.el8_7");
	expect(f, "102.11.0-2.el8_7", FP_VULN_FIXED, NULL);
	expect(f, "0:102.11.0-2.el8_7", FP_VULN_FIXED, NULL);
	fp_vuln_feed_free(f);

	f = entry("Alpine:v3.16",
		  ECO("{\"introduced\":\"0\"},{\"fixed\":\"1.2.3-r2\"}"), "");
	expect(f, "1.2.3-r1", FP_VULN_AFFECTED, "1.2.3-r2");
	expect(f, "1.2.3-r2", FP_VULN_FIXED, NULL);
	fp_vuln_feed_free(f);
}

static const struct fp_vuln *by_id(const struct fp_vuln_feed *f,
				   const char *pkg, const char *id)
{
	for (size_t i = 0; i < f->n_vulns; i++)
		if (!strcmp(f->vulns[i].id, id) && f->vulns[i].n_affected &&
		    !strcmp(f->vulns[i].affected[0].name, pkg))
			return &f->vulns[i];
	fail_msg("no %s", id);
	return NULL;
}

static void test_debian_states(void **state)
{
	struct fp_vuln_feed *f = vt_feed(fp_vuln_parse_debian,
				      "debian__input__debian.json");
	const struct fp_vuln *v = by_id(f, "prototypejs", "CVE-2007-2383");
	enum fp_vuln_verdict got;
	const char *fixed;
	struct fp_diag d;

	/* fixed_version "0": never affected, whatever the version. */
	assert_int_equal(fp_vuln_affected_check(&v->affected[0], FP_ECO_DEB,
						"0.1-1", &got, &fixed, &d), 0);
	assert_int_equal(got, FP_VULN_NOT_AFFECTED);
	assert_null(fixed);
	/* open: affected, no fix to upgrade to. */
	v = by_id(f, "chromium", "CVE-2022-0456");
	for (size_t i = 0; i < v->n_affected; i++) {
		if (strcmp(v->affected[i].ecosystem, "buster"))
			continue;
		assert_int_equal(fp_vuln_affected_check(&v->affected[i],
							FP_ECO_DEB, "999:1",
							&got, &fixed, &d), 0);
		assert_int_equal(got, FP_VULN_AFFECTED);
		assert_null(fixed);
	}
	/* A bad installed version or ecosystem is an error, not a verdict. */
	assert_int_equal(fp_vuln_affected_check(&v->affected[0], FP_ECO_DEB,
						"1:", &got, &fixed, &d),
			 FP_EINVAL);
	assert_true(!strncmp(d.msg, "installed version: ", 19));
	assert_int_equal(fp_vuln_affected_check(&v->affected[0], FP_ECO_RPM,
						"1.0-1", &got, &fixed, &d),
			 FP_EINVAL);
	assert_string_equal(d.msg, "a rpm package against a deb advisory entry");
	fp_vuln_feed_free(f);
}

static const struct fp_vuln_match *match_of(const struct fp_vuln_matches *m,
					    size_t pkg, const char *id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].pkg == pkg && !strcmp(m->v[i].vuln->id, id))
			return &m->v[i];
	return NULL;
}

static size_t count_of(const struct fp_vuln_matches *m, size_t pkg)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->v[i].pkg == pkg;
	return n;
}

static void test_index_match(void **state)
{
	struct fp_vuln_feed *feeds[] = {
		vt_feed(fp_vuln_parse_debian, "debian__input__debian.json"),
		vt_feed(fp_vuln_parse_debian_dsa,
		     "vuln-list-debian__tracker__DSA__DSA-5514-1.json"),
		vt_feed(fp_vuln_parse_osv, "ubuntu__osv__usn__USN-5614-1.json"),
		vt_feed(fp_vuln_parse_osv,
		     "alma__osv-database__advisories__almalinux9__ALSA-2024_2433.json"),
		vt_feed(fp_vuln_parse_osv, "rocky__osv__RLSA-2023_3220.json"),
	};
	const struct fp_vuln_pkg pkgs[] = {
		{ "debian:12", FP_ECO_DEB, "libc6", "2.36-9+deb12u1", "glibc", NULL },
		{ "debian:12", FP_ECO_DEB, "chromium", "98.0.4758.80-1", NULL, NULL },
		{ "debian:10", FP_ECO_DEB, "chromium", "89.0.4389.114-1~deb10u1",
		  "chromium", NULL },
		{ "debian:9", FP_ECO_DEB, "libjs-prototype", "1.7.1-3",
		  "prototypejs", NULL },
		{ "ubuntu:22.04", FP_ECO_DEB, "libwayland-client0", "1.20.0-1",
		  "wayland", NULL },
		{ "almalinux:9", FP_ECO_RPM, "avahi-libs", "0.8-12.el9", "avahi",
		  "0.8-12.el9" },
		{ "rocky:8", FP_ECO_RPM, "firefox", "102.10.0-1.el8_7", NULL, NULL },
		{ "debian:12", FP_ECO_DEB, "libc6", "not a version", "glibc", NULL },
		{ "debian:11", FP_ECO_DEB, "libc6", "2.31-13+deb11u7", "glibc", NULL },
		{ "debian:12", FP_ECO_DEB, "sope-bin", "5.8.0-1+b1", "sope",
		  "5.8.0-1" },
		{ "ubuntu:20.04", FP_ECO_DEB, "wayland", "1.18.0-1", NULL, NULL },
		/* A binary named like a source package is not that source. */
		{ "ubuntu:22.04", FP_ECO_DEB, "wayland", "1.20.0-1", "other", NULL },
	};
	struct fp_vuln_index *ix;
	struct fp_vuln_matches m;
	const struct fp_vuln_match *mt;
	struct fp_kev *kev;
	struct fp_epss *epss;
	struct fp_diag d;
	struct fp_buf b;
	const char *csv = "cve,epss,percentile\nCVE-2023-4911,0.81234,0.99\n"
			  "CVE-2021-3782,0.00044,0.12\n";

	vt_read(FP_SHARED_DATA "/feeds/kev/known_exploited_vulnerabilities.json",
		&b);
	assert_int_equal(fp_kev_parse(b.data, b.len, "kev", &kev, &d), 0);
	fp_buf_release(&b);
	assert_int_equal(fp_epss_parse(csv, strlen(csv), "e", &epss, &d), 0);
	assert_int_equal(fp_vuln_index_new((const struct fp_vuln_feed *const *)feeds,
					   5, &ix), 0);
	/* (debian:N, pkg) keys of the tracker and DSA, 3 Ubuntu, 10 Alma,
	 * 1 Rocky; not-affected entries are not indexed. */
	assert_true(fp_vuln_index_keys(ix) > 14);
	assert_int_equal(fp_vuln_match(ix, pkgs, FP_ARRAY_SIZE(pkgs), kev, epss,
				       &m), 0);

	mt = match_of(&m, 0, "DSA-5514-1");
	assert_non_null(mt);
	assert_string_equal(mt->fixed, "2.36-9+deb12u3");
	assert_string_equal(mt->affected->dist, "debian:12");
	assert_true(mt->kev); /* CVE-2023-4911 is known exploited */
	assert_true(mt->has_epss);
	assert_float_equal(mt->epss, 0.81234, 1e-9);
	assert_int_equal(count_of(&m, 0), 1);

	assert_int_equal(count_of(&m, 1), 0); /* at the fix */
	mt = match_of(&m, 2, "CVE-2022-0456");
	assert_non_null(mt);
	assert_null(mt->fixed); /* open in buster */
	assert_false(mt->kev);
	assert_false(mt->has_epss);
	assert_int_equal(count_of(&m, 2), 1);
	assert_int_equal(count_of(&m, 3), 0); /* fixed, and "0" */

	mt = match_of(&m, 4, "USN-5614-1");
	assert_non_null(mt);
	assert_string_equal(mt->fixed, "1.20.0-1ubuntu0.1");
	assert_false(mt->kev);
	assert_float_equal(mt->epss, 0.00044, 1e-9);

	mt = match_of(&m, 5, "ALSA-2024:2433");
	assert_non_null(mt);
	assert_string_equal(mt->fixed, "0.8-20.el9");
	assert_string_equal(mt->affected->name, "avahi-libs");
	assert_int_equal(count_of(&m, 5), 1);

	mt = match_of(&m, 6, "RLSA-2023:3220");
	assert_non_null(mt);
	assert_string_equal(mt->fixed, "0:102.11.0-2.el8_7");

	assert_int_equal(count_of(&m, 7), 0);
	assert_int_equal(m.invalid, 1);
	assert_int_equal(count_of(&m, 8), 0); /* bullseye's fix installed */
	/* The source version is what Debian's fixed versions speak of. */
	mt = match_of(&m, 9, "CVE-2025-53603");
	assert_non_null(mt);
	assert_string_equal(mt->fixed, "5.8.0-1+deb12u1");
	assert_non_null(match_of(&m, 10, "USN-5614-1"));
	assert_int_equal(count_of(&m, 11), 0);
	for (size_t i = 1; i < m.n; i++)
		assert_true(m.v[i - 1].pkg <= m.v[i].pkg);
	fp_vuln_matches_release(&m);

	/* Every allocation failing in turn: ENOMEM, 'ret' untouched. */
	for (unsigned long n = 1;; n++) {
		struct fp_vuln_index *ix2 = NULL;
		int r;

		m = (struct fp_vuln_matches){ 0 };
		fp_alloc_fail_at(n);
		r = fp_vuln_index_new((const struct fp_vuln_feed *const *)feeds,
				      5, &ix2);
		if (!r)
			r = fp_vuln_match(ix2, pkgs, FP_ARRAY_SIZE(pkgs), NULL,
					  NULL, &m);
		fp_alloc_fail_at(0);
		fp_vuln_index_free(ix2);
		if (!r) {
			assert_true(m.n > 5);
			fp_vuln_matches_release(&m);
			break;
		}
		assert_int_equal(r, FP_ENOMEM);
		assert_null(m.v);
	}

	fp_vuln_index_free(ix);
	fp_kev_free(kev);
	fp_epss_free(epss);
	for (size_t i = 0; i < FP_ARRAY_SIZE(feeds); i++)
		fp_vuln_feed_free(feeds[i]);
}

/* An entry naming no release ("Debian") applies to every release, and a
 * withdrawn advisory to none; an advisory met through two entries is one
 * match whose fix leaves both behind. */
static void test_bare_dist_withdrawn(void **state)
{
	const char *text =
		"[{\"id\":\"A-1\",\"modified\":\"2024-01-01T00:00:00Z\","
		"\"affected\":[{\"package\":{\"ecosystem\":\"Debian\",\"name\":\"p\"},"
		"\"ranges\":[" ECO("{\"introduced\":\"0\"},{\"fixed\":\"2.0\"}") "]},"
		"{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},"
		"\"ranges\":[" ECO("{\"introduced\":\"0\"},{\"fixed\":\"1.5\"}") "]}]},"
		"{\"id\":\"A-2\",\"modified\":\"2024-01-01T00:00:00Z\","
		"\"withdrawn\":\"2024-02-01T00:00:00Z\","
		"\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},"
		"\"ranges\":[" ECO("{\"introduced\":\"0\"}") "]}]}]";
	const struct fp_vuln_pkg pkg = { "debian:12", FP_ECO_DEB, "p", "1.0",
					 NULL, NULL };
	struct fp_vuln_feed *f = NULL;
	struct fp_vuln_index *ix;
	struct fp_vuln_matches m;
	struct fp_diag d;

	assert_int_equal(fp_vuln_parse_osv(text, strlen(text), "t", &f, &d), 0);
	assert_int_equal(fp_vuln_index_new((const struct fp_vuln_feed *const *)&f,
					   1, &ix), 0);
	assert_int_equal(fp_vuln_index_keys(ix), 2);
	assert_int_equal(fp_vuln_match(ix, &pkg, 1, NULL, NULL, &m), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].vuln->id, "A-1");
	assert_string_equal(m.v[0].fixed, "2.0");
	fp_vuln_matches_release(&m);
	fp_vuln_index_free(ix);
	fp_vuln_feed_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_edges),
		cmocka_unit_test(test_last_affected_limit),
		cmocka_unit_test(test_versions_list),
		cmocka_unit_test(test_rpm_apk),
		cmocka_unit_test(test_debian_states),
		cmocka_unit_test(test_index_match),
		cmocka_unit_test(test_bare_dist_withdrawn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
