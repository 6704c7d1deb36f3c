/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_STORE_H
#define FLEETPATCHD_STORE_H

/*
 * Storage behind one interface: a table of function pointers (a vtable)
 * per backend.  store_sqlite.c is the embedded default; a PostgreSQL
 * backend (store_pg.c) implements the same table.  Callers never see SQL.
 *
 * Every function is safe to call from any thread at once.  Writes are
 * durable when they return 0 (the backend commits before returning).
 * Listings come back as jansson values shaped like the API's responses
 * (docs/api.md) so both backends produce the same wire form.
 * Times are Unix seconds (UTC).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "decode.h"
#include "fleetpatch/rollout.h"

enum fp_role { FP_ROLE_VIEWER = 1, FP_ROLE_OPERATOR = 2, FP_ROLE_ADMIN = 3 };

const char *fp_role_name(enum fp_role r);
int fp_role_parse(const char *s, enum fp_role *ret);

/* Who made a request: a user (by API token) or a host (by credential). */
struct fp_principal {
	bool is_host;
	int64_t user_id;      /* users */
	char user[72];
	enum fp_role role;
	int64_t token_id;
	int64_t host_id;      /* hosts */
};

struct fp_store;

struct fp_store_opts {
	const char *data_dir;
	bool create;          /* init: create a new database */
	unsigned readers;     /* read connections (default 8) */
	unsigned batch_max;   /* check-ins per group commit (default 256) */
};

/* Result of an enrollment. */
struct fp_enroll_result {
	int64_t host_id;
	bool re_enrolled;
	/* on FP_ECONFLICT (clone): the host that holds the machine-id */
	int64_t conflict_host_id;
	char conflict_hostname[256];
};

enum fp_checkin_status { FP_CHECKIN_OK = 0, FP_CHECKIN_NEED_FULL = 1 };

struct fp_checkin_result {
	enum fp_checkin_status status;
	char inventory_hash[65]; /* server's hash now ("" when none yet) */
	bool duplicate;          /* seq already applied: nothing done */
};

/* What one sweep deleted. */
struct fp_sweep_result {
	int64_t pkgsets, updsets;
};

struct fp_host_filter {
	const char *group, *os, *search;
	bool stale_only, needs_reboot_only;
	int64_t stale_before; /* last_seen older than this is stale */
	int64_t limit, offset; /* limit 0: all */
};

/* Audit record of an admin write. */
struct fp_audit {
	const char *user, *action, *target, *detail, *remote_addr;
};

/* A job as issued to a host (deployment_jobs). */
struct fp_store_job {
	int64_t job_id, deployment_id, host_id;
	const char *action;   /* "install" or "rollback" */
	const char *envelope; /* the signed job, compact JSON */
	int64_t issued_at, expires_at;
};

/* A host's report of a job (deployment_jobs). */
struct fp_store_report {
	int64_t job_id;
	const char *status;  /* fp_job_status_name */
	const char *result;  /* compact JSON */
	int64_t reported_at;
};

/* A deployment's body (its JSON without hosts) and state. */
struct fp_store_dep_body {
	int64_t id;
	const char *state; /* fp_dep_state_name */
	char *body;
};

/* A host row of a deployment. */
struct fp_store_dep_row {
	int64_t deployment_id;
	struct fp_rollout_host h;
};

/*
 * Rollout writes gathered by the scheduler, written in this order in
 * one transaction: bodies, host rows, jobs issued (a job id issued again
 * replaces its row), job reports (a report of an unknown job is
 * dropped).  Later entries for the same row win.
 */
struct fp_store_batch {
	struct fp_store_dep_body *bodies;
	size_t n_bodies;
	struct fp_store_dep_row *rows;
	size_t n_rows;
	struct fp_store_job *jobs;
	size_t n_jobs;
	struct fp_store_report *reports;
	size_t n_reports;
};

/*
 * Where batches come from.  take() is asked inside the store's write
 * transaction, on the store's own thread, and sets NULL when there is
 * nothing; it must not wait for anything that waits for the store.  On
 * that same thread, done() gets the batch back: with an error as soon as
 * writing it failed (before any later take(), even in the same
 * transaction), else after the commit, with 0 when it is durable or an
 * error when the commit failed (before the next transaction's take()).
 */
struct fp_store_feed {
	int (*take)(void *ctx, struct fp_store_batch **ret);
	void (*done)(void *ctx, struct fp_store_batch *b, int rc);
	void *ctx;
};

/*
 * Vulnerability feeds and the fleet's packages as the matcher needs them
 * (docs/vuln.md).  Callbacks return 0 to go on, an fp_err to stop (the
 * walk then returns it); what they are given lives until they return.
 */
typedef int fp_store_vfeed_fn(void *ctx, const char *name, const char *kind,
			      const void *body, size_t len);
/* A host with a package set, its set id and os-release ID / VERSION_ID
 * ("" when unknown). */
