/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_DECODE_INTERNAL_H
#define FLEETPATCHD_DECODE_INTERNAL_H

/* Helpers shared by the decode_*.c files only. */
#include "decode.h"

int fp__jerr(struct fp_jerr *jerr, int err, const char *path, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));
int fp__parse_object(const void *buf, size_t len, json_t **ret_root,
		     struct fp_jerr *jerr);
void fp__path(char *out, size_t n, const char *parent, const char *key,
	      long index);
const char *fp__type_name(const json_t *j);
int fp__get_string(const json_t *obj, const char *key, const char *parent,
		   bool required, size_t max, const char **ret,
		   struct fp_jerr *jerr);
int fp__get_word(const json_t *obj, const char *key, const char *parent,
		 bool required, size_t max, const char **ret,
		 struct fp_jerr *jerr);
int fp__get_int(const json_t *obj, const char *key, const char *parent,
		bool required, int64_t min, int64_t max, int64_t dflt,
		int64_t *ret, struct fp_jerr *jerr);
int fp__get_bool(const json_t *obj, const char *key, const char *parent,
		 bool dflt, bool *ret, struct fp_jerr *jerr);
int fp__check_keys(const json_t *obj, const char *parent,
		   const char *const *known, struct fp_jerr *jerr);
/* Validity of a version string for its ecosystem (FP_EINVAL + jerr). */
int fp__version_check(enum fp_ecosystem eco, const char *v, const char *path,
		      struct fp_jerr *jerr);

#endif
