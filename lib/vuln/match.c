/* SPDX-License-Identifier: MIT */
/*
 * The matcher: OSV range semantics for one affected entry, and an index
 * from (dist, package name) to entries so that N distinct packages cost
 * about N hash lookups plus the version comparisons.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "vuln_int.h"

/* ---- one entry ----------------------------------------------------------- */

static bool is_zero(const struct fp_vuln_event *e)
{
	return e->kind == FP_VULN_EV_INTRODUCED && !strcmp(e->version, "0");
}

static bool is_inf(const struct fp_vuln_event *e)
{
	return e->kind == FP_VULN_EV_LIMIT && !strcmp(e->version, "*");
}

/* v against an event's version; both are valid (events were checked at
 * parse time, v by the caller). */
static int cmp_event(enum fp_ecosystem eco, const char *v,
		     const struct fp_vuln_event *e)
{
	int c = 0;

	if (is_zero(e))
		return 1;
	if (is_inf(e))
		return -1;
	fp_version_compare(eco, v, e->version, &c, NULL);
	return c;
}

enum range_state { R_OUT, R_IN, R_FIXED };

/*
 * Walk one sorted range for v.  R_IN sets *fix to the event that ends
 * the interval v is in when it is a fix (NULL when the interval ends in
 * last_affected or never).
 */
static enum range_state walk_range(enum fp_ecosystem eco, const char *v,
				   const struct fp_vuln_range *r,
				   const char **fix)
{
	enum range_state st = R_OUT;
	size_t i;

	for (i = 0; i < r->n_events; i++) {
		const struct fp_vuln_event *e = &r->events[i];

		if (e->kind == FP_VULN_EV_LIMIT && cmp_event(eco, v, e) >= 0)
			return R_OUT;
	}
	for (i = 0; i < r->n_events; i++) {
		const struct fp_vuln_event *e = &r->events[i];
		int c = cmp_event(eco, v, e);

		if (c < 0)
			break; /* sorted: nothing further applies to v */
		if (e->kind == FP_VULN_EV_INTRODUCED)
			st = R_IN;
		else if (e->kind == FP_VULN_EV_FIXED)
			st = R_FIXED;
		else if (e->kind == FP_VULN_EV_LAST_AFFECTED && c > 0)
			st = R_OUT;
	}
	*fix = NULL;
	if (st != R_IN)
		return st;
	/* The first event above v that closes the interval. */
	for (; i < r->n_events; i++) {
		const struct fp_vuln_event *e = &r->events[i];

		if (e->kind == FP_VULN_EV_FIXED) {
			*fix = e->version;
			break;
		}
		if (e->kind != FP_VULN_EV_INTRODUCED)
			break;
	}
	return R_IN;
}

/* The higher of two fixes (either may be NULL: none yet). */
static const char *higher_fix(enum fp_ecosystem eco, const char *a,
			      const char *b)
{
	int c = 0;

	if (!a || !b)
		return a ? a : b;
	fp_version_compare(eco, a, b, &c, NULL);
	return c >= 0 ? a : b;
}

