/* SPDX-License-Identifier: MIT */
/* The KEV catalog: accepted entries are sorted, unique and found. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_kev *k = NULL;
	struct fp_diag d;

	if (fp_kev_parse((const char *)data, size, "fuzz", &k, &d) == 0) {
		for (size_t i = 0; i < k->n; i++)
			if (!k->entries[i].date_added ||
			    fp_kev_find(k, k->entries[i].cve) != &k->entries[i] ||
			    (i && strcmp(k->entries[i - 1].cve,
					 k->entries[i].cve) >= 0))
				abort();
	} else if (k || !d.msg[0]) {
		abort();
	}
	fp_kev_free(k);
	return 0;
}
