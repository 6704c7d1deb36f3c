/* SPDX-License-Identifier: MIT */
/* JSON walking with paths, feeds, ranges: shared by the vuln parsers. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "vuln_int.h"

/* A feed's arena may not grow past this (a whole Debian tracker dump
 * takes a few hundred MiB). */
#define FEED_ARENA_CAP ((size_t)2 << 30)
#define FEED_ARENA_CHUNK ((size_t)256 << 10)

void fp__jx_init(struct fp__jx *x, struct fp_arena *a, struct fp_diag *d)
{
	x->diag = d;
	x->arena = a;
	x->len = 0;
	x->path[0] = '\0';
}

static size_t jx_append(struct fp__jx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t jx_append(struct fp__jx *x, const char *fmt, ...)
{
	size_t old = x->len, room = sizeof(x->path) - x->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->path + x->len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		x->path[old] = '\0';
	else
		x->len += (size_t)n < room ? (size_t)n : room - 1;
	return old;
}

size_t fp__jx_key(struct fp__jx *x, const char *key)
{
	return jx_append(x, "%s%s", x->len ? "." : "", key);
}

size_t fp__jx_idx(struct fp__jx *x, size_t i)
{
	return jx_append(x, "[%zu]", i);
}

void fp__jx_pop(struct fp__jx *x, size_t old)
{
	x->len = old;
	x->path[old] = '\0';
}

int fp__jx_fail(struct fp__jx *x, int err, const char *key, const char *fmt,
		...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (key)
		return fp_diag_set(x->diag, err, 0, 0, "%s%s%s: %s", x->path,
				   x->len ? "." : "", key, what);
	return fp_diag_set(x->diag, err, 0, 0, "%s: %s",
			   x->len ? x->path : "top level", what);
}

static bool text_ok(const char *s, size_t len, enum fp__jx_kind kind)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0)
			return false;
		if (kind == FP__JX_TEXT)
			continue;
		if (c < 0x20 || c == 0x7f)
			return false;
		if (kind == FP__JX_TOKEN && c == ' ')
			return false;
	}
	return true;
}

int fp__jx_text(struct fp__jx *x, const char *s, size_t len, const char *key,
		enum fp__jx_kind kind, size_t max, const char **ret)
{
	char *copy;

	if (len > max)
		return fp__jx_fail(x, FP_ETOOBIG, key,
				   "string of %zu bytes, longer than %zu", len,
				   max);
	if (kind != FP__JX_TEXT && len == 0)
		return fp__jx_fail(x, FP_EINVAL, key, "empty string");
	if (!text_ok(s, len, kind))
		return fp__jx_fail(x, FP_EINVAL, key,
				   kind == FP__JX_TOKEN
					   ? "spaces or control characters in string"
					   : "control characters in string");
	copy = fp_arena_strndup(x->arena, s, len);
	if (!copy)
		return fp__jx_fail(x, FP_ENOMEM, key, "out of memory");
	*ret = copy;
	return 0;
}

int fp__jx_strval(struct fp__jx *x, const json_t *v, const char *key,
		  enum fp__jx_kind kind, size_t max, const char **ret)
{
	if (!json_is_string(v))
		return fp__jx_fail(x, FP_EINVAL, key, "expected a string");
	return fp__jx_text(x, json_string_value(v), json_string_length(v), key,
			   kind, max, ret);
}

int fp__jx_str(struct fp__jx *x, const json_t *obj, const char *key,
	       bool required, enum fp__jx_kind kind, size_t max,
	       const char **ret)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		if (required)
			return fp__jx_fail(x, FP_EINVAL, key, "missing");
		*ret = NULL;
		return 0;
	}
	return fp__jx_strval(x, v, key, kind, max, ret);
}

int fp__jx_object(struct fp__jx *x, const json_t *v, const char *key)
{
	if (!json_is_object(v))
		return fp__jx_fail(x, FP_EINVAL, key, "expected an object");
	return 0;
}

