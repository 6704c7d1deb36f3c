/* SPDX-License-Identifier: MIT */
/*
 * SQLite storage backend: connections, the group-commit writer thread,
 * migrations, and the user/token/secret/settings/audit operations.  Hosts,
 * check-ins, groups and tags are in store_sqlite_hosts.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "log.h"
#include "fleetpatch/util.h"
#include "store_sqlite.h"
#include "store_sqlite_schema.h"

#define DB_FILE "fleetpatch.db"

const char *fp_role_name(enum fp_role r)
{
	switch (r) {
	case FP_ROLE_VIEWER: return "viewer";
	case FP_ROLE_OPERATOR: return "operator";
	case FP_ROLE_ADMIN: return "admin";
	}
	return "viewer";
}

int fp_role_parse(const char *s, enum fp_role *ret)
{
	if (!strcmp(s, "viewer"))
		*ret = FP_ROLE_VIEWER;
	else if (!strcmp(s, "operator"))
		*ret = FP_ROLE_OPERATOR;
	else if (!strcmp(s, "admin"))
		*ret = FP_ROLE_ADMIN;
	else
		return FP_EINVAL;
	return 0;
}

/* --- small helpers -------------------------------------------------------- */

int sq_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		return FP_EEXIST;
	case SQLITE_NOMEM:
		return FP_ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return FP_EBUSY;
	case SQLITE_TOOBIG:
		return FP_ETOOBIG;
	default:
		return FP_ESTORE;
	}
}

sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, const char *sql)
{
	sqlite3_stmt *st = c->stmts[id];

	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL) != SQLITE_OK) {
		fpd_err("prepare: %s",
			sqlite3_errmsg(c->db));
		return NULL;
	}
	c->stmts[id] = st;
	return st;
}

int sq_exec(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return sq_err(rc);
}

int sq_exec_changed(sqlite3_stmt *st)
{
	int rc = sq_exec(st);

	if (rc)
		return rc;
	return sqlite3_changes(sqlite3_db_handle(st)) ? 0 : FP_ENOENT;
}

int sq_step_row(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return FP_ENOENT;
	return sq_err(rc);
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

const char *sq_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

void sq_json_time(json_t *obj, const char *key, sqlite3_stmt *st, int col)
{
	char buf[32];

	if (sqlite3_column_type(st, col) == SQLITE_NULL ||
	    sqlite3_column_int64(st, col) == 0) {
		json_object_set_new(obj, key, json_null());
		return;
	}
	json_object_set_new(obj, key,
			    json_string(fp_time_rfc3339(
				    (time_t)sqlite3_column_int64(st, col), buf)));
}

int sq_collect(sqlite3_stmt *st, sq_row_fn fn, json_t **ret)
{
	json_t *arr = json_array();
	int rc;

	if (!arr)
		return FP_ENOMEM;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = fn(st);
		if (!o || json_array_append_new(arr, o)) {
			sqlite3_reset(st);
			json_decref(arr);
			return FP_ENOMEM;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return sq_err(rc);
	}
	*ret = arr;
	return 0;
}

/* --- connections ---------------------------------------------------------- */

static int conn_exec(sqlite3 *db, const char *sql, char *errbuf, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (errbuf)
			snprintf(errbuf, errlen, "%s: %s", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return FP_ESTORE;
	}
	return 0;
}

static void conn_free(struct sq_conn *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < SQ__COUNT; i++)
		sqlite3_finalize(c->stmts[i]);
	sq_setcache_free(c->sets);
	sqlite3_close(c->db);
	fp_free(c);
}

static int conn_open(const char *path, bool create, bool writer,
		     struct sq_conn **ret, char *errbuf, size_t errlen)
{
	struct sq_conn *c = fp_calloc(1, sizeof(*c));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);

	if (!c)
		return FP_ENOMEM;
	/*
	 * No global memory statistics: they take a process-wide mutex on
	 * every allocation, which every thread fights for under load.  Only
	 * possible before the library initialises; later calls are no-ops.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "cannot open %s: %s", path,
			 c->db ? sqlite3_errmsg(c->db) : "out of memory");
		conn_free(c);
		return FP_ESTORE;
	}
	sqlite3_busy_timeout(c->db, 10000);
	/*
	 * synchronous=FULL: a commit is on disk (WAL fsynced) before the
	 * writer acknowledges it, so kill -9 or power loss never loses an
	 * acknowledged check-in.  Group commit pays for the fsync.
	 */
	/*
	 * No mmap for the readers: every check-in that adds history grows
	 * the file, and a mapped reader then unmaps and maps it again at
	 * its next read; the munmap's TLB shootdowns across cores cost more
	 * than the page cache copies they save.
	 */
	if (conn_exec(c->db,
		      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		      " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
		      errbuf, errlen) ||
	    conn_exec(c->db, writer ? "PRAGMA cache_size=-65536;"
				    : "PRAGMA cache_size=-16384;",
		      errbuf, errlen)) {
		conn_free(c);
		return FP_ESTORE;
	}
	*ret = c;
	return 0;
}

