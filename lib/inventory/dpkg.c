/* SPDX-License-Identifier: MIT */
/*
 * The dpkg status database (var/lib/dpkg/status), parsed directly: deb822
 * stanzas of "Field: value" lines, continuation lines starting with a
 * space or tab, stanzas separated by blank lines.  The file is mapped and
 * walked with views; only the five fields that matter are looked at.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

/* Package and architecture names are short; dpkg itself caps nothing,
 * so these are ours. */
#define DPKG_MAX_NAME 256

enum dpkg_field { F_PACKAGE, F_STATUS, F_VERSION, F_ARCH, F_SOURCE, F__COUNT };

static const struct {
	const char *name;
	size_t len;
} fields[F__COUNT] = {
	[F_PACKAGE] = { "Package", 7 },
	[F_STATUS] = { "Status", 6 },
	[F_VERSION] = { "Version", 7 },
	[F_ARCH] = { "Architecture", 12 },
	[F_SOURCE] = { "Source", 6 },
};

struct stanza {
	struct fp_str v[F__COUNT];
	unsigned long line[F__COUNT];
	unsigned long start; /* first line; 0 when no field yet */
	int last;            /* field of the previous line, -1 other */
};

static int field_of(struct fp_str name)
{
	/* Field names are case-insensitive in deb822.  Most lines are other
	 * fields: rule them out by length and first letter first. */
	char c = (char)(name.p[0] | 0x20);

	if ((name.len != 6 && name.len != 7 && name.len != 12) ||
	    (c != 'p' && c != 's' && c != 'v' && c != 'a'))
		return -1;
	for (int i = 0; i < F__COUNT; i++)
		if (name.len == fields[i].len &&
		    !strncasecmp(name.p, fields[i].name, name.len))
			return i;
	return -1;
}

/* dpkg's rules: starts with an alphanumeric, then alnum or + - . _ */
static bool is_pkg_name(struct fp_str s)
{
	if (s.len == 0 || s.len > DPKG_MAX_NAME)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '+' && c != '-' && c != '.' &&
					  c != '_')))
			return false;
	}
	return true;
}

