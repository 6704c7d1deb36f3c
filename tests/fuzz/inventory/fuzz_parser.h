/* SPDX-License-Identifier: MIT */
/* Shared body of the inventory parser fuzz targets. */
#ifndef FP_FUZZ_INVENTORY_PARSER_H
#define FP_FUZZ_INVENTORY_PARSER_H

#include <stdint.h>

#include "fleetpatch/inventory.h"

typedef int fuzz_parse_fn(const char *, size_t, const char *,
			  struct fp_inventory *, struct fp_diag *);

/* Parse; what is accepted must also sort and encode. */
static inline int fuzz_parser(fuzz_parse_fn *fn, const uint8_t *data, size_t size)
{
	struct fp_inventory inv;
	struct fp_diag d;

	fp_inventory_init(&inv);
	if (fn((const char *)data, size, "fuzz", &inv, &d) == 0) {
		struct fp_buf out;
		fp_buf_init(&out, 0);
		fp_inventory_sort(&inv);
		fp_inventory_write_json(&inv, &out);
		fp_buf_release(&out);
	}
	fp_inventory_release(&inv);
	return 0;
}

#endif
