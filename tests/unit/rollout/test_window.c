/* SPDX-License-Identifier: MIT */
/* Time zones (our TZif reader) and maintenance windows, DST included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetpatch/util.h"
#include "fleetpatch/window.h"

static time_t T(const char *s)
{
	time_t t;
	if (fp_time_parse_rfc3339(s, &t))
		fail_msg("bad time in test: %s", s);
	return t;
}

static void test_civil(void **state)
{
	int64_t y;
	unsigned m, d;

	assert_int_equal(fp_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(fp_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(fp_weekday_from_days(0), 3); /* Thursday */
	assert_int_equal(fp_weekday_from_days(fp_days_from_civil(2026, 11, 30)), 0);
	assert_int_equal(fp_weekday_from_days(-1), 2);
	for (int64_t z = -800000; z < 800000; z += 997) {
		fp_civil_from_days(z, &y, &m, &d);
		assert_int_equal(fp_days_from_civil(y, m, d), z);
	}
}

/*
 * Our reader against the C library's (localtime_r with TZ set; fine in a
 * test) over many instants from 1900 to 2100, in zones with odd rules:
 * negative DST (Dublin), southern hemisphere, half and 45-minute offsets,
 * rules past the last listed transition (the footer).
 */
static void test_offsets_match_libc(void **state)
{
	static const char *zones[] = { "Europe/Berlin", "America/New_York",
				       "Australia/Sydney", "Europe/Dublin",
				       "Asia/Kolkata", "Pacific/Chatham",
				       "America/Santiago", "Africa/Casablanca",
				       "Australia/Lord_Howe", "UTC" };
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	for (size_t z = 0; z < FP_ARRAY_SIZE(zones); z++) {
		struct fp_tz *tz = NULL;
		struct fp_diag d;
		fp_diag_init(&d, NULL);
		if (fp_tz_load(NULL, zones[z], &d, &tz))
			fail_msg("%s: %s", zones[z], d.msg);
		setenv("TZ", zones[z], 1);
		tzset();
		for (int64_t t = -2208988800LL; t < 4102444800LL; t += 86400 * 3 + 3607) {
			struct tm tm;
			time_t tt = (time_t)t;
			bool dst;
			localtime_r(&tt, &tm);
			int32_t off = fp_tz_offset(tz, t, &dst);
			if (off != tm.tm_gmtoff)
				fail_msg("%s at %lld: ours %d libc %ld", zones[z],
					 (long long)t, off, tm.tm_gmtoff);
		}
		fp_tz_free(tz);
	}
	if (old) {
		setenv("TZ", old, 1);
		free(old);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

static void test_local_to_utc(void **state)
{
	struct fp_tz *tz = NULL;
	struct fp_diag d;
	int64_t utc;
	int64_t day;

	assert_int_equal(fp_tz_load(NULL, "Europe/Berlin", &d, &tz), 0);
	/* 2026-03-29 02:30 does not exist: the gap ends at 01:00 UTC. */
	day = fp_days_from_civil(2026, 3, 29);
	assert_int_equal(fp_tz_local_to_utc(tz, day * 86400 + 9000, &utc), FP_TZ_GAP);
	assert_int_equal(utc, T("2026-03-29T01:00:00Z"));
	/* 2026-10-25 02:30 happens twice: the first is 00:30 UTC. */
	day = fp_days_from_civil(2026, 10, 25);
	assert_int_equal(fp_tz_local_to_utc(tz, day * 86400 + 9000, &utc), FP_TZ_AMBIGUOUS);
	assert_int_equal(utc, T("2026-10-25T00:30:00Z"));
	day = fp_days_from_civil(2026, 12, 2);
	assert_int_equal(fp_tz_local_to_utc(tz, day * 86400 + 9000, &utc), FP_TZ_EXACT);
	assert_int_equal(utc, T("2026-12-02T01:30:00Z"));
	fp_tz_free(tz);
}

static void test_bad_zones(void **state)
{
	static const char *bad[] = { "../etc/passwd", "/etc/localtime", "Europe/../../x",
				     "", "Europe//Berlin", "Europe/.hidden", "a b",
				     "-x" };
	struct fp_tz *tz = NULL;
	struct fp_diag d;

	for (size_t i = 0; i < FP_ARRAY_SIZE(bad); i++) {
		fp_diag_init(&d, NULL);
		assert_int_equal(fp_tz_load(NULL, bad[i], &d, &tz), FP_EINVAL);
		assert_non_null(strstr(d.msg, "invalid time zone name"));
	}
	assert_int_equal(fp_tz_load(NULL, "Mars/Olympus_Mons", &d, &tz), FP_ENOENT);
	assert_string_equal(d.msg, "unknown time zone \"Mars/Olympus_Mons\"");
	assert_int_equal(fp_tz_load(NULL, "Europe", &d, &tz), FP_ENOENT);
	/* UTC works without files. */
	assert_int_equal(fp_tz_load("/nonexistent", "UTC", &d, &tz), 0);
	assert_int_equal(fp_tz_offset(tz, 1796000000, NULL), 0);
	fp_tz_free(tz);
	/* Garbage and truncated TZif data. */
	assert_int_equal(fp_tz_parse("TZif2", 5, "x", &d, &tz), FP_EINVAL);
	assert_int_equal(fp_tz_parse("nope", 4, "x", &d, &tz), FP_EINVAL);
	{
		struct fp_buf b;
		fp_buf_init(&b, 0);
		assert_int_equal(fp_read_file("/usr/share/zoneinfo/Europe/Berlin", &b), 0);
		for (size_t cut = 0; cut < b.len; cut += 7) {
			if (fp_tz_parse(b.data, cut, "x", &d, &tz) == 0)
				fp_tz_free(tz);
		}
		assert_int_equal(fp_tz_parse(b.data, b.len, "x", &d, &tz), 0);
		fp_tz_free(tz);
		fp_buf_release(&b);
	}
	/* A leap-second zone is refused clearly. */
	if (fp_tz_load(NULL, "right/UTC", &d, &tz) == FP_EINVAL)
		assert_non_null(strstr(d.msg, "leap-second"));
	else
		fp_tz_free(tz);
}

static void load_window(struct fp_window *w, const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	struct fp_diag d;

	fp_diag_init(&d, NULL);
	assert_non_null(j);
	fp_window_init(w);
	if (fp_window_from_json(j, NULL, &d, w))
		fail_msg("window %s: %s", json, d.msg);
	json_decref(j);
}

/*
 * One row: a window, a query time, whether it is inside, and the opening
 * fp_window_next returns (the current one when inside).
 */
static const struct win_case {
	const char *window;
	const char *at;
	bool inside;
	const char *open, *close;
} win_cases[] = {
	/* Berlin, ordinary winter night: 02:30 CET = 01:30 UTC. */
	{ "{\"days\":\"daily\",\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-12-02T01:00:00Z", false, "2026-12-02T01:30:00Z", "2026-12-02T03:30:00Z" },
	{ "{\"days\":\"daily\",\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-12-02T01:30:00Z", true, "2026-12-02T01:30:00Z", "2026-12-02T03:30:00Z" },
	{ "{\"days\":\"daily\",\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-12-02T03:30:00Z", false, "2026-12-03T01:30:00Z", "2026-12-03T03:30:00Z" },
	/* Summer: 02:30 CEST = 00:30 UTC. */
	{ "{\"days\":\"daily\",\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-07-01T00:00:00Z", false, "2026-07-01T00:30:00Z", "2026-07-01T02:30:00Z" },
	/* Spring forward 2026-03-29: 02:30 is skipped, opens at 03:00 CEST. */
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-03-28T12:00:00Z", false, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z" },
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-03-29T00:59:59Z", false, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z" },
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-03-29T02:59:59Z", true, "2026-03-29T01:00:00Z", "2026-03-29T03:00:00Z" },
	/* The Sunday after is ordinary CEST. */
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"2h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-03-29T03:00:00Z", false, "2026-04-05T00:30:00Z", "2026-04-05T02:30:00Z" },
	/* Fall back 2026-10-25: 02:30 happens twice; the window opens once, at the first. */
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"1h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-10-24T22:00:00Z", false, "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z" },
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"1h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-10-25T01:30:00Z", false, "2026-11-01T01:30:00Z", "2026-11-01T02:30:00Z" },
	/* Across midnight: Friday 23:00 for 3 h covers Saturday 01:00. */
	{ "{\"days\":[\"fri\"],\"start\":\"23:00\",\"duration\":\"3h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-12-05T00:00:00Z", true, "2026-12-04T22:00:00Z", "2026-12-05T01:00:00Z" },
	{ "{\"days\":[\"fri\"],\"start\":\"23:00\",\"duration\":\"3h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-12-05T01:00:00Z", false, "2026-12-11T22:00:00Z", "2026-12-12T01:00:00Z" },
	/* Across midnight on the fall-back night: Saturday 23:00 CEST + 5h elapsed. */
	{ "{\"days\":[\"sat\"],\"start\":\"23:00\",\"duration\":\"5h\",\"time_zone\":\"Europe/Berlin\"}",
	  "2026-10-25T01:59:00Z", true, "2026-10-24T21:00:00Z", "2026-10-25T02:00:00Z" },
	/* New York spring forward 2026-03-08: 02:30 skipped, opens 03:00 EDT = 07:00 UTC. */
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"90m\",\"time_zone\":\"America/New_York\"}",
	  "2026-03-08T06:00:00Z", false, "2026-03-08T07:00:00Z", "2026-03-08T08:30:00Z" },
	/* New York fall back 2026-11-01: 01:30 twice, first is EDT = 05:30 UTC. */
	{ "{\"days\":[\"sun\"],\"start\":\"01:30\",\"duration\":\"30m\",\"time_zone\":\"America/New_York\"}",
	  "2026-11-01T05:45:00Z", true, "2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z" },
	{ "{\"days\":[\"sun\"],\"start\":\"01:30\",\"duration\":\"30m\",\"time_zone\":\"America/New_York\"}",
	  "2026-11-01T06:45:00Z", false, "2026-11-08T06:30:00Z", "2026-11-08T07:00:00Z" },
	/* Far future, past the file's listed transitions: the footer rule. */
	{ "{\"days\":[\"sun\"],\"start\":\"02:30\",\"duration\":\"1h\",\"time_zone\":\"America/New_York\"}",
	  "2040-03-10T12:00:00Z", false, "2040-03-11T07:00:00Z", "2040-03-11T08:00:00Z" },
	{ "{\"days\":[\"sun\"],\"start\":\"01:30\",\"duration\":\"1h\",\"time_zone\":\"America/New_York\"}",
	  "2040-11-04T00:00:00Z", false, "2040-11-04T05:30:00Z", "2040-11-04T06:30:00Z" },
	/* Weekdays only: Friday evening waits for Monday. */
	{ "{\"days\":\"weekdays\",\"start\":\"09:00\",\"duration\":\"8h\"}",
	  "2026-12-04T18:00:00Z", false, "2026-12-07T09:00:00Z", "2026-12-07T17:00:00Z" },
	/* Daily 24 h: always open. */
	{ "{\"days\":\"daily\",\"start\":\"00:00\",\"duration\":\"1d\",\"time_zone\":\"UTC\"}",
	  "2026-12-04T18:00:00Z", true, "2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z" },
};

