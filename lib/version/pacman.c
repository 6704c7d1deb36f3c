/* SPDX-License-Identifier: MIT */
/*
 * pacman versions, exactly as libalpm's alpm_pkg_vercmp() (lib/libalpm/
 * version.c): parseEVR() as rpm, a missing epoch is 0, releases compared
 * only when both have one, and libalpm's own copy of rpmvercmp() from rpm
 * 4.8: no '~' or '^', a longer run of separators wins, and a trailing
 * alpha part sorts before the end ("1.0a" < "1.0").
 */
#include <string.h>

#include "version_int.h"

int fp__pacman_vercmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0, pi = 0, pj = 0;
	unsigned char ca, cb;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	while (i < alen && j < blen) {
		bool isnum;
		int rc;

		while (i < alen && !fp__isalnum(a[i]))
			i++;
		while (j < blen && !fp__isalnum(b[j]))
			j++;
		if (i >= alen || j >= blen)
			break;
		/* Different separator lengths decide. */
		if (i - pi != j - pj)
			return i - pi < j - pj ? -1 : 1;
		pi = i;
		pj = j;
		isnum = fp__isdigit(a[pi]);
		pi = fp__run_end(a, alen, pi, isnum);
		pj = fp__run_end(b, blen, pj, isnum);
		if (pj == j)
			return isnum ? 1 : -1;
		if (isnum)
			rc = fp__numcmp(a + i, pi - i, b + j, pj - j);
		else
			rc = fp__bytecmp(a + i, pi - i, b + j, pj - j);
		if (rc)
			return rc;
		i = pi;
		j = pj;
	}
	if (i >= alen && j >= blen)
		return 0;
	ca = i < alen ? (unsigned char)a[i] : 0;
	cb = j < blen ? (unsigned char)b[j] : 0;
	/* A remaining alpha part never beats the end of the other. */
	if ((i >= alen && !fp__isalpha(cb)) || fp__isalpha(ca))
		return -1;
	return 1;
}

static int pacman_compare(const struct fp__vparts *a,
			  const struct fp__vparts *b)
{
	int r;

	if (a->whole_len == b->whole_len &&
	    memcmp(a->whole, b->whole, a->whole_len) == 0)
		return 0;
	r = fp__numcmp(a->epoch, a->epoch_len, b->epoch, b->epoch_len);
	if (r)
		return r;
	r = fp__pacman_vercmp(a->ver, a->ver_len, b->ver, b->ver_len);
	if (r || !a->has_rel || !b->has_rel)
		return r;
	return fp__pacman_vercmp(a->rel, a->rel_len, b->rel, b->rel_len);
}

const struct fp__version_ops fp__version_pacman = {
	.name = "pacman",
	.parse = fp__evr_parse,
	.compare = pacman_compare,
};
