/* SPDX-License-Identifier: MIT */
/* Shared checks of the vuln fuzz targets. */
#ifndef FP_FUZZ_VULN_H
#define FP_FUZZ_VULN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/vuln.h"

/* Judge each version an entry names against it, and match a package at
 * each through an index: none of it may fail. */
static inline void fuzz_vuln_match_entry(const struct fp_vuln_index *ix,
					 const struct fp_vuln_affected *a,
					 const char *v)
{
	struct fp_vuln_pkg pkg = { a->dist, a->eco, a->name, v, NULL, NULL };
	enum fp_vuln_verdict verdict;
	struct fp_vuln_matches m;
	const char *fixed;

	if (fp_vuln_affected_check(a, a->eco, v, &verdict, &fixed, NULL) ||
	    fp_vuln_match(ix, &pkg, 1, NULL, NULL, &m))
		abort();
	if (m.invalid || (verdict != FP_VULN_AFFECTED && fixed))
		abort();
	fp_vuln_matches_release(&m);
}

static inline void fuzz_vuln_match_feed(const struct fp_vuln_feed *f)
{
	struct fp_vuln_index *ix;

	if (fp_vuln_index_new(&f, 1, &ix))
		abort();
	for (size_t i = 0; i < f->n_vulns; i++)
		for (size_t j = 0; j < f->vulns[i].n_affected; j++) {
			const struct fp_vuln_affected *a = &f->vulns[i].affected[j];

			for (size_t r = 0; r < a->n_ranges; r++) {
				if (a->ranges[r].type != FP_VULN_RANGE_ECOSYSTEM)
					continue;
				for (size_t e = 0; e < a->ranges[r].n_events; e++) {
					const char *v = a->ranges[r].events[e].version;

					if (strcmp(v, "*"))
						fuzz_vuln_match_entry(ix, a, v);
				}
			}
			for (size_t k = 0; k < a->n_versions; k++)
				fuzz_vuln_match_entry(ix, a, a->versions[k]);
		}
	fp_vuln_index_free(ix);
}

/* Walk every field of an accepted feed; abort on an inconsistency. */
static inline void fuzz_vuln_check_feed(const struct fp_vuln_feed *f)
{
	for (size_t i = 0; i < f->n_vulns; i++) {
		const struct fp_vuln *v = &f->vulns[i];

		if (!v->id || !*v->id || v->n_affected > FP_VULN_MAX_AFFECTED)
			abort();
		for (size_t k = 0; k < v->n_cves; k++)
			if (strncmp(v->cves[k], "CVE-", 4))
				abort();
		for (size_t j = 0; j < v->n_affected; j++) {
			const struct fp_vuln_affected *a = &v->affected[j];

			if (!a->name || !a->dist || !a->ecosystem)
				abort();
			for (size_t r = 0; r < a->n_ranges; r++)
				for (size_t e = 0; e < a->ranges[r].n_events; e++)
					if (!a->ranges[r].events[e].version)
						abort();
			for (size_t k = 0; k < a->n_versions; k++)
				if (!a->versions[k])
					abort();
		}
	}
}

typedef int fuzz_vuln_parse_fn(const char *, size_t, const char *,
				struct fp_vuln_feed **, struct fp_diag *);

/* Parse; what is accepted must hold together, a failure hands nothing
 * back and says why. */
static inline int fuzz_vuln_feed(fuzz_vuln_parse_fn *fn, const uint8_t *data,
				 size_t size)
{
	struct fp_vuln_feed *f = NULL;
	struct fp_diag d;

	if (fn((const char *)data, size, "fuzz", &f, &d) == 0) {
		fuzz_vuln_check_feed(f);
		fuzz_vuln_match_feed(f);
	}
	else if (f || !d.msg[0])
		abort();
	fp_vuln_feed_free(f);
	return 0;
}

#endif