static bool is_arch_name(struct fp_str s)
{
	if (s.len > DPKG_MAX_NAME)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

static struct fp_str next_word(struct fp_str *s)
{
	struct fp_str w;
	size_t i = 0;

	*s = fp_str_trim(*s);
	while (i < s->len && s->p[i] != ' ' && s->p[i] != '\t')
		i++;
	w = fp_str_make(s->p, i);
	s->p += i;
	s->len -= i;
	return w;
}

static bool word_in(struct fp_str w, const char *const *set)
{
	for (; *set; set++)
		if (fp_str_eq_c(w, *set))
			return true;
	return false;
}

/* "want flag status": 1 when installed (install/hold ok installed),
 * 0 when some other valid state, FP_EINVAL when malformed. */
static int status_installed(struct fp_str st)
{
	static const char *const wants[] = { "unknown", "install", "hold",
					     "deinstall", "purge", NULL };
	static const char *const flags[] = { "ok", "reinstreq", NULL };
	static const char *const states[] = {
		"not-installed", "config-files", "half-installed", "unpacked",
		"half-configured", "triggers-awaited", "triggers-pending",
		"installed", NULL
	};
	struct fp_str want = next_word(&st), flag = next_word(&st),
		      state = next_word(&st);

	if (!word_in(want, wants) || !word_in(flag, flags) ||
	    !word_in(state, states) || fp_str_trim(st).len)
		return FP_EINVAL;
	return (fp_str_eq_c(want, "install") || fp_str_eq_c(want, "hold")) &&
	       fp_str_eq_c(flag, "ok") && fp_str_eq_c(state, "installed");
}

static int end_stanza(struct stanza *s, struct fp_inventory *inv,
		      struct fp_diag *diag)
{
	struct fp_str name = s->v[F_PACKAGE], src = s->v[F_SOURCE], srcver = { "", 0 };
	char what[DPKG_MAX_NAME + 32];
	int r;

	if (!s->start)
		return 0;
	if (!s->line[F_PACKAGE])
		return fp_diag_set(diag, FP_EINVAL, s->start, 0,
				   "stanza has no Package field");
	if (!is_pkg_name(name))
		return fp_diag_set(diag, FP_EINVAL, s->line[F_PACKAGE], 0,
				   "invalid package name");
	if (!s->line[F_STATUS])
		return fp_diag_set(diag, FP_EINVAL, s->start, 0,
				   "package %.*s has no Status field",
				   (int)name.len, name.p);
	r = status_installed(s->v[F_STATUS]);
	if (r < 0)
		return fp_diag_set(diag, FP_EINVAL, s->line[F_STATUS], 0,
				   "package %.*s: invalid Status '%.*s'",
				   (int)name.len, name.p,
				   (int)(s->v[F_STATUS].len > 80 ? 80 : s->v[F_STATUS].len),
				   s->v[F_STATUS].p);
	if (r == 0)
		goto out_reset;
	snprintf(what, sizeof(what), "package %.*s", (int)name.len, name.p);
	if (!s->line[F_VERSION])
		return fp_diag_set(diag, FP_EINVAL, s->start, 0,
				   "%s is installed but has no Version", what);
	r = fp__check_version(FP_ECO_DEB, s->v[F_VERSION], what,
			      s->line[F_VERSION], diag);
	if (r)
		return r;
	if (!is_arch_name(s->v[F_ARCH]))
		return fp_diag_set(diag, FP_EINVAL, s->line[F_ARCH], 0,
				   "%s: invalid Architecture", what);
	if (s->line[F_SOURCE]) {
		/* "Source: name" or "Source: name (version)" */
		struct fp_str rest = src;
		src = next_word(&rest);
		rest = fp_str_trim(rest);
		if (!is_pkg_name(src))
			return fp_diag_set(diag, FP_EINVAL, s->line[F_SOURCE], 0,
					   "%s: invalid Source name", what);
		if (rest.len) {
			if (rest.len < 3 || rest.p[0] != '(' ||
			    rest.p[rest.len - 1] != ')')
				return fp_diag_set(diag, FP_EINVAL,
						   s->line[F_SOURCE], 0,
						   "%s: Source must be 'name' or 'name (version)'",
						   what);
			srcver = fp_str_make(rest.p + 1, rest.len - 2);
			snprintf(what, sizeof(what), "package %.*s Source",
				 (int)name.len, name.p);
			r = fp__check_version(FP_ECO_DEB, srcver, what,
					      s->line[F_SOURCE], diag);
			if (r)
				return r;
		}
	}
	r = fp_inventory_add_package(inv, name, s->v[F_VERSION], s->v[F_ARCH],
				     src, srcver, FP_ECO_DEB, NULL);
	if (r == FP_ETOOBIG)
		return fp_diag_set(diag, r, s->start, 0,
				   "more than %d installed packages",
				   FP_INV_MAX_PACKAGES);
	if (r)
		return fp_diag_set(diag, r, s->start, 0, "out of memory");
out_reset:
	memset(s, 0, sizeof(*s));
	s->last = -1;
	return 0;
}

int fp_dpkg_status_parse(const char *data, size_t len, const char *label,
			 struct fp_inventory *inv, struct fp_diag *diag)
{
	struct stanza s;
	unsigned long lineno = 0;
	size_t pos = 0;
	struct fp_str line;
	int r;

	fp_diag_init(diag, label);
	memset(&s, 0, sizeof(s));
	s.last = -1;
	if ((r = fp__check_binary(data, len, diag)))
		return r;
	while ((r = fp__next_line(data, len, &pos, &lineno, 1 | FP__LINE_NUL_CHECKED,
				  &line, diag)) > 0) {
		const char *colon;
		struct fp_str name, value;
		int f;

		/* Continuation lines are most lines: decide on them first. */
		if (line.len && (line.p[0] == ' ' || line.p[0] == '\t') &&
		    ((line.len >= 2 && line.p[1] != ' ' && line.p[1] != '\t' &&
		      line.p[1] != '\r') ||
		     fp_str_trim(line).len)) {
			if (!s.start)
				return fp_diag_set(diag, FP_EINVAL, lineno, 1,
						   "continuation line outside a field");
			if (s.last >= 0)
				return fp_diag_set(diag, FP_EINVAL, lineno, 1,
						   "field %s must be one line",
						   fields[s.last].name);
			continue;
		}
		if (fp_str_trim(line).len == 0) {
			r = end_stanza(&s, inv, diag);
			if (r)
				return r;
			continue;
		}
		colon = memchr(line.p, ':', line.len);
		if (!colon)
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "expected 'Field: value'");
		name = fp_str_make(line.p, (size_t)(colon - line.p));
		if (!fp__is_token(name, 128) || name.p[0] == '#' || name.p[0] == '-')
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "invalid field name");
		if (!s.start)
			s.start = lineno;
		f = field_of(name);
		s.last = f;
		if (f < 0)
			continue;
		if (s.line[f])
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "duplicate field %s (first on line %lu)",
					   fields[f].name, s.line[f]);
		value = fp_str_trim(fp_str_make(colon + 1,
						line.len - (size_t)(colon + 1 - line.p)));
		if (value.len > FP_INV_MAX_FIELD)
			return fp_diag_set(diag, FP_ETOOBIG, lineno, 0,
					   "field %s too long (%zu bytes, limit %d)",
					   fields[f].name, value.len, FP_INV_MAX_FIELD);
		if (!fp__is_text(value, FP_INV_MAX_FIELD))
			return fp_diag_set(diag, FP_EINVAL, lineno, 0,
					   "field %s has control characters",
					   fields[f].name);
		s.v[f] = value;
		s.line[f] = lineno;
	}
	if (r < 0)
		return r;
	return end_stanza(&s, inv, diag);
}

int fp__collect_dpkg(const char *root, struct fp_inventory *inv,
		     struct fp_diag *diag)
{
	const char *path = fp__inv_path(inv, root, "/var/lib/dpkg/status");
	struct fp__file f;
	int r;

	if (!path)
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	fp_diag_init(diag, path);
	r = fp__file_map(path, FP_INV_MAX_DB, &f, diag);
	if (r == FP_ENOENT)
		return 1; /* no dpkg database here */
	if (r)
		return r;
	r = fp_dpkg_status_parse(f.data, f.len, path, inv, diag);
	fp__file_release(&f);
	return r;
}
