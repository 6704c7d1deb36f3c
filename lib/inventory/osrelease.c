/* SPDX-License-Identifier: MIT */
/*
 * os-release(5): shell-compatible KEY=value lines, values optionally in
 * double or single quotes, '#' comments.  Only a few keys matter; the
 * rest are checked for syntax and skipped.
 */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define OSR_MAX_VALUE 1024

/* Unquote a shell word into out (size OSR_MAX_VALUE+1).  Returns the
 * length or a negative column (1-based) of the error. */
static long unquote(struct fp_str v, char *out, const char **why)
{
	size_t i = 0, n = 0;

	while (i < v.len) {
		char c = v.p[i];
		if (c == '"' || c == '\'') {
			char q = c;
			size_t start = i++;
			for (;;) {
				if (i >= v.len) {
					*why = "unterminated quote";
					return -(long)(start + 1);
				}
				c = v.p[i++];
				if (c == q)
					break;
				if (q == '"' && c == '\\' && i < v.len &&
				    strchr("\"\\$`", v.p[i]))
					c = v.p[i++];
				if (n >= OSR_MAX_VALUE) {
					*why = "value too long";
					return -(long)i;
				}
				out[n++] = c;
			}
			continue;
		}
		if (c == '\\') {
			if (++i >= v.len) {
				*why = "backslash at end of line";
				return -(long)i;
			}
			c = v.p[i];
		} else if (c == ' ' || c == '\t' || strchr("$`;&|<>()", c)) {
			*why = "unquoted special character (quote the value)";
			return -(long)(i + 1);
		}
		if (n >= OSR_MAX_VALUE) {
			*why = "value too long";
			return -(long)(i + 1);
		}
		out[n++] = c;
		i++;
	}
	out[n] = '\0';
	return (long)n;
}

int fp_os_release_parse(const char *data, size_t len, const char *label,
			struct fp_inventory *inv, struct fp_diag *diag)
{
	static const char *const keys[] = { "ID", "VERSION_ID", "VERSION_CODENAME",
					    "PRETTY_NAME", "UBUNTU_CODENAME", NULL };
	const char *vals[5] = { NULL, NULL, NULL, NULL, NULL };
	char value[OSR_MAX_VALUE + 1];
	unsigned long lineno = 0;
	size_t pos = 0;
	struct fp_str line;
	int r;

	fp_diag_init(diag, label);
	if (len > 64 * 1024)
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0,
				   "file too large (%zu bytes, limit 65536)", len);
	while ((r = fp__next_line(data, len, &pos, &lineno, 0, &line, diag)) > 0) {
		struct fp_str t = fp_str_trim(line), key;
		const char *eq, *why = "";
		long n;
		int k;

		if (t.len == 0 || t.p[0] == '#')
			continue;
		eq = memchr(t.p, '=', t.len);
		if (!eq)
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "expected KEY=value");
		key = fp_str_make(t.p, (size_t)(eq - t.p));
		for (size_t i = 0; i < key.len; i++) {
			char c = key.p[i];
			if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			      c == '_' || (i && c >= '0' && c <= '9')))
				return fp_diag_set(diag, FP_EINVAL, lineno, i + 1,
						   "invalid variable name");
		}
		if (key.len == 0)
			return fp_diag_set(diag, FP_EINVAL, lineno, 1,
					   "empty variable name");
		n = unquote(fp_str_make(eq + 1, t.len - key.len - 1), value, &why);
		if (n < 0)
			return fp_diag_set(diag, FP_EINVAL, lineno,
					   (unsigned long)(-n) + key.len + 1 +
						   (unsigned long)(t.p - line.p),
					   "%.*s: %s", (int)key.len, key.p, why);
		for (k = 0; keys[k]; k++)
			if (fp_str_eq_c(key, keys[k]))
				break;
		if (!keys[k])
			continue;
		if (!fp__is_text(fp_str_make(value, (size_t)n), OSR_MAX_VALUE))
			return fp_diag_set(diag, FP_EINVAL, lineno, 0,
					   "%s has control characters", keys[k]);
		vals[k] = fp_arena_strndup(&inv->arena, value, (size_t)n);
		if (!vals[k])
			return fp_diag_set(diag, FP_ENOMEM, lineno, 0, "out of memory");
	}
	if (r < 0)
		return r;
	/* os-release(5) defaults: ID=linux, PRETTY_NAME=Linux. */
	inv->os.id = vals[0] && *vals[0] ? vals[0] : "linux";
	inv->os.version_id = vals[1] && *vals[1] ? vals[1] : NULL;
	inv->os.codename = vals[2] && *vals[2] ? vals[2]
			   : vals[4] && *vals[4] ? vals[4] : NULL;
	inv->os.pretty_name = vals[3] && *vals[3] ? vals[3] : "Linux";
	return 0;
}
