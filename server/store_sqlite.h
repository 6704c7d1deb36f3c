/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_STORE_SQLITE_H
#define FLEETPATCHD_STORE_SQLITE_H

/*
 * Internals shared by store_sqlite*.c.
 *
 * Connections: one writer connection owned by the writer thread, and a
 * pool of reader connections.  SQLite in WAL mode lets readers run while
 * the writer commits.  Every write goes through the writer thread as a
 * job; the writer runs whatever jobs are queued in ONE transaction (each
 * in its own savepoint so a failing job does not undo the others),
 * commits with synchronous=FULL and only then wakes the waiting callers:
 * group commit, so many check-ins share one fsync and an acknowledged
 * write is always durable.
 *
 * Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * and cached in the connection by id.
 */
#include <pthread.h>
#include <sqlite3.h>

#include "store.h"

enum sq_stmt {
	/* users, tokens, secrets, settings, audit */
	SQ_USER_INSERT, SQ_USER_DELETE, SQ_USER_PASSWORD, SQ_USER_LIST,
	SQ_USER_GET, SQ_USER_ADMINS,
	SQ_TOKEN_INSERT, SQ_TOKEN_AUTH, SQ_TOKEN_TOUCH, SQ_TOKEN_LIST,
	SQ_TOKEN_REVOKE,
	SQ_SECRET_INSERT, SQ_SECRET_LIST, SQ_SECRET_REVOKE, SQ_SECRET_FIND,
	SQ_SECRET_USE,
	SQ_SETTING_GET, SQ_SETTING_SET, SQ_AUDIT_INSERT, SQ_AUDIT_LIST,
	/* hosts */
	SQ_HOST_BY_MACHINE, SQ_HOST_INSERT, SQ_HOST_REENROLL, SQ_HOST_AUTH,
	SQ_HOST_IDENT, SQ_HOST_CHECKIN_GET, SQ_HOST_CHECKIN_SET,
	SQ_HOST_SEEN, SQ_HOST_DETAILS_SET, SQ_HOST_STATE_SET, SQ_HOST_LIST,
	SQ_HOST_GET, SQ_HOST_BY_NAME, SQ_HOST_EXISTS, SQ_HOST_DELETE,
	SQ_HOST_PKGS, SQ_HOST_UPDS, SQ_HOST_HISTORY, SQ_HOST_DETAILS_GET,
	SQ_GROUP_BY_NAME, SQ_GROUP_INSERT, SQ_GROUP_DELETE, SQ_GROUP_LIST,
	SQ_GROUP_MEMBER_ADD, SQ_GROUP_MEMBER_DEL,
	SQ_TAG_FIND, SQ_TAG_INSERT, SQ_TAG_LIST, SQ_HOST_TAG_ADD,
	SQ_HOST_TAG_DEL, SQ_TAG_GC,
	/* package and update sets */
	SQ_PKG_FIND, SQ_PKG_INSERT, SQ_PKGSET_FIND, SQ_PKGSET_INSERT,
	SQ_PKGSET_ITEM, SQ_PKGSET_LOAD, SQ_EVENT_INSERT,
	SQ_UPD_FIND, SQ_UPD_INSERT, SQ_UPDSET_FIND, SQ_UPDSET_INSERT,
	SQ_UPDSET_ITEM, SQ_UPDATES_LIST, SQ_SWEEP_PKGSETS, SQ_SWEEP_UPDSETS,
	/* rollout, store_sqlite_rollout.c */
	SQ_RO_PUT, SQ_RO_DEL, SQ_RO_LIST, SQ_DEP_NEW, SQ_DEP_SAVE,
	SQ_DEP_HOST, SQ_DEP_LIST, SQ_DEP_HOSTS, SQ_HOSTS_SELECT,
	SQ_HOSTS_WITH_PKG, SQ_PKG_VERSION_KNOWN, SQ_JOB_ISSUE, SQ_JOB_REPORT,
	SQ_JOB_LIST, SQ_JOB_LIST_OPEN,
	/* vulnerability feeds, store_sqlite_vuln.c */
	SQ_FEED_PUT, SQ_FEED_LIST, SQ_FEED_EACH, SQ_FLEET_HOSTS, SQ_FLEET_PKGS,
	SQ__COUNT
};

struct sq_setcache;

