/* SPDX-License-Identifier: MIT */
/* Shared pieces of the request decoders: limits, names, fields, hashes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "decode_internal.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"

void fp_decode_limits_default(struct fp_decode_limits *lim)
{
	lim->max_packages = FP_INV_MAX_PACKAGES;
	lim->max_updates = FP_INV_MAX_UPDATES;
	lim->max_field = FP_INV_MAX_FIELD;
}

int fp__jerr(struct fp_jerr *jerr, int err, const char *path, const char *fmt,
	     ...)
{
	va_list ap;

	if (!jerr)
		return err;
	snprintf(jerr->path, sizeof(jerr->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(jerr->msg, sizeof(jerr->msg), fmt, ap);
	va_end(ap);
	return err;
}

int fp__parse_object(const void *buf, size_t len, json_t **ret_root,
		     struct fp_jerr *jerr)
{
	json_error_t je;
	json_t *root;

	/* jansson rejects \u0000 in strings (no JSON_ALLOW_NUL) and bounds nesting. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fp__jerr(jerr, FP_EINVAL, "",
				"malformed JSON at line %d column %d: %s",
				je.line, je.column, je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return fp__jerr(jerr, FP_EINVAL, "", "body must be a JSON object");
	}
	*ret_root = root;
	return 0;
}

void fp__path(char *out, size_t n, const char *parent, const char *key,
	      long index)
{
	if (key)
		snprintf(out, n, "%s%s%s", parent, *parent ? "." : "", key);
	else
		snprintf(out, n, "%s[%ld]", parent, index);
}

const char *fp__type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* Printable text without control characters (tab allowed when 'tab'). */
static bool is_clean_text(const char *s, size_t len, bool tab)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f || (c < 0x20 && !(tab && c == '\t')))
			return false;
	}
	return true;
}

int fp__get_string(const json_t *obj, const char *key, const char *parent,
		   bool required, size_t max, const char **ret,
		   struct fp_jerr *jerr)
{
	const json_t *v = json_object_get(obj, key);
	char path[128];
	size_t len;

	/* the path is built only for an error: this runs for every field */
	if (!v || json_is_null(v)) {
		if (required)
			goto fail_missing;
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		goto fail_type;
	len = json_string_length(v);
	if (len > max)
		goto fail_long;
	if (!is_clean_text(json_string_value(v), len, false))
		goto fail_control;
	*ret = json_string_value(v);
	return 0;
fail_missing:
	fp__path(path, sizeof(path), parent, key, 0);
	return fp__jerr(jerr, FP_EINVAL, path, "missing");
fail_type:
	fp__path(path, sizeof(path), parent, key, 0);
	return fp__jerr(jerr, FP_EINVAL, path, "must be a string, not %s",
			fp__type_name(v));
fail_long:
	fp__path(path, sizeof(path), parent, key, 0);
	return fp__jerr(jerr, FP_ETOOBIG, path, "longer than %zu bytes", max);
fail_control:
	fp__path(path, sizeof(path), parent, key, 0);
	return fp__jerr(jerr, FP_EINVAL, path, "contains control characters");
}

/* A token-like word: no whitespace or control characters, not empty. */
int fp__get_word(const json_t *obj, const char *key, const char *parent,
		 bool required, size_t max, const char **ret,
		 struct fp_jerr *jerr)
{
	const char *s = NULL;
	char path[128];
	int rc;

