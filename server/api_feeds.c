/* SPDX-License-Identifier: MIT */
/*
 * Vulnerability feeds (docs/vuln.md):
 *   POST /api/v1/feeds?format=F&name=N   the feed file as the body
 *   GET  /api/v1/feeds                   what is loaded
 * A body is parsed with lib/vuln before anything is stored; only a feed
 * that parses whole is stored, in one statement that replaces the
 * previous body of that name, so a bad import leaves the data as it was.
 */
#include <ctype.h>
#include <string.h>

#include "server.h"

static bool name_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 128 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

int api_feeds_import(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *kind = fpd_query(r, "format");
	const char *name = fpd_query(r, "name");
	const char *label = name;
	struct fpd_feed f;
	struct fp_diag d;
	char where[512];
	int rc;

	if (kind && !fpd_feed_kind_is_valid(kind))
		return fpd_fail(r, FP_EINVAL, "format",
				"unknown feed format (osv, debian, dsa, kev, epss)");
	if (!kind && !(kind = fpd_feed_detect(r->body, r->body_len)))
		return fpd_fail(r, FP_EINVAL, "format",
				"cannot tell the feed format from its content: "
				"give format (osv, debian, dsa, kev, epss)");
	/* one KEV catalog and one EPSS table: a new one replaces the old */
	if (!strcmp(kind, "kev") || !strcmp(kind, "epss") || !name)
		name = kind;
	if (!name_is_valid(name))
		return fpd_fail(r, FP_EINVAL, "name",
				"invalid feed name (1-128 of A-Z a-z 0-9 . _ -)");
	/* messages name the file the client sent, if it said */
	if (!label || !name_is_valid(label))
		label = name;
	fp_diag_init(&d, label);
	rc = fpd_feed_parse(kind, r->body, r->body_len, label, &f, &d);
	if (rc) {
		fp_diag_format(&d, where, sizeof(where));
		return fpd_fail(r, rc, NULL, "%s feed: %s", kind, where);
	}
	rc = st->ops->vfeed_put(st, name, kind, r->body, r->body_len,
				(int64_t)f.records, r->now);
	if (!rc) {
		r->status = 201;
		r->resp = json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", name,
				    "kind", kind, "records", (json_int_t)f.records,
				    "skipped", (json_int_t)f.skipped, "bytes",
				    (json_int_t)r->body_len);
		fpd_audit(r, "feed.import", name, "%s, %zu records", kind,
			  f.records);
		if (!r->resp)
			rc = FP_ENOMEM;
	}
	fpd_feed_release(&f);
	return rc;
}

int api_feeds_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;

	return st->ops->vfeed_list(st, &r->resp);
}
