/* SPDX-License-Identifier: MIT */
/* Maintenance windows: weekly openings in a time zone (window.h). */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "fleetpatch/window.h"
#include "rmath.h"
#include "rjson.h"

static const char *const day_names[] = { "mon", "tue", "wed", "thu",
					 "fri", "sat", "sun" };

void fp_window_init(struct fp_window *w)
{
	memset(w, 0, sizeof(*w));
}

void fp_window_release(struct fp_window *w)
{
	if (!w)
		return;
	fp_tz_free(w->tz);
	fp_window_init(w);
}

bool fp_window_never_opens(const struct fp_window *w)
{
	return (w->days & 0x7f) == 0 || w->duration <= 0;
}

/* The UTC instant the opening of local day 'day' starts. */
static int64_t opening_of(const struct fp_window *w, int64_t day)
{
	int64_t utc;

	fp_tz_local_to_utc(w->tz, day * 86400 + w->start, &utc);
	return utc;
}

int fp_window_next(const struct fp_window *w, int64_t t, int64_t *ret_open,
		   int64_t *ret_close)
{
	int64_t today, back;

	if (fp_window_never_opens(w))
		return FP_ENOENT;
	today = fp__floor_div(t + fp_tz_offset(w->tz, t, NULL), 86400);
	back = w->duration / 86400 + 2;
	/* Openings are in time order by day, so the first that ends after t
	 * is the current one or the next. */
	for (int64_t day = today - back; day <= today + 16; day++) {
		int64_t open;
		if (!(w->days & (1u << fp_weekday_from_days(day))))
			continue;
		open = opening_of(w, day);
		if (open + w->duration > t) {
			*ret_open = open;
			*ret_close = open + w->duration;
			return 0;
		}
	}
	return FP_ENOENT; /* not reached with a non-empty day set */
}

bool fp_window_contains(const struct fp_window *w, int64_t t)
{
	int64_t open, close;

	return fp_window_next(w, t, &open, &close) == 0 && open <= t &&
	       t < close;
}

static int parse_days(const json_t *v, struct fp_diag *d, unsigned *ret)
{
	unsigned days = 0;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (strcmp(s, "daily") == 0)
			days = 0x7f;
		else if (strcmp(s, "weekdays") == 0)
			days = 0x1f;
		else if (strcmp(s, "weekends") == 0)
			days = 0x60;
		else
			return fp__rj_fail(d, FP_EINVAL, NULL, "days",
					   "must be a list of mon..sun or daily, weekdays, weekends");
	} else if (json_is_array(v) && json_array_size(v) <= 7) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *s = json_string_value(json_array_get(v, i));
			size_t k;
			for (k = 0; s && k < 7; k++)
				if (strcmp(s, day_names[k]) == 0)
					break;
			if (!s || k == 7)
				return fp__rj_fail(d, FP_EINVAL, NULL, "days",
						   "element %zu is not one of mon..sun",
						   i);
			days |= 1u << k;
		}
	} else {
		return fp__rj_fail(d, FP_EINVAL, NULL, "days",
				   "must be a list of mon..sun or daily, weekdays, weekends");
	}
	if (!days)
		return fp__rj_fail(d, FP_EINVAL, NULL, "days",
				   "no days: the window would never open");
	*ret = days;
	return 0;
}

static int parse_hhmm(const char *s, int32_t *ret)
{
	int h, m;
	char tail;

	if (!s || strlen(s) != 5 || s[2] != ':' ||
	    sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 23 ||
	    m < 0 || m > 59 || s[0] < '0' || s[0] > '9' || s[3] < '0' ||
	    s[3] > '9')
		return FP_EINVAL;
	*ret = h * 3600 + m * 60;
	return 0;
}

int fp_window_from_json(const json_t *j, const char *zoneinfo_dir,
			struct fp_diag *d, struct fp_window *w)
{
	static const char *const keys[] = { "name", "days", "start", "duration",
					    "time_zone", NULL };
	struct fp_window tmp;
	const char *name = NULL, *start = NULL, *zone = "UTC";
	const json_t *days;
	int rc;

	fp_window_init(&tmp);
	if ((rc = fp__rj_object(j, "", d)) || (rc = fp__rj_only(j, "", keys, d)) ||
	    (rc = fp__rj_str(j, "name", NULL, false, FP_WINDOW_NAME_MAX, NULL,
			     d, &name)) ||
	    (rc = fp__rj_str(j, "start", NULL, true, 5, NULL, d, &start)) ||
	    (rc = fp__rj_duration(j, "duration", NULL, true,
				  FP_WINDOW_MAX_DURATION, d, &tmp.duration)) ||
	    (rc = fp__rj_str(j, "time_zone", NULL, false, FP_TZ_NAME_MAX, NULL,
			     d, &zone)))
		return rc;
	days = json_object_get(j, "days");
	if (!days)
		return fp__rj_fail(d, FP_EINVAL, NULL, "days", "missing");
	if ((rc = parse_days(days, d, &tmp.days)))
		return rc;
	if (parse_hhmm(start, &tmp.start))
		return fp__rj_fail(d, FP_EINVAL, NULL, "start",
				   "must be HH:MM (00:00 to 23:59)");
	if (tmp.duration < 60)
		return fp__rj_fail(d, FP_EINVAL, NULL, "duration",
				   "must be at least 1 minute");
	if (name)
		snprintf(tmp.name, sizeof(tmp.name), "%s", name);
	rc = fp_tz_load(zoneinfo_dir, zone, d, &tmp.tz);
	if (rc == FP_ENOENT)
		rc = FP_EINVAL; /* an unknown zone is bad input here */
	if (rc) {
		char msg[sizeof(d->msg)];
		if (d) {
			snprintf(msg, sizeof(msg), "%s", d->msg);
			fp__rj_fail(d, rc, NULL, "time_zone", "%s", msg);
		}
		return rc;
	}
	fp_window_release(w);
	*w = tmp;
	return 0;
}

json_t *fp_window_to_json(const struct fp_window *w)
{
	json_t *o = json_object(), *days = json_array();
	char start[16], dur[32];
	int bad = !o || !days;

	for (unsigned k = 0; !bad && k < 7; k++)
		if (w->days & (1u << k))
			bad |= json_array_append_new(days,
						     json_string(day_names[k]));
	snprintf(start, sizeof(start), "%02u:%02u", (unsigned)w->start / 3600 % 24,
		 (unsigned)w->start / 60 % 60);
	fp__rj_duration_text(w->duration, dur);
	if (bad) {
		json_decref(days);
		json_decref(o);
		return NULL;
	}
	if (w->name[0])
		bad |= json_object_set_new(o, "name", json_string(w->name));
	bad |= json_object_set_new(o, "days", days);
	bad |= json_object_set_new(o, "start", json_string(start));
	bad |= json_object_set_new(o, "duration", json_string(dur));
	bad |= json_object_set_new(o, "time_zone",
				   json_string(fp_tz_name(w->tz)));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}
