/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "rjson.h"

void fp__rj_path(char *out, size_t n, const char *path, const char *key,
		 long idx)
{
	const char *dot = path && *path && key ? "." : "";

	if (idx >= 0)
		snprintf(out, n, "%s%s%s[%ld]", path ? path : "", dot,
			 key ? key : "", idx);
	else
		snprintf(out, n, "%s%s%s", path ? path : "", dot,
			 key ? key : "");
}

int fp__rj_fail(struct fp_diag *d, int err, const char *path, const char *key,
		const char *fmt, ...)
{
	char where[128], what[200];
	va_list ap;

	fp__rj_path(where, sizeof(where), path, key, -1);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (where[0])
		return fp_diag_set(d, err, 0, 0, "%s: %s", where, what);
	return fp_diag_set(d, err, 0, 0, "%s", what);
}

int fp__rj_object(const json_t *j, const char *path, struct fp_diag *d)
{
	if (!json_is_object(j))
		return fp__rj_fail(d, FP_EINVAL, path, NULL,
				   "must be an object");
	return 0;
}

int fp__rj_only(const json_t *obj, const char *path, const char *const *keys,
		struct fp_diag *d)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) {
		size_t i;
		for (i = 0; keys[i]; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (!keys[i])
			return fp__rj_fail(d, FP_EINVAL, path, k,
					   "unknown field");
	}
	return 0;
}

static const json_t *member(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

static int missing(const char *key, const char *path, bool required,
		   struct fp_diag *d)
{
	if (required)
		return fp__rj_fail(d, FP_EINVAL, path, key, "missing");
	return 0;
}

int fp__rj_str(const json_t *obj, const char *key, const char *path,
	       bool required, size_t max, struct fp_arena *a,
	       struct fp_diag *d, const char **ret)
{
	const json_t *v = member(obj, key);
	const char *s;
	size_t len;
	char *copy;

	if (!v)
		return missing(key, path, required, d);
	if (!json_is_string(v))
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be a string");
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max)
		return fp__rj_fail(d, FP_ETOOBIG, path, key,
				   "longer than %zu bytes", max);
	if (strlen(s) != len)
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "contains a NUL byte");
	if (!a) {
		*ret = s;
		return 0;
	}
	copy = fp_arena_strndup(a, s, len);
	if (!copy)
		return fp__rj_fail(d, FP_ENOMEM, path, key, "out of memory");
	*ret = copy;
	return 0;
}

int fp__rj_int(const json_t *obj, const char *key, const char *path,
	       bool required, int64_t min, int64_t max, struct fp_diag *d,
	       int64_t *ret)
{
	const json_t *v = member(obj, key);
	json_int_t x;

	if (!v)
		return missing(key, path, required, d);
	if (!json_is_integer(v))
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be an integer");
	x = json_integer_value(v);
	if (x < min || x > max)
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be between %lld and %lld",
				   (long long)min, (long long)max);
	*ret = x;
	return 0;
}

int fp__rj_bool(const json_t *obj, const char *key, const char *path,
		bool required, struct fp_diag *d, bool *ret)
{
	const json_t *v = member(obj, key);

	if (!v)
		return missing(key, path, required, d);
	if (!json_is_boolean(v))
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be true or false");
	*ret = json_is_true(v);
	return 0;
}

int fp__rj_time(const json_t *obj, const char *key, const char *path,
		bool required, struct fp_diag *d, time_t *ret)
{
	const json_t *v = member(obj, key);
	time_t t;

	if (!v)
		return missing(key, path, required, d);
	if (!json_is_string(v) || json_string_length(v) > 64 ||
	    fp_time_parse_rfc3339(json_string_value(v), &t) != 0)
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be an RFC 3339 time");
	/* Years 1970..9999 only: keeps arithmetic far from overflow. */
	if (t <= 0 || t > (time_t)253402300799LL)
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "time out of range");
	*ret = t;
	return 0;
}

