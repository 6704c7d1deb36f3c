/* SPDX-License-Identifier: MIT */
/*
 * Semantic Versioning 2.0.0 (https://semver.org), precedence as its
 * section 11: MAJOR.MINOR.PATCH numerically, a pre-release is lower than
 * the release, pre-release identifiers compared one by one (numeric ones
 * by value and below alphanumeric ones, alphanumeric ones in ASCII order,
 * more identifiers win when all before are equal), build metadata ignored.
 *
 * The grammar is strict (no leading zeros, no empty identifiers), with one
 * loose allowance because tags are written that way: blanks around the
 * version, and one 'v', 'V' or '=' (followed by optional blanks) before it,
 * as node-semver's loose mode accepts ("v1.2.3", "= 1.2.3").
 */
#include <string.h>

#include "version_int.h"

static bool is_blank(unsigned char c) { return c == ' ' || c == '\t'; }

static bool is_ident(unsigned char c) { return fp__isalnum(c) || c == '-'; }

/* One numeric part of MAJOR.MINOR.PATCH at v[*i]. */
static int parse_num(const char *v, size_t len, size_t *i, const char *what,
		     struct fp_diag *d)
{
	size_t s = *i;

	while (*i < len && fp__isdigit(v[*i]))
		(*i)++;
	if (*i == s)
		return fp_diag_set(d, FP_EINVAL, 0, s + 1,
				   "%s version is not a number", what);
	if (v[s] == '0' && *i - s > 1)
		return fp_diag_set(d, FP_EINVAL, 0, s + 1,
				   "%s version has a leading zero", what);
	return 0;
}

/* Dot-separated identifiers at v[*i]; numeric ones checked when 'pre'. */
static int parse_idents(const char *v, size_t len, size_t *i, bool pre,
			struct fp_diag *d)
{
	const char *what = pre ? "pre-release" : "build metadata";

	for (;;) {
		size_t s = *i;
		bool numeric = true;

		while (*i < len && is_ident(v[*i])) {
			numeric = numeric && fp__isdigit(v[*i]);
			(*i)++;
		}
		if (*i == s)
			return fp_diag_set(d, FP_EINVAL, 0, s + 1,
					   "empty %s identifier", what);
		if (pre && numeric && v[s] == '0' && *i - s > 1)
			return fp_diag_set(d, FP_EINVAL, 0, s + 1,
					   "numeric pre-release identifier has "
					   "a leading zero");
		if (*i < len && v[*i] == '.') {
			(*i)++;
			continue;
		}
		return 0;
	}
}

static int semver_parse(const char *v, size_t len, struct fp__vparts *p,
			struct fp_diag *d)
{
	static const char *const names[] = { "major", "minor", "patch" };
	size_t i = 0;
	int r;

	while (i < len && is_blank(v[i]))
		i++;
	if (i < len && (v[i] == 'v' || v[i] == 'V' || v[i] == '=')) {
		i++;
		while (i < len && is_blank(v[i]))
			i++;
	}
	p->whole = v + i;
	p->ver = v + i;
	for (int n = 0; n < 3; n++) {
		if (n > 0) {
			if (i >= len || v[i] != '.')
				return fp_diag_set(d, FP_EINVAL, 0, i + 1,
						   "expected '.' and the %s "
						   "version", names[n]);
			i++;
		}
		r = parse_num(v, len, &i, names[n], d);
		if (r)
			return r;
	}
	p->ver_len = (size_t)(v + i - p->ver);
	p->has_rel = false;
	p->rel = NULL;
	p->rel_len = 0;
	if (i < len && v[i] == '-') {
		i++;
		p->rel = v + i;
		r = parse_idents(v, len, &i, true, d);
		if (r)
			return r;
		p->rel_len = (size_t)(v + i - p->rel);
		p->has_rel = true;
	}
	if (i < len && v[i] == '+') {
		i++;
		r = parse_idents(v, len, &i, false, d);
		if (r)
			return r;
	}
	p->whole_len = (size_t)(v + i - p->whole);
	while (i < len && is_blank(v[i]))
		i++;
	if (i < len)
		return fp_diag_set(d, FP_EINVAL, 0, i + 1,
				   "unexpected character after the version");
	return 0;
}

/* Length of the identifier starting at s (up to '.' or the end). */
static size_t ident_len(const char *s, size_t len)
{
	const char *dot = memchr(s, '.', len);

	return dot ? (size_t)(dot - s) : len;
}

static bool all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!fp__isdigit(s[i]))
			return false;
	return true;
}

/* Compare dot-separated lists; 'numeric_only' for MAJOR.MINOR.PATCH. */
static int idents_cmp(const char *a, size_t alen, const char *b, size_t blen,
		      bool numeric_only)
{
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		size_t al = ident_len(a + i, alen - i);
		size_t bl = ident_len(b + j, blen - j);
		bool an = numeric_only || all_digits(a + i, al);
		bool bn = numeric_only || all_digits(b + j, bl);
		int r;

		if (an && bn) {
			r = fp__numcmp(a + i, al, b + j, bl);
		} else if (an != bn) {
			r = an ? -1 : 1;
		} else {
			r = fp__bytecmp(a + i, al, b + j, bl);
		}
		if (r)
			return r;
		i += al + 1;
		j += bl + 1;
	}
	/* The list with identifiers left is the greater. */
	return (i < alen) - (j < blen);
}

static int semver_compare(const struct fp__vparts *a,
			  const struct fp__vparts *b)
{
	int r = idents_cmp(a->ver, a->ver_len, b->ver, b->ver_len, true);

	if (r)
		return r;
	if (a->has_rel != b->has_rel)
		return a->has_rel ? -1 : 1;
	if (!a->has_rel)
		return 0;
	return idents_cmp(a->rel, a->rel_len, b->rel, b->rel_len, false);
}

const struct fp__version_ops fp__version_semver = {
	.name = "semver",
	.parse = semver_parse,
	.compare = semver_compare,
};
