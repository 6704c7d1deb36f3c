/* SPDX-License-Identifier: MIT */
/*
 * OSV records into the vuln model: the real samples under
 * shared/data/feeds/samples with their values asserted, arrays of records,
 * skipped ecosystems, event sorting, and hostile input with its JSON path.
 */
#include "vtest.h"

static struct fp_vuln_feed *osv_file(const char *file)
{
	return vt_feed(fp_vuln_parse_osv, file);
}

static struct fp_vuln_feed *osv_text(const char *text)
{
	struct fp_vuln_feed *f = NULL;
	struct fp_diag d;

	if (fp_vuln_parse_osv(text, strlen(text), "test", &f, &d) != 0)
		fail_msg("%s", d.msg);
	return f;
}

static bool has(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static void test_usn_2169(void **state)
{
	struct fp_vuln_feed *f = osv_file(
		"canonical__ubuntu-security-notices__osv__usn__USN-2169-1.json");
	const struct fp_vuln *v = &f->vulns[0];
	const struct fp_vuln_affected *a;
	char t[32];

	assert_int_equal(f->n_vulns, 1);
	assert_string_equal(v->id, "USN-2169-1");
	assert_string_equal(v->summary, "python-django vulnerabilities");
	assert_int_equal(v->n_aliases, 3);
	assert_true(has(v->aliases, v->n_aliases, "UBUNTU-CVE-2014-0473"));
	assert_int_equal(v->n_cves, 3);
	assert_string_equal(v->cves[0], "CVE-2014-0472");
	assert_string_equal(fp_time_rfc3339(v->modified, t),
			    "2025-07-16T04:41:47Z");
	assert_string_equal(fp_time_rfc3339(v->published, t),
			    "2014-04-22T11:58:31Z");
	assert_int_equal(v->n_affected, 1);
	a = &v->affected[0];
	assert_int_equal(a->eco, FP_ECO_DEB);
	assert_string_equal(a->ecosystem, "Ubuntu:14.04:LTS");
	assert_string_equal(a->dist, "ubuntu:14.04");
	assert_string_equal(a->name, "python-django");
	assert_int_equal(a->name_kind, FP_VULN_NAME_SOURCE);
	assert_int_equal(a->status, FP_VULN_ST_RANGES);
	assert_int_equal(a->n_ranges, 1);
	assert_int_equal(a->ranges[0].type, FP_VULN_RANGE_ECOSYSTEM);
	assert_int_equal(a->ranges[0].n_events, 2);
	assert_int_equal(a->ranges[0].events[0].kind, FP_VULN_EV_INTRODUCED);
	assert_string_equal(a->ranges[0].events[0].version, "0");
	assert_int_equal(a->ranges[0].events[1].kind, FP_VULN_EV_FIXED);
	assert_string_equal(a->ranges[0].events[1].version, "1.6.1-2ubuntu0.1");
	assert_int_equal(a->n_versions, 4);
	assert_string_equal(a->versions[3], "1.6.1-2");
	fp_vuln_feed_free(f);
}

static void test_usn_5614_and_ubuntu_cve(void **state)
{
	struct fp_vuln_feed *f = osv_file("ubuntu__osv__usn__USN-5614-1.json");
	const struct fp_vuln *v = &f->vulns[0];

	assert_string_equal(v->id, "USN-5614-1");
	assert_int_equal(v->n_affected, 3);
	assert_string_equal(v->affected[0].dist, "ubuntu:18.04");
	assert_string_equal(v->affected[2].dist, "ubuntu:22.04");
	assert_string_equal(v->affected[2].ranges[0].events[1].version,
			    "1.20.0-1ubuntu0.1");
	assert_int_equal(v->n_cves, 1);
	assert_string_equal(v->cves[0], "CVE-2021-3782");
	assert_null(v->severity);
	fp_vuln_feed_free(f);

	f = osv_file("ubuntu__osv__cve__2021__UBUNTU-CVE-2021-3782.json");
	v = &f->vulns[0];
	assert_string_equal(v->id, "UBUNTU-CVE-2021-3782");
	assert_string_equal(v->severity, "medium");
	assert_true(has(v->aliases, v->n_aliases, "USN-5614-2"));
	assert_int_equal(v->n_cves, 1);
	assert_string_equal(v->cves[0], "CVE-2021-3782");
	assert_int_equal(v->n_affected, 4);
	assert_string_equal(v->affected[0].ecosystem, "Ubuntu:Pro:16.04:LTS");
	assert_string_equal(v->affected[0].dist, "ubuntu:pro:16.04");
	assert_string_equal(v->affected[0].ranges[0].events[1].version,
			    "1.12.0-1~ubuntu16.04.3+esm1");
	assert_int_equal(v->affected[0].n_versions, 5);
	fp_vuln_feed_free(f);
}

static void test_alma_rocky(void **state)
{
	struct fp_vuln_feed *f = osv_file(
		"alma__osv-database__advisories__almalinux9__ALSA-2024_2433.json");
	const struct fp_vuln *v = &f->vulns[0];

	assert_string_equal(v->id, "ALSA-2024:2433");
	assert_string_equal(v->summary, "Moderate: avahi security update");
	assert_int_equal(v->n_cves, 5);
	assert_string_equal(v->cves[4], "CVE-2023-38473");
	assert_int_equal(v->n_affected, 10);
	assert_int_equal(v->affected[8].eco, FP_ECO_RPM);
	assert_string_equal(v->affected[8].dist, "almalinux:9");
	assert_string_equal(v->affected[8].name, "avahi-libs");
	assert_int_equal(v->affected[8].name_kind, FP_VULN_NAME_BINARY);
	assert_string_equal(v->affected[8].ranges[0].events[1].version,
			    "0.8-20.el9");
	fp_vuln_feed_free(f);

	f = osv_file("rocky__osv__RLSA-2023_3220.json");
	v = &f->vulns[0];
	assert_string_equal(v->id, "RLSA-2023:3220");
	assert_int_equal(v->n_cves, 7);
	assert_int_equal(v->n_affected, 1);
	assert_string_equal(v->affected[0].dist, "rocky:8");
	assert_string_equal(v->affected[0].name, "firefox");
	assert_string_equal(v->affected[0].ranges[0].events[1].version,
			    "0:102.11.0-2.el8_7");
	fp_vuln_feed_free(f);
}

static void test_array_skip_sort(void **state)
{
	struct fp_vuln_feed *f = osv_text(
		"[{\"id\":\"DEBIAN-CVE-2024-1\",\"modified\":\"2024-01-01T00:00:00Z\","
		" \"aliases\":[\"CVE-2024-1\"],"
		" \"affected\":["
		"  {\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"django\"}},"
		"  {\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"foo\"},"
		"   \"ranges\":[{\"type\":\"GIT\",\"repo\":\"x\",\"events\":[]},"
		"     {\"type\":\"ECOSYSTEM\",\"events\":[{\"fixed\":\"2.0-1\"},"
		"      {\"limit\":\"*\"},{\"introduced\":\"1:0.5\"},"
		"      {\"last_affected\":\"1.0~rc1\"},{\"introduced\":\"0\"}]}]},"
		"  {\"package\":{\"ecosystem\":\"Alpine:v3.16\",\"name\":\"musl\"},"
		"   \"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.2.3\"}]}]}]},"
		" {\"id\":\"CVE-2024-2\",\"modified\":\"2024-01-01T00:00:00Z\","
		"  \"withdrawn\":\"2024-02-01T00:00:00Z\"}]");
	const struct fp_vuln_range *r;

	assert_int_equal(f->n_vulns, 2);
	assert_int_equal(f->n_skipped, 2); /* PyPI entry, GIT range */
	assert_int_equal(f->vulns[0].n_affected, 2);
	assert_string_equal(f->vulns[0].cves[0], "CVE-2024-1");
	assert_int_equal(f->vulns[0].n_cves, 1);
	r = &f->vulns[0].affected[0].ranges[0];
	assert_int_equal(f->vulns[0].affected[0].n_ranges, 1);
	assert_int_equal(r->n_events, 5);
	/* 0 < 1.0~rc1 < 2.0-1 < 1:0.5 (epoch) < * */
	assert_string_equal(r->events[0].version, "0");
	assert_string_equal(r->events[1].version, "1.0~rc1");
	assert_string_equal(r->events[2].version, "2.0-1");
	assert_string_equal(r->events[3].version, "1:0.5");
	assert_string_equal(r->events[4].version, "*");
	assert_string_equal(f->vulns[0].affected[1].dist, "alpine:v3.16");
	assert_int_equal(f->vulns[0].affected[1].eco, FP_ECO_APK);
	assert_int_equal(f->vulns[0].affected[1].ranges[0].type,
			 FP_VULN_RANGE_SEMVER);
	assert_true(f->vulns[1].withdrawn > 0);
	assert_int_equal(f->vulns[1].n_cves, 1);
	fp_vuln_feed_free(f);
}

#define REC_HEAD "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\","
#define AFF(ranges)                                                          \
	"\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\","          \
	"\"name\":\"p\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"   \
	ranges "}]}]}"

static int parse(const char *text, struct fp_diag *d)
{
	struct fp_vuln_feed *f = NULL;
	int r = fp_vuln_parse_osv(text, strlen(text), "t.json", &f, d);

	assert_true(r != 0 || f != NULL);
	fp_vuln_feed_free(f);
	return r;
}

static void test_bad_input(void **state)
{
	char big[400];
	struct fp_buf b;

	vt_expect_fail(parse("{\"id\":\"X-1\",\"modified\":", &vt_d), FP_EINVAL,
		       1, "invalid JSON");
	vt_expect_fail(parse("42", &vt_d), FP_EINVAL, 0,
		       "top level: expected a record");
	vt_expect_fail(parse("{\"modified\":\"2024-01-01T00:00:00Z\"}", &vt_d),
		       FP_EINVAL, 0, "id: missing");
	vt_expect_fail(parse(REC_HEAD AFF("[{\"introduced\":\"0\"},{\"fixed\":2}]"),
			     &vt_d),
		       FP_EINVAL, 0,
		       "affected[0].ranges[0].events[1].fixed: expected a string");
	vt_expect_fail(parse(REC_HEAD AFF("[{\"introduced\":\"0\"},{\"fixed\":\"1:\"}]"),
			     &vt_d),
		       FP_EINVAL, 0,
		       "affected[0].ranges[0].events[1].fixed: invalid deb version");
	vt_expect_fail(parse(REC_HEAD AFF("[{\"fixed\":\"1.0\"}]"), &vt_d),
		       FP_EINVAL, 0,
		       "affected[0].ranges[0].events: no introduced event");
	vt_expect_fail(parse(REC_HEAD AFF("[{\"introduced\":\"0\",\"fixed\":\"1\"}]"),
			     &vt_d),
		       FP_EINVAL, 0, "affected[0].ranges[0].events[0]: an event has");
	vt_expect_fail(parse(REC_HEAD AFF("[{\"introduced\":\"0\"},{\"fixd\":\"1\"}]"),
			     &vt_d),
		       FP_EINVAL, 0, "affected[0].ranges[0].events[1].fixd: unknown");
	vt_expect_fail(parse("[" REC_HEAD "\"affected\":[]}, " REC_HEAD
			     "\"affected\":[{\"package\":{\"ecosystem\":"
			     "\"Debian:12\"}}]}]", &vt_d),
		       FP_EINVAL, 0, "[1].affected[0].package.name: missing");
	vt_expect_fail(parse(REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":"
			     "\"Debian:12\",\"name\":\"a b\"}}]}", &vt_d),
		       FP_EINVAL, 0, "affected[0].package.name: spaces");
	vt_expect_fail(parse("{\"id\":\"X-1\",\"modified\":\"yesterday\"}", &vt_d),
		       FP_EINVAL, 0, "modified: not an RFC 3339 time");
	vt_expect_fail(parse(REC_HEAD "\"aliases\":[\"A\",7]}", &vt_d),
		       FP_EINVAL, 0, "aliases[1]: expected a string");
	vt_expect_fail(parse(REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":"
			     "\"Debian:12\",\"name\":\"p\"},\"versions\":[\"1.0\","
			     "\"x y\"]}]}", &vt_d),
		       FP_EINVAL, 0, "affected[0].versions[1]: spaces");

	/* Oversized: an id past FP_VULN_MAX_ID, too many events. */
	memset(big, 'A', sizeof(big));
	snprintf(big, sizeof(big), "{\"id\":\"%0200d\",\"modified\":"
		 "\"2024-01-01T00:00:00Z\"}", 0);
	vt_expect_fail(parse(big, &vt_d), FP_ETOOBIG, 0, "id: string of 200 bytes");
	fp_buf_init(&b, 0);
	fp_buf_adds(&b, REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":"
		    "\"Debian:12\",\"name\":\"p\"},\"ranges\":[{\"type\":"
		    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}");
	for (int i = 0; i < FP_VULN_MAX_EVENTS; i++)
		fp_buf_addf(&b, ",{\"fixed\":\"%d\"}", i + 1);
	fp_buf_adds(&b, "]}]}]}");
	vt_expect_fail(parse(b.data, &vt_d), FP_ETOOBIG, 0,
		       "affected[0].ranges[0].events: 257 items");
	fp_buf_release(&b);
}

/* A long range in reverse order comes out sorted, ties in feed order. */
static void test_sort_long_range(void **state)
{
	struct fp_vuln_feed *f;
	const struct fp_vuln_range *r;
	struct fp_buf b;
	int c;

	fp_buf_init(&b, 0);
	fp_buf_adds(&b, REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":"
		    "\"Debian:12\",\"name\":\"p\"},\"ranges\":[{\"type\":"
		    "\"ECOSYSTEM\",\"events\":[");
	for (int i = 200; i > 0; i--)
		fp_buf_addf(&b, "{\"%s\":\"1.%d\"},",
			    i % 2 ? "introduced" : "fixed", i / 2);
	fp_buf_adds(&b, "{\"introduced\":\"0\"}]}]}]}");
	f = osv_text(b.data);
	r = &f->vulns[0].affected[0].ranges[0];
	assert_int_equal(r->n_events, 201);
	assert_string_equal(r->events[0].version, "0");
	for (size_t i = 2; i < r->n_events; i++) {
		assert_int_equal(fp_version_compare(FP_ECO_DEB,
						    r->events[i - 1].version,
						    r->events[i].version, &c,
						    NULL), 0);
		assert_true(c <= 0);
		/* The feed gives introduced 1.k (i = 2k+1) before fixed 1.k
		 * (i = 2k): a stable sort keeps that. */
		if (c == 0)
			assert_int_equal(r->events[i - 1].kind,
					 FP_VULN_EV_INTRODUCED);
	}
	fp_vuln_feed_free(f);
	fp_buf_release(&b);
}

/* Every allocation failing in turn: an error, no leak, nothing half-built. */
static void test_alloc_failures(void **state)
{
	struct fp_buf b;
	unsigned long n;
	int r;

	vt_read(SAMPLES "ubuntu__osv__usn__USN-5614-1.json", &b);
	for (n = 1; n < 100000; n++) {
		struct fp_vuln_feed *f = NULL;
		struct fp_diag d;

		fp_alloc_fail_at(n);
		r = fp_vuln_parse_osv(b.data, b.len, "x", &f, &d);
		fp_alloc_fail_at(0);
		if (r == 0) {
			assert_non_null(f);
			assert_int_equal(f->vulns[0].n_affected, 3);
			fp_vuln_feed_free(f);
			break;
		}
		assert_int_equal(r, FP_ENOMEM);
		assert_null(f);
	}
	assert_true(n > 1);
	fp_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usn_2169),
		cmocka_unit_test(test_usn_5614_and_ubuntu_cve),
		cmocka_unit_test(test_alma_rocky),
		cmocka_unit_test(test_array_skip_sort),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_sort_long_range),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