struct sq_conn {
	sqlite3 *db;
	sqlite3_stmt *stmts[SQ__COUNT];
	struct sq_conn *next; /* pool free list */
	struct sq_setcache *sets; /* writer only: package sets by id */
};

struct sq_job {
	int (*fn)(struct sq_conn *c, void *arg);
	void *arg;
	int rc;
	bool done;
	bool detached; /* nobody waits: the writer frees it (and arg) */
	/* on the writer, after the commit or its failure: rc as returned */
	void (*after)(void *arg, int rc);
	pthread_cond_t cv;
	struct sq_job *next;
};

struct sq_store {
	struct fp_store base;
	char path[4096];
	unsigned batch_max;

	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	struct sq_conn *pool;   /* free readers */
	struct sq_conn *all[64];
	unsigned n_all;

	pthread_mutex_t q_mu;
	pthread_cond_t q_cv;
	struct sq_job *q_head, *q_tail;
	bool stopping;
	pthread_t writer;
	bool writer_started;
	struct sq_conn *wconn;
};

/* A cached, reset statement for 'id' with 'sql'; NULL on error. */
sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, const char *sql);

/* Reader connections: take one (blocks while all are busy), give back. */
struct sq_conn *sq_reader(struct sq_store *s);
void sq_reader_put(struct sq_store *s, struct sq_conn *c);

/* Run fn(conn, arg) on the writer; returns fn's result after commit. */
int sq_write(struct sq_store *s, int (*fn)(struct sq_conn *, void *), void *arg);
/*
 * Run 'n' writes in order, each in its own savepoint, in as
 * few transactions as the queue allows; wait for all of them.  Each
 * job's result is in its rc.
 */
void sq_write_jobs(struct sq_store *s, struct sq_job *jobs, size_t n);
/* Queue a write nobody waits for; 'arg' is freed with fp_free after. */
void sq_write_detached(struct sq_store *s,
		       int (*fn)(struct sq_conn *, void *), void *arg);

/* Step a statement expecting no row / one row; map errors to fp_err. */
int sq_exec(sqlite3_stmt *st);       /* SQLITE_DONE -> 0 */
int sq_step_row(sqlite3_stmt *st);   /* row -> 0, none -> FP_ENOENT */
int sq_exec_changed(sqlite3_stmt *st); /* as sq_exec; no row changed -> FP_ENOENT */
int sq_err(int sqlite_rc);

/* Bind helpers: NULL string binds SQL NULL. */
void sq_bind_text(sqlite3_stmt *st, int i, const char *s);
const char *sq_col_text(sqlite3_stmt *st, int i); /* "" for NULL */

/* Set an RFC 3339 string (or null when t == 0 or SQL NULL) in obj. */
void sq_json_time(json_t *obj, const char *key, sqlite3_stmt *st, int col);

/* Run a read query: json array of objects from a row callback. */
typedef json_t *(*sq_row_fn)(sqlite3_stmt *st);
int sq_collect(sqlite3_stmt *st, sq_row_fn fn, json_t **ret);

/* Run one read query on a reader, bound by 'bind' (may be NULL), and
 * collect its rows with 'fn'. */
int sq_read_list(struct sq_store *s, enum sq_stmt id, const char *sql,
		 void (*bind)(sqlite3_stmt *, const void *), const void *arg,
		 sq_row_fn fn, json_t **ret);

/* Host-side ops, store_sqlite_hosts.c */
extern const struct fp_store_ops sq_ops;
int sq_enroll(struct fp_store *st, const char *secret_hash,
	      const struct fp_enroll *req, const char *cred_hash, int64_t now,
	      int64_t stale_before, struct fp_enroll_result *ret);
int sq_host_auth(struct fp_store *st, const char *cred_hash,
		 struct fp_principal *ret);
int sq_checkin(struct fp_store *st, int64_t host_id, struct fp_checkin *req,
	       int64_t now, const struct fp_store_feed *feed,
	       struct fp_checkin_result *ret, int *ret_feed_rc);
int sq_host_list(struct fp_store *st, const struct fp_host_filter *f,
		 json_t **ret);
int sq_host_get(struct fp_store *st, const char *ref, int64_t stale_before,
		int history_limit, json_t **ret);
int sq_host_resolve(struct fp_store *st, const char *ref, int64_t *ret_id);
int sq_sweep(struct fp_store *st, unsigned max_sets,
	     struct fp_sweep_result *ret);
