/* SPDX-License-Identifier: MIT */
/* OSV records (https://ossf.github.io/osv-schema/) into the vuln model. */
#include <string.h>

#include "vuln_int.h"

static const char *const event_keys[] = {
	[FP_VULN_EV_INTRODUCED] = "introduced",
	[FP_VULN_EV_FIXED] = "fixed",
	[FP_VULN_EV_LAST_AFFECTED] = "last_affected",
	[FP_VULN_EV_LIMIT] = "limit",
};

/* The next event of the range 'ctx'. */
static int parse_event(struct fp__jx *x, const json_t *ev, void *ctx)
{
	struct fp_vuln_range *range = ctx;
	struct fp_vuln_event *ret = &range->events[range->n_events];
	const char *key;
	json_t *v;
	size_t k;
	int r;

	if ((r = fp__jx_object(x, ev, NULL)))
		return r;
	if (json_object_size(ev) != 1)
		return fp__jx_fail(x, FP_EINVAL, NULL,
				   "an event has exactly one of introduced, "
				   "fixed, last_affected, limit");
	json_object_foreach((json_t *)ev, key, v) {
		for (k = 0; k < 4 && strcmp(key, event_keys[k]); k++)
			;
		if (k == 4)
			return fp__jx_fail(x, FP_EINVAL, key,
					   "unknown event");
		ret->kind = (enum fp_vuln_event_kind)k;
		range->n_events++;
		return fp__jx_strval(x, v, key, FP__JX_TOKEN,
				     FP_VERSION_MAX_LEN, &ret->version);
	}
	return FP_EINTERNAL;
}

/* What the item callbacks of one record add to. */
struct osv {
	struct fp_vuln_feed *feed;
	struct fp_vuln *v;
	struct fp_vuln_affected *aff;
};

/* The next range of the entry; a GIT range is skipped (not compared). */
static int parse_range(struct fp__jx *x, const json_t *rj, void *ctx)
{
	struct osv *o = ctx;
	struct fp_vuln_range *ret = &o->aff->ranges[o->aff->n_ranges];
	const json_t *events;
	const char *type;
	size_t i;
	int r;

	if ((r = fp__jx_object(x, rj, NULL)) ||
	    (r = fp__jx_str(x, rj, "type", true, FP__JX_TOKEN, 32, &type)))
		return r;
	if (!strcmp(type, "GIT")) {
		o->feed->n_skipped++;
		return 0;
	}
	if (!strcmp(type, "ECOSYSTEM"))
		ret->type = FP_VULN_RANGE_ECOSYSTEM;
	else if (!strcmp(type, "SEMVER"))
		ret->type = FP_VULN_RANGE_SEMVER;
	else
		return fp__jx_fail(x, FP_EINVAL, "type",
				   "unknown range type \"%.32s\"", type);
	r = fp__jx_array(x, rj, "events", true, FP_VULN_MAX_EVENTS, &events);
	if (r)
		return r;
	ret->events = fp_arena_calloc(x->arena, json_array_size(events) + 1,
				      sizeof(*ret->events));
	if (!ret->events)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	if ((r = fp__jx_each(x, "events", events, parse_event, ret)))
		return r;
	for (i = 0; i < ret->n_events; i++)
		if (ret->events[i].kind == FP_VULN_EV_INTRODUCED)
			break;
	if (i == ret->n_events)
		return fp__jx_fail(x, FP_EINVAL, "events",
				   "no introduced event");
	if ((r = fp__vuln_range_finish(x, o->aff->eco, ret)))
		return r;
	o->aff->n_ranges++;
	return 0;
}

static int check_versions(struct fp__jx *x, struct fp_vuln_affected *a)
{
	struct fp_diag vd;
	size_t i, old;

	for (i = 0; i < a->n_versions; i++) {
		fp_diag_init(&vd, NULL);
		if (!fp_version_check(a->eco, a->versions[i],
				      strlen(a->versions[i]), &vd))
			continue;
		old = fp__jx_key(x, "versions");
		fp__jx_idx(x, i);
		fp__jx_fail(x, FP_EINVAL, NULL, "invalid %s version: %s",
			    fp_ecosystem_name(a->eco), vd.msg);
		fp__jx_pop(x, old);
		return FP_EINVAL;
	}
	return 0;
}

/* The next affected entry of the record; skipped when its ecosystem is
 * not one fleetpatch compares. */
