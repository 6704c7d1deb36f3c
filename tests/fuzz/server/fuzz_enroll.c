/* SPDX-License-Identifier: MIT */
/* fp_decode_enroll over arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_decode_limits lim;
	struct fp_enroll e;
	struct fp_jerr jerr;

	fp_decode_limits_default(&lim);
	lim.max_packages = 1000;
	if (fp_decode_enroll(data, size, &lim, &e, &jerr) == 0) {
		if (!e.secret || !e.ident.machine_id || !e.ident.hostname)
			__builtin_trap(); /* required fields */
		fp_enroll_release(&e);
	}
	return 0;
}
