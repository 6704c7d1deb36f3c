/* SPDX-License-Identifier: MIT */
/*
 * Vulnerability feed bodies as the API gets them: the kind told from the
 * content, and the parse with lib/vuln by kind (api_feeds.c imports,
 * api_vulns.c loads what is stored).  No request state: the fuzz target
 * tests/fuzz/server/fuzz_feed_body.c runs it as it is.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "fleetpatch/vuln.h"
#include "server.h"

#define DETECT_WINDOW ((size_t)64 << 10)

static bool has(const char *b, size_t n, const char *s)
{
	return memmem(b, n < DETECT_WINDOW ? n : DETECT_WINDOW, s,
		      strlen(s)) != NULL;
}

static const char *skip_space(const char *b, size_t n, size_t *ret_off)
{
	size_t i = 0;

	if (n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3))
		i = 3;
	while (i < n && isspace((unsigned char)b[i]))
		i++;
	*ret_off = i;
	return b + i;
}

/* JSON (an object or an array of them) rather than a DSA list's
 * "[03 Oct 2023] DSA-..." lines. */
static bool is_json(const char *b, size_t n)
{
	size_t i, j;

	b = skip_space(b, n, &i);
	n -= i;
	if (n && *b == '{')
		return true;
	if (!n || *b != '[')
		return false;
	for (j = 1; j < n && isspace((unsigned char)b[j]); j++)
		;
	return j < n && (b[j] == '{' || b[j] == ']');
}

const char *fpd_feed_detect(const char *b, size_t n)
{
	size_t i;
	const char *p = skip_space(b, n, &i);

	n -= i;
	if (!is_json(p, n)) {
		if (n && *p == '[')
			return "dsa";
		if ((n >= 14 && !memcmp(p, "#model_version", 14)) ||
		    (n >= 8 && !memcmp(p, "cve,epss", 8)))
			return "epss";
		return NULL;
	}
	if (has(p, n, "\"catalogVersion\"") || has(p, n, "\"cveID\""))
		return "kev";
	if (has(p, n, "\"Annotations\""))
		return "dsa";
	if (has(p, n, "\"affected\"") &&
	    (has(p, n, "\"schema_version\"") || !has(p, n, "\"releases\"")))
		return "osv";
	if (has(p, n, "\"releases\""))
		return "debian";
	return NULL;
}

bool fpd_feed_kind_is_valid(const char *kind)
{
	static const char *const kinds[] = { "osv", "debian", "dsa", "kev",
					     "epss" };

	for (size_t i = 0; i < FP_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

void fpd_feed_release(struct fpd_feed *f)
{
	fp_vuln_feed_free(f->vulns);
	fp_kev_free(f->kev);
	fp_epss_free(f->epss);
	memset(f, 0, sizeof(*f));
}

int fpd_feed_parse(const char *kind, const char *b, size_t n,
		   const char *name, struct fpd_feed *ret, struct fp_diag *d)
{
	struct fpd_feed f = { 0 };
	int rc;

	if (!strcmp(kind, "osv"))
		rc = fp_vuln_parse_osv(b, n, name, &f.vulns, d);
	else if (!strcmp(kind, "debian"))
		rc = fp_vuln_parse_debian(b, n, name, &f.vulns, d);
	else if (!strcmp(kind, "dsa") && is_json(b, n))
		rc = fp_vuln_parse_debian_dsa(b, n, name, &f.vulns, d);
	else if (!strcmp(kind, "dsa"))
		rc = fp_vuln_parse_dsa_list(b, n, name, &f.vulns, d);
	else if (!strcmp(kind, "kev"))
		rc = fp_kev_parse(b, n, name, &f.kev, d);
	else if (!strcmp(kind, "epss"))
		rc = fp_epss_parse(b, n, name, &f.epss, d);
	else
		rc = fp_diag_set(d, FP_EINVAL, 0, 0, "unknown feed kind %s", kind);
	if (rc)
		return rc;
	f.records = f.vulns ? f.vulns->n_vulns : f.kev ? f.kev->n : f.epss->n;
	f.skipped = f.vulns ? f.vulns->n_skipped : 0;
	*ret = f;
	return 0;
}
