/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_WINDOW_H
#define FLEETPATCH_WINDOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/err.h"

/*
 * Time zones and maintenance windows.
 *
 * Time zones come from the system tz database (TZif files under
 * /usr/share/zoneinfo), read by our own bounded parser rather than
 * through setenv("TZ") + tzset() + localtime_r(): TZ is process-global,
 * so a server judging windows in many zones at once from several threads
 * would race on it, and a parser of our own can be fuzzed.  The parser
 * reads TZif versions 1-4 (RFC 8536), uses the 64-bit data when present,
 * and evaluates the POSIX TZ footer rule for times after the last listed
 * transition (Debian ships "slim" files that rely on it).  Leap-second
 * ("right/") zones are refused.
 */

struct fp_tz;

#define FP_TZ_MAX_FILE ((size_t)256 << 10)
#define FP_TZ_NAME_MAX 64

/*
 * Parse TZif bytes.  'name' labels the zone (copied; may be NULL).
 * FP_EINVAL with the reason in diag for anything malformed.
 */
int fp_tz_parse(const void *data, size_t len, const char *name,
		struct fp_diag *diag, struct fp_tz **ret_tz);

/*
 * Load a zone by IANA name ("Europe/Berlin", "UTC") from 'dir' (NULL:
 * /usr/share/zoneinfo).  Names are checked first: components of
 * [A-Za-z0-9_+-], no "." or ".." parts, at most FP_TZ_NAME_MAX bytes.
 * FP_ENOENT for an unknown zone.  "UTC" works even without the files.
 */
int fp_tz_load(const char *dir, const char *name, struct fp_diag *diag,
	       struct fp_tz **ret_tz);

void fp_tz_free(struct fp_tz *tz);

/* The zone's name as given to parse/load ("" when none). */
const char *fp_tz_name(const struct fp_tz *tz);

/* UTC offset (seconds east) in effect at UTC time t; DST flag optional. */
int32_t fp_tz_offset(const struct fp_tz *tz, int64_t t, bool *ret_isdst);

/* How a local wall time maps to UTC. */
enum fp_tz_local {
	FP_TZ_EXACT = 0,     /* exactly one instant */
	FP_TZ_AMBIGUOUS = 1, /* repeated hour (fall back): the earlier one */
	FP_TZ_GAP = 2,       /* skipped hour (spring forward): the instant the
				gap ends, i.e. the first existing time after */
};

/*
 * Local wall time (seconds since 1970-01-01 00:00 local, as if the zone
 * were UTC) to a UTC instant.  Returns one of enum fp_tz_local.
 */
int fp_tz_local_to_utc(const struct fp_tz *tz, int64_t local,
		       int64_t *ret_utc);

/* Civil-date helpers on days since 1970-01-01 (proleptic Gregorian). */
int64_t fp_days_from_civil(int64_t y, unsigned m, unsigned d);
void fp_civil_from_days(int64_t z, int64_t *ret_y, unsigned *ret_m,
			unsigned *ret_d);
/* 0 = Monday ... 6 = Sunday (ISO 8601). */
unsigned fp_weekday_from_days(int64_t z);

/*
 * A maintenance window: a weekly recurring opening.
 *
 * JSON: {"name": "nightly", "days": ["mon","tue","wed","thu","fri"],
 *        "start": "02:30", "duration": "2h", "time_zone": "Europe/Berlin"}
 * "days" may also be "daily" or "weekdays" or "weekends".  "duration"
 * is a duration string or seconds, 1 minute to 7 days.
 *
 * Semantics, the decisions DST forces:
 * - An opening happens on each listed day (the day it *opens*; a window
 *   from 23:00 for 3 hours runs across midnight into the next day) at the
 *   local wall time 'start', and lasts 'duration' of real elapsed time.
 * - Spring forward: if 'start' falls in the skipped hour (02:30 on the
 *   last Sunday of March in Berlin) the window opens when the gap ends
 *   (03:00 CEST) and still lasts 'duration'.
 * - Fall back: if 'start' falls in the repeated hour, the window opens at
 *   the first occurrence, once.
 * - A window with no days never opens: fp_window_from_json refuses it,
 *   and fp_window_next answers FP_ENOENT for one built by hand.
 */
#define FP_WINDOW_NAME_MAX 64
#define FP_WINDOW_MAX_DURATION ((int64_t)7 * 86400)

struct fp_window {
	char name[FP_WINDOW_NAME_MAX + 1];
	unsigned days;    /* bit 0 = Monday ... bit 6 = Sunday */
	int32_t start;    /* seconds after local midnight, 0..86399 */
	int64_t duration; /* seconds */
	struct fp_tz *tz; /* owned; NULL means UTC */
};

void fp_window_init(struct fp_window *w);
void fp_window_release(struct fp_window *w);

/*
 * Decode and validate; loads the zone from 'zoneinfo_dir' (NULL: the
 * system's).  'w' is fp_window_init'ed and replaced only on success.
 */
int fp_window_from_json(const json_t *j, const char *zoneinfo_dir,
			struct fp_diag *diag, struct fp_window *w);
json_t *fp_window_to_json(const struct fp_window *w);

bool fp_window_never_opens(const struct fp_window *w);

/*
 * The opening that contains t, or else the next one after t:
 * [*ret_open, *ret_close).  FP_ENOENT when the window never opens.
 */
int fp_window_next(const struct fp_window *w, int64_t t, int64_t *ret_open,
		   int64_t *ret_close);

/* Is t inside an opening? (false for a window that never opens) */
bool fp_window_contains(const struct fp_window *w, int64_t t);

#endif
