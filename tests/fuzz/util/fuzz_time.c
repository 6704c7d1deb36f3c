/* SPDX-License-Identifier: MIT */
/* Fuzz the RFC 3339 time and duration parsers (config and API input). */
#include <stdint.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	time_t t;
	int64_t secs;
	char out[32];

	if (size > 256)
		return 0;
	s = fp_strndup((const char *)data, size);
	if (!s)
		return 0;
	if (fp_time_parse_rfc3339(s, &t) == 0)
		fp_time_rfc3339(t, out);
	fp_duration_parse(s, &secs);
	fp_free(s);
	return 0;
}
