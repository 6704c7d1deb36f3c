/* SPDX-License-Identifier: MIT */
/*
 * Debian's vulnerability data: the security tracker JSON
 * (security-tracker.debian.org/tracker/data/json), DSA records as
 * vuln-list keeps them, and normalised per-release records (vunnel's
 * "debian:12" form).  All keyed by source package.
 */
#include <ctype.h>
#include <string.h>

#include "vuln_int.h"

int fp__vuln_set_fix(struct fp__jx *x, struct fp_vuln_affected *aff,
		     const char *key, const char *fixed)
{
	struct fp_vuln_event *ev;
	struct fp_diag vd;

	if (!fixed) {
		aff->status = FP_VULN_ST_OPEN;
		return 0;
	}
	if (!strcmp(fixed, "0")) {
		aff->status = FP_VULN_ST_NOT_AFFECTED;
		return 0;
	}
	fp_diag_init(&vd, NULL);
	if (fp_version_check(aff->eco, fixed, strlen(fixed), &vd))
		return fp__jx_fail(x, FP_EINVAL, key,
				   "invalid %s version \"%.64s\": %s",
				   fp_ecosystem_name(aff->eco), fixed, vd.msg);
	aff->ranges = fp_arena_calloc(x->arena, 1, sizeof(*aff->ranges));
	ev = fp_arena_calloc(x->arena, 2, sizeof(*ev));
	if (!aff->ranges || !ev)
		return fp__jx_fail(x, FP_ENOMEM, key, "out of memory");
	ev[0] = (struct fp_vuln_event){ FP_VULN_EV_INTRODUCED, "0" };
	ev[1] = (struct fp_vuln_event){ FP_VULN_EV_FIXED, fixed };
	aff->ranges[0] = (struct fp_vuln_range){ FP_VULN_RANGE_ECOSYSTEM, ev, 2 };
	aff->n_ranges = 1;
	aff->status = FP_VULN_ST_RANGES;
	return 0;
}

int fp__vuln_debian_dist(struct fp__jx *x, const char *release,
			 struct fp_vuln_affected *aff)
{
	const char *num = fp_vuln_debian_release(release);
	size_t n = strlen("debian:") + strlen(num ? num : release) + 1;
	char *dist = fp_arena_alloc(x->arena, n);

	if (!dist)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	memcpy(dist, "debian:", 7);
	memcpy(dist + 7, num ? num : release, n - 7);
	aff->eco = FP_ECO_DEB;
	aff->ecosystem = release;
	aff->dist = dist;
	aff->name_kind = FP_VULN_NAME_SOURCE;
	return 0;
}

/* ---- the security tracker ------------------------------------------------ */

/* One release of one (package, CVE). */
static int tracker_release(struct fp__jx *x, const char *pkg,
			   const char *relname, const json_t *rj,
			   struct fp_vuln_affected *aff)
{
	const char *status, *fixed, *release;
	int r;

	if ((r = fp__jx_text(x, relname, strlen(relname), NULL, FP__JX_TOKEN,
			     FP_VULN_MAX_NAME, &release)) ||
	    (r = fp__jx_object(x, rj, NULL)) ||
	    (r = fp__jx_str(x, rj, "status", true, FP__JX_TOKEN, 32,
			    &status)) ||
	    (r = fp__jx_str(x, rj, "fixed_version", false, FP__JX_TOKEN,
			    FP_VERSION_MAX_LEN, &fixed)) ||
	    (r = fp__jx_str(x, rj, "urgency", false, FP__JX_LINE, 64,
			    &aff->severity)) ||
	    (r = fp__vuln_debian_dist(x, release, aff)))
		return r;
	aff->name = pkg;
	if (!strcmp(status, "resolved")) {
		if (!fixed)
			return fp__jx_fail(x, FP_EINVAL, "fixed_version",
					   "missing while status is resolved");
	} else if (!strcmp(status, "open") || !strcmp(status, "undetermined")) {
		if (fixed)
			return fp__jx_fail(x, FP_EINVAL, "fixed_version",
					   "given while status is %s", status);
	} else {
		return fp__jx_fail(x, FP_EINVAL, "status",
				   "unknown status \"%.32s\"", status);
	}
	return fp__vuln_set_fix(x, aff, "fixed_version", fixed);
}

