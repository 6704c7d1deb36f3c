/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_VERSION_H
#define FLEETPATCH_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#include "fleetpatch/err.h"

/*
 * Version comparison per ecosystem, exactly as each package manager does
 * it.  One backend file per ecosystem under lib/version/.
 */
enum fp_ecosystem {
	FP_ECO_DEB = 0,  /* dpkg */
	FP_ECO_RPM,      /* rpmvercmp + EVR */
	FP_ECO_APK,      /* apk-tools */
	FP_ECO_PACMAN,   /* libalpm vercmp */
	FP_ECO_SEMVER,   /* SemVer 2.0.0 precedence */
	FP_ECO_GENERIC,  /* vendor dotted versions: 1.8.0_391, 17.0.9+9 */
	FP_ECO__COUNT
};

/*
 * Longest version accepted, in bytes.  Longer input is rejected with a
 * reason (no package manager ships versions anywhere near this long).
 */
#define FP_VERSION_MAX_LEN 1024

/* "deb", "rpm", ... ; NULL for an out-of-range value. */
const char *fp_ecosystem_name(enum fp_ecosystem eco);

/* Parse "deb", "rpm", "apk", "pacman", "semver", "generic". */
int fp_ecosystem_from_name(const char *name, enum fp_ecosystem *ret_eco);

/*
 * Check that 'v' is a valid version of the ecosystem.  On failure returns
 * FP_EINVAL and, when 'diag' is non-NULL, says why and at which column.
 */
int fp_version_check(enum fp_ecosystem eco, const char *v, size_t len,
		     struct fp_diag *diag);

static inline bool fp_version_is_valid(enum fp_ecosystem eco, const char *v,
				       size_t len)
{
	return fp_version_check(eco, v, len, NULL) == 0;
}

/*
 * Compare two versions: -1, 0 or 1 into *ret_cmp.  Both must be valid
 * (FP_EINVAL and a diag naming which one otherwise: the message starts
 * with "first version: " or "second version: " and the column points into
 * that version).  No allocation; safe to call from many threads.  The
 * rules of each ecosystem are in docs/version.md.
 */
int fp_version_compare_n(enum fp_ecosystem eco, const char *a, size_t alen,
			 const char *b, size_t blen, int *ret_cmp,
			 struct fp_diag *diag);

/* NUL-terminated convenience form. */
int fp_version_compare(enum fp_ecosystem eco, const char *a, const char *b,
		       int *ret_cmp, struct fp_diag *diag);

#endif
