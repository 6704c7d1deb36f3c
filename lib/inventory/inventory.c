/* SPDX-License-Identifier: MIT */
/* The inventory object and the small helpers every collector uses. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

/* Small chunks: an inventory of a thousand packages needs ~100 KiB. */
#define INV_ARENA_CHUNK ((size_t)16 << 10)
#define INV_ARENA_CAP ((size_t)256 << 20)

void fp_inventory_init(struct fp_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	fp_arena_init(&inv->arena, INV_ARENA_CHUNK, INV_ARENA_CAP);
	inv->uptime_seconds = -1;
	inv->metadata_age_seconds = -1;
	inv->hw.cpu_count = 0;
}

void fp_inventory_release(struct fp_inventory *inv)
{
	if (!inv)
		return;
	fp_arena_release(&inv->arena);
	memset(inv, 0, sizeof(*inv));
	inv->uptime_seconds = -1;
	inv->metadata_age_seconds = -1;
}

const char *fp__inv_strdup(struct fp_inventory *inv, struct fp_str s)
{
	return fp_arena_strndup(&inv->arena, s.p ? s.p : "", s.len);
}

int fp_inventory_add_package(struct fp_inventory *inv, struct fp_str name,
			     struct fp_str version, struct fp_str arch,
			     struct fp_str source, struct fp_str source_version,
			     enum fp_ecosystem eco, const char *kind)
{
	struct fp_package *p, *prev;

	if (inv->n_packages >= FP_INV_MAX_PACKAGES)
		return FP_ETOOBIG;
	if (inv->n_packages == inv->packages_cap) {
		/* Arena arrays cannot grow in place: double and copy; the old
		 * array stays in the arena (at most as much again). */
		size_t cap = inv->packages_cap ? inv->packages_cap * 2 : 256;
		struct fp_package *n;

		if (cap > FP_INV_MAX_PACKAGES)
			cap = FP_INV_MAX_PACKAGES;
		n = fp_arena_alloc(&inv->arena, cap * sizeof(*n));
		if (!n)
			return FP_ENOMEM;
		if (inv->n_packages)
			memcpy(n, inv->packages,
			       inv->n_packages * sizeof(*n));
		inv->packages = n;
		inv->packages_cap = cap;
	}
	prev = inv->n_packages ? &inv->packages[inv->n_packages - 1] : NULL;
	p = &inv->packages[inv->n_packages];
	memset(p, 0, sizeof(*p));
	p->eco = eco;
	p->kind = kind;
	if (!(p->name = fp__inv_strdup(inv, name)) ||
	    !(p->version = fp__inv_strdup(inv, version)))
		return FP_ENOMEM;
	/* Most packages share their neighbour's architecture and are their
	 * own source: share those strings instead of copying them. */
	if (prev && fp_str_eq_c(arch, prev->arch))
		p->arch = prev->arch;
	else if (!(p->arch = fp__inv_strdup(inv, arch)))
		return FP_ENOMEM;
	if (source.len == 0 || fp_str_eq(source, name))
		p->source = p->name;
	else if (prev && fp_str_eq_c(source, prev->source))
		p->source = prev->source;
	else if (!(p->source = fp__inv_strdup(inv, source)))
		return FP_ENOMEM;
	if (source_version.len == 0 || fp_str_eq(source_version, version))
		p->source_version = p->version;
	else if (prev && fp_str_eq_c(source_version, prev->source_version))
		p->source_version = prev->source_version;
	else if (!(p->source_version = fp__inv_strdup(inv, source_version)))
		return FP_ENOMEM;
	inv->n_packages++;
	return 0;
}

int fp__file_map(const char *path, size_t max, struct fp__file *ret,
		 struct fp_diag *diag)
{
	struct stat st;
	int fd, r = 0;
	void *m;

	memset(ret, 0, sizeof(*ret));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return fp_diag_set(diag, e == ENOENT || e == ENOTDIR ? FP_ENOENT : FP_EIO,
				   0, 0, "cannot open: %s", strerror(e));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = fp_diag_set(diag, FP_EIO, 0, 0, "not a regular file");
		goto out_close;
	}
	if ((uint64_t)st.st_size > max) {
		r = fp_diag_set(diag, FP_ETOOBIG, 0, 0,
				"file too large (%llu bytes, limit %zu)",
				(unsigned long long)st.st_size, max);
		goto out_close;
	}
	if (st.st_size == 0) {
		ret->data = "";
		goto out_close;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED) {
		r = fp_diag_set(diag, FP_EIO, 0, 0, "cannot map: %s",
				strerror(errno));
		goto out_close;
	}
	madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	ret->map = m;
	ret->data = m;
	ret->len = (size_t)st.st_size;
out_close:
	close(fd);
	return r;
}

void fp__file_release(struct fp__file *f)
{
	if (f->map)
		munmap(f->map, f->len);
	fp_free(f->heap);
	memset(f, 0, sizeof(*f));
}

