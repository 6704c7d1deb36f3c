/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_BUF_H
#define FLEETPATCH_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A growable byte buffer, always NUL-terminated, whose 'data' is never NULL
 * (it points at a static empty string until the first write).  Each buffer
 * has a size cap: a write that would take 'len' past 'cap' fails with
 * FP_ETOOBIG and leaves the buffer as it was.
 *
 *	struct fp_buf b;
 *	fp_buf_init(&b, 1 << 20);
 *	fp_buf_addf(&b, "%d", 42);
 *	...
 *	fp_buf_release(&b);
 */
struct fp_buf {
	char *data;
	size_t len;
	size_t alloc; /* 0 while data points at the static empty string */
	size_t cap;   /* largest len allowed */
};

#define FP_BUF_DEFAULT_CAP ((size_t)64 << 20)

/* Initialise an empty buffer; 'cap' 0 means FP_BUF_DEFAULT_CAP. */
void fp_buf_init(struct fp_buf *b, size_t cap);

/* Free the memory and return to the empty state (cap is kept). */
void fp_buf_release(struct fp_buf *b);

/* Make room for 'extra' more bytes. Returns 0, FP_ENOMEM or FP_ETOOBIG. */
int fp_buf_grow(struct fp_buf *b, size_t extra);

/* Append bytes / a C string / one byte / formatted text. Return as grow. */
int fp_buf_add(struct fp_buf *b, const void *data, size_t len);
int fp_buf_adds(struct fp_buf *b, const char *s);
int fp_buf_addch(struct fp_buf *b, char c);
int fp_buf_addf(struct fp_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int fp_buf_vaddf(struct fp_buf *b, const char *fmt, va_list ap);

/* Drop everything after 'len' (no-op if len >= b->len). */
void fp_buf_truncate(struct fp_buf *b, size_t len);
static inline void fp_buf_reset(struct fp_buf *b) { fp_buf_truncate(b, 0); }

/*
 * Hand the bytes to the caller, who frees them with fp_free(); the buffer
 * is left empty and reusable.  Never returns NULL unless out of memory
 * (an empty buffer yields a fresh "" allocation).  ret_len may be NULL.
 */
char *fp_buf_detach(struct fp_buf *b, size_t *ret_len);

#endif
