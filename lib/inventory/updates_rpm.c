/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the rpm-based backends (dnf, zypper): where a root
 * keeps its rpm database, installed versions from `rpm -qa`, and a
 * private HOME whose ~/.rpmmacros points rpm and dnf at that database.
 *
 * The HOME is needed because rpm finds its database through the host's
 * macros (%_dbpath), which need not match the root: Debian's rpm, for
 * one, keeps it in ~/.rpmdb.  A query never changes the host's files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/util.h"
#include "updates_int.h"

/* Where distributions keep the database (newest layout first); the last
 * is where Debian's rpm and dnf put it when installing into a root. */
static const char *const dbpaths[] = {
	"/usr/lib/sysimage/rpm", "/var/lib/rpm", "/root/.rpmdb",
};
static const char *const dbfiles[] = {
	"rpmdb.sqlite", "Packages", "Packages.db",
};

const char *fp__rpm_dbpath(const char *root)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(dbpaths); i++)
		for (size_t j = 0; j < FP_ARRAY_SIZE(dbfiles); j++) {
			char rel[256];
			snprintf(rel, sizeof(rel), "%s/%s", dbpaths[i],
				 dbfiles[j]);
			if (fp__upd_exists(root, rel))
				return dbpaths[i];
		}
	return NULL;
}

int fp__rpm_home_init(struct fp__rpm_home *h, const char *root,
		      struct fp_diag *diag)
{
	const char *tmp = getenv("TMPDIR");
	const char *db = fp__rpm_dbpath(root);
	char macros[300];
	int r;

	h->dir[0] = '\0';
	h->env[0] = NULL;
	if (fp__upd_is_live(root) || !db)
		return 0; /* the host's own configuration applies */
	if (!tmp || !tmp[0] || strlen(tmp) > sizeof(h->dir) - 32)
		tmp = "/tmp";
	snprintf(h->dir, sizeof(h->dir), "%s/fleetpatch-rpm.XXXXXX", tmp);
	if (!mkdtemp(h->dir)) {
		h->dir[0] = '\0';
		return fp_diag_set(diag, FP_EIO, 0, 0,
				   "cannot create a temporary directory in %s",
				   tmp);
	}
	snprintf(h->macros, sizeof(h->macros), "%s/.rpmmacros", h->dir);
	snprintf(macros, sizeof(macros), "%%_dbpath %s\n", db);
	r = fp_write_file_atomic(h->macros, macros, strlen(macros), 0600);
	if (r != 0) {
		fp__rpm_home_release(h);
		return fp_diag_set(diag, r, 0, 0, "cannot write %s",
				   "a temporary .rpmmacros");
	}
	snprintf(h->homevar, sizeof(h->homevar), "HOME=%s", h->dir);
	h->env[0] = h->homevar;
	h->env[1] = NULL;
	return 0;
}

void fp__rpm_home_release(struct fp__rpm_home *h)
{
	if (!h->dir[0])
		return;
	unlink(h->macros);
	rmdir(h->dir);
	h->dir[0] = '\0';
	h->env[0] = NULL;
}

/* "0:1.0-1" as dnf and zypper print it: "1.0-1". */
static struct fp_str drop_zero_epoch(struct fp_str evr)
{
	if (evr.len > 2 && evr.p[0] == '0' && evr.p[1] == ':')
		return fp_str_make(evr.p + 2, evr.len - 2);
	return evr;
}

int fp_updates_parse_rpm_installed(const char *data, size_t len,
				   struct fp_update_list *l,
				   struct fp_diag *diag)
{
	struct fp__lines it;
	struct fp_str line;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		struct fp_str name, arch, evr;
		const char *v;

		if (!line.len)
			continue;
		name = fp__next_token(&line);
		arch = fp__next_token(&line);
		evr = fp__next_token(&line);
		if (!evr.len || fp_str_trim(line).len)
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "expected name, arch, version");
		if (!fp__field_ok(evr, false))
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "bad installed version");
		evr = drop_zero_epoch(evr);
		/* Several installed versions (kernels): the last one wins. */
		fp__upd_foreach_match(i, l, name, arch) {
			v = fp_arena_strndup(l->arena, evr.p, evr.len);
			if (!v)
				return FP_ENOMEM;
			l->v[i].installed_version = v;
		}
	}
	return r;
}

int fp__rpm_fill_installed(const char *root, struct fp_update_list *l,
			   struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[12];
	const char *db = fp__rpm_dbpath(root);
	size_t n = 0;

	if (!l->n)
		return 0;
	argv[n++] = "rpm";
	if (!fp__upd_is_live(root)) {
		argv[n++] = "--root";
		argv[n++] = root;
		if (db) {
			argv[n++] = "--dbpath";
			argv[n++] = db;
		}
	}
	argv[n++] = "-qa";
	argv[n++] = "--qf";
	argv[n++] = "%{NAME}\\t%{ARCH}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n";
	argv[n] = NULL;
	return fp__upd_run_parse("rpm -qa", argv, NULL, ok,
				 fp_updates_parse_rpm_installed, l, diag);
}