int sq_host_delete(struct fp_store *st, int64_t id);
int sq_updates_list(struct fp_store *st, bool security_only, const char *group,
		    json_t **ret);

/* Vulnerability feeds, store_sqlite_vuln.c */
int sq_vfeed_put(struct fp_store *st, const char *name, const char *kind,
		 const void *body, size_t len, int64_t records, int64_t now);
int sq_vfeed_list(struct fp_store *st, json_t **ret);
int sq_vfeed_each(struct fp_store *st, fp_store_vfeed_fn *fn, void *ctx);
int sq_fleet_each(struct fp_store *st, fp_store_fleet_host_fn *host_fn,
		  fp_store_fleet_pkg_fn *pkg_fn, void *ctx);

/* Is host 'h' in group 'g'?  Static members, or the dynamic rule. */
#define IN_GROUP(h, g)                                                        \
	"((" g ".kind = 'static' AND EXISTS(SELECT 1 FROM group_members m"    \
	" WHERE m.group_id = " g ".id AND m.host_id = " h ".id))"             \
	" OR (" g ".rule_key = 'os' AND " h ".os_id = " g ".rule_value)"      \
	" OR (" g ".rule_key = 'tag' AND EXISTS(SELECT 1 FROM host_tags ht"   \
	" JOIN tags t ON t.id = ht.tag_id WHERE ht.host_id = " h ".id"        \
	" AND t.name = " g ".rule_value))"                                    \
	" OR (" g ".rule_key = 'hostname' AND " h ".hostname GLOB " g ".rule_value))"

/* Rollout ops, store_sqlite_rollout.c */
int sq_rollout_put(struct fp_store *st, const char *kind, const char *name,
		   const char *body);
int sq_rollout_delete(struct fp_store *st, const char *kind, const char *name);
int sq_rollout_list(struct fp_store *st, const char *kind, json_t **ret);
int sq_deployment_new_id(struct fp_store *st, int64_t now, int64_t *ret_id);
int sq_feed_write(struct fp_store *st, const struct fp_store_feed *f);
/* The feed's job for sq_write_jobs; 'a' lives until it returns. */
struct sq_feed_arg {
	const struct fp_store_feed *feed;
	struct fp_store_batch *batch;
};
void sq_feed_job_init(struct sq_job *j, struct sq_feed_arg *a,
		      const struct fp_store_feed *f);
int sq_deployment_list(struct fp_store *st, json_t **ret);
int sq_deployment_hosts(struct fp_store *st, int64_t id,
			struct fp_deployment *dep);
int sq_jobs_issue(struct fp_store *st, const struct fp_store_job *jobs,
		  size_t n);
int sq_job_report(struct fp_store *st, int64_t job_id, const char *status,
		  const char *result, int64_t now);
int sq_job_list(struct fp_store *st, int64_t deployment_id,
		bool unreported_only, json_t **ret);
int sq_hosts_select(struct fp_store *st, const char *group, const char *tag,
		    json_t **ret);
int sq_hosts_with_package(struct fp_store *st, const char *name, json_t **ret);
int sq_package_version_known(struct fp_store *st, const char *name,
			     const char *version, bool *ret);
int sq_group_create(struct fp_store *st, const char *name, bool dynamic,
		    const char *rule_key, const char *rule_value, int64_t now);
int sq_group_delete(struct fp_store *st, const char *name);
int sq_group_list(struct fp_store *st, json_t **ret);
int sq_group_add_host(struct fp_store *st, const char *group, int64_t host_id);
int sq_group_remove_host(struct fp_store *st, const char *group,
			 int64_t host_id);
int sq_tag_list(struct fp_store *st, json_t **ret);
int sq_host_tag_add(struct fp_store *st, int64_t host_id, const char *tag);
int sq_host_tag_remove(struct fp_store *st, int64_t host_id, const char *tag);

/*
 * The writer's cache of package sets (immutable once written, shared by
 * many hosts): a delta or a history diff reads them from memory instead
 * of a thousand rows.  Cleared whenever a job or a commit fails, so it
 * never holds a set a rollback took away.
 */
struct sq_setcache *sq_setcache_new(void);
void sq_setcache_free(struct sq_setcache *sc);
void sq_setcache_clear(struct sq_setcache *sc);

/* Find or create a static group by name inside a write job. */
int sq_group_ensure(struct sq_conn *c, const char *name, int64_t now,
		    int64_t *ret_id);

#endif
