/* SPDX-License-Identifier: MIT */
/* Fuzz the maintenance-window decoder (API bodies) and its arithmetic. */
#include <stdint.h>
#include <string.h>

#include "fleetpatch/window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_window w;
	struct fp_diag d;
	json_error_t jerr;
	json_t *j, *back;
	int64_t o, c;

	if (size > 4096)
		return 0;
	j = json_loadb((const char *)data, size, 0, &jerr);
	if (!j)
		return 0;
	fp_window_init(&w);
	fp_diag_init(&d, NULL);
	if (fp_window_from_json(j, NULL, &d, &w) == 0) {
		for (int64_t t = 1700000000; t < 1900000000; t += 3333333)
			if (fp_window_next(&w, t, &o, &c) != 0 || c <= t)
				__builtin_trap();
		back = fp_window_to_json(&w);
		json_decref(back);
	}
	fp_window_release(&w);
	json_decref(j);
	return 0;
}
