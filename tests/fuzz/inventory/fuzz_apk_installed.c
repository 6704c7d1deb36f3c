/* SPDX-License-Identifier: MIT */
/* Fuzz fp_apk_installed_parse: hostile input must give an error, never a crash. */
#include "fuzz_parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_parser(fp_apk_installed_parse, data, size);
}
