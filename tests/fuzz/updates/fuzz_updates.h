/* SPDX-License-Identifier: MIT */
/*
 * Shared body of the update-parser fuzz targets: the input goes through
 * each parser in turn against one list, so the parsers that complete or
 * mark entries (installed versions, security, origins) see entries made
 * by the list parser before them.
 */
#ifndef FUZZ_UPDATES_H
#define FUZZ_UPDATES_H

#include <stdint.h>

#include "fleetpatch/updates.h"

typedef int fuzz_parse_fn(const char *, size_t, struct fp_update_list *,
			  struct fp_diag *);

static inline int fuzz_parsers(const uint8_t *data, size_t size,
			       fuzz_parse_fn *const *fns, size_t n)
{
	struct fp_arena arena;
	struct fp_update_list l;
	struct fp_diag d;

	fp_arena_init(&arena, 0, 0);
	fp_update_list_init(&l, &arena);
	fp_diag_init(&d, "fuzz");
	for (size_t i = 0; i < n; i++)
		fns[i]((const char *)data, size, &l, &d);
	fp_update_list_release(&l);
	fp_arena_release(&arena);
	return 0;
}

#endif