long fp__read_small(const char *path, char *out, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (n == 0)
		return FP_EINVAL;
	out[0] = '\0';
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? FP_ENOENT : FP_EIO;
	while (got < n - 1) {
		ssize_t k = read(fd, out + got, n - 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			close(fd);
			return FP_EIO;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	while (got && (out[got - 1] == '\n' || out[got - 1] == ' ' ||
		       out[got - 1] == '\t' || out[got - 1] == '\r'))
		got--;
	out[got] = '\0';
	return (long)got;
}

int fp__check_binary(const char *data, size_t len, struct fp_diag *diag)
{
	const char *nul = memchr(data, '\0', len);
	unsigned long line = 1;
	const char *bol = data;

	if (!nul)
		return 0;
	for (const char *p = data; (p = memchr(p, '\n', (size_t)(nul - p))); p++) {
		line++;
		bol = p + 1;
	}
	return fp_diag_set(diag, FP_EINVAL, line, (unsigned long)(nul - bol) + 1,
			   "binary data (NUL byte)");
}

int fp__next_line(const char *data, size_t len, size_t *pos,
		  unsigned long *lineno, unsigned need_nl, struct fp_str *ret,
		  struct fp_diag *diag)
{
	size_t start = *pos, room, n;
	const char *nl;

	if (start >= len)
		return 0;
	(*lineno)++;
	room = len - start;
	nl = memchr(data + start, '\n',
		    room > FP_INV_MAX_LINE ? FP_INV_MAX_LINE + 1 : room);
	if (!nl) {
		if (room > FP_INV_MAX_LINE)
			return fp_diag_set(diag, FP_EINVAL, *lineno, 0,
					   "line too long (over %d bytes)",
					   FP_INV_MAX_LINE);
		if (need_nl & 1)
			return fp_diag_set(diag, FP_EINVAL, *lineno, 0,
					   "truncated: last line has no newline");
		n = room;
		*pos = len;
	} else {
		n = (size_t)(nl - (data + start));
		*pos = start + n + 1;
	}
	if (!(need_nl & FP__LINE_NUL_CHECKED) && memchr(data + start, '\0', n))
		return fp_diag_set(diag, FP_EINVAL, *lineno,
				   (unsigned long)((const char *)memchr(data + start, '\0', n) -
						   (data + start)) + 1,
				   "binary data (NUL byte)");
	*ret = fp_str_make(data + start, n);
	return 1;
}

bool fp__is_token(struct fp_str s, size_t max)
{
	if (s.len == 0 || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] <= ' ' || (unsigned char)s.p[i] >= 0x7f)
			return false;
	return true;
}

bool fp__is_pkg_name(struct fp_str s, size_t max, const char *punct)
{
	if (s.len == 0 || s.len > max)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || (c && strchr(punct, c))))
			return false;
	}
	return true;
}

bool fp__is_text(struct fp_str s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s.p;
	size_t i = 0;

	if (s.len > max)
		return false;
	while (i < s.len) {
		unsigned char c = p[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			if (c < ' ' || c == 0x7f)
				return false;
			i++;
			continue;
		}
		/* Well-formed UTF-8 only: JSON must carry it unchanged. */
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (s.len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Printable form of an offending value for a message: at most 64 bytes,
 * control characters as '?'. */
static void printable(struct fp_str v, char out[72])
{
	size_t n = v.len > 64 ? 64 : v.len, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		out[i] = c < ' ' || c == 0x7f ? '?' : (char)c;
	}
	if (v.len > n) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

int fp__check_version(enum fp_ecosystem eco, struct fp_str v, const char *what,
		      unsigned long line, struct fp_diag *diag)
{
	struct fp_diag vd;
	char shown[72];

	fp_diag_init(&vd, NULL);
	if (v.len > FP_INV_MAX_FIELD) {
		return fp_diag_set(diag, FP_EINVAL, line, 0,
				   "%s: version too long (%zu bytes, limit %d)",
				   what, v.len, FP_INV_MAX_FIELD);
	}
	if (fp_version_check(eco, v.p, v.len, &vd) == 0)
		return 0;
	printable(v, shown);
	return fp_diag_set(diag, FP_EINVAL, line, 0,
			   "%s: invalid %s version '%s': %s", what,
			   fp_ecosystem_name(eco), shown,
			   vd.msg[0] ? vd.msg : "rejected");
}

int fp__root_path(char *out, size_t n, const char *root, const char *rel)
{
	int k;

	if (!root || !*root || !strcmp(root, "/"))
		k = snprintf(out, n, "%s", rel);
	else
		k = snprintf(out, n, "%s%s%s", root,
			     root[strlen(root) - 1] == '/' || rel[0] == '/' ? "" : "/",
			     root[strlen(root) - 1] == '/' && rel[0] == '/' ? rel + 1 : rel);
	return k < 0 || (size_t)k >= n ? FP_ETOOBIG : 0;
}

int fp__natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *sa, *sb;
			size_t la, lb;

			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			sa = a;
			sb = b;
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
			la = (size_t)(a - sa);
			lb = (size_t)(b - sb);
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = memcmp(sa, sb, la);
			if (c)
				return c < 0 ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

const char *fp__inv_path(struct fp_inventory *inv, const char *root,
			 const char *rel)
{
	char path[4096];

	if (fp__root_path(path, sizeof(path), root, rel))
		return NULL;
	return fp_arena_strdup(&inv->arena, path);
}
