/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ROLLOUT_RJSON_H
#define FLEETPATCH_ROLLOUT_RJSON_H

/*
 * Internal helpers for the JSON decoders of lib/rollout (jobs, rollout
 * state, windows).  Each reads one member of an object, checks its type
 * and range, and on failure fills the diag with "<path>.<key>: what" and
 * returns FP_EINVAL.  'path' is the object's JSON path ("" at the top).
 * An optional member that is absent (or null) leaves *ret untouched and
 * returns 0.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/err.h"

int fp__rj_fail(struct fp_diag *d, int err, const char *path, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Unknown members are errors where a typo would change meaning. */
int fp__rj_only(const json_t *obj, const char *path, const char *const *keys,
		struct fp_diag *d);
int fp__rj_object(const json_t *j, const char *path, struct fp_diag *d);
int fp__rj_str(const json_t *obj, const char *key, const char *path,
	       bool required, size_t max, struct fp_arena *a,
	       struct fp_diag *d, const char **ret);
int fp__rj_int(const json_t *obj, const char *key, const char *path,
	       bool required, int64_t min, int64_t max, struct fp_diag *d,
	       int64_t *ret);
int fp__rj_bool(const json_t *obj, const char *key, const char *path,
		bool required, struct fp_diag *d, bool *ret);
int fp__rj_time(const json_t *obj, const char *key, const char *path,
		bool required, struct fp_diag *d, time_t *ret);
/* A duration: a string "2d" / "1h30m" or a number of seconds. */
int fp__rj_duration(const json_t *obj, const char *key, const char *path,
		    bool required, int64_t max, struct fp_diag *d,
		    int64_t *ret);
int fp__rj_enum(const json_t *obj, const char *key, const char *path,
		bool required, const char *const *names, size_t n,
		struct fp_diag *d, int *ret);
int fp__rj_array(const json_t *obj, const char *key, const char *path,
		 bool required, size_t max, struct fp_diag *d,
		 const json_t **ret);
/* "path.key[i]" or "key[i]" into out. */
void fp__rj_path(char *out, size_t n, const char *path, const char *key,
		 long idx);
/* Add an RFC 3339 string member (skipped when t == 0 and optional). */
int fp__rj_set_time(json_t *obj, const char *key, time_t t);
/* A duration as text: "2d", "1h30m", "45s"; out[32]. */
void fp__rj_duration_text(int64_t secs, char out[32]);

/* A string array as JSON, and back into the arena (NULL-terminated). */
json_t *fp__rj_strv_json(const char *const *v, size_t n);
int fp__rj_strv(const json_t *j, const char *key, size_t max, size_t maxlen,
		struct fp_arena *a, struct fp_diag *d, const char ***ret,
		size_t *ret_n);

#endif
