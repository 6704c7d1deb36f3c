/* SPDX-License-Identifier: MIT */
/*
 * The rpm database, through `rpm -qa --root DIR --dbpath P --qf FMT` run
 * with an argv (fp_exec).  Each record is one line framed by sentinels
 * (FP_RPM_QUERYFORMAT), so a garbled or short record is an error, not a
 * shifted column.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fleetpatch/exec.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define RPM_MAX_OUTPUT ((size_t)64 << 20)
#define RPM_TIMEOUT_MS 120000

enum { R_NAME, R_EPOCH, R_VERSION, R_RELEASE, R_ARCH, R_SRPM, R__COUNT };

static bool is_name(struct fp_str s)
{
	return fp__is_pkg_name(s, 256, "._+-~^");
}

/* "bash-5.1.8-6.el9.src.rpm" -> name "bash", "5.1.8-6.el9". */
static bool split_srpm(struct fp_str s, struct fp_str *name, struct fp_str *ver)
{
	static const char *const sfx[] = { ".src.rpm", ".nosrc.rpm" };
	const char *d1 = NULL, *d2 = NULL;

	for (size_t i = 0; i < 2; i++) {
		size_t k = strlen(sfx[i]);
		if (s.len > k && !memcmp(s.p + s.len - k, sfx[i], k)) {
			s.len -= k;
			break;
		}
	}
	for (size_t i = s.len; i-- > 0;) {
		if (s.p[i] != '-')
			continue;
		if (!d2)
			d2 = s.p + i;
		else {
			d1 = s.p + i;
			break;
		}
	}
	if (!d1 || d1 == s.p)
		return false;
	*name = fp_str_make(s.p, (size_t)(d1 - s.p));
	*ver = fp_str_make(d1 + 1, s.len - (size_t)(d1 + 1 - s.p));
	return (void)d2, true;
}

static int add_record(struct fp_str *f, unsigned long lineno,
		      struct fp_inventory *inv, struct fp_diag *diag)
{
	char evr[3 * FP_INV_MAX_FIELD], sevr[3 * FP_INV_MAX_FIELD], what[300];
	struct fp_str arch = f[R_ARCH], sname = { "", 0 }, sver = { "", 0 };
	bool epoch = !fp_str_eq_c(f[R_EPOCH], "(none)");
	int n, r;

	if (!is_name(f[R_NAME]))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0, "invalid package name");
	/* gpg-pubkey entries are keys, not packages. */
	if (fp_str_eq_c(f[R_NAME], "gpg-pubkey") && fp_str_eq_c(arch, "(none)"))
		return 0;
	snprintf(what, sizeof(what), "package %.*s", (int)f[R_NAME].len, f[R_NAME].p);
	if (epoch && (!f[R_EPOCH].len || f[R_EPOCH].len > 10 ||
		      strspn(f[R_EPOCH].p, "0123456789") < f[R_EPOCH].len))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0, "%s: invalid epoch", what);
	n = snprintf(evr, sizeof(evr), "%s%.*s%s%.*s-%.*s", "",
		     epoch ? (int)f[R_EPOCH].len : 0, f[R_EPOCH].p, epoch ? ":" : "",
		     (int)f[R_VERSION].len, f[R_VERSION].p, (int)f[R_RELEASE].len,
		     f[R_RELEASE].p);
	if (n < 0 || (size_t)n >= sizeof(evr))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0, "%s: version too long", what);
	if ((r = fp__check_version(FP_ECO_RPM, fp_str_make(evr, (size_t)n), what, lineno, diag)))
		return r;
	if (fp_str_eq_c(arch, "(none)"))
		arch = fp_str_make("", 0);
	else if (!fp__is_token(arch, 64))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0, "%s: invalid arch", what);
	if (!fp_str_eq_c(f[R_SRPM], "(none)") && f[R_SRPM].len) {
		if (!split_srpm(f[R_SRPM], &sname, &sver) || !is_name(sname))
			return fp_diag_set(diag, FP_EINVAL, lineno, 0,
					   "%s: invalid SOURCERPM", what);
		/* Subpackages share their source's epoch. */
		n = snprintf(sevr, sizeof(sevr), "%.*s%s%.*s",
			     epoch ? (int)f[R_EPOCH].len : 0, f[R_EPOCH].p,
			     epoch ? ":" : "", (int)sver.len, sver.p);
		if (n < 0 || (size_t)n >= sizeof(sevr))
			return fp_diag_set(diag, FP_EINVAL, lineno, 0, "%s: SOURCERPM too long", what);
		sver = fp_str_make(sevr, (size_t)n);
		if ((r = fp__check_version(FP_ECO_RPM, sver, what, lineno, diag)))
			return r;
	}
	r = fp_inventory_add_package(inv, f[R_NAME], fp_str_make(evr, strlen(evr)),
				     arch, sname, sver, FP_ECO_RPM, NULL);
	if (r)
		return fp_diag_set(diag, r, lineno, 0, "%s",
				   r == FP_ETOOBIG ? "too many packages" : "out of memory");
	return 0;
}