static void test_window_table(void **state)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(win_cases); i++) {
		const struct win_case *c = &win_cases[i];
		struct fp_window w;
		int64_t open, close;
		char a[32], b[32];

		load_window(&w, c->window);
		if (fp_window_contains(&w, T(c->at)) != c->inside)
			fail_msg("case %zu: contains(%s) != %d", i, c->at, c->inside);
		assert_int_equal(fp_window_next(&w, T(c->at), &open, &close), 0);
		if (open != T(c->open) || close != T(c->close))
			fail_msg("case %zu at %s: got [%s, %s) want [%s, %s)", i, c->at,
				 fp_time_rfc3339((time_t)open, a),
				 fp_time_rfc3339((time_t)close, b), c->open, c->close);
		fp_window_release(&w);
	}
}

/* Over a whole year, openings come in order, never overlap wrongly, and
 * contains() agrees with next(). */
static void test_window_walk(void **state)
{
	struct fp_window w;
	int64_t t = T("2026-01-01T00:00:00Z"), end = T("2027-01-01T00:00:00Z");
	int64_t open, close, prev_open = 0;
	int n = 0;

	load_window(&w, "{\"days\":[\"sun\",\"wed\"],\"start\":\"02:15\",\"duration\":\"45m\","
			"\"time_zone\":\"America/New_York\"}");
	while (t < end) {
		assert_int_equal(fp_window_next(&w, t, &open, &close), 0);
		assert_true(open > prev_open);
		assert_true(close - open == 45 * 60);
		assert_true(fp_window_contains(&w, open));
		assert_false(fp_window_contains(&w, open - 1));
		assert_false(fp_window_contains(&w, close));
		prev_open = open;
		t = close;
		n++;
	}
	/* 52 Wednesdays and 52 Sundays in 2026, plus 2027's first opening,
	 * found from the last one of 2026. */
	assert_int_equal(n, 105);
	fp_window_release(&w);
}

