/* SPDX-License-Identifier: MIT */
/* Shared checks of the vuln fuzz targets. */
#ifndef FP_FUZZ_VULN_H
#define FP_FUZZ_VULN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/vuln.h"

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

	if (fn((const char *)data, size, "fuzz", &f, &d) == 0)
		fuzz_vuln_check_feed(f);
	else if (f || !d.msg[0])
		abort();
	fp_vuln_feed_free(f);
	return 0;
}

#endif