int fp__jx_array(struct fp__jx *x, const json_t *obj, const char *key,
		 bool required, size_t max, const json_t **ret)
{
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v)) {
		if (required)
			return fp__jx_fail(x, FP_EINVAL, key, "missing");
		*ret = NULL;
		return 0;
	}
	if (!json_is_array(v))
		return fp__jx_fail(x, FP_EINVAL, key, "expected an array");
	if (json_array_size(v) > max)
		return fp__jx_fail(x, FP_ETOOBIG, key,
				   "%zu items, more than %zu",
				   json_array_size(v), max);
	*ret = v;
	return 0;
}

int fp__jx_each(struct fp__jx *x, const char *key, const json_t *arr,
		fp__jx_item_fn *fn, void *ctx)
{
	size_t i, old = fp__jx_key(x, key);
	const json_t *item;
	int r = 0;

	json_array_foreach(arr, i, item) {
		size_t o2 = fp__jx_idx(x, i);

		r = fn(x, item, ctx);
		fp__jx_pop(x, o2);
		if (r)
			break;
	}
	fp__jx_pop(x, old);
	return r;
}

int fp__jx_time(struct fp__jx *x, const json_t *obj, const char *key,
		bool required, time_t *ret)
{
	const char *s;
	time_t t;
	int r;

	r = fp__jx_str(x, obj, key, required, FP__JX_TOKEN, 64, &s);
	if (r)
		return r;
	if (!s) {
		*ret = 0;
		return 0;
	}
	if (fp_time_parse_rfc3339(s, &t))
		return fp__jx_fail(x, FP_EINVAL, key,
				   "not an RFC 3339 time: %.64s", s);
	*ret = t;
	return 0;
}

int fp__jx_strlist(struct fp__jx *x, const json_t *obj, const char *key,
		   size_t maxlen, const char ***ret, size_t *ret_n)
{
	const json_t *arr, *v;
	const char **list = NULL;
	size_t i, old;
	int r;

	r = fp__jx_array(x, obj, key, false, FP_VULN_MAX_LIST, &arr);
	if (r)
		return r;
	if (arr && json_array_size(arr)) {
		list = fp_arena_calloc(x->arena, json_array_size(arr),
				       sizeof(*list));
		if (!list)
			return fp__jx_fail(x, FP_ENOMEM, key, "out of memory");
		old = fp__jx_key(x, key);
		json_array_foreach(arr, i, v) {
			size_t o2 = fp__jx_idx(x, i);
			r = fp__jx_strval(x, v, NULL, FP__JX_TOKEN, maxlen,
					  &list[i]);
			fp__jx_pop(x, o2);
			if (r)
				return r;
		}
		fp__jx_pop(x, old);
	}
	*ret = list;
	*ret_n = arr ? json_array_size(arr) : 0;
	return 0;
}

int fp__vuln_input_check(size_t len, const char *name, struct fp_diag *d)
{
	fp_diag_init(d, name);
	if (len > FP_VULN_MAX_INPUT)
		return fp_diag_set(d, FP_ETOOBIG, 0, 0,
				   "input of %zu bytes, more than %zu", len,
				   FP_VULN_MAX_INPUT);
	return 0;
}

int fp__vuln_json_load(const char *buf, size_t len, const char *name,
		       struct fp_diag *d, json_t **ret)
{
	int r = fp__vuln_input_check(len, name, d);
	json_error_t je;
	json_t *j;

	if (r)
		return r;
	j = json_loadb(buf, len, JSON_DECODE_ANY, &je);
	if (!j)
		return fp_diag_set(d, FP_EINVAL, je.line > 0 ? (unsigned long)je.line : 0,
				   je.column > 0 ? (unsigned long)je.column : 0,
				   "invalid JSON: %s", je.text);
	*ret = j;
	return 0;
}

