/* SPDX-License-Identifier: MIT */
/*
 * Debian's feeds (security tracker JSON, DSA records, per-release
 * records), the CISA KEV catalog and EPSS CSV: the real files under
 * shared/data/feeds with values asserted, and hostile input with where
 * it is wrong.
 */
#include "vtest.h"

static const struct fp_vuln *find(const struct fp_vuln_feed *f,
				  const char *pkg, const char *id)
{
	for (size_t i = 0; i < f->n_vulns; i++)
		if (!strcmp(f->vulns[i].id, id) &&
		    (!f->vulns[i].n_affected ||
		     !strcmp(f->vulns[i].affected[0].name, pkg)))
			return &f->vulns[i];
	fail_msg("no %s for %s", id, pkg);
	return NULL;
}

static const struct fp_vuln_affected *release(const struct fp_vuln *v,
					      const char *codename)
{
	for (size_t i = 0; i < v->n_affected; i++)
		if (!strcmp(v->affected[i].ecosystem, codename))
			return &v->affected[i];
	fail_msg("%s: no release %s", v->id, codename);
	return NULL;
}

static void assert_fixed(const struct fp_vuln_affected *a, const char *dist,
			 const char *name, const char *fixed)
{
	assert_string_equal(a->dist, dist);
	assert_string_equal(a->name, name);
	assert_int_equal(a->eco, FP_ECO_DEB);
	assert_int_equal(a->name_kind, FP_VULN_NAME_SOURCE);
	assert_int_equal(a->status, FP_VULN_ST_RANGES);
	assert_int_equal(a->n_ranges, 1);
	assert_int_equal(a->ranges[0].n_events, 2);
	assert_int_equal(a->ranges[0].events[0].kind, FP_VULN_EV_INTRODUCED);
	assert_string_equal(a->ranges[0].events[0].version, "0");
	assert_int_equal(a->ranges[0].events[1].kind, FP_VULN_EV_FIXED);
	assert_string_equal(a->ranges[0].events[1].version, fixed);
}

static void test_debian_tracker(void **state)
{
	struct fp_vuln_feed *f = vt_feed(fp_vuln_parse_debian,
					   SAMPLES "debian__input__debian.json");
	const struct fp_vuln *v;
	const struct fp_vuln_affected *a;

	assert_int_equal(f->n_vulns, 7);
	v = find(f, "prototypejs", "CVE-2007-2383");
	assert_int_equal(v->n_affected, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(v->affected[i].status, FP_VULN_ST_NOT_AFFECTED);
		assert_string_equal(v->affected[i].severity, "unimportant");
		assert_int_equal(v->affected[i].n_ranges, 0);
	}
	assert_string_equal(release(v, "stretch")->dist, "debian:9");
	assert_int_equal(v->n_cves, 1);
	assert_string_equal(v->cves[0], "CVE-2007-2383");

	v = find(f, "chromium", "CVE-2022-0456");
	assert_null(v->summary);
	assert_int_equal(v->n_affected, 5);
	a = release(v, "bookworm");
	assert_fixed(a, "debian:12", "chromium", "98.0.4758.80-1");
	assert_string_equal(a->severity, "not yet assigned");
	assert_fixed(release(v, "bullseye"), "debian:11", "chromium",
		     "98.0.4758.80-1~deb11u1");
	a = release(v, "buster");
	assert_int_equal(a->status, FP_VULN_ST_OPEN);
	assert_int_equal(a->n_ranges, 0);
	assert_string_equal(a->dist, "debian:10");
	assert_string_equal(a->severity, "end-of-life");
	assert_string_equal(release(v, "sid")->dist, "debian:sid");

	v = find(f, "sope", "CVE-2025-53603");
	assert_true(!strncmp(v->summary, "In Alinto SOPE SOGo 2.0.2", 25));
	assert_fixed(release(v, "bookworm"), "debian:12", "sope",
		     "5.8.0-1+deb12u1");
	assert_fixed(release(v, "trixie"), "debian:13", "sope", "5.12.1-2");

	v = find(f, "txt2man", "CVE-2013-1444");
	assert_fixed(release(v, "jessie"), "debian:8", "txt2man", "1.5.5-4.1");
	assert_string_equal(release(v, "jessie")->severity, "low**");

	/* "releases": [] - known, not yet triaged for any release. */
	v = find(f, "chromium-browser", "CVE-2022-0358");
	assert_int_equal(v->n_affected, 0);
	fp_vuln_feed_free(f);
}

