/* SPDX-License-Identifier: MIT */
/* Fuzz the `apt-get -s dist-upgrade` output parser. */
#include "fuzz_updates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fuzz_parse_fn *const fns[] = { fp_updates_parse_apt };

	return fuzz_parsers(data, size, fns, 1);
}
