/* SPDX-License-Identifier: MIT */
/*
 * Differential fuzzing against the real libdpkg: "A\nB" (no NUL) must get
 * the same validity from fp_version_check() as from parseversion(), and
 * the same order from fp_version_compare() as from dpkg_version_compare().
 */
#define LIBDPKG_VOLATILE_API 1
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dpkg/dpkg-db.h>
#include <dpkg/dpkg.h>
#include <dpkg/version.h>

#include "fleetpatch/version.h"

static bool dpkg_ok(const char *v, struct dpkg_version *ret)
{
	struct dpkg_error err = DPKG_ERROR_INIT;
	bool ok = parseversion(ret, v, &err) == 0;

	dpkg_error_destroy(&err);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[FP_VERSION_MAX_LEN + 1], b[FP_VERSION_MAX_LEN + 1];
	const char *nl;
	struct dpkg_version va, vb;
	size_t alen, blen;
	bool fa, fb, da, db;
	int c, want;

	if (size > 2 * FP_VERSION_MAX_LEN || memchr(data, 0, size))
		return 0;
	nl = memchr(data, '\n', size);
	alen = nl ? (size_t)(nl - (const char *)data) : size;
	blen = nl ? size - alen - 1 : 0;
	if (alen > FP_VERSION_MAX_LEN || blen > FP_VERSION_MAX_LEN)
		return 0;
	memcpy(a, data, alen);
	a[alen] = '\0';
	memcpy(b, nl ? nl + 1 : (const char *)data, blen);
	b[blen] = '\0';

	fa = fp_version_is_valid(FP_ECO_DEB, a, alen);
	fb = fp_version_is_valid(FP_ECO_DEB, b, blen);
	da = dpkg_ok(a, &va);
	db = dpkg_ok(b, &vb);
	if (fa != da || fb != db)
		abort();
	if (fa && fb) {
		want = dpkg_version_compare(&va, &vb);
		want = (want > 0) - (want < 0);
		if (fp_version_compare(FP_ECO_DEB, a, b, &c, NULL) != 0 ||
		    c != want)
			abort();
	}
	nffreeall();
	return 0;
}