int fp_rpm_query_parse(const char *data, size_t len, const char *label,
		       struct fp_inventory *inv, struct fp_diag *diag)
{
	unsigned long lineno = 0;
	size_t pos = 0;
	struct fp_str line;
	int r;

	fp_diag_init(diag, label);
	while ((r = fp__next_line(data, len, &pos, &lineno, 1, &line, diag)) > 0) {
		struct fp_str f[R__COUNT + 2];
		size_t n = 0, start = 0;

		for (size_t i = 0; i <= line.len; i++) {
			if (i < line.len && line.p[i] != '\t')
				continue;
			if (n == R__COUNT + 2)
				return fp_diag_set(diag, FP_EINVAL, lineno, 0,
						   "too many fields in rpm record");
			f[n++] = fp_str_make(line.p + start, i - start);
			start = i + 1;
		}
		if (n != R__COUNT + 2 || !fp_str_eq_c(f[0], "@fp@") ||
		    !fp_str_eq_c(f[R__COUNT + 1], "@end@"))
			return fp_diag_set(diag, FP_EINVAL, lineno, 0,
					   "malformed rpm record (expected %d tab-separated fields between sentinels)",
					   R__COUNT);
		for (size_t i = 1; i <= R__COUNT; i++)
			if (!fp__is_text(f[i], FP_INV_MAX_FIELD))
				return fp_diag_set(diag, FP_EINVAL, lineno, 0,
						   "control characters or field too long");
		if ((r = add_record(f + 1, lineno, inv, diag)))
			return r;
	}
	return r;
}

/* Where the database lives, relative to the root; NULL when none. */
static const char *rpm_dbpath(const char *root)
{
	static const char *const dbs[][2] = {
		{ "/usr/lib/sysimage/rpm", "/usr/lib/sysimage/rpm/rpmdb.sqlite" },
		{ "/var/lib/rpm", "/var/lib/rpm/rpmdb.sqlite" },
		{ "/var/lib/rpm", "/var/lib/rpm/Packages" },
		{ "/var/lib/rpm", "/var/lib/rpm/Packages.db" },
	};
	char path[4096];
	struct stat st;

	for (size_t i = 0; i < FP_ARRAY_SIZE(dbs); i++)
		if (!fp__root_path(path, sizeof(path), root, dbs[i][1]) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
			return dbs[i][0];
	return NULL;
}

int fp__collect_rpm(const char *root, struct fp_inventory *inv,
		    struct fp_diag *diag)
{
	const char *dbpath = rpm_dbpath(root);
	const char *argv[10];
	struct fp_buf out, err;
	struct fp_exec_opts o = { 0 };
	struct fp_exec_result res;
	int n = 0, r;

	if (!dbpath)
		return 1;
	fp_diag_init(diag, "rpm -qa");
	if (!fp_exec_have("rpm"))
		return fp_diag_set(diag, FP_EUNSUPPORTED, 0, 0,
				   "an rpm database is present (%s) but rpm is not installed",
				   dbpath);
	argv[n++] = "rpm";
	argv[n++] = "-qa";
	if (root) {
		argv[n++] = "--root";
		argv[n++] = root;
	}
	argv[n++] = "--dbpath";
	argv[n++] = dbpath;
	argv[n++] = "--qf";
	argv[n++] = FP_RPM_QUERYFORMAT;
	argv[n] = NULL;
	fp_buf_init(&out, RPM_MAX_OUTPUT);
	fp_buf_init(&err, 4096);
	o.argv = argv;
	o.timeout_ms = RPM_TIMEOUT_MS;
	o.out = &out;
	o.err = &err;
	r = fp_exec(&o, &res);
	if (r) {
		r = fp_diag_set(diag, r, 0, 0, "cannot run rpm");
		goto out_release;
	}
	if (res.timed_out || res.exit_code != 0 || res.truncated) {
		r = fp_diag_set(diag, res.truncated ? FP_ETOOBIG : FP_ECHILD, 0, 0,
				"rpm failed (%s): %.150s",
				res.timed_out ? "timed out" : res.truncated ? "output too large"
									     : "non-zero exit",
				err.data);
		goto out_release;
	}
	r = fp_rpm_query_parse(out.data, out.len, "rpm -qa output", inv, diag);
out_release:
	fp_buf_release(&out);
	fp_buf_release(&err);
	return r;
}
