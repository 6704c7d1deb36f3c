/* SPDX-License-Identifier: MIT */
/*
 * Debian versions, exactly as dpkg: parseversion() (lib/dpkg/parsehelp.c)
 * for validity, where what dpkg calls a warning is a rejection here too,
 * and dpkg_version_compare()/verrevcmp() (lib/dpkg/version.c) for order.
 *
 *   [epoch:]upstream[-revision]
 */
#include <limits.h>
#include <string.h>

#include "version_int.h"

static bool is_blank(unsigned char c) { return c == ' ' || c == '\t'; }

/* Character classes for the one-pass fast path of deb_parse(). */
enum { C_DIGIT = 1, C_UPSTREAM = 2, C_COLON = 4, C_HYPHEN = 8 };
static const unsigned char cls[256] = {
	['0' ... '9'] = C_DIGIT | C_UPSTREAM,
	['a' ... 'z'] = C_UPSTREAM,
	['A' ... 'Z'] = C_UPSTREAM,
	['.'] = C_UPSTREAM, ['-'] = C_UPSTREAM | C_HYPHEN, ['+'] = C_UPSTREAM,
	['~'] = C_UPSTREAM, [':'] = C_UPSTREAM | C_COLON,
};

/* What strtol() skips before the number: isspace() in the C locale. */
static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * The weight of a non-digit in verrevcmp(): '~' sorts before everything,
 * even the end of the string; letters before the other characters.
 */
