/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_STRVIEW_H
#define FLEETPATCH_STRVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * A length-carrying view of bytes owned by someone else (h2o's iovec).
 * Parsers of big files hand these out instead of copying.
 */
struct fp_str {
	const char *p;
	size_t len;
};

#define FP_STR_LIT(s) ((struct fp_str){ (s), sizeof(s) - 1 })

static inline struct fp_str fp_str_make(const char *p, size_t len)
{
	return (struct fp_str){ p, len };
}

static inline struct fp_str fp_str_c(const char *s)
{
	return (struct fp_str){ s, s ? strlen(s) : 0 };
}

static inline bool fp_str_eq(struct fp_str a, struct fp_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static inline bool fp_str_eq_c(struct fp_str a, const char *s)
{
	return fp_str_eq(a, fp_str_c(s));
}

static inline bool fp_str_has_prefix(struct fp_str a, const char *prefix)
{
	size_t n = strlen(prefix);
	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

/* Strip ASCII spaces and tabs (and \r) from both ends. */
struct fp_str fp_str_trim(struct fp_str s);

/* Three-way bytewise compare, shorter first on a common prefix. */
int fp_str_cmp(struct fp_str a, struct fp_str b);

#endif
