/* SPDX-License-Identifier: MIT */
/*
 * OSV records: whatever is accepted must hold together (sorted events,
 * strings set, counts within limits).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/vuln.h"
#include "fuzz_vuln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_vuln_feed *f = NULL;
	struct fp_diag d;

	if (fp_vuln_parse_osv((const char *)data, size, "fuzz", &f, &d) == 0)
		fuzz_vuln_check_feed(f);
	else if (f || !d.msg[0])
		abort(); /* a failure hands nothing back and says why */
	fp_vuln_feed_free(f);
	return 0;
}
