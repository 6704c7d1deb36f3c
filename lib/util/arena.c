/* SPDX-License-Identifier: MIT */
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/arena.h"

struct fp_arena_chunk {
	struct fp_arena_chunk *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_DEFAULT_CHUNK ((size_t)64 << 10)

void fp_arena_init(struct fp_arena *a, size_t chunk, size_t cap)
{
	a->head = NULL;
	a->chunk = chunk ? chunk : ARENA_DEFAULT_CHUNK;
	a->used = 0;
	a->total = 0;
	a->cap = cap;
}

void fp_arena_release(struct fp_arena *a)
{
	struct fp_arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		fp_free(c);
		c = next;
	}
	a->head = NULL;
	a->used = 0;
	a->total = 0;
}

void *fp_arena_alloc(struct fp_arena *a, size_t size)
{
	struct fp_arena_chunk *c = a->head;
	size_t need, csize;
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (!c || c->size - c->used < need) {
		csize = need > a->chunk ? need : a->chunk;
		if (a->cap && (a->total + csize > a->cap || csize > a->cap))
			return NULL;
		c = fp_malloc(sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->size = csize;
		c->used = 0;
		/* A big one-off allocation goes behind the current chunk so
		 * the space left in that chunk is not wasted. */
		if (a->head && need > a->chunk) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
		a->total += csize;
	}
	p = c->data + c->used;
	c->used += need;
	a->used += need;
	return p;
}

void *fp_arena_calloc(struct fp_arena *a, size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = fp_arena_alloc(a, n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *fp_arena_strndup(struct fp_arena *a, const char *s, size_t n)
{
	char *p = fp_arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *fp_arena_strdup(struct fp_arena *a, const char *s)
{
	return fp_arena_strndup(a, s, strlen(s));
}
