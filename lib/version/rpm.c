/* SPDX-License-Identifier: MIT */
/*
 * RPM versions, exactly as librpm 4.18: rpmvercmp() (rpmio/rpmvercmp.c)
 * for one field, rpmverParse()/rpmverCmp() (lib/rpmver.c) for a whole
 * [epoch:]version[-release]: a missing epoch is 0, and a missing release
 * sorts before any release ("1.0" < "1.0-1"; rpmverCmp() in 4.18, checked
 * against librpm by tests/unit/version/test_version_diff.c).
 */
#include <string.h>

#include "version_int.h"

/* Segment order shared in spirit with pacman.c, but with '~' and '^'. */
static bool is_sep(unsigned char c)
{
	return !fp__isalnum(c) && c != '~' && c != '^';
}

int fp__rpm_vercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	while (i < alen || j < blen) {
		size_t si, sj;
		bool isnum;
		int rc;

		while (i < alen && is_sep(a[i]))
			i++;
		while (j < blen && is_sep(b[j]))
			j++;

		/* '~' sorts before everything, even the end. */
		if ((i < alen && a[i] == '~') || (j < blen && b[j] == '~')) {
			if (i >= alen || a[i] != '~')
				return 1;
			if (j >= blen || b[j] != '~')
				return -1;
			i++, j++;
			continue;
		}
		/* '^' sorts after the end but before anything else. */
		if ((i < alen && a[i] == '^') || (j < blen && b[j] == '^')) {
			if (i >= alen)
				return -1;
			if (j >= blen)
				return 1;
			if (a[i] != '^')
				return 1;
			if (b[j] != '^')
				return -1;
			i++, j++;
			continue;
		}
		if (i >= alen || j >= blen)
			break;

		si = i;
		sj = j;
		isnum = fp__isdigit(a[i]);
		i = fp__run_end(a, alen, i, isnum);
		j = fp__run_end(b, blen, j, isnum);
		/* Numeric segments are newer than alpha ones. */
		if (sj == j)
			return isnum ? 1 : -1;
		if (isnum)
			rc = fp__numcmp(a + si, i - si, b + sj, j - sj);
		else
			rc = fp__bytecmp(a + si, i - si, b + sj, j - sj);
		if (rc)
			return rc;
	}
	if (i >= alen && j >= blen)
		return 0;
	return i >= alen ? -1 : 1;
}

/*
 * Shared by rpm and pacman, whose parseEVR() is the same: leading digits
 * followed by ':' are the epoch, the text after the last '-' from there on
 * is the release.  Rejected here although the libraries take them: bytes
 * no package version contains, an empty epoch, version or release.
 */
int fp__evr_parse(const char *v, size_t len, struct fp__vparts *p,
		  struct fp_diag *d)
{
	size_t s = 0, k, bad;

	bad = fp__first_unprintable(v, len);
	if (bad < len)
		return fp_diag_set(d, FP_EINVAL, 0, bad + 1,
				   (unsigned char)v[bad] == ' ' ?
				   "version contains a space" :
				   "version contains a control or non-ASCII byte");
	p->whole = v;
	p->whole_len = len;
	while (s < len && fp__isdigit(v[s]))
		s++;
	p->epoch = v;
	p->epoch_len = 0;
	p->ver = v;
	if (s < len && v[s] == ':') {
		if (s == 0)
			return fp_diag_set(d, FP_EINVAL, 0, 1,
					   "epoch before ':' is empty");
		p->epoch_len = s;
		p->ver = v + s + 1;
	}
	p->has_rel = false;
	p->rel = NULL;
	p->rel_len = 0;
	p->ver_len = (size_t)(v + len - p->ver);
	for (k = len; k > s; k--) {
		if (v[k - 1] == '-') {
			p->has_rel = true;
			p->rel = v + k;
			p->rel_len = len - k;
			p->ver_len = (size_t)(v + k - 1 - p->ver);
			break;
		}
	}
	if (p->ver_len == 0)
		return fp_diag_set(d, FP_EINVAL, 0, (size_t)(p->ver - v) + 1,
				   "version part is empty");
	if (p->has_rel && p->rel_len == 0)
		return fp_diag_set(d, FP_EINVAL, 0, len,
				   "release after '-' is empty");
	return 0;
}

static int rpm_compare(const struct fp__vparts *a, const struct fp__vparts *b)
{
	int r;

	r = fp__numcmp(a->epoch, a->epoch_len, b->epoch, b->epoch_len);
	if (r)
		return r;
	r = fp__rpm_vercmp(a->ver, a->ver_len, b->ver, b->ver_len);
	if (r)
		return r;
	if (a->has_rel != b->has_rel)
		return a->has_rel ? 1 : -1;
	if (!a->has_rel)
		return 0;
	return fp__rpm_vercmp(a->rel, a->rel_len, b->rel, b->rel_len);
}

const struct fp__version_ops fp__version_rpm = {
	.name = "rpm",
	.parse = fp__evr_parse,
	.compare = rpm_compare,
};