static void test_debian_dsa_vunnel(void **state)
{
	struct fp_vuln_feed *f = vt_feed(fp_vuln_parse_debian_dsa,
		SAMPLES "vuln-list-debian__tracker__DSA__DSA-5514-1.json");
	const struct fp_vuln *v = &f->vulns[0];

	assert_int_equal(f->n_vulns, 1);
	assert_string_equal(v->id, "DSA-5514-1");
	assert_string_equal(v->summary, "glibc - security update");
	assert_int_equal(v->n_cves, 1);
	assert_string_equal(v->cves[0], "CVE-2023-4911");
	assert_int_equal(v->n_affected, 2);
	assert_fixed(release(v, "bookworm"), "debian:12", "glibc",
		     "2.36-9+deb12u3");
	assert_fixed(release(v, "bullseye"), "debian:11", "glibc",
		     "2.31-13+deb11u7");
	fp_vuln_feed_free(f);

	f = vt_feed(fp_vuln_parse_vunnel,
		      SAMPLES "debian__snapshot__debian_12__cve-2022-0456.json");
	v = &f->vulns[0];
	assert_string_equal(v->id, "CVE-2022-0456");
	assert_string_equal(v->severity, "Unknown");
	assert_null(v->summary);
	assert_int_equal(v->n_affected, 1);
	assert_string_equal(v->affected[0].ecosystem, "debian:12");
	assert_fixed(&v->affected[0], "debian:12", "chromium", "98.0.4758.80-1");
	fp_vuln_feed_free(f);

	f = vt_feed(fp_vuln_parse_vunnel,
		      SAMPLES "debian__snapshot__debian_12__cve-2025-53603.json");
	v = &f->vulns[0];
	assert_string_equal(v->id, "CVE-2025-53603");
	assert_int_equal(v->n_aliases, 1);
	assert_string_equal(v->aliases[0], "DSA-5970-1");
	assert_fixed(&v->affected[0], "debian:12", "sope", "5.8.0-1+deb12u1");
	fp_vuln_feed_free(f);
}

static void test_dsa_list(void **state)
{
	struct fp_vuln_feed *f = vt_feed(fp_vuln_parse_dsa_list,
					 "debian__input__DSA");
	const struct fp_vuln *v;
	char t[32];

	assert_int_equal(f->n_vulns, 10);
	v = &f->vulns[1];
	assert_string_equal(v->id, "DSA-140");
	assert_string_equal(v->summary, "libpng - buffer overflow");
	assert_string_equal(fp_time_rfc3339(v->published, t),
			    "2002-08-05T00:00:00Z");
	assert_int_equal(v->n_cves, 2);
	assert_string_equal(v->cves[1], "CVE-2002-0728");
	assert_int_equal(v->n_affected, 2);
	assert_fixed(&v->affected[0], "debian:3.0", "libpng", "1.0.12-3.woody.2");
	assert_fixed(&v->affected[1], "debian:3.0", "libpng3",
		     "1.2.1-1.1.woody.2");
	v = &f->vulns[4];
	assert_string_equal(v->id, "DSA-2819-1");
	assert_int_equal(v->n_affected, 0);
	assert_int_equal(v->n_cves, 0);
	v = &f->vulns[5];
	assert_string_equal(v->id, "DSA-2808-2");
	assert_fixed(&v->affected[1], "debian:7", "openjpeg", "1.3+dfsg-4.8");
	assert_string_equal(f->vulns[7].id, "DSA-4205-1");
	assert_string_equal(f->vulns[7].summary, "jessie end-of-life");
	v = &f->vulns[9];
	assert_string_equal(v->id, "DSA-5970-1");
	assert_string_equal(v->cves[0], "CVE-2025-53603");
	assert_fixed(&v->affected[0], "debian:12", "sope", "5.8.0-1+deb12u1");
	fp_vuln_feed_free(f);
}

