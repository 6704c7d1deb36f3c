/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the dnf-side parsers: the input is parsed as `dnf check-update`
 * output, then the same bytes as `dnf updateinfo list --security` and
 * `rpm -qa` output against the list that produced, so the parsers that
 * mark and complete entries see entries to work on.
 */
#include <stdint.h>

#include "fleetpatch/updates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_arena arena;
	struct fp_update_list l;
	struct fp_diag d;
	const char *s = (const char *)data;

	fp_arena_init(&arena, 0, 0);
	fp_update_list_init(&l, &arena);
	fp_diag_init(&d, "fuzz");
	fp_updates_parse_dnf(s, size, &l, &d);
	fp_updates_parse_dnf_security(s, size, &l, &d);
	fp_updates_parse_rpm_installed(s, size, &l, &d);
	fp_update_list_release(&l);
	fp_arena_release(&arena);
	return 0;
}
