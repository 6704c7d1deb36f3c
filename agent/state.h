/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_STATE_H
#define FLEETPATCH_AGENT_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/*
 * The agent's state directory (default /var/lib/fleetpatch-agent, 0700);
 * docs/agent.md describes every file.  All files are written atomically
 * with mode 0600.
 *
 *   config.json   server URL, host id, CA file, root, check-in interval
 *   credential    the per-host credential issued at enrollment
 *   server.pub    the server's ed25519 public key, pinned at enrollment
 *   seq           the last report sequence number handed out
 *   acked.json    the last inventory the server acknowledged, with its hash
 *   refresh.stamp when the package manager's metadata was last refreshed
 *   spool/        reports not yet acknowledged, one file per report
 */
#define AGENT_DEFAULT_STATE_DIR "/var/lib/fleetpatch-agent"
#define AGENT_DEFAULT_INTERVAL 900      /* 15 minutes */
#define AGENT_DEFAULT_REFRESH 21600     /* 6 hours */
#define AGENT_STATE_MAX_FILE ((size_t)64 << 20)

/* Spool bounds; past either, the oldest report is collapsed (see spool.c). */
#define AGENT_SPOOL_MAX_REPORTS 96
#define AGENT_SPOOL_MAX_BYTES ((size_t)64 << 20)

struct agent_config {
	char server[1024];
	char ca_cert[1024]; /* "" = system CA store */
	char root[1024];    /* "" = "/" */
	long long host_id;
	long long checkin_interval; /* seconds, as the server last said */
};

/* Logging of the agent binary: "fleetpatch-agent: LEVEL: msg" on stderr. */
void agent_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* path = state_dir/rel; exits the program never: FP_ETOOBIG when long. */
int agent_path(char *out, size_t n, const char *state_dir, const char *rel);

/* Create the state dir (0700) and its spool/ subdirectory. */
int agent_state_prepare(const char *state_dir);

/* Read/write a JSON file in the state dir (bounded, atomic 0600). */
int agent_json_load(const char *state_dir, const char *rel, json_t **ret);
int agent_json_load_path(const char *path, json_t **ret);
int agent_json_save(const char *state_dir, const char *rel, const json_t *j);

/* Small text files (credential, server.pub): trimmed of whitespace. */
int agent_text_load(const char *state_dir, const char *rel, char *out,
		    size_t n);
int agent_text_save(const char *state_dir, const char *rel, const char *s);

int agent_config_load(const char *state_dir, struct agent_config *ret);
int agent_config_save(const char *state_dir, const struct agent_config *c);

/* Hand out the next report sequence number (persisted before returning). */
int agent_seq_next(const char *state_dir, unsigned long long *ret_seq);

/*
 * Collect this machine's inventory under 'root' as its wire form, sorted,
 * with the package-set hash.  'refresh' asks the package manager to
 * refresh its metadata first; *ret_refreshed (may be NULL) tells whether
 * that worked (a failed refresh is logged, the query runs on the old
 * metadata).  On failure 'err' says why.
 */
int agent_collect(const char *root, bool refresh, json_t **ret_inv,
		  char ret_hash[65], bool *ret_refreshed, char *err, size_t n);

/* The spool: reports waiting for the server, in sequence order. */
struct agent_spool_entry {
	unsigned long long seq;
	char path[4096];
	size_t size;
};

/* Add a report (atomic, 0600), then keep at most 'max_reports' reports
 * and AGENT_SPOOL_MAX_BYTES bytes. */
int agent_spool_add(const char *state_dir, unsigned long long seq,
		    const json_t *report, size_t max_reports);
/* List the spool in sequence order; caller frees *ret with fp_free. */
int agent_spool_list(const char *state_dir, struct agent_spool_entry **ret,
		     size_t *ret_n);
/* Drop reports until the spool fits 'max_reports' and 'max_bytes'. */
int agent_spool_collapse(const char *state_dir, size_t max_reports,
			 size_t max_bytes);

/* Outcome of delivering the spool. */
enum agent_deliver {
	AGENT_DELIVERED,   /* spool empty now */
	AGENT_UNREACHABLE, /* network/5xx: retry with backoff */
	AGENT_REJECTED,    /* credential refused: re-enroll */
};

/*
 * Deliver every spooled report in order over 'c': each as a full
 * inventory, a delta against acked.json or an unchanged check-in, a
 * need_full answered at once with the full inventory.  Updates
 * *io_interval from the server's answer.
 */
enum agent_deliver agent_spool_deliver(const char *state_dir,
				       struct fp_http_client *c,
				       const char *credential,
				       long long *io_interval,
				       unsigned *ret_delivered);

/*
 * Optional hook around each check-in of agent_spool_deliver (the job
 * loop, agent/run_jobs.c): 'body' may add to the body before it is sent,
 * 'answer' sees the body and the server's "ok" answer after a 200.
 * NULL (the default) turns it off.
 */
struct agent_checkin_hook {
	void (*body)(json_t *body, void *ctx);
	void (*answer)(const json_t *body, const json_t *resp, void *ctx);
	void *ctx;
};
void agent_spool_set_hook(const struct agent_checkin_hook *hook);

/*
 * Build the check-in body for a spooled report: 'acked' (may be NULL) is
 * the last acknowledged state {"hash","inventory"}; 'full' forces the
 * full inventory.  New reference in *ret.
 */
int agent_report_body(const json_t *report, const json_t *acked, bool full,
		      json_t **ret);

#endif
