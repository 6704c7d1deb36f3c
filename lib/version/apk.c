/* SPDX-License-Identifier: MIT */
/*
 * Alpine versions, exactly as apk-tools 3 (src/version.c):
 *
 *   digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}
 *
 * suffixes in order: _alpha _beta _pre _rc (before the plain version),
 * then _cvs _svn _git _hg _p (after it).  A '.' number with a leading zero
 * compares as a string (Gentoo rule).  Numbers are uint64 and wrap as in
 * apk.  One deliberate difference: bytes outside ASCII are rejected here,
 * where apk would let them into a commit hash.
 */
#include <string.h>

#include "version_int.h"

enum tok {
	TOK_INITIAL_DIGIT,
	TOK_DIGIT,
	TOK_LETTER,
	TOK_SUFFIX,
	TOK_SUFFIX_NO,
	TOK_COMMIT_HASH,
	TOK_REVISION_NO,
	TOK_END,
	TOK_INVALID,
};

enum suffix {
	SUF_INVALID,
	SUF_ALPHA,
	SUF_BETA,
	SUF_PRE,
	SUF_RC,
	SUF_NONE,
	SUF_CVS,
	SUF_SVN,
	SUF_GIT,
	SUF_HG,
	SUF_P,
};

struct tstate {
	const char *p; /* rest of the input */
	size_t len;
	const char *start; /* for error columns */
	enum tok token;
	enum suffix suffix;
	uint64_t number;
	const char *value;
	size_t value_len;
	const char *why; /* reason when token becomes TOK_INVALID */
	size_t why_at;
};

static enum suffix suffix_value(const char *s, size_t len)
{
	static const char *const names[] = {
		[SUF_ALPHA] = "alpha", [SUF_BETA] = "beta", [SUF_PRE] = "pre",
		[SUF_RC] = "rc", [SUF_CVS] = "cvs", [SUF_SVN] = "svn",
		[SUF_GIT] = "git", [SUF_HG] = "hg", [SUF_P] = "p",
	};

	for (unsigned i = SUF_ALPHA; i <= SUF_P; i++) {
		if (names[i] && strlen(names[i]) == len &&
		    memcmp(names[i], s, len) == 0)
			return (enum suffix)i;
	}
	return SUF_INVALID;
}

static int token_cmp(const struct tstate *ta, const struct tstate *tb)
{
	uint64_t a, b;

	switch (ta->token) {
	case TOK_DIGIT:
		if (ta->value[0] == '0' || tb->value[0] == '0')
			goto string_sort;
		/* fall through */
	case TOK_INITIAL_DIGIT:
	case TOK_SUFFIX_NO:
	case TOK_REVISION_NO:
		a = ta->number;
		b = tb->number;
		break;
	case TOK_LETTER:
		a = (unsigned char)ta->value[0];
		b = (unsigned char)tb->value[0];
		break;
	case TOK_SUFFIX:
		a = ta->suffix;
		b = tb->suffix;
		break;
	default:
	string_sort:
		return fp__bytecmp(ta->value, ta->value_len, tb->value,
				   tb->value_len);
	}
	return (a > b) - (a < b);
}

static void invalid(struct tstate *t, const char *why, const char *at)
{
	t->token = TOK_INVALID;
	t->why = why;
	t->why_at = (size_t)(at - t->start);
}

static void advance(struct tstate *t, size_t n)
{
	t->p += n;
	t->len -= n;
}

static void parse_digits(struct tstate *t)
{
	const char *s = t->p;

	t->number = 0;
	while (t->len && fp__isdigit(*t->p)) {
		t->number = t->number * 10 + (uint64_t)(*t->p - '0');
		advance(t, 1);
	}
	t->value = s;
	t->value_len = (size_t)(t->p - s);
	if (t->value_len == 0)
		invalid(t, "expected a number", s);
}

static void token_first(struct tstate *t, const char *v, size_t len)
{
	t->p = t->start = v;
	t->len = len;
	t->why = NULL;
	t->token = TOK_INITIAL_DIGIT;
	parse_digits(t);
	if (t->token == TOK_INVALID)
		t->why = "version must start with a digit";
}

static bool is_hex(unsigned char c)
{
	return fp__isdigit(c) || (c >= 'a' && c <= 'f');
}

#define BAIL(why, at)                 \
	do {                          \
		invalid(t, (why), (at)); \
		return;                   \
	} while (0)

