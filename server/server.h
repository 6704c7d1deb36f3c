/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_SERVER_H
#define FLEETPATCHD_SERVER_H

/* fleetpatchd internals shared by main, http, router, auth and api_*.c. */
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "decode.h"
#include "fleetpatch/sign.h"
#include "fleetpatch/vuln.h"
#include "log.h"
#include "store.h"

#define FPD_DEFAULT_CONFIG "/etc/fleetpatch/fleetpatchd.conf"
#define FPD_VERSION "0.1.0"

struct fpd_config {
	char listen[300];        /* HOST:PORT */
	char data_dir[4096];
	char tls_cert[4096], tls_key[4096];
	size_t max_body;         /* bytes; larger bodies get 413 */
	unsigned threads;        /* HTTP worker threads */
	unsigned readers;        /* database read connections */
	unsigned batch_max;      /* writes per group commit */
	unsigned max_connections;
	int64_t stale_after;     /* seconds */
	int64_t checkin_interval;/* seconds, told to agents */
	int64_t job_timeout;     /* seconds a handed-out job may take */
	int64_t sweep_interval;  /* seconds between sweeps of unused sets */
	enum fpd_log_level log_level;
	struct fp_decode_limits limits;
};

void fpd_config_defaults(struct fpd_config *cfg);
/* Read an INI file into cfg; on error a message "file:line: ..." in err. */
int fpd_config_load(struct fpd_config *cfg, const char *path, bool must_exist,
		    char *err, size_t errlen);
/* "16M", "512k", "1048576" -> bytes */
int fpd_size_parse(const char *s, size_t *ret);

struct fpd_server {
	struct fpd_config cfg;
	struct fp_store *store;
	struct fp_sign_key key;
	char pubkey_b64[FP_SIGN_PUBLIC_B64];
	/* runtime settings (config, overridden by the settings table) */
	_Atomic int64_t stale_after;
	_Atomic int64_t checkin_interval;
	void *mhd;
	int port; /* bound port */
	struct fpd_sched *sched; /* rollout scheduler (scheduler.h) */
	struct fpd_maint *maint; /* housekeeping thread (maint.c) */
};

/* Housekeeping: sweeps package and update sets no host uses any more,
 * every cfg.sweep_interval seconds. */
int fpd_maint_start(struct fpd_server *srv);
void fpd_maint_stop(struct fpd_server *srv);

/* One API request as the handlers see it. */
struct fpd_req {
	struct fpd_server *srv;
	void *conn;                 /* struct MHD_Connection */
	const char *method;
	char *params[4];            /* {} captures of the route, decoded */
	unsigned n_params;
	const char *body;
	size_t body_len;
	struct fp_principal who;
	char remote[64];
	int64_t now;
	/* response */
	int status;                 /* default 200 */
	json_t *resp;
	struct fp_jerr jerr;        /* error details when a handler fails */
};

typedef int fpd_handler(struct fpd_req *r);

enum fpd_auth { FPD_AUTH_NONE, FPD_AUTH_HOST, FPD_AUTH_USER };

struct fpd_route {
	const char *method;
	const char *pattern; /* "/api/v1/hosts/{}/tags/{}" */
	fpd_handler *fn;
	enum fpd_auth auth;
	enum fp_role role;   /* FPD_AUTH_USER: least role */
};

/* Route lookup: FP_ENOENT no such path, FP_EUNSUPPORTED wrong method. */
int fpd_route_match(const char *method, const char *url,
		    const struct fpd_route **ret, char **params,
		    unsigned *n_params);

/* Authenticate the bearer credential for a route: 0, FP_EAUTH, FP_EPERM. */
int fpd_auth(struct fpd_server *srv, const struct fpd_route *route,
	     const char *authorization, int64_t now, struct fp_principal *ret,
	     struct fp_jerr *jerr);

/* Start/stop the HTTP server. */
int fpd_http_start(struct fpd_server *srv, const char *ready_file);
void fpd_http_stop(struct fpd_server *srv);

/* Helpers for handlers */
const char *fpd_query(struct fpd_req *r, const char *key);
int fpd_fail(struct fpd_req *r, int err, const char *path, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));
/* Copy a decoder error into the request and return err. */
int fpd_decode_failed(struct fpd_req *r, int err, const struct fp_jerr *jerr);
void fpd_audit(struct fpd_req *r, const char *action, const char *target,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int64_t fpd_stale_before(struct fpd_req *r);
/* Parse a decimal id (FP_EINVAL otherwise). */
int fpd_parse_id(const char *s, int64_t *ret);

/* Handlers (one file per resource) */
fpd_handler api_health, api_enroll, api_checkin;
fpd_handler api_hosts_list, api_host_get, api_host_delete;
fpd_handler api_updates_list;
fpd_handler api_secrets_create, api_secrets_list, api_secrets_revoke;
fpd_handler api_groups_list, api_groups_create, api_groups_delete;
fpd_handler api_groups_add_hosts, api_groups_remove_host;
fpd_handler api_tags_list, api_host_tags_add, api_host_tags_remove;
fpd_handler api_users_list, api_users_create, api_users_delete, api_login;
fpd_handler api_tokens_list, api_tokens_create, api_tokens_revoke;
fpd_handler api_audit_list;
fpd_handler api_settings_get, api_settings_put;
/* rollout (issue 4) */
fpd_handler api_rings_list, api_rings_put, api_rings_delete;
fpd_handler api_windows_list, api_windows_put, api_windows_get,
	api_windows_delete;
fpd_handler api_policies_list, api_policies_put, api_policies_delete;
fpd_handler api_deploy_list, api_deploy_create, api_deploy_get,
	api_deploy_action;

/* vulnerability feeds (api_feeds.c, api_vulns.c; docs/vuln.md) */
fpd_handler api_feeds_import, api_feeds_list, api_vulns_list;

/* One parsed feed: advisories, or the KEV catalog, or EPSS scores. */
struct fpd_feed {
	struct fp_vuln_feed *vulns;
	struct fp_kev *kev;
	struct fp_epss *epss;
	size_t records, skipped;
};

/* The kind of a feed body from its first bytes, or NULL. */
const char *fpd_feed_detect(const char *body, size_t len);
bool fpd_feed_kind_is_valid(const char *kind);
/* Parse a body of 'kind' (osv, debian, dsa, kev, epss); 'name' labels
 * the diag.  *ret written only on success. */
int fpd_feed_parse(const char *kind, const char *body, size_t len,
		   const char *name, struct fpd_feed *ret, struct fp_diag *d);
void fpd_feed_release(struct fpd_feed *f);

/* Settings loaded at start from the store over the config. */
int fpd_settings_load(struct fpd_server *srv);

#endif