int fp__rj_duration(const json_t *obj, const char *key, const char *path,
		    bool required, int64_t max, struct fp_diag *d,
		    int64_t *ret)
{
	const json_t *v = member(obj, key);
	int64_t secs;

	if (!v)
		return missing(key, path, required, d);
	if (json_is_integer(v)) {
		secs = json_integer_value(v);
	} else if (!json_is_string(v) || json_string_length(v) > 64 ||
		   fp_duration_parse(json_string_value(v), &secs) != 0) {
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be a duration such as \"2d\" or \"90m\"");
	}
	if (secs < 0 || secs > max)
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "duration out of range (0 to %lld seconds)",
				   (long long)max);
	*ret = secs;
	return 0;
}

int fp__rj_enum(const json_t *obj, const char *key, const char *path,
		bool required, const char *const *names, size_t n,
		struct fp_diag *d, int *ret)
{
	const json_t *v = member(obj, key);
	const char *s;

	if (!v)
		return missing(key, path, required, d);
	if (!json_is_string(v))
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be a string");
	s = json_string_value(v);
	for (size_t i = 0; i < n; i++) {
		if (names[i] && strcmp(names[i], s) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	return fp__rj_fail(d, FP_EINVAL, path, key, "unknown value \"%.40s\"",
			   s);
}

int fp__rj_array(const json_t *obj, const char *key, const char *path,
		 bool required, size_t max, struct fp_diag *d,
		 const json_t **ret)
{
	const json_t *v = member(obj, key);

	if (!v)
		return missing(key, path, required, d);
	if (!json_is_array(v))
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "must be an array");
	if (json_array_size(v) > max)
		return fp__rj_fail(d, FP_ETOOBIG, path, key,
				   "more than %zu elements", max);
	*ret = v;
	return 0;
}

int fp__rj_set_time(json_t *obj, const char *key, time_t t)
{
	char buf[32];

	return json_object_set_new(obj, key,
				   json_string(fp_time_rfc3339(t, buf)));
}

void fp__rj_duration_text(int64_t secs, char out[32])
{
	static const struct {
		int64_t n;
		char c;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t len = 0;

	out[0] = '\0';
	if (secs <= 0) {
		snprintf(out, 32, "0s");
		return;
	}
	for (size_t i = 0; i < FP_ARRAY_SIZE(units) && len < 31; i++) {
		if (secs >= units[i].n) {
			int w = snprintf(out + len, 32 - len, "%lld%c",
					 (long long)(secs / units[i].n),
					 units[i].c);
			if (w < 0 || (size_t)w >= 32 - len)
				break;
			len += (size_t)w;
			secs %= units[i].n;
		}
	}
}

json_t *fp__rj_strv_json(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int fp__rj_strv(const json_t *j, const char *key, size_t max,
			  size_t maxlen, struct fp_arena *a, struct fp_diag *d,
			  const char ***ret, size_t *ret_n)
{
	const json_t *arr = NULL;
	const char **v;
	char where[64];
	int rc;

	rc = fp__rj_array(j, key, NULL, false, max, d, &arr);
	if (rc || !arr || json_array_size(arr) == 0)
		return rc;
	v = fp_arena_calloc(a, json_array_size(arr) + 1, sizeof(*v));
	if (!v)
		return fp__rj_fail(d, FP_ENOMEM, NULL, key, "out of memory");
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *s = json_array_get(arr, i);
		fp__rj_path(where, sizeof(where), NULL, key, (long)i);
		if (!json_is_string(s) || json_string_length(s) > maxlen ||
		    strlen(json_string_value(s)) != json_string_length(s))
			return fp__rj_fail(d, FP_EINVAL, where, NULL,
					   "must be a string of at most %zu bytes",
					   maxlen);
		v[i] = fp_arena_strdup(a, json_string_value(s));
		if (!v[i])
			return fp__rj_fail(d, FP_ENOMEM, where, NULL,
					   "out of memory");
	}
	*ret = v;
	*ret_n = json_array_size(arr);
	return 0;
}
