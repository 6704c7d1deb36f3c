/* SPDX-License-Identifier: MIT */
/*
 * SQLite side of the rollout (issue 4): rings, windows and policies as
 * JSON bodies; deployments as a body plus one row per host, written
 * incrementally (only the rows that changed) so a 100,000-host deployment
 * is never rewritten whole; host selection for rings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "store_sqlite.h"

struct ro_put_arg {
	const char *kind, *name, *body;
};

static int ro_put_job(struct sq_conn *c, void *arg)
{
	struct ro_put_arg *a = arg;
	sqlite3_stmt *q = sq_stmt(c, SQ_RO_PUT,
		"INSERT INTO rollout_objects(kind, name, body) VALUES(?1, ?2, ?3)"
		" ON CONFLICT(kind, name) DO UPDATE SET body = ?3");

	if (!q)
		return FP_ESTORE;
	sq_bind_text(q, 1, a->kind);
	sq_bind_text(q, 2, a->name);
	sq_bind_text(q, 3, a->body);
	return sq_exec(q);
}

int sq_rollout_put(struct fp_store *st, const char *kind, const char *name,
		   const char *body)
{
	struct ro_put_arg a = { kind, name, body };
	return sq_write((struct sq_store *)st, ro_put_job, &a);
}

static int ro_del_job(struct sq_conn *c, void *arg)
{
	struct ro_put_arg *a = arg;
	sqlite3_stmt *q = sq_stmt(c, SQ_RO_DEL,
		"DELETE FROM rollout_objects WHERE kind = ? AND name = ?");

	if (!q)
		return FP_ESTORE;
	sq_bind_text(q, 1, a->kind);
	sq_bind_text(q, 2, a->name);
	return sq_exec_changed(q);
}

int sq_rollout_delete(struct fp_store *st, const char *kind, const char *name)
{
	struct ro_put_arg a = { kind, name, NULL };
	return sq_write((struct sq_store *)st, ro_del_job, &a);
}

/* A row's JSON body column parsed (a stored body is ours and valid). */
static json_t *body_row(sqlite3_stmt *q)
{
	json_error_t jerr;
	json_t *j = json_loads(sq_col_text(q, 0), 0, &jerr);
	return j ? j : json_object();
}

static void bind_kind(sqlite3_stmt *q, const void *arg)
{
	sq_bind_text(q, 1, arg);
}

int sq_rollout_list(struct fp_store *st, const char *kind, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_RO_LIST,
			    "SELECT body FROM rollout_objects WHERE kind = ?"
			    " ORDER BY name",
			    bind_kind, kind, body_row, ret);
}

struct dep_new_arg {
	int64_t now, id;
};

static int dep_new_job(struct sq_conn *c, void *arg)
{
	struct dep_new_arg *a = arg;
	sqlite3_stmt *q = sq_stmt(c, SQ_DEP_NEW,
		"INSERT INTO deployments(state, body, created_at)"
		" VALUES('new', NULL, ?)");
	int rc;

	if (!q)
		return FP_ESTORE;
	sqlite3_bind_int64(q, 1, a->now);
	rc = sq_exec(q);
	if (!rc)
		a->id = sqlite3_last_insert_rowid(c->db);
	return rc;
}

int sq_deployment_new_id(struct fp_store *st, int64_t now, int64_t *ret_id)
{
	struct dep_new_arg a = { now, 0 };
	int rc = sq_write((struct sq_store *)st, dep_new_job, &a);

	if (!rc)
		*ret_id = a.id;
	return rc;
}

static int jobs_insert(struct sq_conn *c, const struct fp_store_job *jobs,
		       size_t n);
static int reports_update(struct sq_conn *c,
			  const struct fp_store_report *reports, size_t n,
			  bool must_exist);

