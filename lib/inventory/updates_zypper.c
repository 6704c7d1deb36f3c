/* SPDX-License-Identifier: MIT */
/*
 * zypper backend.  ZYPP_READONLY_HACK=1 keeps libzypp from taking its
 * lock (zypp.pid) and --no-refresh from touching the metadata:
 *
 *	zypper [--root R] -n --no-refresh --xmlout list-updates
 *	    <update kind="package" name="fpt-hello" edition="1.1-1"
 *	            arch="noarch" edition-old="1.0-1">...
 *	            <source url="..." alias="fpt"/></update>
 *	zypper [--root R] -n --no-refresh --xmlout list-patches --category security
 *	    <update kind="patch" name="FPT-2026-0001" status="needed"
 *	            category="security" ...>
 *	zypper [--root R] -n --no-refresh info -t patch NAME...
 *	    Conflicts   : fpt-hello < 1.1-1
 *
 * A patch conflicts with the vulnerable versions of its packages, so the
 * updates of the packages a needed security patch names are security.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "updates_int.h"

#define MAX_TAG 65536 /* one start tag */

static unsigned long line_at(const char *data, const char *p)
{
	unsigned long n = 1;

	for (const char *q = data; q < p; q++)
		n += *q == '\n';
	return n;
}

/*
 * The value of attribute 'name' in the start tag [tag, end), entities
 * decoded into the arena.  ret->p NULL when absent; FP_EINVAL on a bad
 * entity or an unterminated value.
 */