int fp_vuln_affected_check(const struct fp_vuln_affected *aff,
			   enum fp_ecosystem eco, const char *version,
			   enum fp_vuln_verdict *ret_verdict,
			   const char **ret_fixed, struct fp_diag *diag)
{
	enum fp_vuln_verdict verdict = FP_VULN_NOT_AFFECTED;
	const char *fixed = NULL, *fix;
	bool open = false, listed = false;
	struct fp_diag vd;
	size_t i;
	int c;

	if (eco != aff->eco && (unsigned)eco < FP_ECO__COUNT)
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "a %s package against a %s advisory entry",
				   fp_ecosystem_name(eco),
				   fp_ecosystem_name(aff->eco));
	fp_diag_init(&vd, NULL);
	if (fp_version_check(eco, version, strlen(version), &vd))
		return fp_diag_set(diag, FP_EINVAL, 0, vd.column,
				   "installed version: %s", vd.msg);
	if (aff->status == FP_VULN_ST_OPEN) {
		verdict = FP_VULN_AFFECTED;
		goto out;
	}
	if (aff->status == FP_VULN_ST_NOT_AFFECTED)
		goto out;
	for (i = 0; i < aff->n_ranges; i++) {
		const struct fp_vuln_range *r = &aff->ranges[i];
		enum fp_ecosystem reco = fp__vuln_range_eco(eco, r);

		if (reco != eco && !fp_version_is_valid(reco, version,
							strlen(version)))
			continue; /* a SEMVER range v cannot be placed in */
		switch (walk_range(reco, version, r, &fix)) {
		case R_IN:
			/* Every range v is in must be left behind. */
			if (!fix)
				open = true;
			fixed = open ? NULL : higher_fix(reco, fixed, fix);
			verdict = FP_VULN_AFFECTED;
			break;
		case R_FIXED:
			if (verdict == FP_VULN_NOT_AFFECTED)
				verdict = FP_VULN_FIXED;
			break;
		case R_OUT:
			break;
		}
	}
	for (i = 0; i < aff->n_versions && verdict != FP_VULN_AFFECTED; i++)
		if (!fp_version_compare(eco, version, aff->versions[i], &c,
					NULL) && c == 0)
			listed = true;
	if (listed) {
		/* Listed but in no range: the lowest fix above it, if any. */
		verdict = FP_VULN_AFFECTED;
		for (i = 0; i < aff->n_ranges; i++) {
			const struct fp_vuln_range *r = &aff->ranges[i];

			for (size_t k = 0; k < r->n_events; k++) {
				const struct fp_vuln_event *e = &r->events[k];

				if (r->type == FP_VULN_RANGE_ECOSYSTEM &&
				    e->kind == FP_VULN_EV_FIXED &&
				    cmp_event(eco, version, e) < 0 &&
				    (!fixed || higher_fix(eco, fixed,
							  e->version) == fixed))
					fixed = e->version;
			}
		}
	}
out:
	*ret_verdict = verdict;
	*ret_fixed = verdict == FP_VULN_AFFECTED ? fixed : NULL;
	return 0;
}

/* ---- the index ----------------------------------------------------------- */

struct ix_ref {
	const struct fp_vuln *vuln;
	const struct fp_vuln_affected *aff;
};

/* A key's refs are refs[start .. start+count); count 0 is an empty slot. */
struct ix_slot {
	uint64_t hash;
	size_t start;
	size_t count;
};

struct fp_vuln_index {
	struct ix_ref *refs;
	size_t n_refs;
	struct ix_slot *slots;
	size_t mask;
	size_t n_keys;
};

static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t key_hash(const char *dist, size_t dlen, const char *name)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, dist, dlen);

	return fnv(h ^ 0xff, name, strlen(name));
}

static int ref_cmp(const void *a, const void *b)
{
	const struct fp_vuln_affected *x = ((const struct ix_ref *)a)->aff;
	const struct fp_vuln_affected *y = ((const struct ix_ref *)b)->aff;
	int c = strcmp(x->dist, y->dist);

	return c ? c : strcmp(x->name, y->name);
}

static bool can_match(const struct fp_vuln *v, const struct fp_vuln_affected *a)
{
	return !v->withdrawn && a->status != FP_VULN_ST_NOT_AFFECTED;
}

int fp_vuln_index_new(const struct fp_vuln_feed *const *feeds, size_t n,
		      struct fp_vuln_index **ret_index)
{
	struct fp_vuln_index *ix;
	size_t total = 0, f, i, j, size;

