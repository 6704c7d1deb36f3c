/* SPDX-License-Identifier: MIT */
/* FIRST's EPSS scores, the daily CSV (epss_scores-YYYY-MM-DD.csv). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/strview.h"
#include "vuln_int.h"

#define EPSS_MAX_LINE 512
#define EPSS_ARENA_CAP ((size_t)512 << 20)

struct csv {
	struct fp_epss *epss;
	struct fp_diag *diag;
	unsigned long line;
	bool header;
};

static int fail(struct csv *c, int err, size_t col, const char *what)
{
	return fp_diag_set(c->diag, err, c->line, (unsigned long)col, "%s",
			   what);
}

/* Split 's' at commas into at most 'max' fields; the count. */
static size_t split(struct fp_str s, struct fp_str *f, size_t max)
{
	size_t n = 0;
	const char *p = s.p, *end = s.p + s.len, *comma;

	while (n < max) {
		comma = memchr(p, ',', (size_t)(end - p));
		f[n++] = fp_str_make(p, (size_t)((comma ? comma : end) - p));
		if (!comma)
			return n;
		p = comma + 1;
	}
	return n + 1; /* more than max */
}

static char *arena_str(struct csv *c, struct fp_str s)
{
	return fp_arena_strndup(&c->epss->arena, s.p, s.len);
}

/* "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000" */
static int comment(struct csv *c, struct fp_str s)
{
	struct fp_str f[4];
	size_t n = split(fp_str_make(s.p + 1, s.len - 1), f, 4), i;

	for (i = 0; i < n && i < 4; i++) {
		const char **dst = NULL;
		const char *colon = memchr(f[i].p, ':', f[i].len);
		struct fp_str key, val;

		if (!colon)
			continue;
		key = fp_str_make(f[i].p, (size_t)(colon - f[i].p));
		val = fp_str_make(colon + 1, f[i].len - key.len - 1);
		if (fp_str_eq_c(key, "model_version"))
			dst = &c->epss->model_version;
		else if (fp_str_eq_c(key, "score_date"))
			dst = &c->epss->score_date;
		if (!dst)
			continue;
		if (!(*dst = arena_str(c, val)))
			return fail(c, FP_ENOMEM, 0, "out of memory");
	}
	return 0;
}

/* A probability: plain decimal notation, 0 to 1. */
static int probability(struct csv *c, struct fp_str s, size_t col,
		       const char *what, double *ret)
{
	char tmp[32], *end;
	double v;

	if (!s.len || s.len >= sizeof(tmp))
		goto bad;
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	if (strspn(tmp, "0123456789.eE+-") < s.len)
		goto bad;
	v = strtod(tmp, &end);
	if (end != tmp + s.len || !isfinite(v) || v < 0 || v > 1)
		goto bad;
	*ret = v;
	return 0;
bad:
	return fp_diag_set(c->diag, FP_EINVAL, c->line, (unsigned long)col,
			   "%s: expected a number from 0 to 1", what);
}

static int row(struct csv *c, struct fp_str s)
{
	struct fp_epss_entry *e = &c->epss->entries[c->epss->n];
	struct fp_str f[3];
	char *cve;
	int r;

	if (split(s, f, 3) != 3)
		return fail(c, FP_EINVAL, 1,
			    "expected three fields: cve,epss,percentile");
	if (!(cve = arena_str(c, f[0])))
		return fail(c, FP_ENOMEM, 0, "out of memory");
	if (!fp__vuln_is_cve_id(cve))
		return fail(c, FP_EINVAL, 1, "cve: not a CVE id");
	if ((r = probability(c, f[1], (size_t)(f[1].p - s.p) + 1, "epss",
			     &e->score)) ||
	    (r = probability(c, f[2], (size_t)(f[2].p - s.p) + 1,
			     "percentile", &e->percentile)))
		return r;
	e->cve = cve;
	c->epss->n++;
	return 0;
}

static int line(struct csv *c, struct fp_str s)
{
	if (s.len && s.p[s.len - 1] == '\r')
		s.len--;
	if (s.len > EPSS_MAX_LINE)
		return fail(c, FP_ETOOBIG, 0, "line longer than 512 bytes");
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] < 0x20 || s.p[i] == 0x7f)
			return fail(c, FP_EINVAL, i + 1,
				    "control character in line");
	if (!s.len)
		return 0;
	if (s.p[0] == '#') {
		if (c->header)
			return fail(c, FP_EINVAL, 1,
				    "comment after the header line");
		return comment(c, s);
	}
	if (!c->header) {
		if (!fp_str_eq_c(s, "cve,epss,percentile"))
			return fail(c, FP_EINVAL, 1,
				    "expected the header cve,epss,percentile");
		c->header = true;
		return 0;
	}
	return row(c, s);
}

static int by_cve(const void *a, const void *b)
{
	return strcmp(((const struct fp_epss_entry *)a)->cve,
		      ((const struct fp_epss_entry *)b)->cve);
}

static int parse(struct csv *c, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t lines = 1, dup;
	int r;

	for (nl = buf; (nl = memchr(nl, '\n', (size_t)(end - nl))); nl++)
		lines++;
	if (lines > FP_VULN_MAX_RECORDS)
		return fp_diag_set(c->diag, FP_ETOOBIG, 0, 0,
				   "%zu lines, more than %d", lines,
				   FP_VULN_MAX_RECORDS);
	c->epss->entries = fp_arena_calloc(&c->epss->arena, lines,
					   sizeof(*c->epss->entries));
	if (!c->epss->entries)
		return fail(c, FP_ENOMEM, 0, "out of memory");
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		c->line++;
		r = line(c, fp_str_make(p, (size_t)((nl ? nl : end) - p)));
		if (r)
			return r;
		p = nl ? nl + 1 : end;
	}
	if (!c->header)
		return fp_diag_set(c->diag, FP_EINVAL, c->line, 0,
				   "no header line cve,epss,percentile");
	dup = fp__vuln_sort_unique(c->epss->entries, c->epss->n,
				   sizeof(*c->epss->entries), by_cve);
	if (dup != SIZE_MAX)
		return fp_diag_set(c->diag, FP_EINVAL, 0, 0, "%s listed twice",
				   c->epss->entries[dup].cve);
	return 0;
}

int fp_epss_parse(const char *buf, size_t len, const char *name,
		  struct fp_epss **ret_epss, struct fp_diag *diag)
{
	struct csv c = { .diag = diag };
	int r;

	if ((r = fp__vuln_input_check(len, name, diag)))
		return r;
	c.epss = fp_calloc(1, sizeof(*c.epss));
	if (!c.epss)
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	fp_arena_init(&c.epss->arena, 0, EPSS_ARENA_CAP);
	r = parse(&c, buf, len);
	if (r) {
		fp_epss_free(c.epss);
		return r;
	}
	*ret_epss = c.epss;
	return 0;
}

void fp_epss_free(struct fp_epss *epss)
{
	if (!epss)
		return;
	fp_arena_release(&epss->arena);
	fp_free(epss);
}

const struct fp_epss_entry *fp_epss_find(const struct fp_epss *epss,
					 const char *cve)
{
	struct fp_epss_entry key = { .cve = cve };

	if (!epss || !epss->n)
		return NULL;
	return bsearch(&key, epss->entries, epss->n, sizeof(key), by_cve);
}
