/* SPDX-License-Identifier: MIT */
/* Fuzz the TZif reader and the POSIX TZ footer rules, then use the zone. */
#include <stdint.h>
#include <string.h>

#include "fleetpatch/window.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_tz *tz = NULL;
	struct fp_diag d;
	int64_t utc;

	fp_diag_init(&d, NULL);
	if (fp_tz_parse(data, size, "fuzz", &d, &tz) != 0)
		return 0;
	for (int64_t t = -4000000000LL; t < 8000000000LL; t += 7777777) {
		int32_t off = fp_tz_offset(tz, t, NULL);
		fp_tz_local_to_utc(tz, t + off, &utc);
	}
	{
		struct fp_window w;
		int64_t o, c;
		fp_window_init(&w);
		w.days = 0x41;
		w.start = 9000;
		w.duration = 7200;
		w.tz = tz;
		for (int64_t t = 1700000000; t < 1900000000; t += 9999999)
			fp_window_next(&w, t, &o, &c);
		fp_window_release(&w); /* frees tz */
	}
	return 0;
}
