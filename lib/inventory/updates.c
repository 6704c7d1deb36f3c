/* SPDX-License-Identifier: MIT */
/*
 * Pending updates: pick the package manager that owns a root, run its
 * read-only query and fill the inventory.  Backends live in
 * updates_<manager>.c; this file has the dispatch and the helpers they
 * share (running a command, line splitting, the update list).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "updates_int.h"

/* Order matters: an rpm root with etc/zypp is zypper's before dnf's. */
static const struct fp__upd_backend *const backends[] = {
	&fp__upd_apt, &fp__upd_zypper, &fp__upd_dnf, &fp__upd_pacman,
	&fp__upd_apk,
};

bool fp__upd_is_live(const char *root)
{
	return !root || !root[0] || !strcmp(root, "/");
}

int fp__upd_path(char *out, size_t n, const char *root, const char *rel)
{
	if (fp__upd_is_live(root)) {
		size_t len = strlen(rel);
		if (len >= n)
			return FP_ETOOBIG;
		memcpy(out, rel, len + 1);
		return 0;
	}
	return fp_path_join(out, n, root, rel);
}

bool fp__upd_exists(const char *root, const char *rel)
{
	char path[4096];

	if (fp__upd_path(path, sizeof(path), root, rel) != 0)
		return false;
	return access(path, F_OK) == 0;
}

/* The line of a child's stderr that says why it failed: the first error
 * line ("E: ...", "error: ..."), else the first line. */
static void why_line(const struct fp_buf *b, char *out, size_t n)
{
	const char *p = b->data, *end = b->data + b->len, *pick = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (!pick && le > p)
			pick = p;
		if ((le - p >= 2 && p[0] == 'E' && p[1] == ':') ||
		    (le - p >= 6 && !strncasecmp(p, "error", 5))) {
			pick = p;
			break;
		}
		p = le + 1;
	}
	size_t len = 0;
	while (pick && pick + len < end && pick[len] != '\n' && len + 1 < n) {
		unsigned char c = (unsigned char)pick[len];
		out[len] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		len++;
	}
	out[len] = '\0';
}

static bool has_error_line(const struct fp_buf *b)
{
	const char *p = b->data, *end = b->data + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (end - p >= 6 && !memcmp(p, "error:", 6))
			return true;
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

static bool has_var(const char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, n) && env[i][n] == '=')
			return true;
	return false;
}