	rc = fp__get_string(obj, key, parent, required, max, &s, jerr);
	if (rc || !s)
		goto out;
	if (!*s || strchr(s, ' ')) {
		fp__path(path, sizeof(path), parent, key, 0);
		return fp__jerr(jerr, FP_EINVAL, path, !*s ? "must not be empty"
							   : "must not contain spaces");
	}
out:
	if (!rc)
		*ret = s;
	return rc;
}

int fp__get_int(const json_t *obj, const char *key, const char *parent,
		bool required, int64_t min, int64_t max, int64_t dflt,
		int64_t *ret, struct fp_jerr *jerr)
{
	const json_t *v = json_object_get(obj, key);
	char path[128];
	json_int_t n;

	if (!v || json_is_null(v)) {
		if (!required) {
			*ret = dflt;
			return 0;
		}
		fp__path(path, sizeof(path), parent, key, 0);
		return fp__jerr(jerr, FP_EINVAL, path, "missing");
	}
	if (!json_is_integer(v)) {
		fp__path(path, sizeof(path), parent, key, 0);
		return fp__jerr(jerr, FP_EINVAL, path,
				"must be an integer, not %s", fp__type_name(v));
	}
	n = json_integer_value(v);
	if (n < min || n > max) {
		fp__path(path, sizeof(path), parent, key, 0);
		return fp__jerr(jerr, FP_EINVAL, path,
				"out of range [%lld, %lld]", (long long)min,
				(long long)max);
	}
	*ret = n;
	return 0;
}

int fp__get_bool(const json_t *obj, const char *key, const char *parent,
		 bool dflt, bool *ret, struct fp_jerr *jerr)
{
	const json_t *v = json_object_get(obj, key);
	char path[128];

	if (!v || json_is_null(v)) {
		*ret = dflt;
		return 0;
	}
	if (!json_is_boolean(v)) {
		fp__path(path, sizeof(path), parent, key, 0);
		return fp__jerr(jerr, FP_EINVAL, path,
				"must be a boolean, not %s", fp__type_name(v));
	}
	*ret = json_is_true(v);
	return 0;
}

int fp__check_keys(const json_t *obj, const char *parent,
		   const char *const *known, struct fp_jerr *jerr)
{
	const char *key;
	json_t *v;
	char path[128];

	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			if (!strcmp(key, known[i])) {
				ok = true;
				break;
			}
		if (!ok) {
			fp__path(path, sizeof(path), parent, key, 0);
			return fp__jerr(jerr, FP_EINVAL, path, "unknown field");
		}
	}
	return 0;
}

