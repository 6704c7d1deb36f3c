/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_UTIL_H
#define FLEETPATCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/buf.h"

#define FP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "2026-12-04T19:48:34Z" for 't' (UTC) into out[32]. Returns out. */
char *fp_time_rfc3339(time_t t, char out[32]);

/* Parse an RFC 3339 UTC/offset time. 0 on success, FP_EINVAL otherwise. */
int fp_time_parse_rfc3339(const char *s, time_t *ret_t);

/*
 * Parse a duration such as "90s", "15m", "6h", "7d", "2w", or a plain
 * number of seconds. Combined forms ("1h30m") are accepted.
 */
int fp_duration_parse(const char *s, int64_t *ret_seconds);

/* SHA-256 of data as 64 lowercase hex chars plus NUL into out[65]. */
void fp_sha256_hex(const void *data, size_t len, char out[65]);

/* Hex-encode n bytes into out (2n+1 chars). */
void fp_hex_encode(const void *data, size_t n, char *out);

/* Fill 'buf' with cryptographically random bytes (getrandom). */
int fp_random_bytes(void *buf, size_t n);

/*
 * Read a whole file into 'out' (appended), failing with FP_ETOOBIG past
 * out->cap. Opens with O_CLOEXEC. Returns 0, FP_ENOENT, FP_EIO, ...
 */
int fp_read_file(const char *path, struct fp_buf *out);

/*
 * Write 'len' bytes to 'path' atomically: to a temporary file in the same
 * directory with 'mode', fsync, rename over 'path', fsync the directory.
 * Either the old or the new content is there after a crash, never half.
 */
int fp_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode);

/* Join 'dir' and 'rel' with one '/' into out (size n). FP_ETOOBIG if long. */
int fp_path_join(char *out, size_t n, const char *dir, const char *rel);

/* mkdir -p with 'mode' for created directories. */
int fp_mkdir_p(const char *path, unsigned mode);

#endif
