/* SPDX-License-Identifier: MIT */
/* Fuzz the `pacman -Qu` parser, then `pacman -Sl` over the same bytes. */
#include "fuzz_updates.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static fuzz_parse_fn *const fns[] = {
		fp_updates_parse_pacman, fp_updates_parse_pacman_repos,
	};

	return fuzz_parsers(data, size, fns, 2);
}