static int batch_write(struct sq_conn *c, const struct fp_store_batch *b)
{
	sqlite3_stmt *q = b->n_bodies ? sq_stmt(c, SQ_DEP_SAVE,
		"UPDATE deployments SET state = ?, body = ? WHERE id = ?") : NULL;
	int rc;

	if (b->n_bodies && !q)
		return FP_ESTORE;
	for (size_t i = 0; i < b->n_bodies; i++) {
		sq_bind_text(q, 1, b->bodies[i].state);
		sq_bind_text(q, 2, b->bodies[i].body);
		sqlite3_bind_int64(q, 3, b->bodies[i].id);
		if ((rc = sq_exec(q)))
			return rc;
	}
	q = b->n_rows ? sq_stmt(c, SQ_DEP_HOST,
		"INSERT INTO deployment_hosts(deployment_id, host_id, ring, state,"
		" job_id, attempts, updated_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT(deployment_id, host_id) DO UPDATE SET ring = ?3,"
		" state = ?4, job_id = ?5, attempts = ?6, updated_at = ?7") : NULL;
	if (b->n_rows && !q)
		return FP_ESTORE;
	for (size_t i = 0; i < b->n_rows; i++) {
		const struct fp_rollout_host *h = &b->rows[i].h;
		sqlite3_bind_int64(q, 1, b->rows[i].deployment_id);
		sqlite3_bind_int64(q, 2, h->host_id);
		sqlite3_bind_int(q, 3, h->ring);
		sqlite3_bind_int(q, 4, h->state);
		sqlite3_bind_int64(q, 5, h->job_id);
		sqlite3_bind_int(q, 6, h->attempts);
		sqlite3_bind_int64(q, 7, (int64_t)h->updated_at);
		if ((rc = sq_exec(q)))
			return rc;
	}
	if ((rc = jobs_insert(c, b->jobs, b->n_jobs)))
		return rc;
	return reports_update(c, b->reports, b->n_reports, false);
}

/*
 * Test-only FLEETPATCH_TEST_FAIL_FEED=PATH: while PATH exists, every
 * batch fails after its rows went in, so the transaction rolls them
 * back.  The tests' stand-in for a disk that fails (SQLite reuses its
 * WAL file, so a full disk does not reliably fail a write), to show that
 * nothing is lost.
 */
static bool test_fail_feed(void)
{
	const char *path = getenv("FLEETPATCH_TEST_FAIL_FEED");
	return path && path[0] && access(path, F_OK) == 0;
}

static int feed_job(struct sq_conn *c, void *arg)
{
	struct sq_feed_arg *a = arg;
	int rc = a->feed->take(a->feed->ctx, &a->batch);

	if (rc || !a->batch)
		return rc;
	rc = batch_write(c, a->batch);
	if (!rc && test_fail_feed())
		rc = FP_ESTORE;
	if (rc) {
		/*
		 * Back to the feed at once, before a later job of this same
		 * transaction takes: that check-in's data may be in this
		 * batch, and it must not commit without it.
		 */
		a->feed->done(a->feed->ctx, a->batch, rc);
		a->batch = NULL;
	}
	return rc;
}

static void feed_after(void *arg, int rc)
{
	struct sq_feed_arg *a = arg;

	if (a->batch)
		a->feed->done(a->feed->ctx, a->batch, rc);
	a->batch = NULL;
}

void sq_feed_job_init(struct sq_job *j, struct sq_feed_arg *a,
		      const struct fp_store_feed *f)
{
	*a = (struct sq_feed_arg){ .feed = f };
	*j = (struct sq_job){ .fn = feed_job, .arg = a, .after = feed_after };
}

int sq_feed_write(struct fp_store *st, const struct fp_store_feed *f)
{
	struct sq_feed_arg a;
	struct sq_job j;

	sq_feed_job_init(&j, &a, f);
	sq_write_jobs((struct sq_store *)st, &j, 1);
	return j.rc;
}

int sq_deployment_list(struct fp_store *st, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_DEP_LIST,
			    "SELECT body FROM deployments WHERE body IS NOT NULL"
			    " ORDER BY id",
			    NULL, NULL, body_row, ret);
}

int sq_deployment_hosts(struct fp_store *st, int64_t id,
			struct fp_deployment *dep)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_DEP_HOSTS,
		"SELECT host_id, ring, state, job_id, attempts, updated_at"
		" FROM deployment_hosts WHERE deployment_id = ? ORDER BY host_id");
	int rc = FP_ESTORE, step;

	if (!q)
		goto out;
	sqlite3_bind_int64(q, 1, id);
	rc = 0;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		int64_t ring = sqlite3_column_int64(q, 1);
		int64_t state = sqlite3_column_int64(q, 2);
		struct fp_rollout_host *h;

		if (ring < 0 || (size_t)ring >= dep->n_rings || state < 0 ||
		    state > FP_HOST_DEFERRED) {
			rc = FP_ESTORE;
			break;
		}
		rc = fp_deployment_add_host(dep, sqlite3_column_int64(q, 0),
					    (size_t)ring, false);
		if (rc)
			break;
		h = &dep->hosts[dep->n_hosts - 1];
		h->state = (uint8_t)state;
		h->job_id = sqlite3_column_int64(q, 3);
		h->attempts = (uint8_t)sqlite3_column_int(q, 4);
		h->updated_at = (time_t)sqlite3_column_int64(q, 5);
	}
	if (!rc && step != SQLITE_DONE)
		rc = sq_err(step);
	sqlite3_reset(q);
