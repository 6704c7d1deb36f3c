/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_JOB_H
#define FLEETPATCH_JOB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/err.h"
#include "fleetpatch/sign.h"

/*
 * Job documents: what fleetpatchd tells one agent to do, signed with the
 * server's ed25519 key; and the result the agent reports back.
 *
 * Wire form of a signed job (one element of the check-in response's
 * "jobs" array):
 *
 *   {"payload": "<canonical JSON text>", "signature": "<base64 ed25519>"}
 *
 * "payload" is a JSON *string* holding the job as compact JSON with sorted
 * keys.  The signature covers the bytes "fleetpatch-job-v1\n" followed by
 * the payload bytes exactly as sent, so the verifier never re-encodes
 * anything before checking.  The payload object:
 *
 *   {"job_id": 901, "host_id": 17, "deployment_id": 12,
 *    "issued_at": "2026-12-04T20:00:00Z", "expires_at": "2026-12-05T20:00:00Z",
 *    "nonce": "<32 lowercase hex chars: 16 random bytes>",
 *    "action": "install" | "rollback" | "repair",
 *    "packages": [{"name": "openssl", "version": "3.0.15-1~deb12u1"},
 *                 {"name": "curl"}],            (version absent = newest)
 *    "pre_hook": ["/usr/local/sbin/drain", "--quick"],   (optional argv)
 *    "post_hook": ["/usr/local/sbin/health"],            (optional argv)
 *    "reboot": "never" | "window" | "notify",
 *    "deadline": "2026-12-18T20:00:00Z",                 (optional)
 *    "window_start": "2026-12-05T02:00:00Z",             (optional)
 *    "window_end": "2026-12-05T04:00:00Z",               (optional)
 *    "allow_deferrals": 3, "defer_seconds": 3600,        (optional)
 *    "hook_timeout": 300, "rollback_on_failure": true}   (optional)
 *
 * Hooks are argv arrays run without a shell; argv[0] is an absolute path.
 * "window_start"/"window_end" give the ring's maintenance window opening
 * the job belongs to (the current one, or the next one when the job was
 * sent outside a window because its deadline passed): a reboot under
 * policy "window" happens inside it.  Absent when the ring has no window.
 * "defer_seconds" is how long one user deferral postpones the job,
 * "hook_timeout" bounds each hook (0 or absent: the agent's default),
 * "rollback_on_failure" asks for an automatic rollback when the install
 * or the post hook fails.  Unknown payload fields are ignored (they are
 * signed all the same), so the server can add fields without breaking
 * older agents.
 *
 * Limits: payload <= FP_JOB_MAX_BYTES, <= FP_JOB_MAX_PACKAGES packages,
 * names and versions <= 255 bytes from a conservative character set (see
 * fp_job_name_is_valid), hooks <= 64 arguments of <= 4096 bytes each.
 */

#define FP_JOB_MAX_BYTES ((size_t)256 << 10)
#define FP_JOB_MAX_PACKAGES 2000
#define FP_JOB_MAX_HOOK_ARGS 64
#define FP_JOB_NONCE_HEX 33 /* 32 hex chars + NUL */
/* The longest a job may live (expires_at - issued_at): bounds replay stores. */
#define FP_JOB_MAX_LIFETIME ((int64_t)31 * 86400)
/* How long one user deferral postpones a job without "defer_seconds". */
#define FP_JOB_DEFER_DEFAULT ((int64_t)3600)
/* How far issued_at may lie in the agent's future (clock skew). */
#define FP_JOB_MAX_SKEW ((int64_t)3600)

enum fp_job_action {
	FP_JOB_INSTALL = 0,
	FP_JOB_ROLLBACK = 1,
	FP_JOB_REPAIR = 2,
};

/* A ring's reboot policy, also carried in each job. */
enum fp_reboot_policy {
	FP_REBOOT_NEVER = 0,  /* never reboot; report that one is needed */
	FP_REBOOT_WINDOW = 1, /* reboot inside the maintenance window */
	FP_REBOOT_NOTIFY = 2, /* tell logged-in users, reboot at the deadline */
};

