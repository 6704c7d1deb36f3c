/* SPDX-License-Identifier: MIT */
/*
 * dnf backend.  Everything runs from dnf's metadata cache (-C), so a
 * query neither downloads nor takes the metadata lock:
 *
 *	dnf -q -C [--installroot ROOT] check-update          (exit 100: updates)
 *	    fpt-hello.noarch                 1.1-1                 fpt
 *	dnf -q -C [--installroot ROOT] updateinfo list --security
 *	    FPT-2026-0001 Important/Sec. fpt-hello-1.1-1.noarch
 *	rpm [--root ROOT --dbpath DB] -qa --qf '%{NAME}\t%{ARCH}\t%{EPOCHNUM}:...'
 *
 * check-update gives name, arch, candidate and repository; updateinfo the
 * packages with a security advisory; rpm the installed versions.
 */
#include <string.h>

#include "fleetpatch/exec.h"
#include "updates_int.h"

/* Split "name.arch" at the last dot. */
static int split_name_arch(struct fp_str na, struct fp_str *ret_name,
			   struct fp_str *ret_arch)
{
	for (size_t i = na.len; i-- > 0;)
		if (na.p[i] == '.') {
			if (i == 0 || i + 1 == na.len)
				break;
			*ret_name = fp_str_make(na.p, i);
			*ret_arch = fp_str_make(na.p + i + 1, na.len - i - 1);
			return 0;
		}
	return FP_EINVAL;
}

int fp_updates_parse_dnf(const char *data, size_t len,
			 struct fp_update_list *l, struct fp_diag *diag)
{
	struct fp__lines it;
	struct fp_str line, tok[3];
	size_t nt = 0;
	unsigned long first = 0;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		struct fp_str t, name, arch;

		if (fp_str_has_prefix(line, "Obsoleting Packages")) {
			r = 0; /* what follows is not an update list */
			break;
		}
		if (fp_str_has_prefix(line, "Last metadata expiration") ||
		    fp_str_has_prefix(line, "Security: "))
			continue;
		/* A long name wraps: its version and repo follow on the next
		 * line, so tokens gather across lines until there are 3. */
		while ((t = fp__next_token(&line)).len) {
			if (nt == 3)
				return fp_diag_set(diag, FP_EINVAL, it.lineno,
						   0, "expected name.arch, "
						   "version, repository");
			if (nt == 0)
				first = it.lineno;
			tok[nt++] = t;
		}
		if (nt < 3)
			continue;
		if (split_name_arch(tok[0], &name, &arch) != 0)
			return fp_diag_set(diag, FP_EINVAL, first, 0,
					   "expected name.arch");
		r = fp__upd_add(l, name, arch, (struct fp_str){ NULL, 0 },
				tok[1], tok[2], false, first, diag);
		if (r != 0)
			return r;
		nt = 0;
	}
	if (r == 0 && nt != 0)
		return fp_diag_set(diag, FP_EINVAL, first, 0,
				   "truncated update entry");
	return r;
}

int fp_updates_parse_dnf_security(const char *data, size_t len,
				  struct fp_update_list *l,
				  struct fp_diag *diag)
{
	struct fp__lines it;
	struct fp_str line;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		struct fp_str adv, type, nevra, name, evr, arch;

		if (!fp_str_trim(line).len ||
		    fp_str_has_prefix(line, "Last metadata expiration"))
			continue;
		adv = fp__next_token(&line);
		type = fp__next_token(&line);
		nevra = fp__next_token(&line);
		if (!nevra.len || fp_str_trim(line).len ||
		    !fp__field_ok(adv, false) || !fp__field_ok(type, false))
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "expected advisory, type, package");
		if (fp__split_nevra(nevra, &name, &evr, &arch) != 0)
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "bad package name-version.arch");
		fp__upd_foreach_match(i, l, name, arch)
			l->v[i].security = true;
	}
	return r;
}

static bool dnf_detect(const char *root)
{
	if (!fp__rpm_dbpath(root) || !fp_exec_have("dnf"))
		return false;
	return fp__upd_is_live(root) || fp__upd_exists(root, "/etc/dnf") ||
	       fp__upd_exists(root, "/etc/yum.repos.d");
}

/* "dnf -q [-C] [--installroot ROOT]" then the command words. */
static size_t dnf_argv(const char *root, bool cached, const char **argv)
{
	size_t n = 0;

	argv[n++] = "dnf";
	argv[n++] = "-q";
	if (cached)
		argv[n++] = "-C";
	if (!fp__upd_is_live(root)) {
		argv[n++] = "--installroot";
		argv[n++] = root;
	}
	return n;
}

static int dnf_refresh(const char *root, struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[12];
	struct fp__rpm_home h;
	size_t n;
	int r;

	r = fp__rpm_home_init(&h, root, diag);
	if (r != 0)
		return r;
	n = dnf_argv(root, false, argv);
	argv[n++] = "makecache";
	argv[n] = NULL;
	r = fp__upd_run("dnf makecache", argv, h.env,
			FP_UPDATES_REFRESH_TIMEOUT_MS, ok, NULL, NULL, diag);
	fp__rpm_home_release(&h);
	return r;
}

static int dnf_query(const char *root, struct fp_update_list *l,
		     struct fp_diag *diag)
{
	static const int ok_check[] = { 0, 100, -1 }, ok[] = { 0, -1 };
	const char *argv[12];
	struct fp__rpm_home h;
	size_t n;
	int r;

	r = fp__rpm_home_init(&h, root, diag);
	if (r != 0)
		return r;
	n = dnf_argv(root, true, argv);
	argv[n++] = "check-update";
	argv[n] = NULL;
	r = fp__upd_run_parse("dnf check-update", argv, h.env, ok_check,
			      fp_updates_parse_dnf, l, diag);
	if (r != 0 || !l->n)
		goto out_home;
	n = dnf_argv(root, true, argv);
	argv[n++] = "updateinfo";
	argv[n++] = "list";
	argv[n++] = "--security";
	argv[n] = NULL;
	r = fp__upd_run_parse("dnf updateinfo list --security", argv, h.env,
			      ok, fp_updates_parse_dnf_security, l, diag);
	if (r != 0)
		goto out_home;
	r = fp__rpm_fill_installed(root, l, diag);
out_home:
	fp__rpm_home_release(&h);
	return r;
}

static int64_t dnf_age(const char *root)
{
	/* Files in <repo>/repodata: dnf touches primary.xml on each check. */
	return fp__upd_newest_age(root, "/var/cache/dnf", 3, true);
}

const struct fp__upd_backend fp__upd_dnf = {
	.name = "dnf",
	.detect = dnf_detect,
	.refresh = dnf_refresh,
	.query = dnf_query,
	.metadata_age = dnf_age,
};