static int migrate(struct sq_conn *c, char *errbuf, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int version = 0, rc;

	if ((rc = conn_exec(c->db, "BEGIN IMMEDIATE", errbuf, errlen)))
		return rc;
	if ((rc = conn_exec(c->db,
			    "CREATE TABLE IF NOT EXISTS schema_version("
			    "version INTEGER NOT NULL)", errbuf, errlen)))
		goto out_rollback;
	if (sqlite3_prepare_v2(c->db, "SELECT max(version) FROM schema_version",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = FP_ESTORE;
		goto out_rollback;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > (int)FP_ARRAY_SIZE(sq_migrations)) {
		snprintf(errbuf, errlen,
			 "database schema version %d is newer than this fleetpatchd (%zu)",
			 version, FP_ARRAY_SIZE(sq_migrations));
		rc = FP_ESTORE;
		goto out_rollback;
	}
	for (size_t i = (size_t)version; i < FP_ARRAY_SIZE(sq_migrations); i++) {
		char sql[64];
		if ((rc = conn_exec(c->db, sq_migrations[i], errbuf, errlen)))
			goto out_rollback;
		snprintf(sql, sizeof(sql),
			 "INSERT INTO schema_version VALUES(%zu)", i + 1);
		if ((rc = conn_exec(c->db, sql, errbuf, errlen)))
			goto out_rollback;
	}
	return conn_exec(c->db, "COMMIT", errbuf, errlen);
out_rollback:
	conn_exec(c->db, "ROLLBACK", NULL, 0);
	return rc;
}

struct sq_conn *sq_reader(struct sq_store *s)
{
	struct sq_conn *c;

	pthread_mutex_lock(&s->pool_mu);
	while (!s->pool)
		pthread_cond_wait(&s->pool_cv, &s->pool_mu);
	c = s->pool;
	s->pool = c->next;
	pthread_mutex_unlock(&s->pool_mu);
	return c;
}

void sq_reader_put(struct sq_store *s, struct sq_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_lock(&s->pool_mu);
	c->next = s->pool;
	s->pool = c;
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
}

/* --- the writer: group commit -------------------------------------------- */

static void finish_jobs(struct sq_store *s, struct sq_job *batch, bool failed)
{
	pthread_mutex_lock(&s->q_mu);
	for (struct sq_job *j = batch, *next; j; j = next) {
		next = j->next;
		if (failed)
			j->rc = FP_ESTORE;
		if (j->detached) {
			fp_free(j->arg);
			fp_free(j);
			continue;
		}
		j->done = true;
		pthread_cond_signal(&j->cv);
	}
	pthread_mutex_unlock(&s->q_mu);
}

static void *writer_main(void *arg)
{
	struct sq_store *s = arg;
	sqlite3 *db = s->wconn->db;

	for (;;) {
		struct sq_job *batch, *j;
		unsigned n = 0;
		bool failed = false;

		pthread_mutex_lock(&s->q_mu);
		while (!s->q_head && !s->stopping)
			pthread_cond_wait(&s->q_cv, &s->q_mu);
		if (!s->q_head && s->stopping) {
			pthread_mutex_unlock(&s->q_mu);
			break;
		}
		batch = s->q_head;
		for (j = batch; j->next && ++n < s->batch_max; j = j->next)
			;
		s->q_head = j->next;
		if (!s->q_head)
			s->q_tail = NULL;
		j->next = NULL;
		pthread_mutex_unlock(&s->q_mu);

		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			fpd_err("begin: %s",
				sqlite3_errmsg(db));
			finish_jobs(s, batch, true);
			continue;
		}
		for (j = batch; j; j = j->next) {
			sqlite3_exec(db, "SAVEPOINT job", NULL, NULL, NULL);
			j->rc = j->fn(s->wconn, j->arg);
			if (j->rc) {
				sqlite3_exec(db, "ROLLBACK TO job", NULL, NULL, NULL);
				sq_setcache_clear(s->wconn->sets);
			}
			sqlite3_exec(db, "RELEASE job", NULL, NULL, NULL);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
			fpd_err("commit: %s",
				sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			sq_setcache_clear(s->wconn->sets);
			failed = true;
		}
		for (j = batch; j; j = j->next)
			if (j->after)
				j->after(j->arg, failed ? FP_ESTORE : j->rc);
		finish_jobs(s, batch, failed);
	}
	return NULL;
}

/* Append to the queue; q_mu held. */
static void enqueue_locked(struct sq_store *s, struct sq_job *j)
{
	if (s->q_tail)
		s->q_tail->next = j;
	else
		s->q_head = j;
	s->q_tail = j;
	pthread_cond_signal(&s->q_cv);
}

static void enqueue(struct sq_store *s, struct sq_job *j)
{
	pthread_mutex_lock(&s->q_mu);
	enqueue_locked(s, j);
}

void sq_write_jobs(struct sq_store *s, struct sq_job *jobs, size_t n)
{
	pthread_mutex_lock(&s->q_mu);
	for (size_t i = 0; i < n; i++) {
		pthread_cond_init(&jobs[i].cv, NULL);
		jobs[i].next = NULL;
		jobs[i].done = false;
		enqueue_locked(s, &jobs[i]);
	}
	/* in order: the last is done when all are */
	while (n && !jobs[n - 1].done)
		pthread_cond_wait(&jobs[n - 1].cv, &s->q_mu);
	pthread_mutex_unlock(&s->q_mu);
	for (size_t i = 0; i < n; i++)
		pthread_cond_destroy(&jobs[i].cv);
}

int sq_write(struct sq_store *s, int (*fn)(struct sq_conn *, void *), void *arg)
{
	struct sq_job j = { .fn = fn, .arg = arg };

	sq_write_jobs(s, &j, 1);
	return j.rc;
}

void sq_write_detached(struct sq_store *s, int (*fn)(struct sq_conn *, void *),
		       void *arg)
{
	struct sq_job *j = fp_calloc(1, sizeof(*j));

	if (!j) {
		fp_free(arg);
		return;
	}
	j->fn = fn;
	j->arg = arg;
	j->detached = true;
	enqueue(s, j);
	pthread_mutex_unlock(&s->q_mu);
}

/* --- open / close ----------------------------------------------------------- */

static void sq_close(struct fp_store *st)
{
	struct sq_store *s = (struct sq_store *)st;

	if (!s)
		return;
	if (s->writer_started) {
		pthread_mutex_lock(&s->q_mu);
		s->stopping = true;
		pthread_cond_signal(&s->q_cv);
		pthread_mutex_unlock(&s->q_mu);
		pthread_join(s->writer, NULL);
	}
	for (unsigned i = 0; i < s->n_all; i++)
		conn_free(s->all[i]);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_cond_destroy(&s->pool_cv);
	pthread_mutex_destroy(&s->q_mu);
	pthread_cond_destroy(&s->q_cv);
	fp_free(s);
}

int fp_store_sqlite_open(const struct fp_store_opts *opts,
			 struct fp_store **ret, char *errbuf, size_t errlen)
{
	struct sq_store *s = fp_calloc(1, sizeof(*s));
	unsigned readers = opts->readers ? opts->readers : 8;
	int rc;

	if (!s)
		return FP_ENOMEM;
	s->base.ops = &sq_ops;
	s->batch_max = opts->batch_max ? opts->batch_max : 256;
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	pthread_mutex_init(&s->q_mu, NULL);
	pthread_cond_init(&s->q_cv, NULL);
	if (readers > FP_ARRAY_SIZE(s->all) - 1)
		readers = FP_ARRAY_SIZE(s->all) - 1;
	if ((rc = fp_path_join(s->path, sizeof(s->path), opts->data_dir, DB_FILE))) {
		snprintf(errbuf, errlen, "data directory path too long");
		goto fail;
	}
	if (!opts->create && access(s->path, F_OK) != 0) {
		snprintf(errbuf, errlen,
			 "no database at %s (run 'fleetpatchd --data %s init' first)",
			 s->path, opts->data_dir);
		rc = FP_ENOENT;
		goto fail;
	}
	if ((rc = conn_open(s->path, opts->create, true, &s->wconn, errbuf, errlen)))
		goto fail;
	s->all[s->n_all++] = s->wconn;
	if (!(s->wconn->sets = sq_setcache_new())) {
		rc = FP_ENOMEM;
		goto fail;
	}
	if (opts->create)
		chmod(s->path, 0600);
	if ((rc = migrate(s->wconn, errbuf, errlen)))
		goto fail;
	for (unsigned i = 0; i < readers; i++) {
		struct sq_conn *c;
		if ((rc = conn_open(s->path, false, false, &c, errbuf, errlen)))
			goto fail;
		s->all[s->n_all++] = c;
		c->next = s->pool;
		s->pool = c;
	}
	if (pthread_create(&s->writer, NULL, writer_main, s)) {
		snprintf(errbuf, errlen, "cannot start the writer thread");
		rc = FP_EINTERNAL;
		goto fail;
	}
	s->writer_started = true;
	*ret = &s->base;
	return 0;
fail:
	sq_close(&s->base);
	return rc;
}

/* --- users and tokens --------------------------------------------------------- */

struct user_create_arg {
	const char *name, *hash;
	enum fp_role role;
	int64_t now, id;
};

static int user_create_job(struct sq_conn *c, void *arg)
{
	struct user_create_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_USER_INSERT,
		"INSERT INTO users(name, role, password_hash, created_at)"
		" VALUES(?, ?, ?, ?)");
	int rc;

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->name);
	sq_bind_text(st, 2, fp_role_name(a->role));
	sq_bind_text(st, 3, a->hash);
	sqlite3_bind_int64(st, 4, a->now);
	if ((rc = sq_exec(st)))
		return rc;
	a->id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int sq_user_create(struct fp_store *st, const char *name,
			  enum fp_role role, const char *password_hash,
			  int64_t now, int64_t *ret_id)
{
	struct user_create_arg a = { name, password_hash, role, now, 0 };
	int rc = sq_write((struct sq_store *)st, user_create_job, &a);

	if (!rc && ret_id)
		*ret_id = a.id;
	return rc;
}

