/* SPDX-License-Identifier: MIT */
/* Fuzz the zypper parsers: `list-updates` XML, then the same bytes as
 * `list-patches` XML and as `info -t patch` text. */
#include "fuzz_updates.h"

static int patches(const char *data, size_t len, struct fp_update_list *l,
		   struct fp_diag *diag)
{
	char *names[16];
	size_t n;

	return fp_updates_zypper_security_patches(data, len, l->arena, names,
						  16, &n, diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fuzz_parse_fn *const fns[] = {
		fp_updates_parse_zypper, patches, fp_updates_parse_zypper_info,
	};

	return fuzz_parsers(data, size, fns, 3);
}
