/* SPDX-License-Identifier: MIT */
/* Fuzz the `apk version -l '<'` output parser. */
#include "fuzz_updates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fuzz_parse_fn *const fns[] = { fp_updates_parse_apk };

	return fuzz_parsers(data, size, fns, 1);
}
