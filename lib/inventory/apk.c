/* SPDX-License-Identifier: MIT */
/*
 * apk's installed database: lib/apk/db/installed, one "X:value" line per
 * field, packages separated by blank lines.  P: name, V: version, A: arch,
 * o: origin (the source package).
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

enum { A_P, A_V, A_A, A_O, A__COUNT };
static const char tags[A__COUNT] = { 'P', 'V', 'A', 'o' };

static bool is_name(struct fp_str s)
{
	return fp__is_pkg_name(s, 256, "@._+-:");
}

static int end_package(struct fp_str *v, unsigned long *at, unsigned long start,
		       struct fp_inventory *inv, struct fp_diag *diag)
{
	char what[300];
	int r;

	if (!start)
		return 0;
	if (!at[A_P])
		return fp_diag_set(diag, FP_EINVAL, start, 0, "package has no P: line");
	if (!is_name(v[A_P]))
		return fp_diag_set(diag, FP_EINVAL, at[A_P], 3, "invalid package name");
	snprintf(what, sizeof(what), "package %.*s", (int)v[A_P].len, v[A_P].p);
	if (!at[A_V])
		return fp_diag_set(diag, FP_EINVAL, start, 0, "%s has no V: line", what);
	if ((r = fp__check_version(FP_ECO_APK, v[A_V], what, at[A_V], diag)))
		return r;
	if (v[A_A].len && !fp__is_token(v[A_A], 64))
		return fp_diag_set(diag, FP_EINVAL, at[A_A], 3, "invalid architecture");
	if (v[A_O].len && !is_name(v[A_O]))
		return fp_diag_set(diag, FP_EINVAL, at[A_O], 3, "invalid origin");
	r = fp_inventory_add_package(inv, v[A_P], v[A_V], v[A_A], v[A_O],
				     fp_str_make("", 0), FP_ECO_APK, NULL);
	if (r)
		return fp_diag_set(diag, r, start, 0, "%s",
				   r == FP_ETOOBIG ? "too many packages" : "out of memory");
	return 0;
}

int fp_apk_installed_parse(const char *data, size_t len, const char *label,
			   struct fp_inventory *inv, struct fp_diag *diag)
{
	struct fp_str v[A__COUNT];
	unsigned long at[A__COUNT], lineno = 0, start = 0;
	size_t pos = 0;
	struct fp_str line;
	int r;

	fp_diag_init(diag, label);
	memset(v, 0, sizeof(v));
	memset(at, 0, sizeof(at));
	while ((r = fp__next_line(data, len, &pos, &lineno, 1, &line, diag)) > 0) {
		int k;

		if (line.len == 0) {
			if ((r = end_package(v, at, start, inv, diag)))
				return r;
			memset(v, 0, sizeof(v));
			memset(at, 0, sizeof(at));
			start = 0;
			continue;
		}
		if (line.len < 2 || line.p[1] != ':')
			return fp_diag_set(diag, FP_EINVAL, lineno, 1, "expected 'X:value'");
		if (!start)
			start = lineno;
		for (k = 0; k < A__COUNT && tags[k] != line.p[0]; k++)
			;
		if (k == A__COUNT)
			continue;
		if (at[k])
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "duplicate %c: line (first on line %lu)",
					   tags[k], at[k]);
		v[k] = fp_str_make(line.p + 2, line.len - 2);
		if (!fp__is_text(v[k], FP_INV_MAX_FIELD))
			return fp_diag_set(diag, FP_EINVAL, lineno, 3,
					   "control characters or value too long");
		at[k] = lineno;
	}
	if (r < 0)
		return r;
	return end_package(v, at, start, inv, diag);
}

int fp__collect_apk(const char *root, struct fp_inventory *inv,
		    struct fp_diag *diag)
{
	const char *path = fp__inv_path(inv, root, "/lib/apk/db/installed");
	struct fp__file f;
	int r;

	if (!path)
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	fp_diag_init(diag, path);
	r = fp__file_map(path, FP_INV_MAX_DB, &f, diag);
	if (r == FP_ENOENT)
		return 1;
	if (r)
		return r;
	r = fp_apk_installed_parse(f.data, f.len, path, inv, diag);
	fp__file_release(&f);
	return r;
}