int fp__upd_run(const char *what, const char *const *argv, const char *const *extra_env,
		unsigned timeout_ms, const int *ok_codes, struct fp_buf *out,
		int *ret_exit, struct fp_diag *diag)
{
	const char *envp[16];
	const char *path = getenv("PATH");
	const char *home = getenv("HOME");
	const char *tmp = getenv("TMPDIR");
	char pathvar[4096], homevar[1024], tmpvar[1024], msg[160];
	struct fp_buf err;
	struct fp_exec_result res;
	size_t ne = 0;
	int r;

	/* The caller's extra variables first: they win over the defaults. */
	for (size_t i = 0; extra_env && extra_env[i] && ne + 6 < FP_ARRAY_SIZE(envp); i++)
		envp[ne++] = extra_env[i];
	snprintf(pathvar, sizeof(pathvar), "PATH=%s",
		 path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	envp[ne++] = pathvar;
	envp[ne++] = "LC_ALL=C";
	envp[ne++] = "LANG=C";
	if (home && strlen(home) < sizeof(homevar) - 6 && !has_var(extra_env, "HOME")) {
		snprintf(homevar, sizeof(homevar), "HOME=%s", home);
		envp[ne++] = homevar;
	}
	if (tmp && strlen(tmp) < sizeof(tmpvar) - 8) {
		snprintf(tmpvar, sizeof(tmpvar), "TMPDIR=%s", tmp);
		envp[ne++] = tmpvar;
	}
	envp[ne] = NULL;

	fp_buf_init(&err, 64 * 1024);
	if (out)
		fp_buf_init(out, FP_UPDATES_MAX_OUTPUT + 1);
	struct fp_exec_opts o = {
		.argv = argv, .envp = envp, .timeout_ms = timeout_ms,
		.out = out, .err = &err,
	};
	r = fp_exec(&o, &res);
	if (r != 0) {
		r = fp_diag_set(diag, r, 0, 0, "cannot run %s: %s", what,
				fp_strerror(r));
		goto out_release;
	}
	if (res.timed_out) {
		r = fp_diag_set(diag, FP_ETIMEDOUT, 0, 0,
				"%s timed out after %u s", what,
				timeout_ms / 1000);
		goto out_release;
	}
	if (out && out->len > FP_UPDATES_MAX_OUTPUT) {
		r = fp_diag_set(diag, FP_ETOOBIG, 0, 0,
				"%s output is over %zu bytes", what,
				FP_UPDATES_MAX_OUTPUT);
		goto out_release;
	}
	if (res.term_signal) {
		r = fp_diag_set(diag, FP_ECHILD, 0, 0, "%s killed by signal %d",
				what, res.term_signal);
		goto out_release;
	}
	for (size_t i = 0; ok_codes[i] >= 0; i++) {
		/* A non-zero "success" (pacman -Q: nothing found) with an
		 * error message is still a failure. */
		if (res.exit_code == ok_codes[i] &&
		    (res.exit_code == 0 || !has_error_line(&err))) {
			if (ret_exit)
				*ret_exit = res.exit_code;
			r = 0;
			goto out_release;
		}
	}
	why_line(&err, msg, sizeof(msg));
	r = fp_diag_set(diag, FP_ECHILD, 0, 0, "%s failed (exit %d)%s%s", what,
			res.exit_code, msg[0] ? ": " : "", msg);
out_release:
	fp_buf_release(&err);
	if (r != 0 && out)
		fp_buf_release(out);
	return r;
}

int fp__upd_run_parse(const char *what, const char *const *argv,
		      const char *const *extra_env, const int *ok_codes,
		      fp__upd_parse_fn *parse, struct fp_update_list *l,
		      struct fp_diag *diag)
{
	struct fp_buf out;
	int r;

	r = fp__upd_run(what, argv, extra_env, FP_UPDATES_TIMEOUT_MS, ok_codes,
			&out, NULL, diag);
	if (r != 0)
		return r;
	if (diag)
		diag->file = what;
	r = parse(out.data, out.len, l, diag);
	fp_buf_release(&out);
	return r;
}

static void newest_in(const char *path, int depth, bool leaves_only,
		      time_t *newest)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	size_t seen = 0;

	if (lstat(path, &st) != 0)
		return;
	if ((!leaves_only || (depth == 0 && S_ISREG(st.st_mode))) &&
	    st.st_mtime > *newest)
		*newest = st.st_mtime;
	if (depth <= 0 || !S_ISDIR(st.st_mode))
		return;
	d = opendir(path);
	if (!d)
		return;
	/* Bounded: a metadata directory has tens of files, not millions. */
	while ((e = readdir(d)) && seen++ < 10000) {
		char sub[4096];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    !strcmp(e->d_name, "lock"))
			continue;
		if (fp_path_join(sub, sizeof(sub), path, e->d_name) == 0)
			newest_in(sub, depth - 1, leaves_only, newest);
	}
	closedir(d);
}

int64_t fp__upd_newest_age(const char *root, const char *rel, int depth,
			   bool leaves_only)
{
	char path[4096];
	time_t newest = 0, now = time(NULL);

	if (fp__upd_path(path, sizeof(path), root, rel) != 0)
		return -1;
	newest_in(path, depth, leaves_only, &newest);
	if (newest == 0)
		return -1;
	return newest > now ? 0 : (int64_t)(now - newest);
}

void fp__lines_init(struct fp__lines *it, const char *data, size_t len)
{
	it->p = data;
	it->end = data + len;
	it->lineno = 0;
}

int fp__lines_next(struct fp__lines *it, struct fp_str *ret_line,
		   struct fp_diag *diag)
{
	const char *nl, *nul;
	size_t n;

