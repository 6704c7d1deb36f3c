/* SPDX-License-Identifier: MIT */
/*
 * Version comparison: dispatch to one backend per ecosystem.  The common
 * checks (empty, too long) live here; everything else is the backend's.
 */
#include <string.h>

#include "fleetpatch/version.h"
#include "version_int.h"

static const struct fp__version_ops *const backends[FP_ECO__COUNT] = {
	[FP_ECO_DEB] = &fp__version_deb,
	[FP_ECO_RPM] = &fp__version_rpm,
	[FP_ECO_APK] = &fp__version_apk,
	[FP_ECO_PACMAN] = &fp__version_pacman,
	[FP_ECO_SEMVER] = &fp__version_semver,
	[FP_ECO_GENERIC] = &fp__version_generic,
};

const char *fp_ecosystem_name(enum fp_ecosystem eco)
{
	if ((unsigned)eco >= FP_ECO__COUNT)
		return NULL;
	return backends[eco]->name;
}

int fp_ecosystem_from_name(const char *name, enum fp_ecosystem *ret_eco)
{
	if (!name)
		return FP_EINVAL;
	for (unsigned i = 0; i < FP_ECO__COUNT; i++) {
		if (strcmp(name, backends[i]->name) == 0) {
			*ret_eco = (enum fp_ecosystem)i;
			return 0;
		}
	}
	return FP_EINVAL;
}

static int parse(const struct fp__version_ops *ops, const char *v, size_t len,
		 struct fp__vparts *ret, struct fp_diag *diag)
{
	if (!v || len == 0)
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "version is empty");
	if (len > FP_VERSION_MAX_LEN)
		return fp_diag_set(diag, FP_EINVAL, 0, FP_VERSION_MAX_LEN + 1,
				   "version is longer than %d bytes",
				   FP_VERSION_MAX_LEN);
	return ops->parse(v, len, ret, diag);
}

int fp_version_check(enum fp_ecosystem eco, const char *v, size_t len,
		     struct fp_diag *diag)
{
	struct fp__vparts p;

	if ((unsigned)eco >= FP_ECO__COUNT)
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "unknown ecosystem");
	return parse(backends[eco], v, len, &p, diag);
}

/* Prefix the backend's reason with which of the two versions it is about. */
static int blame(struct fp_diag *diag, const char *which)
{
	char reason[sizeof(diag->msg)];

	if (!diag)
		return FP_EINVAL;
	memcpy(reason, diag->msg, sizeof(reason));
	reason[sizeof(reason) - 1] = '\0';
	return fp_diag_set(diag, FP_EINVAL, diag->line, diag->column,
			   "%s version: %s", which, reason);
}

int fp_version_compare_n(enum fp_ecosystem eco, const char *a, size_t alen,
			 const char *b, size_t blen, int *ret_cmp,
			 struct fp_diag *diag)
{
	const struct fp__version_ops *ops;
	struct fp__vparts pa, pb;
	int c;

	if ((unsigned)eco >= FP_ECO__COUNT)
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "unknown ecosystem");
	ops = backends[eco];
	if (parse(ops, a, alen, &pa, diag) != 0)
		return blame(diag, "first");
	if (parse(ops, b, blen, &pb, diag) != 0)
		return blame(diag, "second");
	c = ops->compare(&pa, &pb);
	*ret_cmp = (c > 0) - (c < 0);
	return 0;
}

int fp_version_compare(enum fp_ecosystem eco, const char *a, const char *b,
		       int *ret_cmp, struct fp_diag *diag)
{
	return fp_version_compare_n(eco, a, a ? strlen(a) : 0, b,
				    b ? strlen(b) : 0, ret_cmp, diag);
}

int fp__numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c;

	while (alen && *a == '0')
		a++, alen--;
	while (blen && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return (c > 0) - (c < 0);
}

int fp__bytecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

size_t fp__first_unprintable(const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= ' ' || c >= 0x7f)
			return i;
	}
	return len;
}