bool fp_name_is_valid(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
		    (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return n <= max;
}

int fp_decode_fields(const void *buf, size_t len, struct fp_field *fields,
		     size_t n, json_t **ret_root, struct fp_jerr *jerr)
{
	json_t *root = NULL;
	const char *key;
	json_t *v;
	int rc;

	rc = fp__parse_object(buf, len, &root, jerr);
	if (rc)
		return rc;
	json_object_foreach(root, key, v) {
		bool ok = false;
		for (size_t i = 0; i < n; i++)
			ok |= !strcmp(fields[i].name, key);
		if (!ok) {
			rc = fp__jerr(jerr, FP_EINVAL, key, "unknown field");
			goto out_free;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct fp_field *f = &fields[i];
		const char *s = NULL;

		v = json_object_get(root, f->name);
		f->present = v && !json_is_null(v);
		if (!f->present) {
			if (f->required) {
				rc = fp__jerr(jerr, FP_EINVAL, f->name, "missing");
				goto out_free;
			}
			continue;
		}
		switch (f->type) {
		case FP_F_STRING:
		case FP_F_NAME:
		case FP_F_ROLE:
		case FP_F_DURATION:
			rc = fp__get_string(root, f->name, "", true,
					    f->max ? f->max : 4096, &s, jerr);
			if (rc)
				goto out_free;
			f->str = s;
			if (f->type == FP_F_NAME && !fp_name_is_valid(s, f->max ? f->max : 64)) {
				rc = fp__jerr(jerr, FP_EINVAL, f->name,
					      "invalid name '%.64s' (letters, digits, '.', '_', '-'; at most %zu)",
					      s, f->max ? f->max : (size_t)64);
				goto out_free;
			}
			if (f->type == FP_F_ROLE && strcmp(s, "viewer") &&
			    strcmp(s, "operator") && strcmp(s, "admin")) {
				rc = fp__jerr(jerr, FP_EINVAL, f->name,
					      "must be viewer, operator or admin");
				goto out_free;
			}
			if (f->type == FP_F_DURATION &&
			    (fp_duration_parse(s, &f->num) || f->num <= 0)) {
				rc = fp__jerr(jerr, FP_EINVAL, f->name,
					      "invalid duration '%.64s' (e.g. 90s, 15m, 6h, 7d)", s);
				goto out_free;
			}
			break;
		case FP_F_BOOL:
			rc = fp__get_bool(root, f->name, "", false, &f->b, jerr);
			if (rc)
				goto out_free;
			break;
		case FP_F_INT:
			rc = fp__get_int(root, f->name, "", true, INT64_MIN / 2,
					 INT64_MAX / 2, 0, &f->num, jerr);
			if (rc)
				goto out_free;
			break;
		case FP_F_OBJECT:
			if (!json_is_object(v)) {
				rc = fp__jerr(jerr, FP_EINVAL, f->name,
					      "must be an object, not %s",
					      fp__type_name(v));
				goto out_free;
			}
			f->json = v;
			break;
		case FP_F_ARRAY:
			if (!json_is_array(v)) {
				rc = fp__jerr(jerr, FP_EINVAL, f->name,
					      "must be an array, not %s",
					      fp__type_name(v));
				goto out_free;
			}
			if (f->max && json_array_size(v) > f->max) {
				rc = fp__jerr(jerr, FP_ETOOBIG, f->name,
					      "more than %zu items", f->max);
				goto out_free;
			}
			f->json = v;
			break;
		}
	}
	*ret_root = root;
	return 0;
out_free:
	json_decref(root);
	return rc;
}

int fp_decode_group_rule(const json_t *rule, const char **ret_key,
			 const char **ret_value, struct fp_jerr *jerr)
{
	static const char *const keys[] = { "os", "tag", "hostname" };
	const char *key;
	json_t *v;

	if (!json_is_object(rule) || json_object_size(rule) != 1)
		return fp__jerr(jerr, FP_EINVAL, "rule",
				"must be an object with one of os, tag, hostname");
	json_object_foreach((json_t *)rule, key, v) {
		for (size_t i = 0; i < FP_ARRAY_SIZE(keys); i++) {
			if (strcmp(key, keys[i]))
				continue;
			if (!json_is_string(v) || json_string_length(v) == 0 ||
			    json_string_length(v) > 255 ||
			    !is_clean_text(json_string_value(v),
					   json_string_length(v), false))
				return fp__jerr(jerr, FP_EINVAL, key[0] == 'o' ? "rule.os" :
						key[0] == 't' ? "rule.tag" : "rule.hostname",
						"must be a non-empty string of at most 255 bytes");
			*ret_key = keys[i];
			*ret_value = json_string_value(v);
			return 0;
		}
	}
	return fp__jerr(jerr, FP_EINVAL, "rule",
			"unknown rule (use os, tag or hostname)");
}

/* --- package set hashing ------------------------------------------------ */

int fp_wpkg_cmp(const struct fp_wpkg *a, const struct fp_wpkg *b)
{
	int c;

	if (a->eco != b->eco)
		return a->eco < b->eco ? -1 : 1;
	if ((c = strcmp(a->name, b->name)))
		return c;
	if ((c = strcmp(a->arch, b->arch)))
		return c;
	return strcmp(a->version, b->version);
}

static int wpkg_qcmp(const void *a, const void *b)
{
	return fp_wpkg_cmp(a, b);
}

void fp_wpkg_sort(struct fp_wpkg *pkgs, size_t n)
{
	if (n > 1)
		qsort(pkgs, n, sizeof(*pkgs), wpkg_qcmp);
}

void fp_wpkg_hash(const struct fp_wpkg *p, size_t n, char out[65])
{
	struct fp_buf b;

	fp_buf_init(&b, 0);
	/* no printf: this runs for every package of every full check-in */
	for (size_t i = 0; i < n; i++)
		if (fp_buf_adds(&b, fp_weco_name(p[i].eco)) ||
		    fp_buf_addch(&b, '\t') || fp_buf_adds(&b, p[i].name) ||
		    fp_buf_addch(&b, '\t') || fp_buf_adds(&b, p[i].arch) ||
		    fp_buf_addch(&b, '\t') || fp_buf_adds(&b, p[i].version) ||
		    fp_buf_addch(&b, '\n')) {
			/* out of memory: a hash that matches nothing */
			fp_buf_release(&b);
			memset(out, 'x', 64);
			out[64] = '\0';
			return;
		}
	fp_sha256_hex(b.data, b.len, out);
	fp_buf_release(&b);
}

static int str0cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int wupd_qcmp(const void *pa, const void *pb)
{
	const struct fp_wupd *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->name, b->name)) || (c = str0cmp(a->arch, b->arch)) ||
	    (c = str0cmp(a->installed_version, b->installed_version)) ||
	    (c = str0cmp(a->candidate_version, b->candidate_version)) ||
	    (c = str0cmp(a->origin, b->origin)))
		return c;
	return (int)a->security - (int)b->security;
}

void fp_wupd_hash(struct fp_wupd *u, size_t n, char out[65])
{
	struct fp_buf b;

	if (n > 1)
		qsort(u, n, sizeof(*u), wupd_qcmp);
	fp_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++)
		if (fp_buf_addf(&b, "%s\t%s\t%s\t%s\t%s\t%d\n", u[i].name,
				u[i].arch ? u[i].arch : "",
				u[i].installed_version ? u[i].installed_version : "",
				u[i].candidate_version ? u[i].candidate_version : "",
				u[i].origin ? u[i].origin : "", u[i].security)) {
			fp_buf_release(&b);
			memset(out, 'x', 64);
			out[64] = '\0';
			return;
		}
	fp_sha256_hex(b.data, b.len, out);
	fp_buf_release(&b);
}
