/* SPDX-License-Identifier: MIT */
/* Fuzz fp_dpkg_status_parse: hostile input must give an error, never a crash. */
#include "fuzz_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(fp_dpkg_status_parse, data, size);
}
