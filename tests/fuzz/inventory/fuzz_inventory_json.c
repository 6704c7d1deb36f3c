/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the strict wire-form decoder; what it accepts must encode again
 * (tree and stream alike) and decode to the same package set hash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_inventory inv, back;
	struct fp_diag d;
	json_error_t je;
	json_t *j, *again;
	struct fp_buf out;
	char h1[65], h2[65];

	if (size > 1 << 20)
		return 0;
	j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &je);
	if (!j)
		return 0;
	fp_inventory_init(&inv);
	fp_inventory_init(&back);
	fp_buf_init(&out, 0);
	if (fp_inventory_from_json(j, &inv, &d) == 0) {
		if (fp_inventory_write_json(&inv, &out) == 0) {
			again = json_loadb(out.data, out.len, 0, &je);
			if (!again)
				abort(); /* the stream must be valid JSON */
			if (fp_inventory_from_json(again, &back, &d) != 0)
				abort(); /* what was accepted must come back */
			fp_inventory_hash(&inv, h1);
			fp_inventory_hash(&back, h2);
			if (strcmp(h1, h2))
				abort();
			json_decref(again);
		}
		json_decref(fp_inventory_to_json(&inv));
	}
	fp_buf_release(&out);
	fp_inventory_release(&back);
	fp_inventory_release(&inv);
	json_decref(j);
	return 0;
}
