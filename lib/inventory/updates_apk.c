/* SPDX-License-Identifier: MIT */
/*
 * apk backend (Alpine).  `apk version -l '<'` reads the installed
 * database and the cached indexes and takes no lock:
 *
 *	Installed:                                Available:
 *	busybox-1.36.1-r5                       < 1.36.1-r7
 *	curl-8.5.0-r0                           < 8.9.1-r0 @edge
 *
 * The first column is name-version-release; the version starts at the
 * last '-' that is followed by a digit before the final "-rN".  The
 * optional last column is the repository tag.  Alpine's indexes carry no
 * advisory data, so no update is marked security.  apk-tools is not in
 * Debian: this backend is tested through its parser only.
 */
#include <string.h>

#include "fleetpatch/exec.h"
#include "updates_int.h"

/* Split "name-1.2.3-r4" into name and "1.2.3-r4". */
static int split_apk(struct fp_str nv, struct fp_str *ret_name,
		     struct fp_str *ret_ver)
{
	size_t rel = 0;

	/* The release suffix "-r<digits>" ... */
	for (size_t i = nv.len; i-- > 0;)
		if (nv.p[i] == '-') {
			rel = i;
			break;
		}
	if (!rel || rel + 2 >= nv.len || nv.p[rel + 1] != 'r')
		return FP_EINVAL;
	/* ... and before it the version, which starts with a digit. */
	for (size_t i = rel; i-- > 0;)
		if (nv.p[i] == '-') {
			if (i == 0 || i + 1 >= rel || nv.p[i + 1] < '0' ||
			    nv.p[i + 1] > '9')
				return FP_EINVAL;
			*ret_name = fp_str_make(nv.p, i);
			*ret_ver = fp_str_make(nv.p + i + 1, nv.len - i - 1);
			return 0;
		}
	return FP_EINVAL;
}

int fp_updates_parse_apk(const char *data, size_t len,
			 struct fp_update_list *l, struct fp_diag *diag)
{
	static const struct fp_str none = { NULL, 0 };
	struct fp__lines it;
	struct fp_str line;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		struct fp_str nv, op, cand, tag, name, old;

		if (!fp_str_trim(line).len ||
		    fp_str_has_prefix(line, "Installed:"))
			continue;
		nv = fp__next_token(&line);
		op = fp__next_token(&line);
		cand = fp__next_token(&line);
		tag = fp__next_token(&line);
		if (!cand.len || !fp_str_eq_c(op, "<") ||
		    fp_str_trim(line).len)
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "expected \"name-version < version\"");
		if (split_apk(nv, &name, &old) != 0)
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "bad name-version-rN");
		r = fp__upd_add(l, name, none, old, cand,
				tag.len ? tag : none, false, it.lineno, diag);
		if (r != 0)
			return r;
	}
	return r;
}

static bool apk_detect(const char *root)
{
	return fp__upd_exists(root, "/lib/apk/db/installed") &&
	       fp_exec_have("apk");
}

static size_t apk_argv(const char *root, const char **argv)
{
	size_t n = 0;

	argv[n++] = "apk";
	if (!fp__upd_is_live(root)) {
		argv[n++] = "--root";
		argv[n++] = root;
	}
	return n;
}

static int apk_refresh(const char *root, struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[8];
	size_t n = apk_argv(root, argv);

	argv[n++] = "update";
	argv[n] = NULL;
	return fp__upd_run("apk update", argv, NULL,
			   FP_UPDATES_REFRESH_TIMEOUT_MS, ok, NULL, NULL, diag);
}

static int apk_query(const char *root, struct fp_update_list *l,
		     struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[12];
	size_t n = apk_argv(root, argv);

	argv[n++] = "version";
	argv[n++] = "-l";
	argv[n++] = "<";
	argv[n] = NULL;
	return fp__upd_run_parse("apk version", argv, NULL, ok,
				 fp_updates_parse_apk, l, diag);
}

static int64_t apk_age(const char *root)
{
	return fp__upd_newest_age(root, "/var/cache/apk", 1, true);
}

const struct fp__upd_backend fp__upd_apk = {
	.name = "apk",
	.detect = apk_detect,
	.refresh = apk_refresh,
	.query = apk_query,
	.metadata_age = apk_age,
};
