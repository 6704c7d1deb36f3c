/* SPDX-License-Identifier: MIT */
/* Fuzz the `apt-get -s dist-upgrade` output parser. */
#include <stdint.h>

#include "fleetpatch/updates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_arena arena;
	struct fp_update_list l;
	struct fp_diag d;

	fp_arena_init(&arena, 0, 0);
	fp_update_list_init(&l, &arena);
	fp_diag_init(&d, "fuzz");
	fp_updates_parse_apt((const char *)data, size, &l, &d);
	fp_update_list_release(&l);
	fp_arena_release(&arena);
	return 0;
}
