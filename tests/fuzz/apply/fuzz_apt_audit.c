/* SPDX-License-Identifier: MIT */
/* agent_apt_audit_parse over arbitrary dpkg-query output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/buf.h"
#include "pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct fp_buf report;
	bool found;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fp_buf_init(&report, 1 << 20);
	found = agent_apt_audit_parse(s, &report);
	/* Report lines only for found packages, each ending in '\n'. */
	if ((report.len > 0 && !found) ||
	    (report.len && report.data[report.len - 1] != '\n'))
		abort();
	fp_buf_release(&report);
	free(s);
	return 0;
}
