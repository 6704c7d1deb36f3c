/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_JOB_DOC_H
#define FLEETPATCH_AGENT_JOB_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/err.h"
#include "fleetpatch/sign.h"

/*
 * A signed job document as the agent receives it (at check-in or as a
 * file for `fleetpatch-agent apply`):
 *
 *   {"payload": "<the job as a JSON text>", "signature": "<base64 ed25519>"}
 *
 * The signature covers the exact bytes of "payload", so no canonical JSON
 * form is needed.  The payload:
 *
 *   {"job_id": "d17-h42-1",            [A-Za-z0-9._:-], 1..64 chars
 *    "action": "install" | "rollback",
 *    "created_at": "...Z", "expires_at": "...Z",   (required)
 *    "deadline": "...Z",                            (optional)
 *    "host": "<machine_id>",            optional; must match when given
 *    "packages": [{"name": "openssl", "version": "3.0.15-1~deb12u1"}],
 *                                       version optional (= latest)
 *    "pre_hook": ["/usr/local/bin/check", "arg"],  optional argv
 *    "post_hook": [...],                optional argv
 *    "hook_timeout": 300,               seconds, optional
 *    "rollback_on_failure": true,       optional, default false
 *    "reboot": "never" | "window" | "notify",      default "never"
 *    "reboot_window": {"start": "...Z", "end": "...Z"},   optional
 *    "max_deferrals": 3, "defer_seconds": 3600}    optional
 *
 * Until include/fleetpatch/job.h (lib/rollout) lands, this is the agent's
 * own decoder of that document.  Every field is bounded.
 */
#define AGENT_JOB_MAX_DOC ((size_t)1 << 20)
#define AGENT_JOB_MAX_PACKAGES 1000
#define AGENT_JOB_MAX_HOOK_ARGS 32
#define AGENT_JOB_MAX_ARG 1024
#define AGENT_JOB_MAX_ID 64
#define AGENT_JOB_MAX_NAME 128
#define AGENT_JOB_MAX_VERSION 128

enum agent_job_action { AGENT_JOB_INSTALL = 0, AGENT_JOB_ROLLBACK };
enum agent_reboot_policy {
	AGENT_REBOOT_NEVER = 0,
	AGENT_REBOOT_WINDOW,
	AGENT_REBOOT_NOTIFY,
};

struct agent_job_pkg {
	char *name;
	char *version; /* NULL: the newest the repositories offer */
};

struct agent_job {
	char job_id[AGENT_JOB_MAX_ID + 1];
	enum agent_job_action action;
	time_t created_at, expires_at;
	time_t deadline; /* 0: none */
	char *host;      /* NULL: any */
	struct agent_job_pkg *packages;
	size_t n_packages;
	char **pre_hook;  /* NULL-terminated argv or NULL */
	char **post_hook; /* NULL-terminated argv or NULL */
	unsigned hook_timeout; /* seconds */
	bool rollback_on_failure;
	enum agent_reboot_policy reboot;
	time_t reboot_window_start, reboot_window_end; /* 0: none */
	int max_deferrals;
	unsigned defer_seconds;
};

/*
 * Decode a signed document: check its shape, verify the signature of the
 * payload against 'pk' (FP_ESIG when missing, malformed or not matching),
 * then decode and validate the payload into 'job' (FP_EINVAL with 'diag'
 * naming the field).  Does not check expiry or replay: see agent/jobs.h.
 * With 'pk' NULL the signature is not checked (fuzzing, inspection only).
 * On success free with agent_job_release().
 */
int agent_job_decode(const void *doc, size_t len,
		     const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		     struct agent_job *job, struct fp_diag *diag);

void agent_job_release(struct agent_job *job);

/* "never", "window", "notify". */
const char *agent_reboot_policy_name(enum agent_reboot_policy p);

/*
 * Names and versions as the package managers accept them, checked before
 * they reach an argv: a strict charset, no leading '-', bounded length.
 */
bool agent_pkg_name_is_valid(const char *name);
bool agent_pkg_version_is_valid(const char *version);
bool agent_job_id_is_valid(const char *id);

#endif