const char *fp_job_action_name(enum fp_job_action a);
int fp_job_action_from_name(const char *s, enum fp_job_action *ret_action);
const char *fp_reboot_policy_name(enum fp_reboot_policy p);
int fp_reboot_policy_from_name(const char *s, enum fp_reboot_policy *ret_policy);

struct fp_job_package {
	const char *name;
	const char *version; /* NULL: the newest the repositories offer */
};

/*
 * A job.  Strings are const: a decoded job keeps them in 'arena'; a job
 * the server builds to sign may point at its own strings (then the arena
 * stays empty).  Times are UTC seconds; 0 means absent for the optional
 * 'deadline' and 'window_end'.
 */
struct fp_job {
	struct fp_arena arena;

	int64_t job_id;
	int64_t host_id;
	int64_t deployment_id;
	time_t issued_at;
	time_t expires_at;
	char nonce[FP_JOB_NONCE_HEX];
	enum fp_job_action action;
	struct fp_job_package *packages;
	size_t n_packages;
	const char **pre_hook; /* argv, NULL when none */
	size_t n_pre_hook;
	const char **post_hook;
	size_t n_post_hook;
	enum fp_reboot_policy reboot;
	time_t deadline;   /* 0: none */
	time_t window_end; /* 0: none */
	int allow_deferrals; /* 0..100 */
	/* Added after the first version; optional on the wire. */
	time_t window_start;      /* 0: none */
	int64_t defer_seconds;    /* 0: agent default; <= 7 days */
	int64_t hook_timeout;     /* 0: agent default; <= 1 day */
	bool rollback_on_failure;
};

/* Zero a job and set up its arena.  fp_job_release frees what it holds. */
void fp_job_init(struct fp_job *job);
void fp_job_release(struct fp_job *job);

/* Fill job->nonce with 16 fresh random bytes in hex. */
int fp_job_new_nonce(struct fp_job *job);

/*
 * Package names: 1-255 bytes of [A-Za-z0-9._+:@~-], starting with an
 * alphanumeric (covers deb, rpm, pacman and "name:arch").  Versions:
 * 1-255 bytes of [A-Za-z0-9._+:~^-].  Neither can start an option.
 */
bool fp_job_name_is_valid(const char *s);
bool fp_job_version_is_valid(const char *s);

/*
 * Check a job's fields (ids positive, times ordered and lifetime within
 * FP_JOB_MAX_LIFETIME, nonce 32 hex chars, names and versions valid,
 * install has at least one package, hooks absolute).  FP_EINVAL with the
 * field in 'diag'.
 */
int fp_job_validate(const struct fp_job *job, struct fp_diag *diag);

/* The payload as a JSON object (unsigned); NULL when out of memory. */
json_t *fp_job_to_json(const struct fp_job *job);

/*
 * Decode a payload object into 'job' (fp_job_init'ed; its arena takes the
 * strings) and validate it.  FP_EINVAL/FP_ETOOBIG with the JSON path in
 * diag->file-less message, e.g. "packages[2].name: invalid".
 */
int fp_job_from_json(const json_t *j, struct fp_job *job,
		     struct fp_diag *diag);

/*
 * Sign: validate the job, encode the canonical payload, and return the
 * envelope {"payload", "signature"} (the caller json_decref()s it).
 */
int fp_job_sign(const struct fp_job *job, const struct fp_sign_key *key,
		struct fp_diag *diag, json_t **ret_envelope);

/*
 * Replay protection: the nonces of jobs already accepted, each kept until
 * its job expires (an expired job is refused anyway, so the store stays
 * bounded by FP_JOB_SEEN_MAX).  The agent keeps one store, persisted in
 * its state directory with fp_job_seen_to_json / fp_job_seen_from_json,
 * and saves it after each accepted job before acting on the job.
 */
#define FP_JOB_SEEN_MAX 4096

struct fp_job_seen_entry {
	char nonce[FP_JOB_NONCE_HEX];
	int64_t job_id;
	time_t expires_at;
};

struct fp_job_seen {
	struct fp_job_seen_entry *v;
	size_t n, alloc;
};

void fp_job_seen_init(struct fp_job_seen *s);
void fp_job_seen_release(struct fp_job_seen *s);
/* Drop entries whose job expired before 'now'. */
void fp_job_seen_prune(struct fp_job_seen *s, time_t now);
bool fp_job_seen_contains(const struct fp_job_seen *s, const char *nonce,
			  int64_t job_id);