out:
	sq_reader_put(s, c);
	return rc;
}

static int jobs_insert(struct sq_conn *c, const struct fp_store_job *jobs,
		       size_t n)
{
	sqlite3_stmt *q = n ? sq_stmt(c, SQ_JOB_ISSUE,
		"INSERT OR REPLACE INTO deployment_jobs(job_id, deployment_id,"
		" host_id, action, envelope, issued_at, expires_at)"
		" VALUES(?, ?, ?, ?, ?, ?, ?)") : NULL;
	int rc = 0;

	if (n && !q)
		return FP_ESTORE;
	for (size_t i = 0; !rc && i < n; i++) {
		const struct fp_store_job *j = &jobs[i];
		sqlite3_bind_int64(q, 1, j->job_id);
		sqlite3_bind_int64(q, 2, j->deployment_id);
		sqlite3_bind_int64(q, 3, j->host_id);
		sq_bind_text(q, 4, j->action);
		sq_bind_text(q, 5, j->envelope);
		sqlite3_bind_int64(q, 6, j->issued_at);
		sqlite3_bind_int64(q, 7, j->expires_at);
		rc = sq_exec(q);
	}
	return rc;
}

/* must_exist: FP_ENOENT for a report of an unknown job. */
static int reports_update(struct sq_conn *c,
			  const struct fp_store_report *reports, size_t n,
			  bool must_exist)
{
	sqlite3_stmt *q = n ? sq_stmt(c, SQ_JOB_REPORT,
		"INSERT OR REPLACE INTO job_reports(job_id, status, result,"
		" reported_at) SELECT ?1, ?2, ?3, ?4 WHERE EXISTS("
		"SELECT 1 FROM deployment_jobs WHERE job_id = ?1)") : NULL;
	int rc = 0;

	if (n && !q)
		return FP_ESTORE;
	for (size_t i = 0; !rc && i < n; i++) {
		const struct fp_store_report *r = &reports[i];
		sqlite3_bind_int64(q, 1, r->job_id);
		sq_bind_text(q, 2, r->status);
		sq_bind_text(q, 3, r->result);
		sqlite3_bind_int64(q, 4, r->reported_at);
		rc = must_exist ? sq_exec_changed(q) : sq_exec(q);
	}
	return rc;
}

struct jobs_issue_arg {
	const struct fp_store_job *jobs;
	size_t n;
};

static int jobs_issue_job(struct sq_conn *c, void *arg)
{
	struct jobs_issue_arg *a = arg;
	return jobs_insert(c, a->jobs, a->n);
}

int sq_jobs_issue(struct fp_store *st, const struct fp_store_job *jobs,
		  size_t n)
{
	struct jobs_issue_arg a = { jobs, n };
	return n ? sq_write((struct sq_store *)st, jobs_issue_job, &a) : 0;
}

static int job_report_job(struct sq_conn *c, void *arg)
{
	return reports_update(c, arg, 1, true);
}

int sq_job_report(struct fp_store *st, int64_t job_id, const char *status,
		  const char *result, int64_t now)
{
	struct fp_store_report r = { job_id, status, result, now };
	return sq_write((struct sq_store *)st, job_report_job, &r);
}

static json_t *job_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:I, s:I, s:s, s:s?, s:I, s:I, s:I}",
			      "job_id", (json_int_t)sqlite3_column_int64(q, 0),
			      "host_id", (json_int_t)sqlite3_column_int64(q, 1),
			      "action", sq_col_text(q, 2),
			      "envelope", sqlite3_column_type(q, 3) == SQLITE_NULL
						  ? NULL : sq_col_text(q, 3),
			      "issued_at", (json_int_t)sqlite3_column_int64(q, 4),
			      "expires_at", (json_int_t)sqlite3_column_int64(q, 5),
			      "reported_at", (json_int_t)sqlite3_column_int64(q, 8));
	json_t *res = NULL;

	if (!o)
		return NULL;
	if (sqlite3_column_type(q, 7) != SQLITE_NULL)
		res = json_loads(sq_col_text(q, 7), 0, NULL);
	json_object_set_new(o, "status",
			    sqlite3_column_type(q, 6) == SQLITE_NULL
				    ? json_null()
				    : json_string(sq_col_text(q, 6)));
	json_object_set_new(o, "result", res ? res : json_null());
	return o;
}

static void bind_id(sqlite3_stmt *q, const void *arg)
{
	sqlite3_bind_int64(q, 1, *(const int64_t *)arg);
}

