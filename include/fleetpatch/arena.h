/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ARENA_H
#define FLEETPATCH_ARENA_H

#include <stddef.h>

/*
 * A bump allocator: allocate freely, free everything at once.  One per
 * request, per feed import, per inventory.  Memory is taken from the
 * system in chunks of at least 'chunk' bytes.  An arena may have a total
 * cap; past it, allocations return NULL.
 */
struct fp_arena_chunk;

struct fp_arena {
	struct fp_arena_chunk *head;
	size_t chunk;  /* preferred chunk size */
	size_t used;   /* bytes handed out, for accounting */
	size_t total;  /* bytes taken from the system */
	size_t cap;    /* largest 'total' allowed; 0 = unlimited */
};

/* chunk 0 picks a default (64 KiB); cap 0 is unlimited. */
void fp_arena_init(struct fp_arena *a, size_t chunk, size_t cap);

/* Free every chunk; the arena is empty and reusable afterwards. */
void fp_arena_release(struct fp_arena *a);

/* Allocate 'size' bytes aligned for any type; NULL when out of memory. */
void *fp_arena_alloc(struct fp_arena *a, size_t size);

/* Zeroed allocation of n * size (NULL on overflow). */
void *fp_arena_calloc(struct fp_arena *a, size_t n, size_t size);

/* Copy of 'n' bytes of 's' plus a NUL; NULL when out of memory. */
char *fp_arena_strndup(struct fp_arena *a, const char *s, size_t n);
char *fp_arena_strdup(struct fp_arena *a, const char *s);

#endif