typedef int fp_store_fleet_host_fn(void *ctx, int64_t host_id,
				   const char *hostname, int64_t set_id,
				   const char *os_id, const char *os_version);
/* A native package of a set some host uses, with that host's os-release
 * (a row per distinct set, os and package: never per host).  'source'
 * and 'source_version' are "" when the inventory gave none. */
struct fp_store_fleet_pkg {
	int64_t set_id, package_id;
	const char *os_id, *os_version;
	int eco; /* enum fp_ecosystem */
	const char *name, *version, *source, *source_version;
};
typedef int fp_store_fleet_pkg_fn(void *ctx,
				  const struct fp_store_fleet_pkg *p);

struct fp_store_ops {
	const char *name;
	void (*close)(struct fp_store *st);

	/* users and tokens */
	int (*user_create)(struct fp_store *st, const char *name, enum fp_role role,
			   const char *password_hash, int64_t now, int64_t *ret_id);
	int (*user_delete)(struct fp_store *st, const char *name);
	/* password hash of a user for login (FP_ENOENT when unknown) */
	int (*user_password)(struct fp_store *st, const char *name,
			     int64_t *ret_id, char *ret_hash, size_t hash_size);
	int (*user_list)(struct fp_store *st, json_t **ret);
	int (*user_get)(struct fp_store *st, const char *name, int64_t *ret_id,
			enum fp_role *ret_role);
	int (*token_create)(struct fp_store *st, int64_t user_id, const char *name,
			    const char *token_hash, int64_t now,
			    int64_t expires_at, int64_t *ret_id);
	/* user token -> principal; FP_EAUTH when unknown/revoked/expired */
	int (*token_auth)(struct fp_store *st, const char *token_hash,
			  int64_t now, struct fp_principal *ret);
	/* user_id 0: every user's tokens */
	int (*token_list)(struct fp_store *st, int64_t user_id, json_t **ret);
	/* user_id 0: any token; else only that user's (FP_ENOENT otherwise) */
	int (*token_revoke)(struct fp_store *st, int64_t id, int64_t user_id);

	/* enrollment secrets */
	int (*secret_create)(struct fp_store *st, const char *secret_hash,
			     const char *group, int64_t now, int64_t expires_at,
			     int64_t *ret_id);
	int (*secret_list)(struct fp_store *st, json_t **ret);
	int (*secret_revoke)(struct fp_store *st, int64_t id);

	/* hosts */
	/*
	 * Check the secret, then create or re-enroll the host by machine-id
	 * and set its credential.  FP_EAUTH for a bad secret, FP_ECONFLICT for
	 * a clone (machine-id held by a host seen since 'stale_before' with
	 * another hostname).
	 */
	int (*enroll)(struct fp_store *st, const char *secret_hash,
		      const struct fp_enroll *req, const char *cred_hash,
		      int64_t now, int64_t stale_before,
		      struct fp_enroll_result *ret);
	/* host credential -> principal; FP_EAUTH when unknown */
	int (*host_auth)(struct fp_store *st, const char *cred_hash,
			 struct fp_principal *ret);
	/*
	 * Apply a check-in (sorts req->pkgs).  Durable when it returns 0.
	 * With a feed (may be NULL), what the feed gives is written in the
	 * same transaction, after the check-in and whether or not the
	 * check-in itself succeeded: FP_ESTORE (or the feed's error) in
	 * *ret_feed_rc when it was not written.
	 */
	int (*checkin)(struct fp_store *st, int64_t host_id,
		       struct fp_checkin *req, int64_t now,
		       const struct fp_store_feed *feed,
		       struct fp_checkin_result *ret, int *ret_feed_rc);
	int (*host_list)(struct fp_store *st, const struct fp_host_filter *f,
			 json_t **ret);
	/* by id (when 'ref' is all digits) or hostname */
	int (*host_get)(struct fp_store *st, const char *ref,
			int64_t stale_before, int history_limit, json_t **ret);
	int (*host_resolve)(struct fp_store *st, const char *ref,
			    int64_t *ret_id);
	int (*host_delete)(struct fp_store *st, int64_t id);
	int (*updates_list)(struct fp_store *st, bool security_only,
			    const char *group, json_t **ret);
	/*
	 * Delete package and update sets no host refers to any more, at
	 * most 'max_sets' of each per call: call again while it deleted that
	 * many.  Package rows stay (history refers to them).
	 */
	int (*sweep)(struct fp_store *st, unsigned max_sets,
		     struct fp_sweep_result *ret);

	/* groups and tags */
	int (*group_create)(struct fp_store *st, const char *name, bool dynamic,
			    const char *rule_key, const char *rule_value,
			    int64_t now);
	int (*group_delete)(struct fp_store *st, const char *name);
	int (*group_list)(struct fp_store *st, json_t **ret);
	/* FP_EINVAL when the group is dynamic */
	int (*group_add_host)(struct fp_store *st, const char *group,
			      int64_t host_id);
	int (*group_remove_host)(struct fp_store *st, const char *group,
				 int64_t host_id);
	int (*tag_list)(struct fp_store *st, json_t **ret);
	int (*host_tag_add)(struct fp_store *st, int64_t host_id,
			    const char *tag);
	int (*host_tag_remove)(struct fp_store *st, int64_t host_id,
			       const char *tag);