	if (it->p >= it->end)
		return 0;
	it->lineno++;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	n = nl ? (size_t)(nl - it->p) : (size_t)(it->end - it->p);
	if (n > FP_UPDATES_MAX_LINE)
		return fp_diag_set(diag, FP_ETOOBIG, it->lineno, 0,
				   "line longer than %d bytes",
				   FP_UPDATES_MAX_LINE);
	nul = memchr(it->p, '\0', n);
	if (nul)
		return fp_diag_set(diag, FP_EINVAL, it->lineno,
				   (unsigned long)(nul - it->p) + 1,
				   "NUL byte in output");
	*ret_line = fp_str_make(it->p, n);
	if (n && it->p[n - 1] == '\r')
		ret_line->len--;
	it->p += n + (nl ? 1 : 0);
	return 1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

struct fp_str fp__next_token(struct fp_str *s)
{
	size_t i = 0, start;

	while (i < s->len && is_space(s->p[i]))
		i++;
	start = i;
	while (i < s->len && !is_space(s->p[i]))
		i++;
	struct fp_str tok = fp_str_make(s->p + start, i - start);
	*s = fp_str_make(s->p + i, s->len - i);
	return tok;
}

bool fp__field_ok(struct fp_str f, bool spaces)
{
	if (f.len == 0 || f.len > FP_INV_MAX_FIELD)
		return false;
	for (size_t i = 0; i < f.len; i++) {
		unsigned char c = (unsigned char)f.p[i];
		if (c > 0x7e || c < 0x20 || (c == ' ' && !spaces))
			return false;
	}
	return true;
}

void fp_update_list_init(struct fp_update_list *l, struct fp_arena *arena)
{
	l->arena = arena;
	l->v = NULL;
	l->n = l->alloc = 0;
}

void fp_update_list_release(struct fp_update_list *l)
{
	if (!l)
		return;
	fp_free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

int fp_update_list_commit(struct fp_update_list *l, struct fp_inventory *inv)
{
	struct fp_update *v = NULL;

	if (l->n) {
		v = fp_arena_calloc(&inv->arena, l->n, sizeof(*v));
		if (!v)
			return FP_ENOMEM;
		memcpy(v, l->v, l->n * sizeof(*v));
	}
	inv->updates = v;
	inv->n_updates = l->n;
	return 0;
}

static const char *dup_field(struct fp_update_list *l, struct fp_str f)
{
	return fp_arena_strndup(l->arena, f.p, f.len);
}

int fp__upd_add(struct fp_update_list *l, struct fp_str name,
		struct fp_str arch, struct fp_str installed,
		struct fp_str candidate, struct fp_str origin, bool security,
		unsigned long lineno, struct fp_diag *diag)
{
	struct fp_update u = { .security = security };

	if (!fp__field_ok(name, false))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0,
				   "bad package name");
	if (!fp__field_ok(candidate, false))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0,
				   "bad candidate version for %.*s",
				   (int)(name.len > 64 ? 64 : name.len), name.p);
	if ((arch.p && arch.len && !fp__field_ok(arch, false)) ||
	    (installed.p && !fp__field_ok(installed, false)) ||
	    (origin.p && !fp__field_ok(origin, true)))
		return fp_diag_set(diag, FP_EINVAL, lineno, 0,
				   "bad field in update of %.*s",
				   (int)(name.len > 64 ? 64 : name.len), name.p);
	if (l->n >= FP_INV_MAX_UPDATES)
		return fp_diag_set(diag, FP_ETOOBIG, lineno, 0,
				   "more than %d updates", FP_INV_MAX_UPDATES);
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 64;
		struct fp_update *nv = fp_reallocarray(l->v, na, sizeof(*nv));
		if (!nv)
			return FP_ENOMEM;
		l->v = nv;
		l->alloc = na;
	}
	u.name = dup_field(l, name);
	u.candidate_version = dup_field(l, candidate);
	u.arch = arch.p ? dup_field(l, arch) : "";
	u.installed_version = installed.p ? dup_field(l, installed) : NULL;
	u.origin = origin.p ? dup_field(l, origin) : NULL;
	if (!u.name || !u.candidate_version || !u.arch ||
	    (installed.p && !u.installed_version) || (origin.p && !u.origin))
		return FP_ENOMEM;
	l->v[l->n++] = u;
	return 0;
}

