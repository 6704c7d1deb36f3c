/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_DEFER_BOX_H
#define FLEETPATCH_AGENT_DEFER_BOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/err.h"

/*
 * Deferral requests from users who are not root (docs/agent.md, "Telling
 * users").  The state directory is root's alone, so a user asks through
 * a drop-box: a directory owned by root with mode 1733 (like /tmp, but
 * nobody can list it), AGENT_DEFAULT_REQUEST_DIR unless --request-dir.
 *
 * The user (agent_defer_box_request) writes "defer JOB_ID\n" to
 * w-RANDOM (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), renames it to r-RANDOM and
 * waits for a-RANDOM, the answer, which the agent creates owned by that
 * user, 0600.  RANDOM is 32 hex digits from the kernel's generator, so
 * no one else can name, pre-create or read another user's files.
 *
 * The agent (agent_defer_box_serve, every second of `fleetpatch-agent
 * run`) identifies the requester by the request file's owner (fstat),
 * never by its content; it opens with O_NOFOLLOW|O_NONBLOCK and takes
 * only regular files with one link, at most AGENT_DEFER_REQUEST_MAX
 * bytes, and only from a user logged in now.  Whoever removes r-RANDOM
 * first wins: the agent before acting, the user when giving up, so a
 * withdrawn request is never applied.  Anything else in the box
 * (symlinks, other names, leftovers older than AGENT_DEFER_STALE_S) is
 * removed, never followed.  Each pass looks at AGENT_DEFER_SCAN_MAX
 * entries and serves AGENT_DEFER_PER_UID requests per user; more are
 * refused ("too many"); a user's entries past AGENT_DEFER_ENTRIES_PER_UID
 * (of any kind) are removed at once.
 */
#define AGENT_DEFAULT_REQUEST_DIR "/run/fleetpatch-agent/defer"
#define AGENT_DEFER_REQUEST_MAX 64
#define AGENT_DEFER_ANSWER_MAX 4096
#define AGENT_DEFER_SCAN_MAX 512
#define AGENT_DEFER_PER_UID 4
#define AGENT_DEFER_STALE_S 600
#define AGENT_DEFER_ENTRIES_PER_UID 16
#define AGENT_DEFER_HEX_LEN 32

/*
 * The two parsers of what users put in the box (agent/defer_request.c):
 * a request's content "defer JOB_ID\n" (exactly; JOB_ID without sign or
 * leading zero, at most 18 digits) -> JOB_ID, 0 when malformed; an entry
 * name "X-<32 lowercase hex>" -> X ('r' request, 'w' being written, 'a'
 * answer, 't' answer being written) with the hex copied, 0 otherwise.
 */
long long agent_defer_request_parse(const char *s, size_t len);
char agent_defer_box_name_kind(const char *name,
			       char ret_hex[AGENT_DEFER_HEX_LEN + 1]);

/* Root: create the box (and its parent, 0755) or check it is ours with
 * mode 1733.  FP_EPERM with 'diag' saying why when it cannot be used. */
int agent_defer_box_prepare(const char *box, struct fp_diag *diag);

/* Root: take and answer the requests waiting in 'box'; how many. */
unsigned agent_defer_box_serve(const char *box, const char *state_dir,
			       time_t now);

/*
 * A user: ask the agent through 'box' to defer 'job_id', waiting at most
 * wait_s seconds for the answer, a JSON object (new reference):
 *   {"job_id", "status": "deferred", "deferred_until", "deferrals_left"}
 *   {"job_id", "status": "refused", "error": "..."}
 * FP_ETIMEDOUT (request withdrawn), FP_ENOENT (no box: the agent is not
 * running) or FP_EPERM (the box is not root's) with 'diag' saying so.
 */
int agent_defer_box_request(const char *box, int64_t job_id, unsigned wait_s,
			    json_t **ret_answer, struct fp_diag *diag);

#endif
