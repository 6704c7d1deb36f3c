/* SPDX-License-Identifier: MIT */
/*
 * The Debian security tracker's DSA list (data/DSA/list; data/DLA/list has
 * the same form), a text format:
 *
 *   [03 Oct 2023] DSA-5514-1 glibc - security update
 *   	{CVE-2023-4911}
 *   	[bookworm] - glibc 2.36-9+deb12u3
 *   	NOTE: ...
 *
 * Errors say file:line:column.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/strview.h"
#include "fleetpatch/util.h"
#include "vuln_int.h"

#define DSA_MAX_LINE 4096

struct dsa {
	struct fp_vuln_feed *feed;
	struct fp__jx x; /* for the arena and fp__vuln_set_fix() */
	struct fp_diag *diag;
	unsigned long line;
	struct fp_vuln *cur;
};

static int fail(struct dsa *p, int err, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct dsa *p, int err, size_t col, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fp_diag_set(p->diag, err, p->line, (unsigned long)col, "%s", msg);
}

static const char *dup_str(struct dsa *p, struct fp_str s)
{
	return fp_arena_strndup(&p->feed->arena, s.p, s.len);
}

/* The next space-separated word of *s, or an empty view. */
static struct fp_str word(struct fp_str *s)
{
	struct fp_str w;
	size_t i = 0;

	while (i < s->len && (s->p[i] == ' ' || s->p[i] == '\t'))
		i++;
	w.p = s->p + i;
	while (i < s->len && s->p[i] != ' ' && s->p[i] != '\t')
		i++;
	w.len = (size_t)(s->p + i - w.p);
	*s = fp_str_make(s->p + i, s->len - i);
	return w;
}

static size_t col_of(struct fp_str line, struct fp_str part)
{
	return (size_t)(part.p - line.p) + 1;
}

/* "[01 Aug 2002]" into a time. */
static int header_date(struct fp_str d, time_t *ret)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char buf[32];
	const char *m;

	if (d.len != 11 || d.p[2] != ' ' || d.p[6] != ' ')
		return FP_EINVAL;
	for (m = months; *m && strncmp(m, d.p + 3, 3); m += 3)
		;
	if (!*m)
		return FP_EINVAL;
	snprintf(buf, sizeof(buf), "%.4s-%02d-%.2sT00:00:00Z", d.p + 7,
		 (int)((m - months) / 3 + 1), d.p);
	return fp_time_parse_rfc3339(buf, ret);
}

/* Count the package lines and ids of the record starting after 'p'. */
static void record_size(const char *p, const char *end, size_t *n_pkgs,
			size_t *n_ids)
{
	*n_pkgs = *n_ids = 0;
	while (p < end && *p != '[') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *q = p;

		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q < e && *q == '[')
			++*n_pkgs;
		else if (q < e && *q == '{')
			for (; q < e; q++)
				*n_ids += *q == ' ' || *q == '\t' || *q == '}';
		p = nl ? nl + 1 : end;
	}
}

static int header(struct dsa *p, struct fp_str s, const char *next,
		  const char *end)
{
	const char *close = memchr(s.p, ']', s.len);
	struct fp_vuln *v = &p->feed->vulns[p->feed->n_vulns];
	struct fp_str rest, id;
	size_t n_pkgs, n_ids;

	if (!close || header_date(fp_str_make(s.p + 1, (size_t)(close - s.p - 1)),
				  &v->published))
		return fail(p, FP_EINVAL, 1, "expected a date like [01 Aug 2002]");
	rest = fp_str_make(close + 1, s.len - (size_t)(close + 1 - s.p));
	id = word(&rest);
	if ((!fp_str_has_prefix(id, "DSA-") && !fp_str_has_prefix(id, "DLA-")) ||
	    id.len > FP_VULN_MAX_ID)
		return fail(p, FP_EINVAL, col_of(s, id),
			    "expected a DSA-... or DLA-... id");
	rest = fp_str_trim(rest);
	record_size(next, end, &n_pkgs, &n_ids);
	if (n_pkgs > FP_VULN_MAX_AFFECTED || n_ids > FP_VULN_MAX_LIST)
		return fail(p, FP_ETOOBIG, 0, "%s: too many entries", "record");
	v->id = dup_str(p, id);
	v->summary = rest.len ? dup_str(p, rest) : NULL;
	v->affected = fp_arena_calloc(&p->feed->arena, n_pkgs + 1,
				      sizeof(*v->affected));
	v->aliases = fp_arena_calloc(&p->feed->arena, n_ids + 1,
				     sizeof(*v->aliases));
	if (!v->id || (rest.len && !v->summary) || !v->affected || !v->aliases)
		return fail(p, FP_ENOMEM, 0, "out of memory");
	p->feed->n_vulns++;
	p->cur = v;
	return 0;
}

/* "{CVE-2002-0660 CVE-2002-0728}" */
static int ids(struct dsa *p, struct fp_str line, struct fp_str s)
{
	struct fp_str in, w;

	if (s.p[s.len - 1] != '}')
		return fail(p, FP_EINVAL, col_of(line, s) + s.len,
			    "expected '}'");
	in = fp_str_make(s.p + 1, s.len - 2);
	while ((w = word(&in)).len) {
		const char *id;

		if (w.len > FP_VULN_MAX_ID)
			return fail(p, FP_ETOOBIG, col_of(line, w),
				    "id longer than %d bytes", FP_VULN_MAX_ID);
		if (!(id = dup_str(p, w)))
			return fail(p, FP_ENOMEM, 0, "out of memory");
		p->cur->aliases[p->cur->n_aliases++] = id;
	}
	return 0;
}