static int user_delete_job(struct sq_conn *c, void *arg)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_USER_DELETE, "DELETE FROM users WHERE name = ?");

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, arg);
	return sq_exec_changed(st);
}

static int sq_user_delete(struct fp_store *st, const char *name)
{
	return sq_write((struct sq_store *)st, user_delete_job, (void *)name);
}

static int sq_user_password(struct fp_store *st, const char *name,
			    int64_t *ret_id, char *ret_hash, size_t hash_size)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_USER_PASSWORD,
		"SELECT id, password_hash FROM users WHERE name = ?");
	int rc = FP_ESTORE;

	if (q) {
		sq_bind_text(q, 1, name);
		rc = sq_step_row(q);
		if (!rc) {
			*ret_id = sqlite3_column_int64(q, 0);
			snprintf(ret_hash, hash_size, "%s", sq_col_text(q, 1));
		}
		sqlite3_reset(q);
	}
	sq_reader_put(s, c);
	return rc;
}

static int sq_user_get(struct fp_store *st, const char *name, int64_t *ret_id,
		       enum fp_role *ret_role)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_USER_GET,
		"SELECT id, role FROM users WHERE name = ?");
	int rc = FP_ESTORE;

	if (q) {
		sq_bind_text(q, 1, name);
		rc = sq_step_row(q);
		if (!rc) {
			*ret_id = sqlite3_column_int64(q, 0);
			if (fp_role_parse(sq_col_text(q, 1), ret_role))
				*ret_role = FP_ROLE_VIEWER;
		}
		sqlite3_reset(q);
	}
	sq_reader_put(s, c);
	return rc;
}

