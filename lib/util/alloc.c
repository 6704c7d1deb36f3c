/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"

/*
 * Counters for the failure-injection hook.  Plain globals: the hook is for
 * single-threaded tests; in threaded code fail_at stays 0 and the counter
 * is only approximate, which is fine for statistics.
 */
static unsigned long alloc_count;
static unsigned long fail_at;

static int should_fail(void)
{
	alloc_count++;
	if (fail_at && alloc_count == fail_at) {
		fail_at = 0;
		return 1;
	}
	return 0;
}

unsigned long fp_alloc_fail_at(unsigned long n)
{
	unsigned long made = alloc_count;

	alloc_count = 0;
	fail_at = n;
	return made;
}

unsigned long fp_alloc_count(void)
{
	return alloc_count;
}

void *fp_malloc(size_t size)
{
	if (should_fail())
		return NULL;
	return malloc(size ? size : 1);
}

void *fp_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	if (n == 0 || size == 0)
		return calloc(1, 1);
	return calloc(n, size);
}

void *fp_realloc(void *p, size_t size)
{
	if (should_fail())
		return NULL;
	return realloc(p, size ? size : 1);
}

void *fp_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return fp_realloc(p, n * size);
}

int fp_reserve(void **v, size_t need, size_t *alloc, size_t size)
{
	size_t na = *alloc ? *alloc : 16;
	void *nv;

	if (need <= *alloc)
		return 0;
	while (na < need) {
		if (na > SIZE_MAX / 2)
			return FP_ENOMEM;
		na *= 2;
	}
	nv = fp_reallocarray(*v, na, size);
	if (!nv)
		return FP_ENOMEM;
	*v = nv;
	*alloc = na;
	return 0;
}

char *fp_strndup(const char *s, size_t n)
{
	char *r = fp_malloc(n + 1);

	if (!r)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

char *fp_strdup(const char *s)
{
	return fp_strndup(s, strlen(s));
}

void fp_free(void *p)
{
	free(p);
}