static void token_next(struct tstate *t)
{
	unsigned char c;
	const char *s;

	if (t->len == 0) {
		t->token = TOK_END;
		return;
	}
	c = (unsigned char)t->p[0];
	if (c >= 'a' && c <= 'z') {
		if (t->token > TOK_DIGIT)
			BAIL("a letter may only follow a number",
				       t->p);
		t->value = t->p;
		t->value_len = 1;
		t->token = TOK_LETTER;
		advance(t, 1);
		return;
	}
	if (c == '.' || fp__isdigit(c)) {
		if (c == '.') {
			if (t->token > TOK_DIGIT)
				BAIL("'.' may only follow a number",
					       t->p);
			advance(t, 1);
		}
		switch (t->token) {
		case TOK_INITIAL_DIGIT:
		case TOK_DIGIT:
			t->token = TOK_DIGIT;
			break;
		case TOK_SUFFIX:
			t->token = TOK_SUFFIX_NO;
			break;
		default:
			BAIL("unexpected number", t->p);
		}
		parse_digits(t);
		return;
	}
	switch (c) {
	case '_':
		if (t->token > TOK_SUFFIX_NO)
			BAIL("'_' suffix not allowed here", t->p);
		advance(t, 1);
		s = t->p;
		while (t->len && *t->p >= 'a' && *t->p <= 'z')
			advance(t, 1);
		t->value = s;
		t->value_len = (size_t)(t->p - s);
		t->suffix = suffix_value(s, t->value_len);
		if (t->suffix == SUF_INVALID)
			BAIL("unknown suffix (alpha beta pre rc "
					  "cvs svn git hg p)", s);
		t->token = TOK_SUFFIX;
		return;
	case '~':
		if (t->token >= TOK_COMMIT_HASH)
			BAIL("'~' hash not allowed here", t->p);
		advance(t, 1);
		s = t->p;
		while (t->len && is_hex((unsigned char)*t->p))
			advance(t, 1);
		t->value = s;
		t->value_len = (size_t)(t->p - s);
		if (t->value_len == 0)
			BAIL("'~' must be followed by a lowercase "
					  "hex commit hash", s);
		t->token = TOK_COMMIT_HASH;
		return;
	case '-':
		if (t->token >= TOK_REVISION_NO)
			BAIL("only one '-r' revision allowed", t->p);
		if (t->len < 2 || t->p[1] != 'r')
			BAIL("'-' must start a '-rN' revision",
				       t->p);
		advance(t, 2);
		t->token = TOK_REVISION_NO;
		parse_digits(t);
		return;
	default:
		BAIL("invalid character", t->p);
	}
}

int fp__apk_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	struct tstate ta, tb;

	for (token_first(&ta, a, alen), token_first(&tb, b, blen);
	     ta.token == tb.token && ta.token < TOK_END;
	     token_next(&ta), token_next(&tb)) {
		int r = token_cmp(&ta, &tb);
		if (r)
			return r;
	}
	if (ta.token == tb.token)
		return 0;
	/* Equal so far: the longer one is newer unless it goes on with a
	 * pre-release suffix. */
	if (ta.token == TOK_SUFFIX && ta.suffix < SUF_NONE)
		return -1;
	if (tb.token == TOK_SUFFIX && tb.suffix < SUF_NONE)
		return 1;
	if (ta.token > tb.token)
		return -1;
	if (tb.token > ta.token)
		return 1;
	return 0;
}

static int apk_parse(const char *v, size_t len, struct fp__vparts *p,
		     struct fp_diag *d)
{
	struct tstate t;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == 0 || c >= 0x80)
			return fp_diag_set(d, FP_EINVAL, 0, i + 1,
					   "invalid character");
	}
	for (token_first(&t, v, len); t.token < TOK_END; token_next(&t))
		;
	if (t.token != TOK_END)
		return fp_diag_set(d, FP_EINVAL, 0, t.why_at + 1, "%s", t.why);
	p->whole = v;
	p->whole_len = len;
	return 0;
}

static int apk_compare(const struct fp__vparts *a, const struct fp__vparts *b)
{
	return fp__apk_compare(a->whole, a->whole_len, b->whole, b->whole_len);
}

const struct fp__version_ops fp__version_apk = {
	.name = "apk",
	.parse = apk_parse,
	.compare = apk_compare,
};