static json_t *user_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:I, s:s, s:s}", "id",
			      (json_int_t)sqlite3_column_int64(q, 0), "name",
			      sq_col_text(q, 1), "role", sq_col_text(q, 2));
	if (o)
		sq_json_time(o, "created_at", q, 3);
	return o;
}

int sq_read_list(struct sq_store *s, enum sq_stmt id, const char *sql,
		     void (*bind)(sqlite3_stmt *, const void *), const void *arg,
		     sq_row_fn fn, json_t **ret)
{
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, id, sql);
	int rc = FP_ESTORE;

	if (q) {
		if (bind)
			bind(q, arg);
		rc = sq_collect(q, fn, ret);
	}
	sq_reader_put(s, c);
	return rc;
}

static int sq_user_list(struct fp_store *st, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_USER_LIST,
			 "SELECT id, name, role, created_at FROM users ORDER BY name",
			 NULL, NULL, user_row, ret);
}

struct token_create_arg {
	int64_t user_id, now, expires_at, id;
	const char *name, *hash;
};

static int token_create_job(struct sq_conn *c, void *arg)
{
	struct token_create_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_TOKEN_INSERT,
		"INSERT INTO api_tokens(user_id, name, token_hash, created_at, expires_at)"
		" VALUES(?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, a->user_id);
	sq_bind_text(st, 2, a->name);
	sq_bind_text(st, 3, a->hash);
	sqlite3_bind_int64(st, 4, a->now);
	if (a->expires_at)
		sqlite3_bind_int64(st, 5, a->expires_at);
	if ((rc = sq_exec(st)))
		return rc == FP_EEXIST ? FP_ENOENT : rc; /* FK: no such user */
	a->id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int sq_token_create(struct fp_store *st, int64_t user_id,
			   const char *name, const char *token_hash,
			   int64_t now, int64_t expires_at, int64_t *ret_id)
{
	struct token_create_arg a = { user_id, now, expires_at, 0, name, token_hash };
	int rc = sq_write((struct sq_store *)st, token_create_job, &a);

	if (!rc && ret_id)
		*ret_id = a.id;
	return rc;
}

struct token_touch_arg {
	int64_t id, now;
};

static int token_touch_job(struct sq_conn *c, void *arg)
{
	struct token_touch_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_TOKEN_TOUCH,
		"UPDATE api_tokens SET last_used_at = ? WHERE id = ?");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, a->now);
	sqlite3_bind_int64(st, 2, a->id);
	return sq_exec(st);
}

