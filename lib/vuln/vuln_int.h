/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_VULN_INT_H
#define FLEETPATCH_VULN_INT_H

/*
 * Internals shared by the files of lib/vuln: JSON member readers that
 * track the JSON path for messages, and the feed/ecosystem helpers.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "fleetpatch/vuln.h"

/* A JSON walk: the path so far ("affected[2].ranges[0]") and the diag. */
struct fp__jx {
	struct fp_diag *diag;
	struct fp_arena *arena;
	size_t len;
	char path[256];
};

void fp__jx_init(struct fp__jx *x, struct fp_arena *a, struct fp_diag *d);
/* Append ".key" or "[i]"; returns the old length for fp__jx_pop(). */
size_t fp__jx_key(struct fp__jx *x, const char *key);
size_t fp__jx_idx(struct fp__jx *x, size_t i);
void fp__jx_pop(struct fp__jx *x, size_t old);
/* Fill the diag with "<path>[.key]: message"; returns 'err'. */
int fp__jx_fail(struct fp__jx *x, int err, const char *key, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* Kinds of string a member may hold. */
enum fp__jx_kind {
	FP__JX_TOKEN,  /* no spaces or control characters: ids, names */
	FP__JX_LINE,   /* printable, spaces allowed */
	FP__JX_TEXT,   /* any text but NUL */
};

/*
 * A string member copied into the arena; absent or null gives NULL (an
 * error when 'required').  Longer than 'max' is FP_ETOOBIG.
 */
int fp__jx_str(struct fp__jx *x, const json_t *obj, const char *key,
	       bool required, enum fp__jx_kind kind, size_t max,
	       const char **ret);
/* Check bytes (an object key, a string) and copy them into the arena. */
int fp__jx_text(struct fp__jx *x, const char *s, size_t len, const char *key,
		enum fp__jx_kind kind, size_t max, const char **ret);
/* Check a string value at the current path (for array items). */
int fp__jx_strval(struct fp__jx *x, const json_t *v, const char *key,
		  enum fp__jx_kind kind, size_t max, const char **ret);
/* An array member of at most 'max' items; absent gives NULL. */
int fp__jx_array(struct fp__jx *x, const json_t *obj, const char *key,
		 bool required, size_t max, const json_t **ret);
/* An RFC 3339 time member; absent gives 0. */
int fp__jx_time(struct fp__jx *x, const json_t *obj, const char *key,
		bool required, time_t *ret);
/* A list of token strings into the arena. */
int fp__jx_strlist(struct fp__jx *x, const json_t *obj, const char *key,
		   size_t maxlen, const char ***ret, size_t *ret_n);
int fp__jx_object(struct fp__jx *x, const json_t *v, const char *key);

/*
 * Run 'fn' over each item of the array 'arr' (the member 'key' of the
 * current object) with the path at "key[i]"; stops at the first error.
 */
typedef int fp__jx_item_fn(struct fp__jx *x, const json_t *item, void *ctx);
int fp__jx_each(struct fp__jx *x, const char *key, const json_t *arr,
		fp__jx_item_fn *fn, void *ctx);

/* Start the diag for input 'name'; FP_ETOOBIG past FP_VULN_MAX_INPUT. */
int fp__vuln_input_check(size_t len, const char *name, struct fp_diag *d);

/* Parse 'buf' as JSON (size-checked); diag has line and column. */
int fp__vuln_json_load(const char *buf, size_t len, const char *name,
		       struct fp_diag *d, json_t **ret);

/* A new empty feed with its arena. */
int fp__vuln_feed_new(struct fp_vuln_feed **ret);

/*
 * Load 'buf' as JSON and run 'fn' over it into a new feed, handed back
 * whole on success and freed on failure.
 */
typedef int fp__vuln_feed_fn(struct fp__jx *x, const json_t *j,
			     struct fp_vuln_feed *feed);
int fp__vuln_parse_feed(const char *buf, size_t len, const char *name,
			fp__vuln_feed_fn *fn, struct fp_vuln_feed **ret_feed,
			struct fp_diag *diag);

/* One record (an object) or an array of records, each through 'fn' into
 * feed->vulns; paths of an array start "[i]". */
typedef int fp__vuln_record_fn(struct fp__jx *x, const json_t *rec,
			       struct fp_vuln_feed *feed, struct fp_vuln *v);
int fp__vuln_records(struct fp__jx *x, const json_t *j,
		     struct fp_vuln_feed *feed, fp__vuln_record_fn *fn);

/*
 * Check the versions of a range against 'eco' (SEMVER ranges as semver)
 * and sort its events by version, introduced "0" first.  The current
 * path is the range.
 */
int fp__vuln_range_finish(struct fp__jx *x, enum fp_ecosystem eco,
			  struct fp_vuln_range *r);

/*
 * A whole-life fix in one affected entry: no 'fixed' is FP_VULN_ST_OPEN,
 * "0" is FP_VULN_ST_NOT_AFFECTED, else the range introduced "0", fixed V
 * (checked against aff->eco; 'key' names the member for the message).
 */
int fp__vuln_set_fix(struct fp__jx *x, struct fp_vuln_affected *aff,
		     const char *key, const char *fixed);

/* Ecosystem, dist ("debian:12") and kind of a Debian release code name. */
int fp__vuln_debian_dist(struct fp__jx *x, const char *release,
			 struct fp_vuln_affected *aff);

/* The CVE ids named by id and aliases into v->cves (sorted, unique;
 * "UBUNTU-CVE-2021-3782" names CVE-2021-3782). */
int fp__vuln_collect_cves(struct fp_arena *a, struct fp_vuln *v);

/* An OSV ecosystem name mapped to how fleetpatch compares it. */
struct fp__osv_eco {
	enum fp_ecosystem eco;
	enum fp_vuln_name_kind name_kind;
	const char *dist; /* normalised key, in the arena */
};

/* 0 and *ret filled, or FP_EUNSUPPORTED for an ecosystem not compared. */
int fp__vuln_osv_ecosystem(struct fp_arena *a, const char *ecosystem,
			   struct fp__osv_eco *ret);

/* The comparison ecosystem of a range. */
static inline enum fp_ecosystem fp__vuln_range_eco(enum fp_ecosystem eco,
						   const struct fp_vuln_range *r)
{
	return r->type == FP_VULN_RANGE_SEMVER ? FP_ECO_SEMVER : eco;
}

/* "CVE-YYYY-NNNN" with 4 to 19 digits, nothing else. */
bool fp__vuln_is_cve_id(const char *s);

/* Sort by a string key with strcmp (ids of KEV and EPSS); SIZE_MAX when
 * sorted and unique, else the index of a duplicate. */
size_t fp__vuln_sort_unique(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *));

#endif