static int dsa_list(const char *text, struct fp_diag *d)
{
	struct fp_vuln_feed *f = NULL;
	int r = fp_vuln_parse_dsa_list(text, strlen(text), "list", &f, d);

	assert_true(r != 0 || f != NULL);
	fp_vuln_feed_free(f);
	return r;
}

static void test_dsa_list_bad(void **state)
{
	struct fp_vuln_feed *f = NULL;
	struct fp_diag d;
	const char *ok = "[31 Jul 2025] DSA-5970-1 sope - security update\r\n"
			 "\t{CVE-2025-53603}\n"
			 "\t[bookworm] - sope <not-affected> (not built)\n"
			 "\t[bullseye] - sope <no-dsa> (Minor issue)\n";

	assert_int_equal(fp_vuln_parse_dsa_list(ok, strlen(ok), "l", &f, &d), 0);
	assert_int_equal(f->vulns[0].affected[0].status, FP_VULN_ST_NOT_AFFECTED);
	assert_int_equal(f->vulns[0].affected[1].status, FP_VULN_ST_OPEN);
	fp_vuln_feed_free(f);

	vt_expect_fail(dsa_list("\t{CVE-2025-53603}\n", &vt_d), FP_EINVAL, 1,
		       "expected a [date] DSA-... line");
	vt_expect_fail(dsa_list("[31 Jul 2025] DSA-1 p\n[32 Foo 2025] DSA-2 q\n",
				&vt_d),
		       FP_EINVAL, 2, "expected a date like [01 Aug 2002]");
	vt_expect_fail(dsa_list("[31 Jul 2025] USN-1 p\n", &vt_d), FP_EINVAL, 1,
		       "expected a DSA-... or DLA-... id");
	vt_expect_fail(dsa_list("[31 Jul 2025] DSA-1 p\n\t{CVE-2025-1\n", &vt_d),
		       FP_EINVAL, 2, "expected '}'");
	vt_expect_fail(dsa_list("[31 Jul 2025] DSA-1 p\n\n\t[bookworm] p 1.0\n",
				&vt_d),
		       FP_EINVAL, 3, "expected '- PACKAGE VERSION'");
	vt_expect_fail(dsa_list("[31 Jul 2025] DSA-1 p\n\t[bookworm] - p 1:\n",
				&vt_d),
		       FP_EINVAL, 2, "invalid deb version");
	vt_expect_fail(dsa_list("[31 Jul 2025] DSA-1 p\n\tsomething\n", &vt_d),
		       FP_EINVAL, 2, "expected {ids}");
	vt_expect_fail(dsa_list("[31 Jul 2025] DSA-1 p\x01\n", &vt_d), FP_EINVAL,
		       1, "control character in line");
}

static int deb(const char *text, struct fp_diag *d)
{
	struct fp_vuln_feed *f = NULL;
	int r = fp_vuln_parse_debian(text, strlen(text), "t.json", &f, d);

	assert_true(r != 0 || f != NULL);
	fp_vuln_feed_free(f);
	return r;
}

static int dsa(const char *text, struct fp_diag *d)
{
	struct fp_vuln_feed *f = NULL;
	int r = fp_vuln_parse_debian_dsa(text, strlen(text), "t.json", &f, d);

	fp_vuln_feed_free(f);
	return r;
}

static int vunnel(const char *text, struct fp_diag *d)
{
	struct fp_vuln_feed *f = NULL;
	int r = fp_vuln_parse_vunnel(text, strlen(text), "t.json", &f, d);

	fp_vuln_feed_free(f);
	return r;
}

#define REL(body) "{\"p\":{\"CVE-2024-1\":{\"releases\":{\"bookworm\":" body "}}}}"