static int tracker_cve(struct fp__jx *x, const char *pkg, const char *cve,
		       const json_t *cj, struct fp_vuln *v)
{
	const json_t *rels, *rj;
	const char *relname;
	size_t old;
	int r;

	if ((r = fp__jx_text(x, cve, strlen(cve), NULL, FP__JX_TOKEN,
			     FP_VULN_MAX_ID, &v->id)) ||
	    (r = fp__jx_object(x, cj, NULL)) ||
	    (r = fp__jx_str(x, cj, "description", false, FP__JX_TEXT,
			    FP_VULN_MAX_TEXT, &v->summary)))
		return r;
	if (fp__vuln_collect_cves(x->arena, v))
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	rels = json_object_get(cj, "releases");
	/* A CVE not yet triaged has "releases": [] instead of an object. */
	if (!rels || json_is_null(rels) ||
	    (json_is_array(rels) && !json_array_size(rels)))
		return 0;
	if (!json_is_object(rels))
		return fp__jx_fail(x, FP_EINVAL, "releases",
				   "expected an object (or an empty list)");
	if (json_object_size(rels) > FP_VULN_MAX_AFFECTED)
		return fp__jx_fail(x, FP_ETOOBIG, "releases",
				   "%zu releases, more than %d",
				   json_object_size(rels), FP_VULN_MAX_AFFECTED);
	v->affected = fp_arena_calloc(x->arena, json_object_size(rels),
				      sizeof(*v->affected));
	if (!v->affected)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	old = fp__jx_key(x, "releases");
	json_object_foreach((json_t *)rels, relname, rj) {
		size_t o2 = fp__jx_key(x, relname);

		r = tracker_release(x, pkg, relname, rj,
				    &v->affected[v->n_affected]);
		fp__jx_pop(x, o2);
		if (r)
			return r;
		v->n_affected++;
	}
	fp__jx_pop(x, old);
	return 0;
}

static int tracker(struct fp__jx *x, const json_t *j,
		   struct fp_vuln_feed *feed)
{
	const char *pkgkey, *cve, *pkg;
	const json_t *pj, *cj;
	size_t n = 0, old;
	int r;

	if ((r = fp__jx_object(x, j, NULL)))
		return r;
	json_object_foreach((json_t *)j, pkgkey, pj) {
		old = fp__jx_key(x, pkgkey);
		r = fp__jx_object(x, pj, NULL);
		fp__jx_pop(x, old);
		if (r)
			return r;
		n += json_object_size(pj);
		if (n > FP_VULN_MAX_RECORDS)
			return fp__jx_fail(x, FP_ETOOBIG, NULL,
					   "more than %d (package, CVE) records",
					   FP_VULN_MAX_RECORDS);
	}
	feed->vulns = fp_arena_calloc(x->arena, n ? n : 1, sizeof(*feed->vulns));
	if (!feed->vulns)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	json_object_foreach((json_t *)j, pkgkey, pj) {
		old = fp__jx_key(x, pkgkey);
		r = fp__jx_text(x, pkgkey, strlen(pkgkey), NULL, FP__JX_TOKEN,
				FP_VULN_MAX_NAME, &pkg);
		if (r)
			return r;
		json_object_foreach((json_t *)pj, cve, cj) {
			size_t o2 = fp__jx_key(x, cve);

			r = tracker_cve(x, pkg, cve, cj,
					&feed->vulns[feed->n_vulns]);
			fp__jx_pop(x, o2);
			if (r)
				return r;
			feed->n_vulns++;
		}
		fp__jx_pop(x, old);
	}
	return 0;
}

int fp_vuln_parse_debian(const char *buf, size_t len, const char *name,
			 struct fp_vuln_feed **ret_feed, struct fp_diag *diag)
{
	return fp__vuln_parse_feed(buf, len, name, tracker, ret_feed, diag);
}

/* ---- DSA records (vuln-list's tracker/DSA/DSA-5514-1.json) --------------- */

static int dsa_annotation(struct fp__jx *x, const json_t *an, void *ctx)
{
	struct fp_vuln *v = ctx;
	struct fp_vuln_affected *aff = &v->affected[v->n_affected];
	const char *type, *release, *kind, *version;
	const char **bugs;
	size_t n_bugs;
	int r;

	if ((r = fp__jx_object(x, an, NULL)) ||
	    (r = fp__jx_str(x, an, "Type", true, FP__JX_TOKEN, 32, &type)))
		return r;
	if (!strcmp(type, "xref")) {
		r = fp__jx_strlist(x, an, "Bugs", FP_VULN_MAX_ID, &bugs,
				   &n_bugs);
		if (r)
			return r;
		if (v->n_aliases + n_bugs > FP_VULN_MAX_LIST)
			return fp__jx_fail(x, FP_ETOOBIG, "Bugs",
					   "too many ids");
		for (size_t i = 0; i < n_bugs; i++)
			v->aliases[v->n_aliases++] = bugs[i];
		return 0;
	}
	if (strcmp(type, "package"))
		return 0; /* NOTE lines and the like */
	if ((r = fp__jx_str(x, an, "Release", true, FP__JX_TOKEN,
			    FP_VULN_MAX_NAME, &release)) ||
	    (r = fp__jx_str(x, an, "Package", true, FP__JX_TOKEN,
			    FP_VULN_MAX_NAME, &aff->name)) ||
	    (r = fp__jx_str(x, an, "Kind", true, FP__JX_TOKEN, 32, &kind)) ||
	    (r = fp__jx_str(x, an, "Version", false, FP__JX_TOKEN,
			    FP_VERSION_MAX_LEN, &version)) ||
	    (r = fp__vuln_debian_dist(x, release, aff)))
		return r;
	if (!strcmp(kind, "fixed")) {
		if (!version)
			return fp__jx_fail(x, FP_EINVAL, "Version",
					   "missing for a fixed package");
		r = fp__vuln_set_fix(x, aff, "Version", version);
	} else if (!strcmp(kind, "not-affected")) {
		aff->status = FP_VULN_ST_NOT_AFFECTED;
	} else {
		/* unfixed, no-dsa, end-of-life, postponed, ignored */
		aff->status = FP_VULN_ST_OPEN;
	}
	if (!r)
		v->n_affected++;
	return r;
}

