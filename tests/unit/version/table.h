/* SPDX-License-Identifier: MIT */
#ifndef FP_TEST_VERSION_TABLE_H
#define FP_TEST_VERSION_TABLE_H

/*
 * Reader for the version tables under tests/data/version: one case per
 * line, '#' comments, versions optionally in double quotes (for blanks):
 *   A OP B     OP is < = > (apk's fuzzy ~ <~ >~ !~ are reported too)
 *   ! A  !A    A is invalid
 *   A          A is valid
 */
#include <stddef.h>

struct vcase {
	unsigned line;
	char op[4];   /* "<", "=", ">", "~", ..., "!" (invalid), "v" (valid) */
	char a[1100];
	char b[1100];
};

/*
 * Call fn for every case of 'path'; returns the number of cases, or -1
 * when the file cannot be read or a line does not parse (message on
 * stderr).
 */
int vtable_each(const char *path, void (*fn)(const struct vcase *c, void *arg),
		void *arg);

#endif