static void test_debian_bad(void **state)
{
	vt_expect_fail(deb("{\"p\":{\"CVE-2024-1\":{\"releases\":", &vt_d),
		       FP_EINVAL, 1, "invalid JSON");
	vt_expect_fail(deb("[]", &vt_d), FP_EINVAL, 0,
		       "top level: expected an object");
	vt_expect_fail(deb("{\"p\":[]}", &vt_d), FP_EINVAL, 0,
		       "p: expected an object");
	vt_expect_fail(deb("{\"p\":{\"CVE-2024-1\":{\"releases\":[1]}}}", &vt_d),
		       FP_EINVAL, 0,
		       "p.CVE-2024-1.releases: expected an object (or an empty list)");
	vt_expect_fail(deb(REL("{\"status\":\"resolved\",\"fixed_version\":1}"),
			   &vt_d),
		       FP_EINVAL, 0,
		       "p.CVE-2024-1.releases.bookworm.fixed_version: expected a string");
	vt_expect_fail(deb(REL("{\"status\":\"resolved\"}"), &vt_d), FP_EINVAL,
		       0, "p.CVE-2024-1.releases.bookworm.fixed_version: missing "
		       "while status is resolved");
	vt_expect_fail(deb(REL("{\"status\":\"resolved\",\"fixed_version\":\"1:\"}"),
			   &vt_d),
		       FP_EINVAL, 0,
		       "p.CVE-2024-1.releases.bookworm.fixed_version: invalid deb");
	vt_expect_fail(deb(REL("{\"status\":\"fixed\"}"), &vt_d), FP_EINVAL, 0,
		       "p.CVE-2024-1.releases.bookworm.status: unknown status");
	vt_expect_fail(deb(REL("{\"status\":\"open\",\"fixed_version\":\"1.0\"}"),
			   &vt_d),
		       FP_EINVAL, 0,
		       "p.CVE-2024-1.releases.bookworm.fixed_version: given while");
	vt_expect_fail(deb("{\"a b\":{}}", &vt_d), FP_EINVAL, 0,
		       "a b: spaces or control characters");

	vt_expect_fail(dsa("{\"Annotations\":[]}", &vt_d), FP_EINVAL, 0,
		       "Header: missing");
	vt_expect_fail(dsa("[{\"Header\":{\"ID\":\"DSA-1\"},\"Annotations\":"
			   "[{\"Type\":\"package\",\"Release\":\"woody\","
			   "\"Package\":\"p\",\"Kind\":\"fixed\"}]}]", &vt_d),
		       FP_EINVAL, 0, "[0].Annotations[0].Version: missing");
	vt_expect_fail(vunnel("{\"item\":{\"Vulnerability\":{\"Name\":\"CVE-1\","
			      "\"FixedIn\":[{\"Name\":\"p\",\"NamespaceName\":"
			      "\"debian:12\",\"Version\":\"1\",\"VersionFormat\":"
			      "\"msi\"}]}}}", &vt_d),
		       FP_EINVAL, 0,
		       "item.Vulnerability.FixedIn[0].VersionFormat: unknown");
}