static int sq_token_auth(struct fp_store *st, const char *token_hash,
			 int64_t now, struct fp_principal *ret)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_TOKEN_AUTH,
		"SELECT t.id, t.user_id, u.name, u.role, t.expires_at, t.revoked,"
		" t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id"
		" WHERE t.token_hash = ?");
	struct fp_principal p = { 0 };
	int64_t last_used = 0;
	int rc = FP_ESTORE;

	if (!q)
		goto out;
	sq_bind_text(q, 1, token_hash);
	rc = sq_step_row(q);
	if (rc == FP_ENOENT)
		rc = FP_EAUTH;
	if (rc)
		goto out_reset;
	if (sqlite3_column_int(q, 5) ||
	    (sqlite3_column_type(q, 4) != SQLITE_NULL &&
	     sqlite3_column_int64(q, 4) <= now)) {
		rc = FP_EAUTH;
		goto out_reset;
	}
	p.token_id = sqlite3_column_int64(q, 0);
	p.user_id = sqlite3_column_int64(q, 1);
	snprintf(p.user, sizeof(p.user), "%s", sq_col_text(q, 2));
	if (fp_role_parse(sq_col_text(q, 3), &p.role))
		p.role = FP_ROLE_VIEWER;
	last_used = sqlite3_column_int64(q, 6);
	*ret = p;
out_reset:
	sqlite3_reset(q);
out:
	sq_reader_put(s, c);
	/* last_used_at is advisory: refreshed at most once a minute, async */
	if (!rc && now - last_used >= 60) {
		struct token_touch_arg *a = fp_malloc(sizeof(*a));
		if (a) {
			a->id = p.token_id;
			a->now = now;
			sq_write_detached(s, token_touch_job, a);
		}
	}
	return rc;
}

static json_t *token_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:I, s:s, s:s, s:b}", "id",
			      (json_int_t)sqlite3_column_int64(q, 0), "user",
			      sq_col_text(q, 1), "name", sq_col_text(q, 2),
			      "revoked", sqlite3_column_int(q, 3));
	if (o) {
		sq_json_time(o, "created_at", q, 4);
		sq_json_time(o, "last_used_at", q, 5);
		sq_json_time(o, "expires_at", q, 6);
	}
	return o;
}

static void bind_user_id(sqlite3_stmt *q, const void *arg)
{
	sqlite3_bind_int64(q, 1, *(const int64_t *)arg);
}