static int xml_attr(struct fp_arena *a, const char *tag, const char *end,
		    const char *name, struct fp_str *ret)
{
	size_t nl = strlen(name);
	const char *p = tag;

	ret->p = NULL;
	ret->len = 0;
	while ((p = memmem(p, (size_t)(end - p), name, nl))) {
		const char *v, *q;
		char *out;
		size_t n = 0;

		/* A whole attribute name: preceded by a space, then ="... */
		if (p == tag || p[-1] != ' ' || end - p < (long)nl + 2 ||
		    p[nl] != '=' || (p[nl + 1] != '"' && p[nl + 1] != '\'')) {
			p += nl;
			continue;
		}
		v = p + nl + 2;
		q = memchr(v, p[nl + 1], (size_t)(end - v));
		if (!q)
			return FP_EINVAL;
		out = fp_arena_alloc(a, (size_t)(q - v) + 1);
		if (!out)
			return FP_ENOMEM;
		for (const char *s = v; s < q; s++) {
			static const struct { const char *e; char c; } ents[] = {
				{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
				{ "&quot;", '"' }, { "&apos;", '\'' },
			};
			size_t k;
			if (*s != '&') {
				out[n++] = *s;
				continue;
			}
			for (k = 0; k < FP_ARRAY_SIZE(ents); k++) {
				size_t el = strlen(ents[k].e);
				if ((size_t)(q - s) >= el &&
				    !memcmp(s, ents[k].e, el)) {
					out[n++] = ents[k].c;
					s += el - 1;
					break;
				}
			}
			if (k == FP_ARRAY_SIZE(ents))
				return FP_EINVAL;
		}
		out[n] = '\0';
		*ret = fp_str_make(out, n);
		return 0;
	}
	return 0;
}

/*
 * Walk the <update ...> elements of zypper's XML: call 'fn' with the start
 * tag's extent and the element's body (up to </update>, empty when the
 * tag closes itself).
 */
typedef int update_fn(const char *tag, const char *tag_end, const char *body,
		      const char *body_end, unsigned long lineno, void *ctx);

static int each_update(const char *data, size_t len, update_fn *fn, void *ctx,
		       struct fp_diag *diag)
{
	const char *p = data, *end = data + len;
	size_t count = 0;

	if (len && (len < 5 || memcmp(data, "<?xml", 5) != 0))
		return fp_diag_set(diag, FP_EINVAL, 1, 1,
				   "not zypper XML output");
	if (memchr(data, '\0', len))
		return fp_diag_set(diag, FP_EINVAL,
				   line_at(data, memchr(data, '\0', len)), 0,
				   "NUL byte in output");
	while ((p = memmem(p, (size_t)(end - p), "<update ", 8))) {
		const char *te = memchr(p, '>', (size_t)(end - p) < MAX_TAG ?
						 (size_t)(end - p) : MAX_TAG);
		const char *body, *be;
		unsigned long lineno = line_at(data, p);
		int r;

		if (!te)
			return fp_diag_set(diag, (size_t)(end - p) < MAX_TAG ?
					   FP_EINVAL : FP_ETOOBIG, lineno, 0,
					   "unterminated <update> tag");
		if (++count > FP_INV_MAX_UPDATES)
			return fp_diag_set(diag, FP_ETOOBIG, lineno, 0,
					   "more than %d updates",
					   FP_INV_MAX_UPDATES);
		body = te + 1;
		if (te[-1] == '/') {
			be = body;
		} else {
			be = memmem(body, (size_t)(end - body), "</update>", 9);
			if (!be)
				return fp_diag_set(diag, FP_EINVAL, lineno, 0,
						   "<update> without </update>");
		}
		r = fn(p, te, body, be, lineno, ctx);
		if (r != 0)
			return r;
		p = be;
	}
	return 0;
}

struct zctx {
	struct fp_update_list *l;
	struct fp_diag *diag;
	char **names; /* security patches (list-patches) */
	size_t n_names, max_names;
};

static int add_package(const char *tag, const char *te, const char *body,
		       const char *be, unsigned long lineno, void *ctx)
{
	struct zctx *z = ctx;
	struct fp_arena *a = z->l->arena;
	struct fp_str kind, name, ed, arch, old, alias = { NULL, 0 };
	const char *src;
	int r;

	if ((r = xml_attr(a, tag, te, "kind", &kind)) ||
	    (r = xml_attr(a, tag, te, "name", &name)) ||
	    (r = xml_attr(a, tag, te, "edition", &ed)) ||
	    (r = xml_attr(a, tag, te, "arch", &arch)) ||
	    (r = xml_attr(a, tag, te, "edition-old", &old)))
		goto bad;
	if (kind.p && !fp_str_eq_c(kind, "package"))
		return 0;
	src = memmem(body, (size_t)(be - body), "<source ", 8);
	if (src) {
		const char *se = memchr(src, '>', (size_t)(be - src));
		if (!se || (r = xml_attr(a, src, se, "alias", &alias)))
			goto bad;
	}
	if (!name.p || !ed.p)
		return fp_diag_set(z->diag, FP_EINVAL, lineno, 0,
				   "<update> without name or edition");
	return fp__upd_add(z->l, name, arch, old, ed, alias, false, lineno,
			   z->diag);
bad:
	if (r == FP_ENOMEM)
		return r;
	return fp_diag_set(z->diag, FP_EINVAL, lineno, 0,
			   "bad attribute in <update>");
}

int fp_updates_parse_zypper(const char *data, size_t len,
			    struct fp_update_list *l, struct fp_diag *diag)
{
	struct zctx z = { .l = l, .diag = diag };

	return each_update(data, len, add_package, &z, diag);
}

static int add_patch(const char *tag, const char *te, const char *body,
		     const char *be, unsigned long lineno, void *ctx)
{
	struct zctx *z = ctx;
	struct fp_arena *a = z->l->arena;
	struct fp_str kind, name, cat, status;
	int r;

	if ((r = xml_attr(a, tag, te, "kind", &kind)) ||
	    (r = xml_attr(a, tag, te, "name", &name)) ||
	    (r = xml_attr(a, tag, te, "category", &cat)) ||
	    (r = xml_attr(a, tag, te, "status", &status)))
		return r == FP_ENOMEM ? r : fp_diag_set(z->diag, FP_EINVAL,
					lineno, 0, "bad attribute in <update>");
	if (!kind.p || !fp_str_eq_c(kind, "patch") || !cat.p ||
	    !fp_str_eq_c(cat, "security") ||
	    (status.p && !fp_str_eq_c(status, "needed")))
		return 0;
	if (!name.p || !fp__field_ok(name, false) || name.p[0] == '-')
		return fp_diag_set(z->diag, FP_EINVAL, lineno, 0,
				   "bad patch name");
	if (z->n_names >= z->max_names)
		return fp_diag_set(z->diag, FP_ETOOBIG, lineno, 0,
				   "more than %zu security patches",
				   z->max_names);
	z->names[z->n_names++] = (char *)name.p;
	return 0;
}

int fp_updates_zypper_security_patches(const char *data, size_t len,
				       struct fp_arena *arena, char **names,
				       size_t max, size_t *ret_n,
				       struct fp_diag *diag)
{
	struct fp_update_list none;
	struct zctx z = { .l = &none, .diag = diag, .names = names,
			  .max_names = max };
	int r;

	fp_update_list_init(&none, arena);
	r = each_update(data, len, add_patch, &z, diag);
	if (r == 0)
		*ret_n = z.n_names;
	return r;
}

/* One "name[.arch] < version" entry of a patch's Conflicts. */
static void mark_conflict(struct fp_update_list *l, struct fp_str e)
{
	static const struct fp_str any = { NULL, 0 };
	struct fp_str name = fp__next_token(&e);
	bool found = false;

	fp__upd_foreach_match(i, l, name, any) {
		l->v[i].security = true;
		found = true;
	}
	if (found)
		return;
	for (size_t k = name.len; k-- > 1;)
		if (name.p[k] == '.') {
			struct fp_str n = fp_str_make(name.p, k);
			struct fp_str a = fp_str_make(name.p + k + 1,
						      name.len - k - 1);
			fp__upd_foreach_match(i, l, n, a)
				l->v[i].security = true;
			break;
		}
}

int fp_updates_parse_zypper_info(const char *data, size_t len,
				 struct fp_update_list *l,
				 struct fp_diag *diag)
{
	struct fp__lines it;
	struct fp_str line;
	bool in_list = false;
	int r;

	fp__lines_init(&it, data, len);
	while ((r = fp__lines_next(&it, &line, diag)) > 0) {
		if (in_list && line.len && (line.p[0] == ' ' || line.p[0] == '\t')) {
			mark_conflict(l, fp_str_trim(line));
			continue;
		}
		in_list = false;
		if (!fp_str_has_prefix(line, "Conflicts"))
			continue;
		const char *colon = memchr(line.p, ':', line.len);
		if (!colon)
			return fp_diag_set(diag, FP_EINVAL, it.lineno, 0,
					   "Conflicts without ':'");
		struct fp_str rest = fp_str_trim(fp_str_make(
			colon + 1, line.len - (size_t)(colon + 1 - line.p)));
		/* "[N]" then N indented lines, or the one entry inline. */
		if (rest.len && rest.p[0] == '[')
			in_list = true;
		else if (rest.len)
			mark_conflict(l, rest);
	}
	return r;
}

static bool zypper_detect(const char *root)
{
	return fp__rpm_dbpath(root) && fp__upd_exists(root, "/etc/zypp") &&
	       fp_exec_have("zypper");
}

static const char *const ro_env[] = { "ZYPP_READONLY_HACK=1", NULL };

static size_t zypper_argv(const char *root, bool query, const char **argv)
{
	size_t n = 0;

	argv[n++] = "zypper";
	if (!fp__upd_is_live(root)) {
		argv[n++] = "--root";
		argv[n++] = root;
	}
	argv[n++] = "--non-interactive";
	if (query)
		argv[n++] = "--no-refresh";
	return n;
}

static int zypper_refresh(const char *root, struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char *argv[12];
	size_t n = zypper_argv(root, false, argv);

	argv[n++] = "refresh";
	argv[n] = NULL;
	return fp__upd_run("zypper refresh", argv, NULL,
			   FP_UPDATES_REFRESH_TIMEOUT_MS, ok, NULL, NULL, diag);
}

static int64_t zypper_age(const char *root)
{
	/* raw/<alias>/repodata/repomd.xml and friends, as refresh left them */
	return fp__upd_newest_age(root, "/var/cache/zypp/raw", 3, true);
}

static int zypper_query(const char *root, struct fp_update_list *l,
			struct fp_diag *diag)
{
	static const int ok[] = { 0, -1 };
	const char **argv;
	char **names = NULL;
	struct fp_buf out;
	size_t n, base, n_names = 0;
	int r;

	/* zypper fetches a repository it has never cached, even with
	 * --no-refresh: with no cache at all, do not let a query write one
	 * (like dnf -C, nothing is visible until a refresh). */
	if (zypper_age(root) < 0)
		return 0;
	argv = fp_calloc(FP_UPDATES_MAX_PATCHES + 16, sizeof(*argv));
	names = fp_calloc(FP_UPDATES_MAX_PATCHES, sizeof(*names));
	if (!argv || !names) {
		r = FP_ENOMEM;
		goto out_free;
	}
	base = zypper_argv(root, true, argv);
	n = base;
	argv[n++] = "--xmlout";
	argv[n++] = "list-updates";
	argv[n] = NULL;
	r = fp__upd_run_parse("zypper list-updates", argv, ro_env, ok,
			      fp_updates_parse_zypper, l, diag);
	if (r != 0 || !l->n)
		goto out_free;
	/* Older zypper prints no edition-old: ask rpm. */
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].installed_version) {
			r = fp__rpm_fill_installed(root, l, diag);
			if (r != 0)
				goto out_free;
			break;
		}

	n = base;
	argv[n++] = "--xmlout";
	argv[n++] = "list-patches";
	argv[n++] = "--category";
	argv[n++] = "security";
	argv[n] = NULL;
	r = fp__upd_run("zypper list-patches", argv, ro_env,
			FP_UPDATES_TIMEOUT_MS, ok, &out, NULL, diag);
	if (r != 0)
		goto out_free;
	if (diag)
		diag->file = "zypper list-patches";
	r = fp_updates_zypper_security_patches(out.data, out.len, l->arena,
					       names, FP_UPDATES_MAX_PATCHES,
					       &n_names, diag);
	fp_buf_release(&out);
	if (r != 0 || !n_names)
		goto out_free;

	n = base;
	argv[n++] = "info";
	argv[n++] = "-t";
	argv[n++] = "patch";
	for (size_t i = 0; i < n_names; i++)
		argv[n++] = names[i];
	argv[n] = NULL;
	r = fp__upd_run_parse("zypper info -t patch", argv, ro_env, ok,
			      fp_updates_parse_zypper_info, l, diag);
out_free:
	fp_free(names);
	fp_free(argv);
	return r;
}

const struct fp__upd_backend fp__upd_zypper = {
	.name = "zypper",
	.detect = zypper_detect,
	.refresh = zypper_refresh,
	.query = zypper_query,
	.metadata_age = zypper_age,
};