int fp__vuln_feed_new(struct fp_vuln_feed **ret)
{
	struct fp_vuln_feed *f = fp_calloc(1, sizeof(*f));

	if (!f)
		return FP_ENOMEM;
	fp_arena_init(&f->arena, FEED_ARENA_CHUNK, FEED_ARENA_CAP);
	*ret = f;
	return 0;
}

int fp__vuln_parse_feed(const char *buf, size_t len, const char *name,
			fp__vuln_feed_fn *fn, struct fp_vuln_feed **ret_feed,
			struct fp_diag *diag)
{
	struct fp_vuln_feed *feed = NULL;
	struct fp__jx x;
	json_t *j;
	int r;

	r = fp__vuln_json_load(buf, len, name, diag, &j);
	if (r)
		return r;
	r = fp__vuln_feed_new(&feed);
	if (r) {
		fp_diag_set(diag, r, 0, 0, "out of memory");
		goto out_json;
	}
	fp__jx_init(&x, &feed->arena, diag);
	r = fn(&x, j, feed);
	if (r)
		goto out_feed;
	*ret_feed = feed;
	feed = NULL;
out_feed:
	fp_vuln_feed_free(feed);
out_json:
	json_decref(j);
	return r;
}

int fp__vuln_records(struct fp__jx *x, const json_t *j,
		     struct fp_vuln_feed *feed, fp__vuln_record_fn *fn)
{
	size_t n = json_is_array(j) ? json_array_size(j) : 1, i;
	int r;

	if (!json_is_array(j) && !json_is_object(j))
		return fp__jx_fail(x, FP_EINVAL, NULL,
				   "expected a record or an array of them");
	if (n > FP_VULN_MAX_RECORDS)
		return fp__jx_fail(x, FP_ETOOBIG, NULL,
				   "%zu records, more than %d", n,
				   FP_VULN_MAX_RECORDS);
	feed->vulns = fp_arena_calloc(x->arena, n ? n : 1, sizeof(*feed->vulns));
	if (!feed->vulns)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	for (i = 0; i < n; i++) {
		if (json_is_array(j))
			fp__jx_idx(x, i);
		r = fn(x, json_is_array(j) ? json_array_get(j, i) : j, feed,
		       &feed->vulns[i]);
		fp__jx_pop(x, 0);
		if (r)
			return r;
		feed->n_vulns++;
	}
	return 0;
}

void fp_vuln_feed_free(struct fp_vuln_feed *feed)
{
	if (!feed)
		return;
	fp_arena_release(&feed->arena);
	fp_free(feed);
}

static const char *const event_names[] = {
	[FP_VULN_EV_INTRODUCED] = "introduced",
	[FP_VULN_EV_FIXED] = "fixed",
	[FP_VULN_EV_LAST_AFFECTED] = "last_affected",
	[FP_VULN_EV_LIMIT] = "limit",
};

static bool is_open_bound(const struct fp_vuln_event *e)
{
	return (e->kind == FP_VULN_EV_INTRODUCED && !strcmp(e->version, "0")) ||
	       (e->kind == FP_VULN_EV_LIMIT && !strcmp(e->version, "*"));
}

/* -1, 0, 1 with introduced "0" lowest and limit "*" highest. */
static int event_cmp(enum fp_ecosystem eco, const struct fp_vuln_event *a,
		     const struct fp_vuln_event *b)
{
	bool az = a->kind == FP_VULN_EV_INTRODUCED && !strcmp(a->version, "0");
	bool bz = b->kind == FP_VULN_EV_INTRODUCED && !strcmp(b->version, "0");
	bool ainf = a->kind == FP_VULN_EV_LIMIT && !strcmp(a->version, "*");
	bool binf = b->kind == FP_VULN_EV_LIMIT && !strcmp(b->version, "*");
	int c = 0;

	if (az || binf)
		return (az && bz) || (ainf && binf) ? 0 : -1;
	if (bz || ainf)
		return 1;
	/* Both were checked valid already. */
	if (fp_version_compare(eco, a->version, b->version, &c, NULL))
		return 0;
	return c;
}

