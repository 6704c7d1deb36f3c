/* SPDX-License-Identifier: MIT */
/* EPSS CSV: accepted rows are in range, sorted, unique and found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_epss *e = NULL;
	struct fp_diag d;

	if (fp_epss_parse((const char *)data, size, "fuzz", &e, &d) == 0) {
		for (size_t i = 0; i < e->n; i++) {
			const struct fp_epss_entry *x = &e->entries[i];

			if (!(x->score >= 0 && x->score <= 1) ||
			    !(x->percentile >= 0 && x->percentile <= 1) ||
			    fp_epss_find(e, x->cve) != x ||
			    (i && strcmp(e->entries[i - 1].cve, x->cve) >= 0))
				abort();
		}
	} else if (e || !d.msg[0]) {
		abort();
	}
	fp_epss_free(e);
	return 0;
}