long fp__upd_find(const struct fp_update_list *l, struct fp_str name,
		  struct fp_str arch, size_t from)
{
	for (size_t i = from; i < l->n; i++) {
		if (!fp_str_eq_c(name, l->v[i].name))
			continue;
		if (arch.p && !fp_str_eq_c(arch, l->v[i].arch))
			continue;
		return (long)i;
	}
	return -1;
}

int fp__split_nevra(struct fp_str nevra, struct fp_str *ret_name,
		    struct fp_str *ret_evr, struct fp_str *ret_arch)
{
	const char *p = nevra.p, *dot = NULL, *d1 = NULL, *d2 = NULL;
	size_t n = nevra.len;

	for (size_t i = n; i-- > 0;)
		if (p[i] == '.') {
			dot = p + i;
			break;
		}
	if (!dot)
		return FP_EINVAL;
	for (const char *q = dot; q-- > p;)
		if (*q == '-') {
			if (!d2)
				d2 = q;
			else {
				d1 = q;
				break;
			}
		}
	if (!d1 || d1 == p || d2 + 1 >= dot || d1 + 1 >= d2 ||
	    dot + 1 >= p + n)
		return FP_EINVAL;
	*ret_name = fp_str_make(p, (size_t)(d1 - p));
	*ret_evr = fp_str_make(d1 + 1, (size_t)(dot - d1 - 1));
	*ret_arch = fp_str_make(dot + 1, (size_t)(p + n - dot - 1));
	return 0;
}

int fp_updates_query2(const char *root, unsigned flags,
		      struct fp_inventory *inv, int *ret_refresh_err,
		      struct fp_diag *diag)
{
	const struct fp__upd_backend *be = NULL;
	struct fp_update_list l;
	struct fp_diag refresh_diag;
	const char *pm;
	char abs[PATH_MAX];
	int r, refresh_err = 0;

	/* Absolute and resolved: the root becomes option values of the
	 * package manager (never one that starts with '-'). */
	if (fp__upd_is_live(root)) {
		root = "/";
	} else {
		if (!realpath(root, abs))
			return fp_diag_set(diag, errno == ENOENT ? FP_ENOENT :
					   FP_EIO, 0, 0, "root %s: %s", root,
					   strerror(errno));
		root = abs;
	}
	for (size_t i = 0; i < FP_ARRAY_SIZE(backends); i++)
		if (backends[i]->detect(root)) {
			be = backends[i];
			break;
		}
	if (!be)
		return fp_diag_set(diag, FP_EUNSUPPORTED, 0, 0,
				   "no supported package manager found in %s",
				   root);

	fp_diag_init(&refresh_diag, diag ? diag->file : NULL);
	if (flags & FP_UPDATES_REFRESH)
		refresh_err = be->refresh(root, &refresh_diag);

	fp_update_list_init(&l, &inv->arena);
	r = be->query(root, &l, diag);
	if (r != 0)
		goto out_release;
	pm = fp_arena_strdup(&inv->arena, be->name);
	if (!pm) {
		r = FP_ENOMEM;
		goto out_release;
	}
	r = fp_update_list_commit(&l, inv);
	if (r != 0)
		goto out_release;
	inv->package_manager = pm;
	inv->updates_checked = true;
	inv->metadata_age_seconds = be->metadata_age(root);
	if (refresh_err && diag)
		*diag = refresh_diag;
	if (ret_refresh_err)
		*ret_refresh_err = refresh_err;
out_release:
	fp_update_list_release(&l);
	return r;
}

int fp_updates_query(const char *root, unsigned flags,
		     struct fp_inventory *inv, struct fp_diag *diag)
{
	return fp_updates_query2(root, flags, inv, NULL, diag);
}
