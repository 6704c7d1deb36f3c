/* SPDX-License-Identifier: MIT */
/*
 * Every version parser and comparator.  Input: one byte choosing the
 * ecosystem, then "A\nB".  Checks that a valid pair compares the same
 * both ways round and each version equals itself, and runs the raw
 * comparators (which take any bytes) on the same input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/version.h"
#include "version_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum fp_ecosystem eco;
	const char *a, *b, *nl;
	size_t alen, blen;
	struct fp_diag d;
	int ab, ba, aa;

	if (size < 1)
		return 0;
	eco = (enum fp_ecosystem)(data[0] % FP_ECO__COUNT);
	a = (const char *)data + 1;
	size--;
	nl = memchr(a, '\n', size);
	alen = nl ? (size_t)(nl - a) : size;
	b = nl ? nl + 1 : a + size;
	blen = nl ? size - alen - 1 : 0;

	fp_diag_init(&d, NULL);
	(void)fp_version_check(eco, a, alen, &d);
	(void)fp_version_check(eco, b, blen, &d);
	if (fp_version_compare_n(eco, a, alen, b, blen, &ab, &d) == 0) {
		if (fp_version_compare_n(eco, b, blen, a, alen, &ba, NULL) != 0 ||
		    fp_version_compare_n(eco, a, alen, a, alen, &aa, NULL) != 0 ||
		    ab != -ba || aa != 0)
			abort();
	}
	(void)fp__rpm_vercmp(a, alen, b, blen);
	(void)fp__pacman_vercmp(a, alen, b, blen);
	(void)fp__apk_compare(a, alen, b, blen);
	(void)fp__deb_verrevcmp(a, alen, b, blen);
	return 0;
}
