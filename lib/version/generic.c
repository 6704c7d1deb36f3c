/* SPDX-License-Identifier: MIT */
/*
 * Vendor versions with no package manager behind them: 1.8.0_391,
 * 17.0.9+9, 120.0.6099.109, 23.006.20360, 2.4.1-beta2, 8u391.  The rules
 * (docs/version.md has the full story):
 *
 *  - valid: an optional 'v' or 'V', then a digit; then ASCII letters,
 *    digits and the separators . _ + - ~, never two separators in a row
 *    and never one at the end.
 *  - the version is a list of tokens: numbers (by value, leading zeros
 *    ignored), words (runs of letters) and '~'; the separators . _ + -
 *    only delimit, so 1.8.0_391 = 1.8.0.391.
 *  - missing numbers count as 0: 1.2 = 1.2.0.
 *  - the words dev snapshot alpha beta milestone pre preview ea rc (any
 *    case, in that order) mark a pre-release and sort before the end;
 *    other words (u, p, patch, update, a, b, ...) sort after the end and
 *    by case-insensitive ASCII among themselves.
 *  - at one position: '~' < pre-release word < end < other word < number.
 */
#include <string.h>

#include "version_int.h"

enum gkind { G_TILDE, G_PRE, G_END, G_POST, G_NUM };

struct gtok {
	enum gkind kind;
	int rank; /* G_PRE: order of the word */
	const char *s;
	size_t len;
};

static bool is_sep(unsigned char c)
{
	return c == '.' || c == '_' || c == '+' || c == '-' || c == '~';
}

static int pre_rank(const char *s, size_t len)
{
	static const struct {
		const char *w;
		int rank;
	} words[] = {
		{ "dev", 1 },	    { "snapshot", 1 }, { "alpha", 2 },
		{ "beta", 3 },	    { "milestone", 4 }, { "pre", 5 },
		{ "preview", 5 }, { "ea", 5 },	      { "rc", 6 },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i].w), k;

		if (n != len)
			continue;
		for (k = 0; k < n; k++)
			if ((s[k] | 0x20) != words[i].w[k])
				break;
		if (k == n)
			return words[i].rank;
	}
	return 0;
}

static void next_tok(const char *v, size_t len, size_t *i, struct gtok *t)
{
	size_t s;

	while (*i < len && is_sep(v[*i]) && v[*i] != '~')
		(*i)++;
	if (*i >= len) {
		t->kind = G_END;
		return;
	}
	s = *i;
	if (v[s] == '~') {
		(*i)++;
		t->kind = G_TILDE;
		return;
	}
	if (fp__isdigit(v[s])) {
		while (*i < len && fp__isdigit(v[*i]))
			(*i)++;
		t->kind = G_NUM;
	} else {
		while (*i < len && fp__isalpha(v[*i]))
			(*i)++;
		t->rank = pre_rank(v + s, *i - s);
		t->kind = t->rank ? G_PRE : G_POST;
	}
	t->s = v + s;
	t->len = *i - s;
}

static bool is_zero(const struct gtok *t)
{
	for (size_t k = 0; k < t->len; k++)
		if (t->s[k] != '0')
			return false;
	return true;
}

static int casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t k = 0; k < n; k++) {
		unsigned char ca = (unsigned char)a[k], cb = (unsigned char)b[k];
		if (fp__isalpha(ca))
			ca |= 0x20;
		if (fp__isalpha(cb))
			cb |= 0x20;
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return (alen > blen) - (alen < blen);
}

static int generic_compare(const struct fp__vparts *a,
			   const struct fp__vparts *b)
{
	size_t i = 0, j = 0;
	struct gtok ta, tb;
	int r;

	for (;;) {
		next_tok(a->ver, a->ver_len, &i, &ta);
		next_tok(b->ver, b->ver_len, &j, &tb);
		/* A missing number is 0: skip zeros against the end. */
		while (ta.kind == G_END && tb.kind == G_NUM && is_zero(&tb))
			next_tok(b->ver, b->ver_len, &j, &tb);
		while (tb.kind == G_END && ta.kind == G_NUM && is_zero(&ta))
			next_tok(a->ver, a->ver_len, &i, &ta);
		if (ta.kind != tb.kind)
			return ta.kind < tb.kind ? -1 : 1;
		switch (ta.kind) {
		case G_END:
			return 0;
		case G_TILDE:
			continue;
		case G_NUM:
			r = fp__numcmp(ta.s, ta.len, tb.s, tb.len);
			break;
		case G_PRE:
			r = (ta.rank > tb.rank) - (ta.rank < tb.rank);
			break;
		case G_POST:
		default:
			r = casecmp(ta.s, ta.len, tb.s, tb.len);
			break;
		}
		if (r)
			return r;
	}
}

static int generic_parse(const char *v, size_t len, struct fp__vparts *p,
			 struct fp_diag *d)
{
	size_t i = 0;

	if ((v[0] == 'v' || v[0] == 'V') && len > 1)
		i = 1;
	if (!fp__isdigit(v[i]))
		return fp_diag_set(d, FP_EINVAL, 0, i + 1,
				   "version must start with a digit");
	for (; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (fp__isalnum(c))
			continue;
		if (!is_sep(c))
			return fp_diag_set(d, FP_EINVAL, 0, i + 1,
					   c == ' ' ? "version contains a space" :
					   "invalid character (letters, digits "
					   "and . _ + - ~ only)");
		if (i + 1 == len)
			return fp_diag_set(d, FP_EINVAL, 0, i + 1,
					   "version ends with a separator");
		if (is_sep(v[i + 1]))
			return fp_diag_set(d, FP_EINVAL, 0, i + 2,
					   "two separators in a row");
	}
	p->whole = v;
	p->whole_len = len;
	p->ver = v[0] == 'v' || v[0] == 'V' ? v + 1 : v;
	p->ver_len = len - (size_t)(p->ver - v);
	return 0;
}

const struct fp__version_ops fp__version_generic = {
	.name = "generic",
	.parse = generic_parse,
	.compare = generic_compare,
};