static void test_kev(void **state)
{
	struct fp_kev *k = NULL;
	const struct fp_kev_entry *e;
	struct fp_diag d;
	struct fp_buf b;
	size_t known = 0;
	char t[32];

	vt_read(FP_SHARED_DATA "/feeds/kev/known_exploited_vulnerabilities.json",
		&b);
	if (fp_kev_parse(b.data, b.len, "kev.json", &k, &d))
		fail_msg("%s", d.msg);
	assert_int_equal(k->n, 1404);
	assert_int_equal(k->declared_count, 1404);
	assert_string_equal(k->catalog_version, "2025.08.25");
	assert_string_equal(fp_time_rfc3339(k->released, t),
			    "2025-08-25T17:04:19Z");
	e = fp_kev_find(k, "CVE-2025-48384");
	assert_non_null(e);
	assert_string_equal(e->vendor, "Git");
	assert_string_equal(e->product, "Git");
	assert_string_equal(e->name, "Git Link Following Vulnerability");
	assert_string_equal(e->date_added, "2025-08-25");
	assert_string_equal(e->due_date, "2025-09-15");
	assert_false(e->ransomware);
	e = fp_kev_find(k, "CVE-2025-30066");
	assert_string_equal(e->vendor, "tj-actions");
	assert_string_equal(e->due_date, "2025-04-08");
	e = fp_kev_find(k, "CVE-2020-29583");
	assert_string_equal(e->vendor, "Zyxel");
	assert_string_equal(e->date_added, "2021-11-03");
	assert_null(fp_kev_find(k, "CVE-1999-0001"));
	assert_null(fp_kev_find(NULL, "CVE-2025-48384"));
	for (size_t i = 0; i < k->n; i++) {
		known += k->entries[i].ransomware;
		if (i)
			assert_true(strcmp(k->entries[i - 1].cve,
					   k->entries[i].cve) < 0);
		assert_ptr_equal(fp_kev_find(k, k->entries[i].cve),
				 &k->entries[i]);
	}
	assert_int_equal(known, 293);
	fp_kev_free(k);

	/* A truncated catalog says where it stops. */
	vt_expect_fail(fp_kev_parse(b.data, 5000, "kev.json", &k, &vt_d),
		       FP_EINVAL, 0, "invalid JSON");
	fp_buf_release(&b);

	vt_read(SAMPLES "kev__valid-catalog-1.json", &b);
	if (fp_kev_parse(b.data, b.len, "kev.json", &k, &d))
		fail_msg("%s", d.msg);
	assert_int_equal(k->n, 3);
	assert_int_equal(k->declared_count, 1273); /* an excerpt */
	assert_string_equal(fp_kev_find(k, "CVE-2025-0108")->vendor,
			    "Palo Alto Networks");
	assert_string_equal(fp_kev_find(k, "CVE-2024-57727")->vendor,
			    "SimpleHelp ");
	fp_kev_free(k);
	vt_alloc_loop(k, fp_kev_parse(b.data, b.len, "kev.json", &k, &d),
		      fp_kev_free);
	fp_buf_release(&b);
}

#define KEV_HEAD "{\"catalogVersion\":\"1\",\"dateReleased\":" \
	"\"2025-02-19T14:08:44.5021Z\",\"count\":2,\"vulnerabilities\":["
#define KEV_OK "{\"cveID\":\"CVE-2025-0108\",\"dateAdded\":\"2025-02-18\"}"

static int kev(const char *text, struct fp_diag *d)
{
	struct fp_kev *k = NULL;
	int r = fp_kev_parse(text, strlen(text), "k.json", &k, d);

	assert_true(r != 0 || k != NULL);
	fp_kev_free(k);
	return r;
}

static void test_kev_bad(void **state)
{
	assert_int_equal(kev(KEV_HEAD KEV_OK "]}", &(struct fp_diag){ 0 }), 0);
	vt_expect_fail(kev(KEV_HEAD KEV_OK ",{\"cveID\":\"CVE-25-1\","
			   "\"dateAdded\":\"2025-02-18\"}]}", &vt_d),
		       FP_EINVAL, 0,
		       "vulnerabilities[1].cveID: not a CVE id");
	vt_expect_fail(kev(KEV_HEAD "{\"cveID\":\"CVE-2025-0108\","
			   "\"dateAdded\":\"18.02.2025\"}]}", &vt_d),
		       FP_EINVAL, 0,
		       "vulnerabilities[0].dateAdded: expected YYYY-MM-DD");
	vt_expect_fail(kev(KEV_HEAD "{\"cveID\":\"CVE-2025-0108\","
			   "\"dateAdded\":\"2025-02-18\",\"vendorProject\":"
			   "[\"x\"]}]}", &vt_d),
		       FP_EINVAL, 0,
		       "vulnerabilities[0].vendorProject: expected a string");
	vt_expect_fail(kev(KEV_HEAD KEV_OK "," KEV_OK "]}", &vt_d), FP_EINVAL, 0,
		       "vulnerabilities: CVE-2025-0108 listed twice");
	vt_expect_fail(kev("{\"catalogVersion\":\"1\",\"dateReleased\":"
			   "\"2025-02-19T14:08:44Z\",\"vulnerabilities\":[]}",
			   &vt_d),
		       FP_EINVAL, 0, "count: expected a non-negative integer");
	vt_expect_fail(kev("{\"catalogVersion\":\"1\",\"count\":0}", &vt_d),
		       FP_EINVAL, 0, "dateReleased: missing");
}