static int parse_affected(struct fp__jx *x, const json_t *aj, void *ctx)
{
	struct osv *o = ctx;
	struct fp_vuln_affected *ret = &o->v->affected[o->v->n_affected];
	const json_t *pkg, *ranges;
	struct fp__osv_eco oe;
	size_t old;
	int r;

	if ((r = fp__jx_object(x, aj, NULL)))
		return r;
	pkg = json_object_get(aj, "package");
	if (!pkg || json_is_null(pkg)) {
		o->feed->n_skipped++; /* a GIT-only entry names no package */
		return 0;
	}
	old = fp__jx_key(x, "package");
	if (!(r = fp__jx_object(x, pkg, NULL)) &&
	    !(r = fp__jx_str(x, pkg, "ecosystem", true, FP__JX_LINE,
			     FP_VULN_MAX_NAME, &ret->ecosystem)))
		r = fp__jx_str(x, pkg, "name", true, FP__JX_TOKEN,
			       FP_VULN_MAX_NAME, &ret->name);
	if (!r) {
		r = fp__vuln_osv_ecosystem(x->arena, ret->ecosystem, &oe);
		if (r == FP_ENOMEM)
			fp__jx_fail(x, r, NULL, "out of memory");
	}
	fp__jx_pop(x, old);
	if (r == FP_EUNSUPPORTED) {
		o->feed->n_skipped++;
		return 0;
	}
	if (r)
		return r;
	ret->eco = oe.eco;
	ret->dist = oe.dist;
	ret->name_kind = oe.name_kind;
	ret->status = FP_VULN_ST_RANGES;

	r = fp__jx_array(x, aj, "ranges", false, FP_VULN_MAX_RANGES, &ranges);
	if (r)
		return r;
	if (ranges && json_array_size(ranges)) {
		ret->ranges = fp_arena_calloc(x->arena, json_array_size(ranges),
					      sizeof(*ret->ranges));
		if (!ret->ranges)
			return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
		o->aff = ret;
		if ((r = fp__jx_each(x, "ranges", ranges, parse_range, o)))
			return r;
	}
	r = fp__jx_strlist(x, aj, "versions", FP_VERSION_MAX_LEN,
			   &ret->versions, &ret->n_versions);
	if (r || (r = check_versions(x, ret)))
		return r;
	o->v->n_affected++;
	return 0;
}

/* The first severity score, preferring a vendor's word ("medium") over a
 * CVSS vector. */
static int parse_severity(struct fp__jx *x, const json_t *rec,
			  const char **ret)
{
	const json_t *arr, *s;
	const char *score = NULL, *type;
	size_t i, old;
	int r;

	*ret = NULL;
	r = fp__jx_array(x, rec, "severity", false, FP_VULN_MAX_RANGES, &arr);
	if (r || !arr)
		return r;
	old = fp__jx_key(x, "severity");
	json_array_foreach(arr, i, s) {
		size_t o2 = fp__jx_idx(x, i);

		if (!(r = fp__jx_object(x, s, NULL)) &&
		    !(r = fp__jx_str(x, s, "type", true, FP__JX_TOKEN, 64,
				     &type)))
			r = fp__jx_str(x, s, "score", true, FP__JX_LINE, 256,
				       &score);
		fp__jx_pop(x, o2);
		if (r)
			return r;
		if (!*ret || strncmp(type, "CVSS", 4))
			*ret = score;
		if (strncmp(type, "CVSS", 4))
			break;
	}
	fp__jx_pop(x, old);
	return 0;
}

/* aliases, upstream and related, one list. */
static int parse_aliases(struct fp__jx *x, const json_t *rec,
			 struct fp_vuln *v)
{
	static const char *const keys[] = { "aliases", "upstream", "related" };
	const char **lists[3];
	size_t ns[3], total = 0, k;
	int r;

	for (k = 0; k < 3; k++) {
		r = fp__jx_strlist(x, rec, keys[k], FP_VULN_MAX_ID, &lists[k],
				   &ns[k]);
		if (r)
			return r;
		total += ns[k];
	}
	v->aliases = fp_arena_calloc(x->arena, total + 1, sizeof(*v->aliases));
	if (!v->aliases)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	for (k = 0; k < 3; k++) {
		if (ns[k])
			memcpy(v->aliases + v->n_aliases, lists[k],
			       ns[k] * sizeof(*lists[k]));
		v->n_aliases += ns[k];
	}
	return 0;
}

static int parse_record(struct fp__jx *x, const json_t *rec,
			struct fp_vuln_feed *feed, struct fp_vuln *v)
{
	struct osv o = { feed, v, NULL };
	const json_t *affected;
	int r;

	if ((r = fp__jx_object(x, rec, NULL)) ||
	    (r = fp__jx_str(x, rec, "id", true, FP__JX_TOKEN, FP_VULN_MAX_ID,
			    &v->id)) ||
	    (r = fp__jx_time(x, rec, "modified", true, &v->modified)) ||
	    (r = fp__jx_time(x, rec, "published", false, &v->published)) ||
	    (r = fp__jx_time(x, rec, "withdrawn", false, &v->withdrawn)) ||
	    (r = fp__jx_str(x, rec, "summary", false, FP__JX_TEXT,
			    FP_VULN_MAX_TEXT, &v->summary)) ||
	    (r = parse_severity(x, rec, &v->severity)) ||
	    (r = parse_aliases(x, rec, v)))
		return r;
	if (fp__vuln_collect_cves(x->arena, v))
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	r = fp__jx_array(x, rec, "affected", false, FP_VULN_MAX_AFFECTED,
			 &affected);
	if (r || !affected || !json_array_size(affected))
		return r;
	v->affected = fp_arena_calloc(x->arena, json_array_size(affected),
				      sizeof(*v->affected));
	if (!v->affected)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	return fp__jx_each(x, "affected", affected, parse_affected, &o);
}

static int osv(struct fp__jx *x, const json_t *j, struct fp_vuln_feed *feed)
{
	return fp__vuln_records(x, j, feed, parse_record);
}

int fp_vuln_parse_osv(const char *buf, size_t len, const char *name,
		      struct fp_vuln_feed **ret_feed, struct fp_diag *diag)
{
	return fp__vuln_parse_feed(buf, len, name, osv, ret_feed, diag);
}
