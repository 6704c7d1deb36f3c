/* SPDX-License-Identifier: MIT */
#ifndef FP_VERSION_INT_H
#define FP_VERSION_INT_H

/*
 * Internal interface between lib/version/version.c (dispatch) and one
 * backend file per ecosystem.  A backend parses a version into views of
 * the caller's bytes (no copy, no allocation) and compares two parsed
 * versions.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fleetpatch/err.h"

/*
 * A parsed version: views into the caller's string.  Backends use the
 * parts they need (semver puts the pre-release into 'rel').  'whole' is
 * the version without surrounding blanks the ecosystem ignores.
 */
struct fp__vparts {
	const char *whole;
	size_t whole_len;
	const char *epoch; /* digits; epoch_len 0 means "0" */
	size_t epoch_len;
	uint32_t epoch_num; /* deb only */
	const char *ver;
	size_t ver_len;
	const char *rel;
	size_t rel_len;
	bool has_rel;
};

struct fp__version_ops {
	const char *name;
	/*
	 * Parse and validate; 'len' is at most FP_VERSION_MAX_LEN and at
	 * least 1.  On failure fill 'diag' (column 1-based into 'v') and
	 * return FP_EINVAL; 'ret' is then undefined.
	 */
	int (*parse)(const char *v, size_t len, struct fp__vparts *ret,
		     struct fp_diag *diag);
	/* Compare two versions 'parse' accepted: <0, 0, >0.  No allocation. */
	int (*compare)(const struct fp__vparts *a, const struct fp__vparts *b);
};

extern const struct fp__version_ops fp__version_deb;
extern const struct fp__version_ops fp__version_rpm;
extern const struct fp__version_ops fp__version_apk;
extern const struct fp__version_ops fp__version_pacman;
extern const struct fp__version_ops fp__version_semver;
extern const struct fp__version_ops fp__version_generic;

/*
 * The raw segment comparators, exposed for the differential tests against
 * the real libraries: they accept any bytes, exactly as the originals do.
 *   fp__rpm_vercmp    = librpm's rpmvercmp()
 *   fp__pacman_vercmp = libalpm's internal rpmvercmp() (no ~ or ^)
 *   fp__apk_compare   = apk-tools' apk_version_compare(), which also
 *                       orders invalid versions
 *   fp__deb_verrevcmp = dpkg's verrevcmp()
 */
int fp__rpm_vercmp(const char *a, size_t alen, const char *b, size_t blen);
int fp__pacman_vercmp(const char *a, size_t alen, const char *b, size_t blen);
int fp__apk_compare(const char *a, size_t alen, const char *b, size_t blen);
int fp__deb_verrevcmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * [epoch:]version[-release] split shared by rpm and pacman (their
 * parseEVR() is the same); rejects blanks, controls and non-ASCII bytes,
 * an empty epoch, version or release.
 */
int fp__evr_parse(const char *v, size_t len, struct fp__vparts *ret,
		  struct fp_diag *diag);

/* ASCII classes, independent of the locale. */
static inline bool fp__isdigit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline bool fp__isalpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline bool fp__isalnum(unsigned char c)
{
	return fp__isdigit(c) || fp__isalpha(c);
}

/* End of the run of digits (or of letters) that starts at s[i]. */
static inline size_t fp__run_end(const char *s, size_t len, size_t i,
				 bool digits)
{
	while (i < len && (digits ? fp__isdigit(s[i]) : fp__isalpha(s[i])))
		i++;
	return i;
}

/*
 * Compare two runs of decimal digits by value, any length: leading zeros
 * are skipped, then the longer run wins, then the bytes decide.
 */
int fp__numcmp(const char *a, size_t alen, const char *b, size_t blen);

/* strcmp() of two byte runs that are not NUL-terminated: -1, 0 or 1. */
int fp__bytecmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Reject bytes that no ecosystem's versions contain (controls, blanks,
 * DEL, non-ASCII); returns the index of the first such byte or 'len'.
 */
size_t fp__first_unprintable(const char *v, size_t len);

#endif
