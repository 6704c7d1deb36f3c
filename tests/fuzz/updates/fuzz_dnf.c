/* SPDX-License-Identifier: MIT */
/* Fuzz the dnf-side parsers: `dnf check-update`, then `dnf updateinfo
 * list --security` and `rpm -qa` over the same bytes. */
#include "fuzz_updates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fuzz_parse_fn *const fns[] = {
		fp_updates_parse_dnf, fp_updates_parse_dnf_security,
		fp_updates_parse_rpm_installed,
	};

	return fuzz_parsers(data, size, fns, 3);
}