static void test_window_bad(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"days\":[],\"start\":\"02:00\",\"duration\":\"1h\"}", "days: no days: the window would never open" },
		{ "{\"days\":[\"monday\"],\"start\":\"02:00\",\"duration\":\"1h\"}", "days: element 0 is not one of mon..sun" },
		{ "{\"days\":\"daily\",\"start\":\"24:00\",\"duration\":\"1h\"}", "start: must be HH:MM" },
		{ "{\"days\":\"daily\",\"start\":\"2:00\",\"duration\":\"1h\"}", "start: must be HH:MM" },
		{ "{\"days\":\"daily\",\"start\":\"02:00\",\"duration\":\"0s\"}", "duration: must be at least 1 minute" },
		{ "{\"days\":\"daily\",\"start\":\"02:00\",\"duration\":\"8d\"}", "duration: duration out of range" },
		{ "{\"days\":\"daily\",\"start\":\"02:00\",\"duration\":\"1h\",\"time_zone\":\"Nowhere/City\"}",
		  "time_zone: unknown time zone \"Nowhere/City\"" },
		{ "{\"days\":\"daily\",\"start\":\"02:00\",\"duration\":\"1h\",\"tz\":\"UTC\"}", "tz: unknown field" },
		{ "{\"start\":\"02:00\",\"duration\":\"1h\"}", "days: missing" },
	};
	struct fp_window w;
	struct fp_diag d;
	json_error_t je;
	int64_t o, c;

	for (size_t i = 0; i < FP_ARRAY_SIZE(cases); i++) {
		json_t *j = json_loads(cases[i].json, 0, &je);
		fp_window_init(&w);
		fp_diag_init(&d, NULL);
		assert_non_null(j);
		assert_int_equal(fp_window_from_json(j, NULL, &d, &w), FP_EINVAL);
		if (!strstr(d.msg, cases[i].want))
			fail_msg("case %zu: '%s' want '%s'", i, d.msg, cases[i].want);
		json_decref(j);
	}
	/* Built by hand with no days: never opens, a clear answer, no hang. */
	fp_window_init(&w);
	w.duration = 3600;
	assert_true(fp_window_never_opens(&w));
	assert_int_equal(fp_window_next(&w, 1796000000, &o, &c), FP_ENOENT);
	assert_false(fp_window_contains(&w, 1796000000));
}

