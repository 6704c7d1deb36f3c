/* SPDX-License-Identifier: MIT */
/*
 * apt backend.  `apt-get -s dist-upgrade` in simulation mode, without
 * locking and without writing the package cache, prints one line per
 * package it would upgrade:
 *
 *	Inst bash [5.2.15-2+b2] (5.2.15-2+b7 Debian:12.9/stable [amd64])
 *	Inst libc6:i386 [2.36-9] (2.36-9+deb12u9 Debian:12.9/stable,
 *	     Debian-Security:12/stable-security [i386]) []
 *
 * dist-upgrade rather than upgrade: `apt list --upgradable` lists every
 * package whose candidate is newer than the installed version, including
 * those that need new dependencies, which `upgrade` would hold back.
 * Lines without "[old]" install new packages and are not updates.
 */
#include <string.h>
#include <unistd.h>

#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "updates_int.h"

/* A suite entry of the origin list is "Origin:Version/Archive", or just
 * the archive; security = some archive ends in "-security". */
static bool origin_is_security(struct fp_str origins)
{
	static const char suffix[] = "-security";
	size_t start = 0;

	for (size_t i = 0; i <= origins.len; i++) {
		if (i < origins.len && origins.p[i] != ',')
			continue;
		struct fp_str e = fp_str_trim(
			fp_str_make(origins.p + start, i - start));
		for (size_t j = e.len; j-- > 0;)
			if (e.p[j] == '/') {
				e = fp_str_make(e.p + j + 1, e.len - j - 1);
				break;
			}
		if (e.len >= sizeof(suffix) - 1 &&
		    !memcmp(e.p + e.len - (sizeof(suffix) - 1), suffix,
			    sizeof(suffix) - 1))
			return true;
		start = i + 1;
	}
	return false;
}

static int parse_inst(struct fp_str s, unsigned long lineno,
		      struct fp_update_list *l, struct fp_diag *diag)
{
	struct fp_str name, old, group, cand, origin, arch = { NULL, 0 };
	const char *close, *p;
	size_t i;

	name = fp__next_token(&s);
	s = fp_str_trim(s);
	if (!s.len || s.p[0] != '[')
		return 0; /* a new install, not an update */
	p = memchr(s.p, ']', s.len);
	if (!p)
		return fp_diag_set(diag, FP_EINVAL, lineno, 0,
				   "unterminated installed version");
	old = fp_str_make(s.p + 1, (size_t)(p - s.p - 1));
	s = fp_str_trim(fp_str_make(p + 1, s.len - (size_t)(p + 1 - s.p)));
	if (!s.len || s.p[0] != '(')
		return fp_diag_set(diag, FP_EINVAL, lineno, 0,
				   "expected '(' before the candidate version");
	/* The group ends at "])" (after the arch) or at the first ')'. */
	close = NULL;
	for (i = 1; i < s.len; i++) {
		if (s.p[i] == ')' && (s.p[i - 1] == ']' || !close)) {
			close = s.p + i;
			if (s.p[i - 1] == ']')
				break;
		}
	}
	if (!close)
		return fp_diag_set(diag, FP_EINVAL, lineno, 0,
				   "unterminated candidate group");
	group = fp_str_make(s.p + 1, (size_t)(close - s.p - 1));
	cand = fp__next_token(&group);
	group = fp_str_trim(group);
	if (group.len && group.p[group.len - 1] == ']') {
		for (i = group.len - 1; i-- > 0;)
			if (group.p[i] == '[')
				break;
		if (i < group.len) {
			arch = fp_str_make(group.p + i + 1, group.len - i - 2);
			group = fp_str_trim(fp_str_make(group.p, i));
		}
	}
	origin = group.len ? group : (struct fp_str){ NULL, 0 };
	/* "libc6:i386" names the arch again; the arch is its own field. */
	if (arch.p && name.len > arch.len + 1 &&
	    name.p[name.len - arch.len - 1] == ':' &&
	    !memcmp(name.p + name.len - arch.len, arch.p, arch.len))
		name.len -= arch.len + 1;
	return fp__upd_add(l, name, arch, old, cand, origin,
			   origin.p && origin_is_security(origin), lineno,
			   diag);
}

int fp_updates_parse_apt(const char *data, size_t len,
			 struct fp_update_list *l, struct fp_diag *diag)
{
	struct fp__lines it;
	struct fp_str line;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		if (!fp_str_has_prefix(line, "Inst "))
			continue;
		line.p += 5;
		line.len -= 5;
		r = parse_inst(line, it.lineno, l, diag);
		if (r != 0)
			return r;
	}
	return r;
}

static bool apt_detect(const char *root)
{
	return fp__upd_exists(root, "/var/lib/dpkg/status") &&
	       fp_exec_have("apt-get");
}

/* argv prefix selecting the root: -o Dir=ROOT plus the absolute paths
 * apt does not derive from Dir.  Returns the number of entries. */
struct apt_opts {
	char dir[4200], status[4200];
};

static size_t apt_root_args(const char *root, struct apt_opts *o,
			    const char **argv)
{
	size_t n = 0;

	if (fp__upd_is_live(root))
		return 0;
	snprintf(o->dir, sizeof(o->dir), "Dir=%s", root);
	snprintf(o->status, sizeof(o->status),
		 "Dir::State::status=%s/var/lib/dpkg/status", root);
	argv[n++] = "-o";
	argv[n++] = o->dir;
	argv[n++] = "-o";
	argv[n++] = o->status;
	return n;
}

static int apt_refresh(const char *root, struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[16];
	struct apt_opts o;
	size_t n = 0;

	argv[n++] = "apt-get";
	argv[n++] = "-q";
	n += apt_root_args(root, &o, argv + n);
	argv[n++] = "update";
	argv[n] = NULL;
	return fp__upd_run("apt-get update", argv, NULL, FP_UPDATES_REFRESH_TIMEOUT_MS, ok, NULL,
			   NULL, diag);
}

static int apt_query(const char *root, struct fp_update_list *l,
		     struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[24];
	struct apt_opts o;
	size_t n = 0;

	argv[n++] = "apt-get";
	argv[n++] = "-s";
	argv[n++] = "-q";
	/* No lock the administrator would wait on, no cache file written. */
	argv[n++] = "-o";
	argv[n++] = "Debug::NoLocking=1";
	argv[n++] = "-o";
	argv[n++] = "Dir::Cache::pkgcache=";
	argv[n++] = "-o";
	argv[n++] = "Dir::Cache::srcpkgcache=";
	n += apt_root_args(root, &o, argv + n);
	argv[n++] = "dist-upgrade";
	argv[n] = NULL;
	return fp__upd_run_parse("apt-get -s dist-upgrade", argv, NULL, ok,
				 fp_updates_parse_apt, l, diag);
}

static int64_t apt_age(const char *root)
{
	return fp__upd_newest_age(root, "/var/lib/apt/lists", 2, false);
}

const struct fp__upd_backend fp__upd_apt = {
	.name = "apt",
	.detect = apt_detect,
	.refresh = apt_refresh,
	.query = apt_query,
	.metadata_age = apt_age,
};