	for (f = 0; f < n; f++)
		for (i = 0; i < feeds[f]->n_vulns; i++)
			total += feeds[f]->vulns[i].n_affected;
	ix = fp_calloc(1, sizeof(*ix));
	if (!ix)
		return FP_ENOMEM;
	ix->refs = fp_reallocarray(NULL, total ? total : 1, sizeof(*ix->refs));
	if (!ix->refs)
		goto out_free;
	for (f = 0; f < n; f++)
		for (i = 0; i < feeds[f]->n_vulns; i++) {
			const struct fp_vuln *v = &feeds[f]->vulns[i];

			for (j = 0; j < v->n_affected; j++)
				if (can_match(v, &v->affected[j]))
					ix->refs[ix->n_refs++] =
						(struct ix_ref){ v, &v->affected[j] };
		}
	qsort(ix->refs, ix->n_refs, sizeof(*ix->refs), ref_cmp);
	for (i = 0; i < ix->n_refs; i++)
		if (!i || ref_cmp(&ix->refs[i - 1], &ix->refs[i]))
			ix->n_keys++;
	for (size = 16; size < ix->n_keys * 2; size *= 2)
		;
	ix->slots = fp_calloc(size, sizeof(*ix->slots));
	if (!ix->slots)
		goto out_free;
	ix->mask = size - 1;
	for (i = 0; i < ix->n_refs; i = j) {
		const struct fp_vuln_affected *a = ix->refs[i].aff;
		uint64_t h = key_hash(a->dist, strlen(a->dist), a->name);
		size_t s = (size_t)h & ix->mask;

		for (j = i + 1; j < ix->n_refs &&
				!ref_cmp(&ix->refs[i], &ix->refs[j]);
		     j++)
			;
		while (ix->slots[s].count)
			s = (s + 1) & ix->mask;
		ix->slots[s] = (struct ix_slot){ h, i, j - i };
	}
	*ret_index = ix;
	return 0;
out_free:
	fp_vuln_index_free(ix);
	return FP_ENOMEM;
}

void fp_vuln_index_free(struct fp_vuln_index *ix)
{
	if (!ix)
		return;
	fp_free(ix->refs);
	fp_free(ix->slots);
	fp_free(ix);
}

size_t fp_vuln_index_keys(const struct fp_vuln_index *ix)
{
	return ix->n_keys;
}

/* The slot of (dist[0..dlen), name), or NULL. */
static const struct ix_slot *lookup(const struct fp_vuln_index *ix,
				    const char *dist, size_t dlen,
				    const char *name)
{
	uint64_t h = key_hash(dist, dlen, name);
	size_t s = (size_t)h & ix->mask;

	for (; ix->slots[s].count; s = (s + 1) & ix->mask) {
		const struct ix_slot *sl = &ix->slots[s];
		const struct fp_vuln_affected *a = ix->refs[sl->start].aff;

		if (sl->hash == h && !strncmp(a->dist, dist, dlen) &&
		    !a->dist[dlen] && !strcmp(a->name, name))
			return sl;
	}
	return NULL;
}

/* ---- matching ------------------------------------------------------------ */

struct run {
	const struct fp_vuln_pkg *pkg;
	size_t pkg_idx;
	size_t first;      /* this package's first match */
	const struct fp_kev *kev;
	const struct fp_epss *epss;
	struct fp_vuln_matches m;
	size_t cap;
	bool invalid;      /* a version of it would not compare */
};

static void add_scores(struct run *run, struct fp_vuln_match *mt)
{
	const struct fp_vuln *v = mt->vuln;

	for (size_t i = 0; i < v->n_cves; i++) {
		const struct fp_epss_entry *e = fp_epss_find(run->epss,
							     v->cves[i]);

		if (fp_kev_find(run->kev, v->cves[i]))
			mt->kev = true;
		if (e && (!mt->has_epss || e->score > mt->epss)) {
			mt->has_epss = true;
			mt->epss = e->score;
			mt->epss_percentile = e->percentile;
		}
	}
}

static int add_match(struct run *run, const struct ix_ref *ref,
		     const char *fixed)
{
	struct fp_vuln_match *mt;

	if (fp_reserve((void **)&run->m.v, run->m.n + 1, &run->cap,
		       sizeof(*run->m.v)))
		return FP_ENOMEM;
	mt = &run->m.v[run->m.n++];
	*mt = (struct fp_vuln_match){ .pkg = run->pkg_idx, .vuln = ref->vuln,
				      .affected = ref->aff, .fixed = fixed };
	add_scores(run, mt);
	return 0;
}

/*
 * Check the entries under one key.  'by_source' when the key is the
 * package's source name (only source-keyed entries count); by its own
 * name, source-keyed entries count when it is its own source.
 */
