/* SPDX-License-Identifier: MIT */
/* CISA's Known Exploited Vulnerabilities catalog (its JSON form). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "vuln_int.h"

#define KEV_ARENA_CAP ((size_t)256 << 20)

/* YYYY-MM-DD */
static bool is_date(const char *s)
{
	static const char shape[] = "dddd-dd-dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
			return false;
	return s[sizeof(shape) - 1] == '\0';
}

static int date_member(struct fp__jx *x, const json_t *o, const char *key,
		       bool required, const char **ret)
{
	int r = fp__jx_str(x, o, key, required, FP__JX_TOKEN, 32, ret);

	if (!r && *ret && !is_date(*ret))
		return fp__jx_fail(x, FP_EINVAL, key,
				   "expected YYYY-MM-DD, not \"%.32s\"", *ret);
	return r;
}

static int kev_entry(struct fp__jx *x, const json_t *ej, void *ctx)
{
	struct fp_kev *kev = ctx;
	struct fp_kev_entry *e = &kev->entries[kev->n];
	const char *ransom;
	int r;

	if ((r = fp__jx_object(x, ej, NULL)) ||
	    (r = fp__jx_str(x, ej, "cveID", true, FP__JX_TOKEN, FP_VULN_MAX_ID,
			    &e->cve)))
		return r;
	if (!fp__vuln_is_cve_id(e->cve))
		return fp__jx_fail(x, FP_EINVAL, "cveID",
				   "not a CVE id: \"%.64s\"", e->cve);
	if ((r = fp__jx_str(x, ej, "vendorProject", false, FP__JX_LINE,
			    FP_VULN_MAX_NAME, &e->vendor)) ||
	    (r = fp__jx_str(x, ej, "product", false, FP__JX_LINE,
			    FP_VULN_MAX_NAME, &e->product)) ||
	    (r = fp__jx_str(x, ej, "vulnerabilityName", false, FP__JX_LINE,
			    1024, &e->name)) ||
	    (r = date_member(x, ej, "dateAdded", true, &e->date_added)) ||
	    (r = date_member(x, ej, "dueDate", false, &e->due_date)) ||
	    (r = fp__jx_str(x, ej, "knownRansomwareCampaignUse", false,
			    FP__JX_TOKEN, 32, &ransom)))
		return r;
	e->ransomware = ransom && !strcmp(ransom, "Known");
	kev->n++;
	return 0;
}

static int by_cve(const void *a, const void *b)
{
	return strcmp(((const struct fp_kev_entry *)a)->cve,
		      ((const struct fp_kev_entry *)b)->cve);
}

static int kev_catalog(struct fp__jx *x, const json_t *j, struct fp_kev *kev)
{
	const json_t *vulns, *count;
	size_t old, dup;
	int r;

	if ((r = fp__jx_object(x, j, NULL)) ||
	    (r = fp__jx_str(x, j, "catalogVersion", true, FP__JX_TOKEN, 64,
			    &kev->catalog_version)) ||
	    (r = fp__jx_time(x, j, "dateReleased", true, &kev->released)) ||
	    (r = fp__jx_array(x, j, "vulnerabilities", true,
			      FP_VULN_MAX_RECORDS, &vulns)))
		return r;
	count = json_object_get(j, "count");
	if (!json_is_integer(count) || json_integer_value(count) < 0)
		return fp__jx_fail(x, FP_EINVAL, "count",
				   "expected a non-negative integer");
	/* Kept as said: excerpts of the catalog keep the full count. */
	kev->declared_count = (long)json_integer_value(count);
	kev->entries = fp_arena_calloc(&kev->arena, json_array_size(vulns) + 1,
				       sizeof(*kev->entries));
	if (!kev->entries)
		return fp__jx_fail(x, FP_ENOMEM, NULL, "out of memory");
	if ((r = fp__jx_each(x, "vulnerabilities", vulns, kev_entry, kev)))
		return r;
	old = fp__jx_key(x, "vulnerabilities");
	dup = fp__vuln_sort_unique(kev->entries, kev->n, sizeof(*kev->entries),
				   by_cve);
	if (dup != SIZE_MAX)
		return fp__jx_fail(x, FP_EINVAL, NULL, "%s listed twice",
				   kev->entries[dup].cve);
	fp__jx_pop(x, old);
	return 0;
}

int fp_kev_parse(const char *buf, size_t len, const char *name,
		 struct fp_kev **ret_kev, struct fp_diag *diag)
{
	struct fp_kev *kev;
	struct fp__jx x;
	json_t *j;
	int r;

	r = fp__vuln_json_load(buf, len, name, diag, &j);
	if (r)
		return r;
	kev = fp_calloc(1, sizeof(*kev));
	if (!kev) {
		r = fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
		goto out_json;
	}
	fp_arena_init(&kev->arena, 0, KEV_ARENA_CAP);
	fp__jx_init(&x, &kev->arena, diag);
	r = kev_catalog(&x, j, kev);
	if (r) {
		fp_kev_free(kev);
		goto out_json;
	}
	*ret_kev = kev;
out_json:
	json_decref(j);
	return r;
}

void fp_kev_free(struct fp_kev *kev)
{
	if (!kev)
		return;
	fp_arena_release(&kev->arena);
	fp_free(kev);
}

const struct fp_kev_entry *fp_kev_find(const struct fp_kev *kev,
				       const char *cve)
{
	struct fp_kev_entry key = { .cve = cve };

	if (!kev || !kev->n)
		return NULL;
	return bsearch(&key, kev->entries, kev->n, sizeof(key), by_cve);
}