static int order(unsigned char c)
{
	if (fp__isdigit(c))
		return 0;
	if (fp__isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

int fp__deb_verrevcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, j = 0;

	while (i < alen || j < blen) {
		int first_diff = 0;

		while ((i < alen && !fp__isdigit(a[i])) ||
		       (j < blen && !fp__isdigit(b[j]))) {
			int ac = i < alen ? order(a[i]) : 0;
			int bc = j < blen ? order(b[j]) : 0;

			if (ac != bc)
				return ac - bc;
			i++;
			j++;
		}
		while (i < alen && a[i] == '0')
			i++;
		while (j < blen && b[j] == '0')
			j++;
		while (i < alen && j < blen && fp__isdigit(a[i]) &&
		       fp__isdigit(b[j])) {
			if (!first_diff)
				first_diff = (unsigned char)a[i] -
					     (unsigned char)b[j];
			i++;
			j++;
		}
		if (i < alen && fp__isdigit(a[i]))
			return 1;
		if (j < blen && fp__isdigit(b[j]))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

/*
 * The epoch before the first colon, parsed the way dpkg's strtol() call
 * does: leading white space and a sign are accepted, "-0" is 0.
 */
static int parse_epoch(const char *v, size_t start, size_t colon,
		       uint32_t *ret, struct fp_diag *d)
{
	size_t i = start, digits;
	bool neg = false, big = false;
	unsigned long long n = 0;

	while (i < colon && is_space(v[i]))
		i++;
	if (i < colon && (v[i] == '+' || v[i] == '-'))
		neg = v[i++] == '-';
	digits = i;
	while (i < colon && fp__isdigit(v[i])) {
		n = n * 10 + (unsigned)(v[i] - '0');
		if (n > INT_MAX)
			big = true, n = (unsigned long long)INT_MAX + 1;
		i++;
	}
	if (i == digits)
		return fp_diag_set(d, FP_EINVAL, 0, start + 1,
				   "epoch in version is empty");
	if (i != colon)
		return fp_diag_set(d, FP_EINVAL, 0, i + 1,
				   "epoch in version is not number");
	if (neg && n)
		return fp_diag_set(d, FP_EINVAL, 0, start + 1,
				   "epoch in version is negative");
	if (big)
		return fp_diag_set(d, FP_EINVAL, 0, start + 1,
				   "epoch in version is too big");
	*ret = (uint32_t)n;
	return 0;
}

/*
 * The exact parseversion() walk, with every error; deb_parse() only comes
 * here for what its fast path cannot accept at a glance.
 */
static int deb_parse_slow(const char *v, size_t len, struct fp__vparts *p,
			  struct fp_diag *d)
{
	size_t start = 0, end, k, up;
	const char *colon, *hyphen;
	int r;

	while (start < len && is_blank(v[start]))
		start++;
	if (start == len)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "version string is empty");
	end = start;
	while (end < len && !is_blank(v[end]))
		end++;
	for (k = end; k < len && is_blank(v[k]); k++)
		;
	if (k < len)
		return fp_diag_set(d, FP_EINVAL, 0, end + 1,
				   "version string has embedded spaces");

	p->whole = v + start;
	p->whole_len = end - start;
	p->epoch = NULL;
	p->epoch_len = 0;
	p->epoch_num = 0;
	up = start;
	colon = memchr(v + start, ':', end - start);
	if (colon) {
		size_t c = (size_t)(colon - v);

		r = parse_epoch(v, start, c, &p->epoch_num, d);
		if (r)
			return r;
		if (c + 1 == end)
			return fp_diag_set(d, FP_EINVAL, 0, c + 1,
					   "nothing after colon in version number");
		up = c + 1;
	}

	p->ver = v + up;
	p->ver_len = end - up;
	p->rel = "";
	p->rel_len = 0;
	p->has_rel = false;
	hyphen = NULL;
	for (k = end; k > up; k--) {
		if (v[k - 1] == '-') {
			hyphen = v + k - 1;
			break;
		}
	}
	if (hyphen) {
		p->ver_len = (size_t)(hyphen - p->ver);
		p->rel = hyphen + 1;
		p->rel_len = (size_t)(v + end - p->rel);
		p->has_rel = true;
		if (p->rel_len == 0)
			return fp_diag_set(d, FP_EINVAL, 0, end,
					   "revision number is empty");
	}

	if (p->ver_len == 0)
		return fp_diag_set(d, FP_EINVAL, 0, up + 1,
				   "upstream version is empty");
	if (!fp__isdigit(p->ver[0]))
		return fp_diag_set(d, FP_EINVAL, 0, up + 1,
				   "version number does not start with digit");
	for (k = 1; k < p->ver_len; k++) {
		unsigned char c = (unsigned char)p->ver[k];
		if (fp__isalnum(c) || (c && strchr(".-+~:", c)))
			continue;
		return fp_diag_set(d, FP_EINVAL, 0, up + k + 1,
				   "invalid character in version number");
	}
	for (k = 0; k < p->rel_len; k++) {
		unsigned char c = (unsigned char)p->rel[k];
		if (fp__isalnum(c) || (c && strchr(".+~", c)))
			continue;
		return fp_diag_set(d, FP_EINVAL, 0,
				   (size_t)(p->rel - v) + k + 1,
				   "invalid character in revision number");
	}
	return 0;
}

/*
 * The common case in one pass: only upstream characters, a plain decimal
 * epoch if any, a digit first, a non-empty revision without ':'.
 */
static int deb_parse(const char *v, size_t len, struct fp__vparts *p,
		     struct fp_diag *d)
{
	unsigned acc = C_UPSTREAM, any = 0;
	size_t up = 0, k, hyphen = 0;
	uint32_t epoch = 0;
	const char *colon;

	/* One tight pass for the classes; '-' and ':' looked up after. */
	for (k = 0; k < len; k++) {
		unsigned c = cls[(unsigned char)v[k]];
		acc &= c;
		any |= c;
	}
	if (!(acc & C_UPSTREAM))
		return deb_parse_slow(v, len, p, d);
	if (any & C_HYPHEN) {
		for (k = len; k > 0 && v[k - 1] != '-'; k--)
			;
		hyphen = k;
		if (hyphen == len)
			return deb_parse_slow(v, len, p, d);
	}
	colon = NULL;
	if (any & C_COLON) {
		colon = memchr(v, ':', len);
		if (hyphen && memchr(v + hyphen, ':', len - hyphen))
			return deb_parse_slow(v, len, p, d);
	}
	if (colon) {
		up = (size_t)(colon - v) + 1;
		if (up == 1 || up > 10)
			return deb_parse_slow(v, len, p, d);
		for (k = 0; k + 1 < up; k++) {
			if (!(cls[(unsigned char)v[k]] & C_DIGIT))
				return deb_parse_slow(v, len, p, d);
			epoch = epoch * 10 + (uint32_t)(v[k] - '0');
		}
		if (epoch > INT_MAX)
			return deb_parse_slow(v, len, p, d);
	}
	if (up >= len || !(cls[(unsigned char)v[up]] & C_DIGIT) ||
	    (hyphen && hyphen <= up))
		return deb_parse_slow(v, len, p, d);
	p->whole = v;
	p->whole_len = len;
	p->epoch_num = epoch;
	p->ver = v + up;
	p->has_rel = hyphen != 0;
	if (hyphen) {
		p->ver_len = hyphen - 1 - up;
		p->rel = v + hyphen;
		p->rel_len = len - hyphen;
	} else {
		p->ver_len = len - up;
		p->rel = "";
		p->rel_len = 0;
	}
	return 0;
}

static int deb_compare(const struct fp__vparts *a, const struct fp__vparts *b)
{
	int r;

	if (a->whole_len == b->whole_len &&
	    memcmp(a->whole, b->whole, a->whole_len) == 0)
		return 0;
	if (a->epoch_num != b->epoch_num)
		return a->epoch_num < b->epoch_num ? -1 : 1;
	r = fp__deb_verrevcmp(a->ver, a->ver_len, b->ver, b->ver_len);
	if (r)
		return r;
	return fp__deb_verrevcmp(a->rel, a->rel_len, b->rel, b->rel_len);
}

const struct fp__version_ops fp__version_deb = {
	.name = "deb",
	.parse = deb_parse,
	.compare = deb_compare,
};
