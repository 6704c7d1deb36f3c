/* SPDX-License-Identifier: MIT */
/*
 * SQLite backend: imported vulnerability feeds (one row per feed name,
 * the body as imported) and the fleet's packages for the matcher, read
 * per distinct package set, never per host.
 */
#include "store_sqlite.h"

struct vfeed_put_arg {
	const char *name, *kind;
	const void *body;
	size_t len;
	int64_t records, now;
};

static int vfeed_put_job(struct sq_conn *c, void *arg)
{
	struct vfeed_put_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_FEED_PUT,
		"INSERT INTO feeds(name, kind, imported_at, records, body)"
		" VALUES(?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET"
		" kind = excluded.kind, imported_at = excluded.imported_at,"
		" records = excluded.records, body = excluded.body");

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->name);
	sq_bind_text(st, 2, a->kind);
	sqlite3_bind_int64(st, 3, a->now);
	sqlite3_bind_int64(st, 4, a->records);
	sqlite3_bind_blob64(st, 5, a->body, a->len, SQLITE_STATIC);
	return sq_exec(st);
}

int sq_vfeed_put(struct fp_store *st, const char *name, const char *kind,
		 const void *body, size_t len, int64_t records, int64_t now)
{
	struct vfeed_put_arg a = { name, kind, body, len, records, now };

	return sq_write((struct sq_store *)st, vfeed_put_job, &a);
}

static json_t *feed_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", sq_col_text(q, 0),
			      "kind", sq_col_text(q, 1), "records",
			      (json_int_t)sqlite3_column_int64(q, 3), "bytes",
			      (json_int_t)sqlite3_column_int64(q, 4));

	if (o)
		sq_json_time(o, "imported_at", q, 2);
	return o;
}

int sq_vfeed_list(struct fp_store *st, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_FEED_LIST,
			    "SELECT name, kind, imported_at, records, length(body)"
			    " FROM feeds ORDER BY name",
			    NULL, NULL, feed_row, ret);
}

int sq_vfeed_each(struct fp_store *st, fp_store_vfeed_fn *fn, void *ctx)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_FEED_EACH,
		"SELECT name, kind, body FROM feeds ORDER BY imported_at, id");
	int rc = q ? 0 : FP_ESTORE, step = SQLITE_DONE;

	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
		const void *b = sqlite3_column_blob(q, 2);
		size_t n = (size_t)sqlite3_column_bytes(q, 2);

		rc = fn(ctx, sq_col_text(q, 0), sq_col_text(q, 1), b ? b : "", n);
	}
	if (!rc && step != SQLITE_DONE)
		rc = sq_err(step);
	if (q)
		sqlite3_reset(q);
	sq_reader_put(s, c);
	return rc;
}

static int fleet_hosts(struct sq_conn *c, fp_store_fleet_host_fn *fn,
		       void *ctx)
{
	sqlite3_stmt *q = sq_stmt(c, SQ_FLEET_HOSTS,
		"SELECT id, hostname, pkgset_id, os_id, os_version FROM hosts"
		" WHERE pkgset_id IS NOT NULL ORDER BY hostname, id");
	int rc = 0, step = SQLITE_DONE;

	if (!q)
		return FP_ESTORE;
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW)
		rc = fn(ctx, sqlite3_column_int64(q, 0), sq_col_text(q, 1),
			sqlite3_column_int64(q, 2), sq_col_text(q, 3),
			sq_col_text(q, 4));
	if (!rc && step != SQLITE_DONE)
		rc = sq_err(step);
	sqlite3_reset(q);
	return rc;
}

static int fleet_pkgs(struct sq_conn *c, fp_store_fleet_pkg_fn *fn, void *ctx)
{
	/* snap and flatpak packages (kind not NULL) have no advisories */
	sqlite3_stmt *q = sq_stmt(c, SQ_FLEET_PKGS,
		"SELECT d.pkgset_id, d.os_id, d.os_version, p.id, p.eco, p.name,"
		" p.version, p.source, p.source_version"
		" FROM (SELECT DISTINCT pkgset_id, coalesce(os_id, '') AS os_id,"
		" coalesce(os_version, '') AS os_version FROM hosts"
		" WHERE pkgset_id IS NOT NULL) d"
		" JOIN pkgset_items i ON i.set_id = d.pkgset_id"
		" JOIN packages p ON p.id = i.package_id WHERE p.kind IS NULL");
	int rc = 0, step = SQLITE_DONE;

	if (!q)
		return FP_ESTORE;
	while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
		struct fp_store_fleet_pkg p = {
			.set_id = sqlite3_column_int64(q, 0),
			.os_id = sq_col_text(q, 1),
			.os_version = sq_col_text(q, 2),
			.package_id = sqlite3_column_int64(q, 3),
			.eco = sqlite3_column_int(q, 4),
			.name = sq_col_text(q, 5),
			.version = sq_col_text(q, 6),
			.source = sq_col_text(q, 7),
			.source_version = sq_col_text(q, 8),
		};
		rc = fn(ctx, &p);
	}
	if (!rc && step != SQLITE_DONE)
		rc = sq_err(step);
	sqlite3_reset(q);
	return rc;
}

int sq_fleet_each(struct fp_store *st, fp_store_fleet_host_fn *host_fn,
		  fp_store_fleet_pkg_fn *pkg_fn, void *ctx)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	int rc;

	/* one read transaction: hosts and packages from the same snapshot */
	sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
	rc = fleet_hosts(c, host_fn, ctx);
	if (!rc)
		rc = fleet_pkgs(c, pkg_fn, ctx);
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	sq_reader_put(s, c);
	return rc;
}
