/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/err.h"

static char empty_data[1];

void fp_buf_init(struct fp_buf *b, size_t cap)
{
	b->data = empty_data;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap ? cap : FP_BUF_DEFAULT_CAP;
}

void fp_buf_release(struct fp_buf *b)
{
	if (b->alloc)
		fp_free(b->data);
	b->data = empty_data;
	b->len = 0;
	b->alloc = 0;
}

int fp_buf_grow(struct fp_buf *b, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return FP_ETOOBIG;
	want = b->len + extra + 1;
	if (want <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n < (SIZE_MAX / 2) ? n * 2 : want;
	p = fp_realloc(b->alloc ? b->data : NULL, n);
	if (!p)
		return FP_ENOMEM;
	if (!b->alloc)
		p[0] = '\0';
	b->data = p;
	b->alloc = n;
	return 0;
}

int fp_buf_add(struct fp_buf *b, const void *data, size_t len)
{
	int r = fp_buf_grow(b, len);

	if (r)
		return r;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int fp_buf_adds(struct fp_buf *b, const char *s)
{
	return fp_buf_add(b, s, strlen(s));
}

int fp_buf_addch(struct fp_buf *b, char c)
{
	return fp_buf_add(b, &c, 1);
}

int fp_buf_vaddf(struct fp_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n, r;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return FP_EINVAL;
	r = fp_buf_grow(b, (size_t)n);
	if (r)
		return r;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int fp_buf_addf(struct fp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fp_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

void fp_buf_truncate(struct fp_buf *b, size_t len)
{
	if (len >= b->len)
		return;
	b->len = len;
	b->data[len] = '\0';
}

char *fp_buf_detach(struct fp_buf *b, size_t *ret_len)
{
	char *p;
	size_t len = b->len;

	if (b->alloc) {
		p = b->data;
	} else {
		p = fp_malloc(1);
		if (!p)
			return NULL;
		p[0] = '\0';
	}
	b->data = empty_data;
	b->len = 0;
	b->alloc = 0;
	if (ret_len)
		*ret_len = len;
	return p;
}
