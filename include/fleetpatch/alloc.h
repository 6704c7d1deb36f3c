/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ALLOC_H
#define FLEETPATCH_ALLOC_H

#include <stddef.h>

/*
 * All allocation in fleetpatch goes through these so tests can make the
 * N-th allocation fail (fp_alloc_fail_at) and prove nothing leaks or
 * crashes.  They behave like their libc twins; fp_free(NULL) is a no-op.
 * fp_mallocarray/fp_reallocarray fail with NULL on overflow of n * size.
 */
void *fp_malloc(size_t size);
void *fp_calloc(size_t n, size_t size);
void *fp_realloc(void *p, size_t size);
void *fp_reallocarray(void *p, size_t n, size_t size);
char *fp_strdup(const char *s);

/*
 * Room for 'need' elements of 'size' bytes in the array *v, which has room
 * for *alloc: grows it by doubling (from 16).  Returns 0, or FP_ENOMEM
 * with *v and *alloc as they were.
 */
int fp_reserve(void **v, size_t need, size_t *alloc, size_t size);
char *fp_strndup(const char *s, size_t n);
void fp_free(void *p);

/*
 * Test hook: make the n-th allocation from now on fail (1 = the next one);
 * 0 disables.  Returns the number of allocations made since the last call.
 * Not thread-safe; meant for single-threaded tests.
 */
unsigned long fp_alloc_fail_at(unsigned long n);

/* Number of allocations made so far (successful or not); for tests. */
unsigned long fp_alloc_count(void);

#endif