/* "[woody] - libpng3 1.2.1-1.1.woody.2" or "... <not-affected> (why)" */
static int package(struct dsa *p, struct fp_str line, struct fp_str s)
{
	struct fp_vuln_affected *a = &p->cur->affected[p->cur->n_affected];
	const char *close = memchr(s.p, ']', s.len);
	struct fp_str rel, rest, dash, name, ver;
	const char *release, *fixed;
	struct fp_diag vd;
	int r;

	if (!close)
		return fail(p, FP_EINVAL, col_of(line, s), "expected ']'");
	rel = fp_str_make(s.p + 1, (size_t)(close - s.p - 1));
	rest = fp_str_make(close + 1, s.len - rel.len - 2);
	dash = word(&rest);
	name = word(&rest);
	ver = word(&rest);
	if (!rel.len || rel.len > FP_VULN_MAX_NAME || memchr(rel.p, ' ', rel.len))
		return fail(p, FP_EINVAL, col_of(line, s) + 1,
			    "expected a release name");
	if (!fp_str_eq_c(dash, "-") || !name.len || !ver.len)
		return fail(p, FP_EINVAL, col_of(line, dash),
			    "expected '- PACKAGE VERSION'");
	if (name.len > FP_VULN_MAX_NAME || ver.len > FP_VERSION_MAX_LEN)
		return fail(p, FP_ETOOBIG, col_of(line, name),
			    "package or version too long");
	fp_diag_init(&vd, NULL);
	if (ver.p[0] != '<' && fp_version_check(FP_ECO_DEB, ver.p, ver.len, &vd))
		return fail(p, FP_EINVAL, col_of(line, ver) + vd.column,
			    "invalid deb version: %s", vd.msg);
	if (!(release = dup_str(p, rel)) || !(a->name = dup_str(p, name)) ||
	    !(fixed = dup_str(p, ver)))
		return fail(p, FP_ENOMEM, 0, "out of memory");
	if ((r = fp__vuln_debian_dist(&p->x, release, a)))
		return r;
	if (ver.p[0] == '<') {
		/* <not-affected>; <unfixed>, <no-dsa>, <end-of-life>, ... */
		a->status = fp_str_eq_c(ver, "<not-affected>")
				    ? FP_VULN_ST_NOT_AFFECTED
				    : FP_VULN_ST_OPEN;
	} else if ((r = fp__vuln_set_fix(&p->x, a, NULL, fixed))) {
		return r; /* out of memory: the version was checked */
	}
	p->cur->n_affected++;
	return 0;
}

static int one_line(struct dsa *p, struct fp_str line, const char *next,
		    const char *end)
{
	struct fp_str s = line;
	size_t i;

	if (s.len && s.p[s.len - 1] == '\r')
		s.len--;
	if (s.len > DSA_MAX_LINE)
		return fail(p, FP_ETOOBIG, 0, "line longer than %d bytes",
			    DSA_MAX_LINE);
	for (i = 0; i < s.len; i++)
		if (((unsigned char)s.p[i] < 0x20 && s.p[i] != '\t') ||
		    s.p[i] == 0x7f)
			return fail(p, FP_EINVAL, i + 1,
				    "control character in line");
	if (!s.len)
		return 0;
	if (s.p[0] == '[')
		return header(p, s, next, end);
	s = fp_str_trim(s);
	if (!s.len)
		return 0;
	if (!p->cur)
		return fail(p, FP_EINVAL, 1, "expected a [date] DSA-... line");
	if (fp_str_has_prefix(s, "NOTE:") || fp_str_has_prefix(s, "TODO:"))
		return 0;
	if (s.p[0] == '{')
		return ids(p, line, s);
	if (s.p[0] == '[')
		return package(p, line, s);
	return fail(p, FP_EINVAL, col_of(line, s),
		    "expected {ids}, [release] - package version, or NOTE:");
}

static int parse(struct dsa *p, const char *buf, size_t len)
{
	const char *q, *end = buf + len, *nl;
	size_t headers = 0;
	int r;

	for (q = buf; q < end; q = nl ? nl + 1 : end) {
		nl = memchr(q, '\n', (size_t)(end - q));
		headers += *q == '[';
	}
	if (headers > FP_VULN_MAX_RECORDS)
		return fail(p, FP_ETOOBIG, 0, "more than %d records",
			    FP_VULN_MAX_RECORDS);
	p->feed->vulns = fp_arena_calloc(&p->feed->arena, headers + 1,
					 sizeof(*p->feed->vulns));
	if (!p->feed->vulns)
		return fail(p, FP_ENOMEM, 0, "out of memory");
	for (q = buf; q < end; q = nl ? nl + 1 : end) {
		nl = memchr(q, '\n', (size_t)(end - q));
		p->line++;
		r = one_line(p, fp_str_make(q, (size_t)((nl ? nl : end) - q)),
			     nl ? nl + 1 : end, end);
		if (r)
			return r;
	}
	for (size_t i = 0; i < p->feed->n_vulns; i++)
		if (fp__vuln_collect_cves(&p->feed->arena, &p->feed->vulns[i]))
			return fail(p, FP_ENOMEM, 0, "out of memory");
	return 0;
}

int fp_vuln_parse_dsa_list(const char *buf, size_t len, const char *name,
			   struct fp_vuln_feed **ret_feed, struct fp_diag *diag)
{
	struct dsa p = { .diag = diag };
	int r;

	if ((r = fp__vuln_input_check(len, name, diag)))
		return r;
	if ((r = fp__vuln_feed_new(&p.feed)))
		return fp_diag_set(diag, r, 0, 0, "out of memory");
	fp__jx_init(&p.x, &p.feed->arena, diag);
	r = parse(&p, buf, len);
	if (r) {
		fp_vuln_feed_free(p.feed);
		return r;
	}
	*ret_feed = p.feed;
	return 0;
}