/* Record an accepted job. FP_ETOOBIG when full of unexpired entries. */
int fp_job_seen_add(struct fp_job_seen *s, const struct fp_job *job);
/* {"seen": [{"nonce", "job_id", "expires_at"}]} */
json_t *fp_job_seen_to_json(const struct fp_job_seen *s);
int fp_job_seen_from_json(const json_t *j, struct fp_job_seen *s,
			  struct fp_diag *diag);

/*
 * Verify a signed envelope as the agent receives it and decode the job:
 *  - FP_ESIG     no envelope fields, no signature, or it does not verify
 *                against 'pk' (unsigned or tampered)
 *  - FP_EINVAL   the signed payload is not a valid job
 *  - FP_EPERM    the job is for another host than 'host_id'
 *  - FP_ETIMEDOUT the job expired (now >= expires_at) or was issued
 *                more than FP_JOB_MAX_SKEW in the future
 *  - FP_ECONFLICT replayed: its nonce or job id was seen before
 * 'seen' may be NULL (no replay check, e.g. for display); otherwise the
 * job is recorded in it on success (pruning expired entries first).
 * 'job' must be fp_job_init'ed; on failure it is left empty.  diag says
 * what failed in words.
 */
int fp_job_verify(const json_t *envelope, const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		  int64_t host_id, time_t now, struct fp_job_seen *seen,
		  struct fp_diag *diag, struct fp_job *job);

/* The same from envelope text (bounded by FP_JOB_MAX_BYTES + slack). */
int fp_job_verify_text(const char *text, size_t len,
		       const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		       int64_t host_id, time_t now, struct fp_job_seen *seen,
		       struct fp_diag *diag, struct fp_job *job);

/*
 * Results: one element of the check-in body's "job_results" array.
 *
 *   {"job_id": 901, "status": "succeeded",
 *    "started_at": "...Z", "finished_at": "...Z",
 *    "message": "2 packages upgraded",            (optional, <= 4096)
 *    "reboot_required": false, "deferrals_used": 0,
 *    "packages": [{"name": "openssl", "old_version": "3.0.14-1~deb12u2",
 *                  "new_version": "3.0.15-1~deb12u1",
 *                  "result": "upgraded", "log_tail": "..."}]}
 *
 * status: running (accepted, working), succeeded, failed, rolled_back,
 * skipped (none of the packages is installed on the host: nothing to do),
 * deferred (a user deferred it; it will run later), refused (did not
 * verify: bad signature, expired, replayed, wrong host).
 * package result: upgraded, installed, downgraded, unchanged, absent,
 * failed, removed.  log_tail <= FP_JOB_LOG_TAIL bytes.
 */
#define FP_JOB_LOG_TAIL 4096

enum fp_job_status {
	FP_JOB_RUNNING = 0,
	FP_JOB_SUCCEEDED = 1,
	FP_JOB_FAILED = 2,
	FP_JOB_ROLLED_BACK = 3,
	FP_JOB_SKIPPED = 4,
	FP_JOB_DEFERRED = 5,
	FP_JOB_REFUSED = 6,
};

const char *fp_job_status_name(enum fp_job_status s);
int fp_job_status_from_name(const char *s, enum fp_job_status *ret_status);

struct fp_job_pkg_result {
	const char *name;
	const char *old_version; /* NULL: was not installed */
	const char *new_version; /* NULL: not installed afterwards */
	const char *result;      /* see above */
	const char *log_tail;    /* may be NULL */
};

struct fp_job_result {
	struct fp_arena arena;
	int64_t job_id;
	enum fp_job_status status;
	time_t started_at, finished_at; /* 0: unknown */
	const char *message;            /* may be NULL */
	bool reboot_required;
	int deferrals_used;
	struct fp_job_pkg_result *packages;
	size_t n_packages;
};

void fp_job_result_init(struct fp_job_result *r);
void fp_job_result_release(struct fp_job_result *r);
json_t *fp_job_result_to_json(const struct fp_job_result *r);
int fp_job_result_from_json(const json_t *j, struct fp_job_result *r,
			    struct fp_diag *diag);

#endif