static int sq_token_list(struct fp_store *st, int64_t user_id, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_TOKEN_LIST,
			 "SELECT t.id, u.name, t.name, t.revoked, t.created_at,"
			 " t.last_used_at, t.expires_at FROM api_tokens t"
			 " JOIN users u ON u.id = t.user_id"
			 " WHERE ?1 = 0 OR t.user_id = ?1 ORDER BY t.id",
			 bind_user_id, &user_id, token_row, ret);
}

struct revoke_arg {
	int64_t id, user_id;
};

static int token_revoke_job(struct sq_conn *c, void *arg)
{
	struct revoke_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_TOKEN_REVOKE,
		"UPDATE api_tokens SET revoked = 1 WHERE id = ?1"
		" AND (?2 = 0 OR user_id = ?2)");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_int64(st, 2, a->user_id);
	return sq_exec_changed(st);
}

static int sq_token_revoke(struct fp_store *st, int64_t id, int64_t user_id)
{
	struct revoke_arg a = { id, user_id };
	return sq_write((struct sq_store *)st, token_revoke_job, &a);
}

/* --- enrollment secrets ----------------------------------------------------- */

struct secret_create_arg {
	const char *hash, *group;
	int64_t now, expires_at, id;
};

static int secret_create_job(struct sq_conn *c, void *arg)
{
	struct secret_create_arg *a = arg;
	sqlite3_stmt *st;
	int64_t group_id = 0;
	int rc;

	if (a->group && (rc = sq_group_ensure(c, a->group, a->now, &group_id)))
		return rc;
	st = sq_stmt(c, SQ_SECRET_INSERT,
		     "INSERT INTO enroll_secrets(secret_hash, group_id, created_at,"
		     " expires_at) VALUES(?, ?, ?, ?)");
	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->hash);
	if (group_id)
		sqlite3_bind_int64(st, 2, group_id);
	sqlite3_bind_int64(st, 3, a->now);
	if (a->expires_at)
		sqlite3_bind_int64(st, 4, a->expires_at);
	if ((rc = sq_exec(st)))
		return rc;
	a->id = sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int sq_secret_create(struct fp_store *st, const char *secret_hash,
			    const char *group, int64_t now, int64_t expires_at,
			    int64_t *ret_id)
{
	struct secret_create_arg a = { secret_hash, group, now, expires_at, 0 };
	int rc = sq_write((struct sq_store *)st, secret_create_job, &a);

	if (!rc && ret_id)
		*ret_id = a.id;
	return rc;
}

static json_t *secret_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:I, s:b, s:I}", "id",
			      (json_int_t)sqlite3_column_int64(q, 0), "revoked",
			      sqlite3_column_int(q, 2), "uses",
			      (json_int_t)sqlite3_column_int64(q, 3));
	if (!o)
		return NULL;
	if (sqlite3_column_type(q, 1) == SQLITE_NULL)
		json_object_set_new(o, "group", json_null());
	else
		json_object_set_new(o, "group", json_string(sq_col_text(q, 1)));
	sq_json_time(o, "created_at", q, 4);
	sq_json_time(o, "expires_at", q, 5);
	return o;
}

static int sq_secret_list(struct fp_store *st, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_SECRET_LIST,
			 "SELECT s.id, g.name, s.revoked, s.uses, s.created_at,"
			 " s.expires_at FROM enroll_secrets s"
			 " LEFT JOIN groups g ON g.id = s.group_id ORDER BY s.id",
			 NULL, NULL, secret_row, ret);
}

static int secret_revoke_job(struct sq_conn *c, void *arg)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_SECRET_REVOKE,
		"UPDATE enroll_secrets SET revoked = 1 WHERE id = ?");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, *(int64_t *)arg);
	return sq_exec_changed(st);
}

static int sq_secret_revoke(struct fp_store *st, int64_t id)
{
	return sq_write((struct sq_store *)st, secret_revoke_job, &id);
}

/* --- audit and settings ------------------------------------------------------- */

struct audit_arg {
	const struct fp_audit *a;
	int64_t now;
};

static int audit_job(struct sq_conn *c, void *arg)
{
	struct audit_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_AUDIT_INSERT,
		"INSERT INTO audit(time, user, action, target, detail, remote_addr)"
		" VALUES(?, ?, ?, ?, ?, ?)");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, a->now);
	sq_bind_text(st, 2, a->a->user);
	sq_bind_text(st, 3, a->a->action);
	sq_bind_text(st, 4, a->a->target);
	sq_bind_text(st, 5, a->a->detail);
	sq_bind_text(st, 6, a->a->remote_addr);
	return sq_exec(st);
}

