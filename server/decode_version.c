/* SPDX-License-Identifier: MIT */
/* Ecosystem names and version checks for the decoders, over lib/version. */
#include <string.h>

#include "decode_internal.h"

const char *fp_weco_name(enum fp_ecosystem eco)
{
	const char *n = fp_ecosystem_name(eco);
	return n ? n : "unknown";
}

int fp_weco_parse(const char *name, enum fp_ecosystem *ret)
{
	return fp_ecosystem_from_name(name, ret) ? FP_EINVAL : 0;
}

int fp__version_check(enum fp_ecosystem eco, const char *v, const char *path,
		      struct fp_jerr *jerr)
{
	struct fp_diag d;

	fp_diag_init(&d, NULL);
	if (fp_version_check(eco, v, strlen(v), &d) == 0)
		return 0;
	return fp__jerr(jerr, FP_EINVAL, path, "invalid %s version '%.64s': %s",
			fp_weco_name(eco), v, d.msg[0] ? d.msg : "rejected");
}

int fp_wversion_cmp(enum fp_ecosystem eco, const char *a, const char *b)
{
	int cmp = 0;

	/* both were validated when they came in; fall back to bytes if not */
	if (fp_version_compare(eco, a, b, &cmp, NULL))
		return strcmp(a, b);
	return cmp;
}