static int check_slot(struct run *run, const struct fp_vuln_index *ix,
		      const struct ix_slot *sl, bool by_source)
{
	const struct fp_vuln_pkg *p = run->pkg;
	bool own_source = !p->source || !strcmp(p->source, p->name);

	for (size_t i = sl->start; i < sl->start + sl->count; i++) {
		const struct ix_ref *ref = &ix->refs[i];
		const struct fp_vuln_affected *a = ref->aff;
		bool src = a->name_kind == FP_VULN_NAME_SOURCE;
		const char *ver = src && p->source_version ? p->source_version
							   : p->version;
		enum fp_vuln_verdict verdict;
		const char *fixed;
		int r;

		if (by_source ? !src : (src && !own_source))
			continue;
		if (a->eco != p->eco)
			continue;
		if (fp_vuln_affected_check(a, p->eco, ver, &verdict, &fixed,
					   NULL)) {
			run->invalid = true;
			continue;
		}
		if (verdict == FP_VULN_AFFECTED &&
		    (r = add_match(run, ref, fixed)))
			return r;
	}
	return 0;
}

/* By name and by source, under the package's dist and under the bare
 * distribution ("debian") for entries that name no release. */
static int match_one(struct run *run, const struct fp_vuln_index *ix)
{
	const struct fp_vuln_pkg *p = run->pkg;
	const char *colon = strchr(p->dist, ':');
	size_t dl[2] = { strlen(p->dist), colon ? (size_t)(colon - p->dist) : 0 };
	const char *names[2] = { p->name, p->source };
	int r;

	for (int d = 0; d < (colon ? 2 : 1); d++)
		for (int k = 0; k < 2; k++) {
			const struct ix_slot *sl;

			if (!names[k] || (k == 1 && !strcmp(p->source, p->name)))
				continue;
			sl = lookup(ix, p->dist, dl[d], names[k]);
			if (sl && (r = check_slot(run, ix, sl, k == 1)))
				return r;
		}
	return 0;
}

static int match_cmp(const void *a, const void *b)
{
	const struct fp_vuln *x = ((const struct fp_vuln_match *)a)->vuln;
	const struct fp_vuln *y = ((const struct fp_vuln_match *)b)->vuln;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

/* A package's matches by advisory id, each advisory once (one may be met
 * by name and by source): sorting keeps this n log n however many. */
static void settle(struct run *run)
{
	size_t n = run->m.n - run->first, i, j;
	struct fp_vuln_match *v;

	if (n < 2)
		return; /* and m.v may still be NULL */
	v = run->m.v + run->first;
	qsort(v, n, sizeof(*v), match_cmp);
	for (i = j = 1; i < n; i++) {
		struct fp_vuln_match *kept = &v[j - 1];

		if (v[i].vuln != kept->vuln) {
			v[j++] = v[i];
			continue;
		}
		/* Met twice (name and source, or a release and the bare
		 * distribution): the fix must leave both entries behind. */
		if (!v[i].fixed || !kept->fixed)
			kept->fixed = NULL;
		else
			kept->fixed = higher_fix(kept->affected->eco,
						 kept->fixed, v[i].fixed);
	}
	run->m.n = run->first + j;
}

void fp_vuln_matches_release(struct fp_vuln_matches *m)
{
	fp_free(m->v);
	m->v = NULL;
	m->n = 0;
	m->invalid = 0;
}

int fp_vuln_match(const struct fp_vuln_index *ix,
		  const struct fp_vuln_pkg *pkgs, size_t n,
		  const struct fp_kev *kev, const struct fp_epss *epss,
		  struct fp_vuln_matches *ret)
{
	struct run run = { .kev = kev, .epss = epss };
	int r;

	for (size_t i = 0; i < n; i++) {
		run.pkg = &pkgs[i];
		run.pkg_idx = i;
		run.first = run.m.n;
		run.invalid = false;
		if (!pkgs[i].dist || !pkgs[i].name || !pkgs[i].version ||
		    !fp_version_is_valid(pkgs[i].eco, pkgs[i].version,
					 strlen(pkgs[i].version))) {
			run.m.invalid++;
			continue;
		}
		if ((r = match_one(&run, ix))) {
			fp_vuln_matches_release(&run.m);
			return r;
		}
		settle(&run);
		run.m.invalid += run.invalid;
	}
	*ret = run.m;
	return 0;
}