static int dsa_record(struct fp__jx *x, const json_t *rec,
		      struct fp_vuln_feed *feed, struct fp_vuln *v)
{
	const json_t *hdr, *anns, *an;
	size_t i, old, n_alias_max = 0;
	int r;

	if ((r = fp__jx_object(x, rec, NULL)))
		return r;
	hdr = json_object_get(rec, "Header");
	old = fp__jx_key(x, "Header");
	if (!hdr)
		r = fp__jx_fail(x, FP_EINVAL, NULL, "missing");
	if (!r && !(r = fp__jx_object(x, hdr, NULL)) &&
	    !(r = fp__jx_str(x, hdr, "ID", true, FP__JX_TOKEN, FP_VULN_MAX_ID,
			     &v->id)))
		r = fp__jx_str(x, hdr, "Description", false, FP__JX_TEXT,
			       FP_VULN_MAX_TEXT, &v->summary);
	fp__jx_pop(x, old);
	if (r || (r = fp__jx_array(x, rec, "Annotations", false,
				   FP_VULN_MAX_AFFECTED, &anns)))
		return r;
	if (anns) {
		json_array_foreach(anns, i, an) {
			const json_t *b = json_object_get(an, "Bugs");
			n_alias_max += json_is_array(b) ? json_array_size(b) : 0;
		}
		v->aliases = fp_arena_calloc(x->arena, n_alias_max + 1,
					     sizeof(*v->aliases));
		v->affected = fp_arena_calloc(x->arena,
					      json_array_size(anns) + 1,
					      sizeof(*v->affected));
		if (!v->aliases || !v->affected)
			return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
		r = fp__jx_each(x, "Annotations", anns, dsa_annotation, v);
		if (r)
			return r;
	}
	if (fp__vuln_collect_cves(x->arena, v))
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	return 0;
}

static int dsa(struct fp__jx *x, const json_t *j, struct fp_vuln_feed *feed)
{
	return fp__vuln_records(x, j, feed, dsa_record);
}

int fp_vuln_parse_debian_dsa(const char *buf, size_t len, const char *name,
			     struct fp_vuln_feed **ret_feed,
			     struct fp_diag *diag)
{
	return fp__vuln_parse_feed(buf, len, name, dsa, ret_feed, diag);
}

/* ---- normalised per-release records (vunnel "debian:12/cve-...") --------- */