static void test_epss(void **state)
{
	struct fp_epss *e = NULL;
	const struct fp_epss_entry *x;
	struct fp_diag d;
	struct fp_buf b;

	vt_read(SAMPLES "epss__example-1.csv", &b);
	if (fp_epss_parse(b.data, b.len, "epss.csv", &e, &d))
		fail_msg("%s", d.msg);
	assert_int_equal(e->n, 5);
	assert_string_equal(e->model_version, "v2023.03.01");
	assert_string_equal(e->score_date, "2025-02-20T00:00:00+0000");
	x = fp_epss_find(e, "CVE-1999-0005");
	assert_non_null(x);
	assert_float_equal(x->score, 0.91963, 1e-9);
	assert_float_equal(x->percentile, 0.99214, 1e-9);
	assert_float_equal(fp_epss_find(e, "CVE-1999-0001")->score, 0.00383,
			   1e-9);
	assert_null(fp_epss_find(e, "CVE-1999-0006"));
	fp_epss_free(e);
	vt_alloc_loop(e, fp_epss_parse(b.data, b.len, "epss.csv", &e, &d),
		      fp_epss_free);
	fp_buf_release(&b);
}

static int epss(const char *text, struct fp_diag *d)
{
	struct fp_epss *e = NULL;
	int r = fp_epss_parse(text, strlen(text), "e.csv", &e, d);

	assert_true(r != 0 || e != NULL);
	fp_epss_free(e);
	return r;
}

static void test_epss_bad(void **state)
{
	char line[700];

	/* No comment line, CRLF, no final newline: fine. */
	assert_int_equal(epss("cve,epss,percentile\r\nCVE-2024-0001,0.1,0.2",
			      &(struct fp_diag){ 0 }), 0);
	vt_expect_fail(epss("#model_version:v1\ncve,epss,percentile\n"
			    "CVE-2024-0001,0.1,0.2\nCVE-2024-0002,1.5,0.2\n", &vt_d),
		       FP_EINVAL, 4, "epss: expected a number from 0 to 1");
	vt_expect_fail(epss("cve,epss,percentile\nCVE-2024-0001,0.1,nan\n", &vt_d),
		       FP_EINVAL, 2, "percentile: expected a number");
	vt_expect_fail(epss("cve,epss,percentile\nCVE-2024-0001,0.1\n", &vt_d),
		       FP_EINVAL, 2, "expected three fields");
	vt_expect_fail(epss("cve,epss,percentile\nCVE-2024-0001,0.1,0.2,9\n", &vt_d),
		       FP_EINVAL, 2, "expected three fields");
	vt_expect_fail(epss("cve,epss,percentile\nCVE-2024-0001,0.1,0.2\n"
			    "GHSA-1,0.1,0.2\n", &vt_d),
		       FP_EINVAL, 3, "cve: not a CVE id");
	vt_expect_fail(epss("#x\ncve,score\n", &vt_d), FP_EINVAL, 2,
		       "expected the header");
	vt_expect_fail(epss("#only a comment\n", &vt_d), FP_EINVAL, 1,
		       "no header line");
	vt_expect_fail(epss("cve,epss,percentile\nCVE-2024-0001,0.1,0.2\n"
			    "CVE-2024-0001,0.3,0.4\n", &vt_d),
		       FP_EINVAL, 0, "CVE-2024-0001 listed twice");
	vt_expect_fail(epss("cve,epss,percentile\nCVE-2024-0001,0\x01,0.2\n", &vt_d),
		       FP_EINVAL, 2, "control character");
	memset(line, '1', sizeof(line));
	memcpy(line, "cve,epss,percentile\nCVE-2024-", 29);
	line[sizeof(line) - 1] = '\0';
	vt_expect_fail(epss(line, &vt_d), FP_ETOOBIG, 2, "line longer than 512");
	vt_expect_fail(fp_epss_parse("", FP_VULN_MAX_INPUT + 1, "e.csv",
				     &(struct fp_epss *){ NULL }, &vt_d),
		       FP_ETOOBIG, 0, "input of");
}