	/* audit and settings */
	int (*audit_add)(struct fp_store *st, const struct fp_audit *a,
			 int64_t now);
	int (*audit_list)(struct fp_store *st, int64_t limit, json_t **ret);
	/* value into out; FP_ENOENT when unset */
	int (*setting_get)(struct fp_store *st, const char *key, char *out,
			   size_t out_size);
	int (*setting_set)(struct fp_store *st, const char *key,
			   const char *value);

	/*
	 * Rollout (issue 4).  Rings, windows and policies are JSON bodies
	 * by kind ("ring", "window", "policy") and name, validated by
	 * lib/rollout before they get here; put replaces.
	 */
	int (*rollout_put)(struct fp_store *st, const char *kind,
			   const char *name, const char *body);
	/* FP_ENOENT when there is none */
	int (*rollout_delete)(struct fp_store *st, const char *kind,
			      const char *name);
	/* array of the parsed bodies, by name */
	int (*rollout_list)(struct fp_store *st, const char *kind, json_t **ret);
	/* Deployments: a row per deployment (its JSON without hosts) and a
	 * row per host.  new_id reserves an id. */
	int (*deployment_new_id)(struct fp_store *st, int64_t now,
				 int64_t *ret_id);
	/*
	 * Write what a feed gives (struct fp_store_feed), durably: a
	 * transaction of its own, shared with whatever else is queued.
	 */
	int (*feed_write)(struct fp_store *st, const struct fp_store_feed *f);
	/* array of bodies, by id */
	int (*deployment_list)(struct fp_store *st, json_t **ret);
	/* the host rows of one deployment, appended to 'dep' */
	int (*deployment_hosts)(struct fp_store *st, int64_t id,
				struct fp_deployment *dep);
	/*
	 * Jobs issued to hosts, all 'n' in one transaction (a job id issued
	 * again replaces its row); a host's report of one (FP_ENOENT when
	 * the job is unknown): status and the result as compact JSON.
	 */
	int (*jobs_issue)(struct fp_store *st, const struct fp_store_job *jobs,
			  size_t n);
	int (*job_report)(struct fp_store *st, int64_t job_id,
			  const char *status, const char *result, int64_t now);
	/*
	 * The jobs of a deployment by host id then job id (only those not
	 * reported yet when 'unreported_only'): [{"job_id", "host_id",
	 * "action", "envelope" (text; only with 'unreported_only'),
	 * "issued_at", "expires_at" (seconds), "status" and "result" (null
	 * until reported), "reported_at"}].
	 */
	int (*job_list)(struct fp_store *st, int64_t deployment_id,
			bool unreported_only, json_t **ret);
	/* Host ids (ascending) in group 'group', or with tag 'tag', or
	 * every host when both are NULL. */
	int (*hosts_select)(struct fp_store *st, const char *group,
			    const char *tag, json_t **ret);
	/* Host ids with a package of this name installed. */
	int (*hosts_with_package)(struct fp_store *st, const char *name,
				  json_t **ret);
	/* Does any host have this version installed or offered? */
	int (*package_version_known)(struct fp_store *st, const char *name,
				     const char *version, bool *ret);

	/*
	 * Vulnerability feeds.  put stores a parsed-and-checked feed body
	 * under 'name', replacing that name's previous body whole, in one
	 * transaction.  list: [{"name", "kind", "imported_at" (RFC 3339),
	 * "records", "bytes"}] by name.  each walks the bodies, oldest
	 * import first.
	 */
	int (*vfeed_put)(struct fp_store *st, const char *name,
			 const char *kind, const void *body, size_t len,
			 int64_t records, int64_t now);
	int (*vfeed_list)(struct fp_store *st, json_t **ret);
	int (*vfeed_each)(struct fp_store *st, fp_store_vfeed_fn *fn,
			  void *ctx);
	/* The hosts with a package set (by hostname), then the packages of
	 * the sets they use, from one read snapshot. */
	int (*fleet_each)(struct fp_store *st, fp_store_fleet_host_fn *host_fn,
			  fp_store_fleet_pkg_fn *pkg_fn, void *ctx);
};

struct fp_store {
	const struct fp_store_ops *ops;
};

/* Open the SQLite backend under opts->data_dir (fleetpatch.db). */
int fp_store_sqlite_open(const struct fp_store_opts *opts,
			 struct fp_store **ret, char *errbuf, size_t errlen);

static inline void fp_store_close(struct fp_store *st)
{
	if (st)
		st->ops->close(st);
}

#endif