int sq_job_list(struct fp_store *st, int64_t deployment_id,
		bool unreported_only, json_t **ret)
{
	/* Envelopes only for the unreported: nobody reads the others'. */
	if (unreported_only)
		return sq_read_list((struct sq_store *)st, SQ_JOB_LIST_OPEN,
				    "SELECT j.job_id, host_id, action, envelope,"
				    " issued_at, expires_at, NULL, NULL, NULL"
				    " FROM deployment_jobs j WHERE deployment_id = ?"
				    " AND NOT EXISTS(SELECT 1 FROM job_reports r"
				    " WHERE r.job_id = j.job_id)"
				    " ORDER BY host_id, j.job_id",
				    bind_id, &deployment_id, job_row, ret);
	return sq_read_list((struct sq_store *)st, SQ_JOB_LIST,
			    "SELECT j.job_id, host_id, action, NULL, issued_at,"
			    " expires_at, r.status, r.result, r.reported_at"
			    " FROM deployment_jobs j LEFT JOIN job_reports r"
			    " ON r.job_id = j.job_id WHERE deployment_id = ?"
			    " ORDER BY host_id, j.job_id",
			    bind_id, &deployment_id, job_row, ret);
}

static json_t *id_row(sqlite3_stmt *q)
{
	return json_integer(sqlite3_column_int64(q, 0));
}

struct select_arg {
	const char *group, *tag;
};

static void bind_select(sqlite3_stmt *q, const void *arg)
{
	const struct select_arg *a = arg;
	sq_bind_text(q, 1, a->group);
	sq_bind_text(q, 2, a->tag);
}

int sq_hosts_select(struct fp_store *st, const char *group, const char *tag,
		    json_t **ret)
{
	struct select_arg a = { group, tag };

	return sq_read_list((struct sq_store *)st, SQ_HOSTS_SELECT,
		"SELECT h.id FROM hosts h WHERE"
		" (?1 IS NULL AND ?2 IS NULL)"
		" OR (?1 IS NOT NULL AND EXISTS(SELECT 1 FROM groups g"
		"  WHERE g.name = ?1 AND " IN_GROUP("h", "g") "))"
		" OR (?2 IS NOT NULL AND EXISTS(SELECT 1 FROM host_tags ht"
		"  JOIN tags t ON t.id = ht.tag_id WHERE ht.host_id = h.id"
		"  AND t.name = ?2))"
		" ORDER BY h.id",
		bind_select, &a, id_row, ret);
}

int sq_hosts_with_package(struct fp_store *st, const char *name, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_HOSTS_WITH_PKG,
		"SELECT DISTINCT h.id FROM packages p"
		" JOIN pkgset_items i ON i.package_id = p.id"
		" JOIN hosts h ON h.pkgset_id = i.set_id"
		" WHERE p.name = ? ORDER BY h.id",
		bind_kind, name, id_row, ret);
}

int sq_package_version_known(struct fp_store *st, const char *name,
			     const char *version, bool *ret)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	/*
	 * Exactly, or, for an rpm package named without a release ("1.1"),
	 * any release of that version ("1.1-1", "1.1-2.el9"), as the agent's
	 * dnf and zypper backends install it.  substr(), not LIKE: '_' and
	 * '%' are wildcards there.  Updates carry no ecosystem: the release
	 * rule applies to them when the package is an rpm one on some host.
	 */
	sqlite3_stmt *q = sq_stmt(c, SQ_PKG_VERSION_KNOWN,
		"SELECT EXISTS(SELECT 1 FROM packages WHERE name = ?1 AND (version = ?2"
		" OR (?3 AND eco = ?4 AND substr(version, 1, length(?2) + 1) = ?2 || '-')))"
		" OR EXISTS(SELECT 1 FROM updates WHERE name = ?1 AND (candidate_version = ?2"
		" OR (?3 AND substr(candidate_version, 1, length(?2) + 1) = ?2 || '-'"
		" AND EXISTS(SELECT 1 FROM packages WHERE name = ?1 AND eco = ?4))))");
	int rc = FP_ESTORE;

	if (q) {
		sq_bind_text(q, 1, name);
		sq_bind_text(q, 2, version);
		sqlite3_bind_int(q, 3, strchr(version, '-') == NULL);
		sqlite3_bind_int(q, 4, FP_ECO_RPM);
		rc = sq_step_row(q);
		if (!rc)
			*ret = sqlite3_column_int(q, 0) != 0;
		sqlite3_reset(q);
	}
	sq_reader_put(s, c);
	return rc;
}
