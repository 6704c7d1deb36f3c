/* SPDX-License-Identifier: MIT */
/*
 * pacman's local database: var/lib/pacman/local/<name>-<ver>-<rel>/desc,
 * sections "%NAME%" followed by value lines up to a blank line.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define DESC_MAX (1u << 20)
#define PACMAN_MAX_NAME 256

enum { S_NAME, S_VERSION, S_ARCH, S_BASE, S__COUNT };
static const char *const sections[S__COUNT] = { "%NAME%", "%VERSION%", "%ARCH%",
						"%BASE%" };

/* pacman names: alnum and @ . _ + -, not starting with - or . */
static bool is_name(struct fp_str s)
{
	return fp__is_pkg_name(s, PACMAN_MAX_NAME, "@._+-") && s.p[0] != '-' &&
	       s.p[0] != '.';
}

int fp_pacman_desc_parse(const char *data, size_t len, const char *label,
			 struct fp_inventory *inv, struct fp_diag *diag)
{
	struct fp_str v[S__COUNT] = { { "", 0 } };
	unsigned long at[S__COUNT] = { 0 }, lineno = 0;
	size_t pos = 0;
	int cur = -2; /* -2 between sections, -1 in an ignored one */
	struct fp_str line;
	int r;

	fp_diag_init(diag, label);
	if (len > DESC_MAX)
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0, "file too large");
	while ((r = fp__next_line(data, len, &pos, &lineno, 0, &line, diag)) > 0) {
		if (line.len && line.p[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0) {
			cur = -2;
			continue;
		}
		if (cur == -2) {
			if (line.len < 3 || line.p[0] != '%' || line.p[line.len - 1] != '%')
				return fp_diag_set(diag, FP_EINVAL, lineno, 1,
						   "expected a %%SECTION%% header");
			cur = -1;
			for (int i = 0; i < S__COUNT; i++)
				if (fp_str_eq_c(line, sections[i]))
					cur = i;
			if (cur >= 0 && at[cur])
				return fp_diag_set(diag, FP_EINVAL, lineno, 1,
						   "duplicate section %s", sections[cur]);
			if (cur >= 0)
				at[cur] = lineno;
			continue;
		}
		if (cur < 0)
			continue;
		if (v[cur].len)
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "section %s must have one value", sections[cur]);
		if (!fp__is_text(line, FP_INV_MAX_FIELD))
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "control characters or value too long");
		v[cur] = line;
	}
	if (r < 0)
		return r;
	if (!at[S_NAME] || !v[S_NAME].len)
		return fp_diag_set(diag, FP_EINVAL, at[S_NAME], 0, "no %%NAME%%");
	if (!is_name(v[S_NAME]))
		return fp_diag_set(diag, FP_EINVAL, at[S_NAME] + 1, 0, "invalid package name");
	if (!at[S_VERSION])
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "no %%VERSION%%");
	r = fp__check_version(FP_ECO_PACMAN, v[S_VERSION], "%VERSION%",
			      at[S_VERSION] + 1, diag);
	if (r)
		return r;
	if (v[S_ARCH].len && !fp__is_token(v[S_ARCH], 64))
		return fp_diag_set(diag, FP_EINVAL, at[S_ARCH] + 1, 0, "invalid %%ARCH%%");
	if (v[S_BASE].len && !is_name(v[S_BASE]))
		return fp_diag_set(diag, FP_EINVAL, at[S_BASE] + 1, 0, "invalid %%BASE%%");
	r = fp_inventory_add_package(inv, v[S_NAME], v[S_VERSION], v[S_ARCH], v[S_BASE],
				     fp_str_make("", 0), FP_ECO_PACMAN, NULL);
	if (r)
		return fp_diag_set(diag, r, 0, 0, "%s",
				   r == FP_ETOOBIG ? "too many packages" : "out of memory");
	return 0;
}

int fp__collect_pacman(const char *root, struct fp_inventory *inv,
		       struct fp_diag *diag)
{
	const char *dir = fp__inv_path(inv, root, "/var/lib/pacman/local");
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (!dir)
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	if (!(d = opendir(dir)))
		return 1;
	while ((e = readdir(d))) {
		char rel[512];
		const char *path;
		struct fp__file f;

		if (e->d_name[0] == '.' || !strcmp(e->d_name, "ALPM_DB_VERSION"))
			continue;
		snprintf(rel, sizeof(rel), "/var/lib/pacman/local/%.300s/desc", e->d_name);
		if (!(path = fp__inv_path(inv, root, rel))) {
			r = fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
			break;
		}
		fp_diag_init(diag, path);
		r = fp__file_map(path, DESC_MAX, &f, diag);
		if (r == FP_ENOENT) {
			r = 0; /* not a package directory */
			continue;
		}
		if (r)
			break;
		r = fp_pacman_desc_parse(f.data, f.len, path, inv, diag);
		fp__file_release(&f);
		if (r)
			break;
	}
	closedir(d);
	return r;
}
