/* SPDX-License-Identifier: MIT */
/* Helpers shared by the vuln unit tests. */
#ifndef FP_TEST_VTEST_H
#define FP_TEST_VTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/util.h"
#include "fleetpatch/vuln.h"

#define SAMPLES FP_SHARED_DATA "/feeds/samples/"

/* The whole file at 'path' (a test fails when it cannot be read). */
static inline void vt_read(const char *path, struct fp_buf *b)
{
	fp_buf_init(b, (size_t)64 << 20);
	if (fp_read_file(path, b) != 0)
		fail_msg("cannot read %s", path);
}

typedef int vt_feed_fn(const char *, size_t, const char *,
		       struct fp_vuln_feed **, struct fp_diag *);

/* Parse a sample ('file' under SAMPLES unless it starts with '/'). */
static inline struct fp_vuln_feed *vt_feed(vt_feed_fn *fn, const char *file)
{
	struct fp_vuln_feed *f = NULL;
	struct fp_diag d;
	struct fp_buf b;
	char path[512];

	snprintf(path, sizeof(path), "%s%s", file[0] == '/' ? "" : SAMPLES,
		 file);
	vt_read(path, &b);
	if (fn(b.data, b.len, file, &f, &d) != 0)
		fail_msg("%s: %s", file, d.msg);
	fp_buf_release(&b);
	return f;
}

/*
 * Run 'call' (which fills the diag 'vt_d') and expect failure 'err' with
 * 'want_msg' a prefix of the diag message (and, when 'want_line' > 0,
 * that line).
 */
#define vt_expect_fail(call, err, want_line, want_msg)                                 \
	do {                                                                 \
		struct fp_diag vt_d;                                           \
		int r_ = (call);                                             \
		if (r_ != (err) ||                                           \
		    strncmp(vt_d.msg, (want_msg), strlen(want_msg)) ||                   \
		    ((want_line) && vt_d.line != (unsigned long)(want_line)))            \
			fail_msg("got %d \"%s\" at line %lu, want %d "       \
				 "\"%s\"",                                   \
				 r_, vt_d.msg, vt_d.line, (int)(err), (want_msg));    \
	} while (0)

#endif

/*
 * Make each allocation fail in turn while 'call' (returning the error,
 * with its result in 'obj') runs, until it succeeds: every failure must
 * be FP_ENOMEM with nothing handed back.  'obj' is freed with 'release'.
 */
#define vt_alloc_loop(obj, call, release)                                    \
	do {                                                                 \
		unsigned long n_;                                            \
		for (n_ = 1; n_ < 1000000; n_++) {                           \
			int r_;                                              \
			(obj) = NULL;                                        \
			fp_alloc_fail_at(n_);                                \
			r_ = (call);                                         \
			fp_alloc_fail_at(0);                                 \
			if (r_ == 0)                                         \
				break;                                       \
			assert_int_equal(r_, FP_ENOMEM);                     \
			assert_null(obj);                                    \
		}                                                            \
		assert_non_null(obj);                                        \
		assert_true(n_ > 1);                                         \
		release(obj);                                                \
	} while (0)
