/* SPDX-License-Identifier: MIT */
/*
 * pacman backend.  A query reads the databases and takes no lock:
 *
 *	pacman [--root R --dbpath DB --config C] -Qu     "name old -> new"
 *	pacman [--root R --dbpath DB --config C] -Sl     "repo name ver [installed: old]"
 *
 * -Qu is the list (it honours IgnorePkg, marking those "[ignored]"); -Sl
 * only supplies each candidate's repository.  Arch's repositories carry
 * no advisory data, so no update is marked security.
 *
 * Refreshing the system's sync databases without upgrading (pacman -Sy)
 * sets up partial upgrades, so --refresh works as checkupdates does: it
 * syncs a private database directory, ROOT/var/lib/fleetpatch/pacman,
 * whose "local" is a symlink to the system's, and queries use that
 * directory once it has sync databases.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "updates_int.h"

#define PRIVATE_DB "/var/lib/fleetpatch/pacman"
#define SYSTEM_DB "/var/lib/pacman"

int fp_updates_parse_pacman(const char *data, size_t len,
			    struct fp_update_list *l, struct fp_diag *diag)
{
	static const struct fp_str none = { NULL, 0 };
	struct fp__lines it;
	struct fp_str line;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		struct fp_str name, old, arrow, cand, rest;

		if (!fp_str_trim(line).len)
			continue;
		name = fp__next_token(&line);
		old = fp__next_token(&line);
		arrow = fp__next_token(&line);
		cand = fp__next_token(&line);
		rest = fp_str_trim(line);
		if (!cand.len || !fp_str_eq_c(arrow, "->") ||
		    (rest.len && !fp_str_eq_c(rest, "[ignored]")))
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "expected \"name old -> new\"");
		r = fp__upd_add(l, name, none, old, cand, none, false,
				it.lineno, diag);
		if (r != 0)
			return r;
	}
	return r;
}

int fp_updates_parse_pacman_repos(const char *data, size_t len,
				  struct fp_update_list *l,
				  struct fp_diag *diag)
{
	struct fp__lines it;
	struct fp_str line;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		static const struct fp_str any_arch = { NULL, 0 };
		struct fp_str repo, name, ver;

		if (!fp_str_trim(line).len)
			continue;
		repo = fp__next_token(&line);
		name = fp__next_token(&line);
		ver = fp__next_token(&line);
		if (!ver.len || !fp__field_ok(repo, false))
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "expected \"repo name version\"");
		/* The first repository listing the candidate is pacman's. */
		fp__upd_foreach_match(i, l, name, any_arch) {
			struct fp_update *u = &l->v[i];
			if (u->origin || !fp_str_eq_c(ver, u->candidate_version))
				continue;
			u->origin = fp_arena_strndup(l->arena, repo.p, repo.len);
			if (!u->origin)
				return FP_ENOMEM;
		}
	}
	return r;
}

static bool pacman_detect(const char *root)
{
	return fp__upd_exists(root, SYSTEM_DB "/local") &&
	       fp_exec_have("pacman");
}

/* True when the private database directory has synced something. */
static bool private_synced(const char *root)
{
	return fp__upd_newest_age(root, PRIVATE_DB "/sync", 1, true) >= 0;
}

struct pacman_args {
	char root[4096], db[4200], conf[4200];
};

/* "--root R --dbpath DB --config C" as needed: the root's own config
 * (else the host's), the private database when 'private'. */
static int pacman_argv(const char *root, bool private, struct pacman_args *a,
		       const char **argv, size_t *n)
{
	int r;

	r = fp__upd_path(a->db, sizeof(a->db), root,
			 private ? PRIVATE_DB : SYSTEM_DB);
	if (r != 0)
		return r;
	if (!fp__upd_is_live(root)) {
		snprintf(a->root, sizeof(a->root), "%s", root);
		argv[(*n)++] = "--root";
		argv[(*n)++] = a->root;
	}
	if (!fp__upd_is_live(root) || private) {
		argv[(*n)++] = "--dbpath";
		argv[(*n)++] = a->db;
	}
	if (!fp__upd_is_live(root) && fp__upd_exists(root, "/etc/pacman.conf")) {
		r = fp__upd_path(a->conf, sizeof(a->conf), root,
				 "/etc/pacman.conf");
		if (r != 0)
			return r;
		argv[(*n)++] = "--config";
		argv[(*n)++] = a->conf;
	}
	return 0;
}

static int pacman_refresh(const char *root, struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	char dir[4200], local[4200], link[4200];
	struct pacman_args a;
	const char *argv[16];
	size_t n = 0;
	int r;

	if (fp__upd_path(dir, sizeof(dir), root, PRIVATE_DB) != 0 ||
	    fp__upd_path(local, sizeof(local), root, SYSTEM_DB "/local") != 0 ||
	    fp_path_join(link, sizeof(link), dir, "local") != 0)
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0, "root path too long");
	r = fp_mkdir_p(dir, 0755);
	if (r != 0)
		return fp_diag_set(diag, r, 0, 0, "cannot create %s", dir);
	if (symlink(local, link) != 0 && errno != EEXIST)
		return fp_diag_set(diag, FP_EIO, 0, 0, "cannot link %s: %s",
				   link, strerror(errno));
	argv[n++] = "pacman";
	r = pacman_argv(root, true, &a, argv, &n);
	if (r != 0)
		return fp_diag_set(diag, r, 0, 0, "root path too long");
	argv[n++] = "-Sy";
	argv[n] = NULL;
	return fp__upd_run("pacman -Sy", argv, NULL,
			   FP_UPDATES_REFRESH_TIMEOUT_MS, ok, NULL, NULL, diag);
}

static int pacman_query(const char *root, struct fp_update_list *l,
			struct fp_diag *diag)
{
	/* -Q exits 1 when nothing matches: no updates, not a failure
	 * (fp__upd_run still fails it when pacman printed an error). */
	static const int ok_qu[] = { 0, 1, -1 }, ok[] = { 0, -1 };
	struct pacman_args a;
	const char *argv[16];
	bool private = private_synced(root);
	size_t n = 0, base;
	int r;

	argv[n++] = "pacman";
	r = pacman_argv(root, private, &a, argv, &n);
	if (r != 0)
		return fp_diag_set(diag, r, 0, 0, "root path too long");
	base = n;
	argv[n++] = "-Qu";
	argv[n] = NULL;
	r = fp__upd_run_parse("pacman -Qu", argv, NULL, ok_qu,
			      fp_updates_parse_pacman, l, diag);
	if (r != 0 || !l->n)
		return r;
	argv[base] = "-Sl";
	return fp__upd_run_parse("pacman -Sl", argv, NULL, ok,
				 fp_updates_parse_pacman_repos, l, diag);
}

static int64_t pacman_age(const char *root)
{
	if (private_synced(root))
		return fp__upd_newest_age(root, PRIVATE_DB "/sync", 1, true);
	return fp__upd_newest_age(root, SYSTEM_DB "/sync", 1, true);
}

const struct fp__upd_backend fp__upd_pacman = {
	.name = "pacman",
	.detect = pacman_detect,
	.refresh = pacman_refresh,
	.query = pacman_query,
	.metadata_age = pacman_age,
};
