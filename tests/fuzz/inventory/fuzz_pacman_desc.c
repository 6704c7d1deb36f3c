/* SPDX-License-Identifier: MIT */
/* Fuzz fp_pacman_desc_parse: hostile input must give an error, never a crash. */
#include "fuzz_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(fp_pacman_desc_parse, data, size);
}