static int sq_audit_add(struct fp_store *st, const struct fp_audit *a,
			int64_t now)
{
	struct audit_arg arg = { a, now };
	return sq_write((struct sq_store *)st, audit_job, &arg);
}

static json_t *audit_row(sqlite3_stmt *q)
{
	json_t *o = json_object();
	static const char *const keys[] = { "user", "action", "target",
		"detail", "remote_addr" };

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(q, 0)));
	sq_json_time(o, "time", q, 1);
	for (int i = 0; i < 5; i++)
		json_object_set_new(o, keys[i],
				    sqlite3_column_type(q, i + 2) == SQLITE_NULL
					    ? json_null()
					    : json_string(sq_col_text(q, i + 2)));
	return o;
}

static void bind_limit(sqlite3_stmt *q, const void *arg)
{
	sqlite3_bind_int64(q, 1, *(const int64_t *)arg);
}

static int sq_audit_list(struct fp_store *st, int64_t limit, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_AUDIT_LIST,
			 "SELECT id, time, user, action, target, detail, remote_addr"
			 " FROM audit ORDER BY id DESC LIMIT ?",
			 bind_limit, &limit, audit_row, ret);
}

static int sq_setting_get(struct fp_store *st, const char *key, char *out,
			  size_t out_size)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_SETTING_GET,
				  "SELECT value FROM settings WHERE key = ?");
	int rc = FP_ESTORE;

	if (q) {
		sq_bind_text(q, 1, key);
		rc = sq_step_row(q);
		if (!rc)
			snprintf(out, out_size, "%s", sq_col_text(q, 0));
		sqlite3_reset(q);
	}
	sq_reader_put(s, c);
	return rc;
}

struct setting_arg {
	const char *key, *value;
};

static int setting_job(struct sq_conn *c, void *arg)
{
	struct setting_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_SETTING_SET,
		"INSERT INTO settings(key, value) VALUES(?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = ?2");

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->key);
	sq_bind_text(st, 2, a->value);
	return sq_exec(st);
}

static int sq_setting_set(struct fp_store *st, const char *key,
			  const char *value)
{
	struct setting_arg a = { key, value };
	return sq_write((struct sq_store *)st, setting_job, &a);
}

const struct fp_store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.user_create = sq_user_create,
	.user_delete = sq_user_delete,
	.user_password = sq_user_password,
	.user_list = sq_user_list,
	.user_get = sq_user_get,
	.token_create = sq_token_create,
	.token_auth = sq_token_auth,
	.token_list = sq_token_list,
	.token_revoke = sq_token_revoke,
	.secret_create = sq_secret_create,
	.secret_list = sq_secret_list,
	.secret_revoke = sq_secret_revoke,
	.enroll = sq_enroll,
	.host_auth = sq_host_auth,
	.checkin = sq_checkin,
	.host_list = sq_host_list,
	.host_get = sq_host_get,
	.host_resolve = sq_host_resolve,
	.host_delete = sq_host_delete,
	.sweep = sq_sweep,
	.updates_list = sq_updates_list,
	.group_create = sq_group_create,
	.group_delete = sq_group_delete,
	.group_list = sq_group_list,
	.group_add_host = sq_group_add_host,
	.group_remove_host = sq_group_remove_host,
	.tag_list = sq_tag_list,
	.host_tag_add = sq_host_tag_add,
	.host_tag_remove = sq_host_tag_remove,
	.audit_add = sq_audit_add,
	.audit_list = sq_audit_list,
	.setting_get = sq_setting_get,
	.setting_set = sq_setting_set,
	.rollout_put = sq_rollout_put,
	.rollout_delete = sq_rollout_delete,
	.rollout_list = sq_rollout_list,
	.deployment_new_id = sq_deployment_new_id,
	.feed_write = sq_feed_write,
	.deployment_list = sq_deployment_list,
	.deployment_hosts = sq_deployment_hosts,
	.jobs_issue = sq_jobs_issue,
	.job_report = sq_job_report,
	.job_list = sq_job_list,
	.hosts_select = sq_hosts_select,
	.hosts_with_package = sq_hosts_with_package,
	.package_version_known = sq_package_version_known,
	.vfeed_put = sq_vfeed_put,
	.vfeed_list = sq_vfeed_list,
	.vfeed_each = sq_vfeed_each,
	.fleet_each = sq_fleet_each,
};
