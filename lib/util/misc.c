/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/err.h"
#include "fleetpatch/util.h"

char *fp_time_rfc3339(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
	return out;
}

static int parse_digits(const char **s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return FP_EINVAL;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*ret = v;
	return 0;
}

int fp_time_parse_rfc3339(const char *s, time_t *ret_t)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (parse_digits(&s, 4, &y) || *s++ != '-' ||
	    parse_digits(&s, 2, &mo) || *s++ != '-' ||
	    parse_digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
		return FP_EINVAL;
	s++;
	if (parse_digits(&s, 2, &h) || *s++ != ':' ||
	    parse_digits(&s, 2, &mi) || *s++ != ':' ||
	    parse_digits(&s, 2, &sec))
		return FP_EINVAL;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return FP_EINVAL;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (parse_digits(&s, 2, &oh) || *s++ != ':' ||
		    parse_digits(&s, 2, &om))
			return FP_EINVAL;
	} else {
		return FP_EINVAL;
	}
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || oh > 23 || om > 59)
		return FP_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	t -= sign * (oh * 3600 + om * 60);
	*ret_t = t;
	return 0;
}

int fp_duration_parse(const char *s, int64_t *ret_seconds)
{
	int64_t total = 0;
	bool any = false;

	if (!s || !*s)
		return FP_EINVAL;
	while (*s) {
		int64_t v = 0, mult;
		const char *start = s;

		while (*s >= '0' && *s <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				return FP_EINVAL;
			v = v * 10 + (*s++ - '0');
		}
		if (s == start)
			return FP_EINVAL;
		switch (*s) {
		case '\0': mult = 1; break;
		case 's': mult = 1; s++; break;
		case 'm': mult = 60; s++; break;
		case 'h': mult = 3600; s++; break;
		case 'd': mult = 86400; s++; break;
		case 'w': mult = 7 * 86400; s++; break;
		default: return FP_EINVAL;
		}
		if (v > (INT64_MAX - total) / mult)
			return FP_EINVAL;
		total += v * mult;
		any = true;
	}
	if (!any)
		return FP_EINVAL;
	*ret_seconds = total;
	return 0;
}

void fp_hex_encode(const void *data, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void fp_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	fp_hex_encode(h, sizeof(h), out);
}

int fp_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return FP_EIO;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int fp_read_file(const char *path, struct fp_buf *out)
{
	char tmp[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? FP_ENOENT : FP_EIO;
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = FP_EIO;
			break;
		}
		if (n == 0)
			break;
		r = fp_buf_add(out, tmp, (size_t)n);
		if (r)
			break;
	}
	close(fd);
	return r;
}

int fp_write_file_atomic(const char *path, const void *data, size_t len,
			 unsigned mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *p = data, *slash;
	int fd, r = FP_EIO;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return FP_ETOOBIG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return FP_EIO;
	fchmod(fd, mode);
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out_unlink;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0)
		goto out_unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto out_unlink;
	slash = strrchr(path, '/');
	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		int dfd;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash == path ? 1 : slash - path] = '\0';
		if (slash == path)
			dir[0] = '/';
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int fp_path_join(char *out, size_t n, const char *dir, const char *rel)
{
	size_t dl = strlen(dir);
	int w;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	while (*rel == '/')
		rel++;
	w = snprintf(out, n, "%.*s/%s", (int)dl, dir, rel);
	if (w < 0 || (size_t)w >= n)
		return FP_ETOOBIG;
	return 0;
}

int fp_mkdir_p(const char *path, unsigned mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return FP_EINVAL;
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return FP_EIO;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return FP_EIO;
	return 0;
}