static void test_window_json_roundtrip(void **state)
{
	struct fp_window w, w2;
	struct fp_diag d;
	json_t *j;

	load_window(&w, "{\"name\":\"nightly\",\"days\":[\"mon\",\"fri\"],\"start\":\"23:45\","
			"\"duration\":5400,\"time_zone\":\"Europe/Berlin\"}");
	j = fp_window_to_json(&w);
	assert_string_equal(json_string_value(json_object_get(j, "duration")), "1h30m");
	assert_string_equal(json_string_value(json_object_get(j, "start")), "23:45");
	fp_window_init(&w2);
	assert_int_equal(fp_window_from_json(j, NULL, &d, &w2), 0);
	assert_int_equal(w2.days, w.days);
	assert_int_equal(w2.start, w.start);
	assert_int_equal(w2.duration, w.duration);
	assert_string_equal(fp_tz_name(w2.tz), "Europe/Berlin");
	assert_string_equal(w2.name, "nightly");
	json_decref(j);
	fp_window_release(&w);
	fp_window_release(&w2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_offsets_match_libc),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_bad_zones),
		cmocka_unit_test(test_window_table),
		cmocka_unit_test(test_window_walk),
		cmocka_unit_test(test_window_bad),
		cmocka_unit_test(test_window_json_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