static int lower_copy(struct fp__jx *x, const char *s, const char **ret)
{
	char *p = fp_arena_strdup(x->arena, s);

	if (!p)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	for (*ret = p; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

/* A vendor advisory id ("DSA-5970-1") as an alias of ctx. */
static int vunnel_advisory(struct fp__jx *x, const json_t *s, void *ctx)
{
	struct fp_vuln *v = ctx;
	int r;

	if (v->n_aliases == FP_VULN_MAX_LIST)
		return fp__jx_fail(x, FP_ETOOBIG, NULL, "too many ids");
	if ((r = fp__jx_object(x, s, NULL)) ||
	    (r = fp__jx_str(x, s, "ID", true, FP__JX_TOKEN, FP_VULN_MAX_ID,
			    &v->aliases[v->n_aliases])))
		return r;
	v->n_aliases++;
	return 0;
}

static int vunnel_fixed_in(struct fp__jx *x, const json_t *fj, void *ctx)
{
	struct fp_vuln *v = ctx;
	struct fp_vuln_affected *aff = &v->affected[v->n_affected];
	const json_t *adv, *sums;
	const char *format, *version;
	size_t old;
	int r;

	if ((r = fp__jx_object(x, fj, NULL)) ||
	    (r = fp__jx_str(x, fj, "Name", true, FP__JX_TOKEN,
			    FP_VULN_MAX_NAME, &aff->name)) ||
	    (r = fp__jx_str(x, fj, "NamespaceName", true, FP__JX_TOKEN,
			    FP_VULN_MAX_NAME, &aff->ecosystem)) ||
	    (r = fp__jx_str(x, fj, "VersionFormat", true, FP__JX_TOKEN, 32,
			    &format)) ||
	    (r = fp__jx_str(x, fj, "Version", true, FP__JX_TOKEN,
			    FP_VERSION_MAX_LEN, &version)) ||
	    (r = lower_copy(x, aff->ecosystem, &aff->dist)))
		return r;
	aff->name_kind = FP_VULN_NAME_SOURCE;
	if (!strcmp(format, "dpkg"))
		aff->eco = FP_ECO_DEB;
	else if (!strcmp(format, "apk"))
		aff->eco = FP_ECO_APK;
	else if (!strcmp(format, "rpm")) {
		aff->eco = FP_ECO_RPM;
		aff->name_kind = FP_VULN_NAME_BINARY;
	} else
		return fp__jx_fail(x, FP_EINVAL, "VersionFormat",
				   "unknown version format \"%.32s\"", format);
	/* "None" is vunnel's word for no fix yet. */
	r = fp__vuln_set_fix(x, aff, "Version",
			     strcmp(version, "None") ? version : NULL);
	if (r)
		return r;
	v->n_affected++;
	adv = json_object_get(fj, "VendorAdvisory");
	sums = json_is_object(adv) ? json_object_get(adv, "AdvisorySummary")
				   : NULL;
	if (!json_is_array(sums))
		return 0;
	old = fp__jx_key(x, "VendorAdvisory");
	r = fp__jx_each(x, "AdvisorySummary", sums, vunnel_advisory, v);
	fp__jx_pop(x, old);
	return r;
}

static int vunnel_record(struct fp__jx *x, const json_t *rec,
			 struct fp_vuln_feed *feed, struct fp_vuln *v)
{
	const json_t *item, *vj, *fixed, *fj, *adv, *sums;
	size_t i, old, n_ids = 0;
	int r;

	if ((r = fp__jx_object(x, rec, NULL)))
		return r;
	item = json_object_get(rec, "item");
	vj = json_is_object(item) ? json_object_get(item, "Vulnerability")
				  : NULL;
	old = fp__jx_key(x, "item");
	if (!item)
		r = fp__jx_fail(x, FP_EINVAL, NULL, "missing");
	else if (!(r = fp__jx_object(x, item, NULL)) && !vj)
		r = fp__jx_fail(x, FP_EINVAL, "Vulnerability", "missing");
	if (r) {
		fp__jx_pop(x, old);
		return r;
	}
	fp__jx_key(x, "Vulnerability");
	if ((r = fp__jx_object(x, vj, NULL)) ||
	    (r = fp__jx_str(x, vj, "Name", true, FP__JX_TOKEN, FP_VULN_MAX_ID,
			    &v->id)) ||
	    (r = fp__jx_str(x, vj, "Severity", false, FP__JX_LINE, 64,
			    &v->severity)) ||
	    (r = fp__jx_str(x, vj, "Description", false, FP__JX_TEXT,
			    FP_VULN_MAX_TEXT, &v->summary)) ||
	    (r = fp__jx_array(x, vj, "FixedIn", false, FP_VULN_MAX_AFFECTED,
			      &fixed)))
		return r;
	if (v->summary && !*v->summary)
		v->summary = NULL;
	if (fixed) {
		json_array_foreach(fixed, i, fj) {
			adv = json_object_get(fj, "VendorAdvisory");
			sums = json_is_object(adv)
				       ? json_object_get(adv, "AdvisorySummary")
				       : NULL;
			n_ids += json_is_array(sums) ? json_array_size(sums) : 0;
		}
		v->affected = fp_arena_calloc(x->arena,
					      json_array_size(fixed) + 1,
					      sizeof(*v->affected));
		v->aliases = fp_arena_calloc(x->arena, n_ids + 1,
					     sizeof(*v->aliases));
		if (!v->affected || !v->aliases)
			return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
		r = fp__jx_each(x, "FixedIn", fixed, vunnel_fixed_in, v);
		if (r)
			return r;
	}
	fp__jx_pop(x, old);
	if (fp__vuln_collect_cves(x->arena, v))
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	return 0;
}

static int vunnel(struct fp__jx *x, const json_t *j, struct fp_vuln_feed *feed)
{
	return fp__vuln_records(x, j, feed, vunnel_record);
}

int fp_vuln_parse_vunnel(const char *buf, size_t len, const char *name,
			 struct fp_vuln_feed **ret_feed, struct fp_diag *diag)
{
	return fp__vuln_parse_feed(buf, len, name, vunnel, ret_feed, diag);
}