static void test_alloc_failures(void **state)
{
	struct fp_vuln_feed *f;
	struct fp_diag d;
	struct fp_buf b;

	vt_read(SAMPLES "debian__input__debian.json", &b);
	vt_alloc_loop(f, fp_vuln_parse_debian(b.data, b.len, "x", &f, &d),
		      fp_vuln_feed_free);
	fp_buf_release(&b);
	vt_read(SAMPLES "vuln-list-debian__tracker__DSA__DSA-5514-1.json", &b);
	vt_alloc_loop(f, fp_vuln_parse_debian_dsa(b.data, b.len, "x", &f, &d),
		      fp_vuln_feed_free);
	fp_buf_release(&b);
	vt_read(SAMPLES "debian__input__DSA", &b);
	vt_alloc_loop(f, fp_vuln_parse_dsa_list(b.data, b.len, "x", &f, &d),
		      fp_vuln_feed_free);
	fp_buf_release(&b);
	vt_read(SAMPLES "debian__snapshot__debian_12__cve-2025-53603.json", &b);
	vt_alloc_loop(f, fp_vuln_parse_vunnel(b.data, b.len, "x", &f, &d),
		      fp_vuln_feed_free);
	fp_buf_release(&b);
}

static void test_dist_key(void **state)
{
	char k[64];

	assert_int_equal(fp_vuln_dist_key("debian", "12", k, sizeof(k)), 0);
	assert_string_equal(k, "debian:12");
	assert_int_equal(fp_vuln_dist_key("rocky", "9.3", k, sizeof(k)), 0);
	assert_string_equal(k, "rocky:9");
	assert_int_equal(fp_vuln_dist_key("almalinux", "9.4", k, sizeof(k)), 0);
	assert_string_equal(k, "almalinux:9");
	assert_int_equal(fp_vuln_dist_key("alpine", "3.16.2", k, sizeof(k)), 0);
	assert_string_equal(k, "alpine:v3.16");
	assert_int_equal(fp_vuln_dist_key("ubuntu", "22.04", k, sizeof(k)), 0);
	assert_string_equal(k, "ubuntu:22.04");
	assert_int_equal(fp_vuln_dist_key("debian", "", k, sizeof(k)), 0);
	assert_string_equal(k, "debian");
	assert_int_equal(fp_vuln_dist_key("ubuntu", "22.04", k, 8), FP_ETOOBIG);
	assert_int_equal(fp_vuln_dist_key("", "1", k, sizeof(k)), FP_EINVAL);
	assert_int_equal(fp_vuln_dist_key("deb ian", "1", k, sizeof(k)),
			 FP_EINVAL);
	assert_string_equal(fp_vuln_debian_release("bookworm"), "12");
	assert_string_equal(fp_vuln_debian_release("trixie"), "13");
	assert_null(fp_vuln_debian_release("sid"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_tracker),
		cmocka_unit_test(test_debian_dsa_vunnel),
		cmocka_unit_test(test_debian_bad),
		cmocka_unit_test(test_dsa_list),
		cmocka_unit_test(test_dsa_list_bad),
		cmocka_unit_test(test_kev),
		cmocka_unit_test(test_kev_bad),
		cmocka_unit_test(test_epss),
		cmocka_unit_test(test_epss_bad),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_dist_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
