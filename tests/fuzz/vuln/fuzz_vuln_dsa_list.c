/* SPDX-License-Identifier: MIT */
/* The DSA list text: whatever is accepted must hold together. */
#include <stdint.h>

#include "fuzz_vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_vuln_feed(fp_vuln_parse_dsa_list, data, size);
}