int fp__vuln_range_finish(struct fp__jx *x, enum fp_ecosystem eco,
			  struct fp_vuln_range *r)
{
	enum fp_ecosystem ceco = fp__vuln_range_eco(eco, r);
	struct fp_vuln_event *tmp;
	struct fp_diag vd;
	size_t i, w, lo, old;

	for (i = 0; i < r->n_events; i++) {
		const struct fp_vuln_event *e = &r->events[i];

		if (is_open_bound(e))
			continue;
		fp_diag_init(&vd, NULL);
		if (fp_version_check(ceco, e->version, strlen(e->version),
				     &vd)) {
			old = fp__jx_key(x, "events");
			fp__jx_idx(x, i);
			fp__jx_fail(x, FP_EINVAL, event_names[e->kind],
				    "invalid %s version \"%.64s\": %s",
				    fp_ecosystem_name(ceco), e->version, vd.msg);
			fp__jx_pop(x, old);
			return FP_EINVAL;
		}
	}
	/* A stable merge sort (ties keep feed order) with the ecosystem's
	 * compare, which qsort() cannot carry; n log n even for hostile
	 * ranges of FP_VULN_MAX_EVENTS. */
	tmp = fp_arena_calloc(x->arena, r->n_events + 1, sizeof(*tmp));
	if (!tmp)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	for (w = 1; w < r->n_events; w *= 2) {
		for (lo = 0; lo < r->n_events; lo += 2 * w) {
			size_t mid = lo + w < r->n_events ? lo + w : r->n_events;
			size_t hi = mid + w < r->n_events ? mid + w : r->n_events;
			size_t a = lo, b = mid, k = lo;

			while (a < mid || b < hi)
				tmp[k++] = b >= hi || (a < mid &&
						       event_cmp(ceco, &r->events[a],
								 &r->events[b]) <= 0)
						   ? r->events[a++]
						   : r->events[b++];
		}
		memcpy(r->events, tmp, r->n_events * sizeof(*tmp));
	}
	return 0;
}

/* The CVE id an id names: "CVE-2021-3782" itself, or the CVE inside a
 * distribution's "UBUNTU-CVE-2021-3782"; NULL otherwise. */
static const char *cve_of(const char *s)
{
	const char *p = strstr(s, "CVE-");

	if (!p || (p != s && p[-1] != '-') || p[4] < '0' || p[4] > '9')
		return NULL;
	return p;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int fp__vuln_collect_cves(struct fp_arena *a, struct fp_vuln *v)
{
	size_t n = 0, i, j;
	const char **out;

	out = fp_arena_calloc(a, v->n_aliases + 1, sizeof(*out));
	if (!out)
		return FP_ENOMEM;
	for (i = 0; i <= v->n_aliases; i++) {
		const char *id = cve_of(i == 0 ? v->id : v->aliases[i - 1]);

		if (id)
			out[n++] = id;
	}
	/* Sorted, then unique: a hostile list of many ids stays n log n. */
	if (n > 1)
		qsort(out, n, sizeof(*out), str_cmp);
	for (i = j = 0; i < n; i++)
		if (!j || strcmp(out[j - 1], out[i]))
			out[j++] = out[i];
	v->cves = out;
	v->n_cves = j;
	return 0;
}

/* CVE-YYYY-NNNN with 4 to 19 digits, as the catalog's schema says. */
bool fp__vuln_is_cve_id(const char *s)
{
	size_t i, n = 0;

	if (strncmp(s, "CVE-", 4))
		return false;
	for (i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if (s[8] != '-')
		return false;
	for (i = 9; s[i] >= '0' && s[i] <= '9'; i++)
		n++;
	return !s[i] && n >= 4 && n <= 19;
}

size_t fp__vuln_sort_unique(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	char *p = base;

	if (n < 2)
		return SIZE_MAX;
	qsort(base, n, size, cmp);
	for (size_t i = 1; i < n; i++)
		if (!cmp(p + (i - 1) * size, p + i * size))
			return i;
	return SIZE_MAX;
}
