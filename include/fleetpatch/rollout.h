/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ROLLOUT_H
#define FLEETPATCH_ROLLOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/err.h"
#include "fleetpatch/job.h"
#include "fleetpatch/window.h"

/*
 * The deployment state machine: rings, deployments, per-host job states
 * and policies, with no sockets and no database.  The server keeps each
 * active deployment in memory, feeds it events (host results, operator
 * actions) and clock ticks, carries out the actions it returns (queue a
 * job for a host, alert, ...), and stores it as JSON.
 *
 * Functions here change the deployment in place and list what the caller
 * must do in a struct fp_rollout_actions.  They never fail half-way: an
 * event that is not allowed in the current state returns an error and
 * leaves the deployment as it was.
 *
 * Rules (docs/rollout.md explains them with examples):
 * - Rings run in order.  A ring starts running when the previous one is
 *   promoted (the first when the deployment is approved).
 * - A running ring queues jobs for its pending hosts, at most batch_size
 *   in flight (sent, running or deferred) at once, only while its
 *   maintenance window is open, unless the host's deadline has passed.
 * - A host never has two jobs at once: the caller's host_busy() says when
 *   another deployment holds it, and it waits.
 * - eligible = hosts - skipped; share = succeeded / eligible (1 when no
 *   host is eligible).  The ring starts soaking when share >= threshold;
 *   it is promoted when it has soaked for 'soak' seconds.  Stragglers of a
 *   promoted ring keep getting their jobs.
 * - Breach: failures (failed + rolled_back) > max_failures (when >= 0), or
 *   the threshold can no longer be reached ((eligible - failures) /
 *   eligible < threshold).  A breach halts the deployment and alerts;
 *   nothing more is queued until an operator retries or cancels.
 * - The deployment completes when its last ring has been reached and no
 *   host is pending or in flight.
 */

#define FP_ROLLOUT_MAX_RINGS 16
#define FP_ROLLOUT_MAX_HOSTS 2000000
#define FP_ROLLOUT_MAX_CVES 1000
#define FP_ROLLOUT_NAME_MAX 64

/* ---- rings ---- */

struct fp_ring {
	char name[FP_ROLLOUT_NAME_MAX + 1];
	char group[FP_ROLLOUT_NAME_MAX + 1]; /* select hosts by group ... */
	char tag[FP_ROLLOUT_NAME_MAX + 1];   /* ... or by tag ("" = unused) */
	int order;              /* position among rings (lower first) */
	int64_t soak;           /* seconds to soak before promoting */
	int success_threshold;  /* percent of eligible hosts, 0..100 */
	int max_failures;       /* halt past this many; -1 = no limit */
	int batch_size;         /* hosts in flight at once; 0 = all */
	char window[FP_WINDOW_NAME_MAX + 1]; /* "" = any time */
	int64_t deadline_offset; /* seconds after the ring starts; 0 = none */
	enum fp_reboot_policy reboot;
};

/* Defaults: soak 0, threshold 100, max_failures -1, batch 0, reboot never. */
void fp_ring_init(struct fp_ring *r);

/*
 * JSON: {"name": "pilot", "group": "pilot", "tag": "", "order": 2,
 *        "soak": "2d", "success_threshold": 95, "max_failures": 3,
 *        "batch_size": 50, "window": "nightly", "deadline_offset": "14d",
 *        "reboot": "window"}
 * Durations as strings ("2d") or seconds.  Names: [A-Za-z0-9._-], 1-64.
 */
int fp_ring_from_json(const json_t *j, struct fp_diag *diag,
		      struct fp_ring *ret_ring);
json_t *fp_ring_to_json(const struct fp_ring *r);
bool fp_rollout_name_is_valid(const char *s);

/* ---- deployments ---- */

enum fp_selector {
	FP_SEL_SECURITY = 0, /* every pending security update */
	FP_SEL_ALL = 1,      /* every pending update */
	FP_SEL_PACKAGES = 2, /* named packages, optional exact versions */
	FP_SEL_CVES = 3,     /* fixes for named CVEs (resolved by the server) */
};

enum fp_dep_state {
	FP_DEP_PENDING_APPROVAL = 0,
	FP_DEP_APPROVED = 1, /* approved, not ticked yet */
	FP_DEP_RUNNING = 2,
	FP_DEP_PAUSED = 3,
	FP_DEP_HALTED = 4,
	FP_DEP_CANCELLED = 5,
	FP_DEP_COMPLETED = 6,
};

enum fp_ring_state {
	FP_RING_WAITING = 0,
	FP_RING_RUNNING = 1,
	FP_RING_SOAKING = 2,
	FP_RING_PROMOTED = 3, /* the next ring has started */
	FP_RING_DONE = 4,     /* last ring reached its threshold */
};

enum fp_host_state {
	FP_HOST_PENDING = 0,
	FP_HOST_SENT = 1,     /* job queued for / delivered to the host */
	FP_HOST_RUNNING = 2,
	FP_HOST_SUCCEEDED = 3,
	FP_HOST_FAILED = 4,
	FP_HOST_ROLLED_BACK = 5,
	FP_HOST_SKIPPED = 6,  /* nothing to do: package absent */
	FP_HOST_DEFERRED = 7, /* a user deferred the job; it will run */
};

const char *fp_selector_name(enum fp_selector s);
const char *fp_dep_state_name(enum fp_dep_state s);
const char *fp_ring_state_name(enum fp_ring_state s);
const char *fp_host_state_name(enum fp_host_state s);
int fp_host_state_from_name(const char *s, enum fp_host_state *ret_state);

struct fp_rollout_host {
	int64_t host_id;
	int64_t job_id;     /* current job, 0 before the first */
	time_t updated_at;  /* last state change */
	uint16_t ring;      /* index into dep->rings */
	uint8_t state;      /* enum fp_host_state */
	uint8_t attempts;   /* jobs queued so far (retries add one) */
	uint8_t handed_out; /* the current job reached the host (check-in
			     * answer): its job timeout runs from updated_at */
};

struct fp_ring_progress {
	enum fp_ring_state state;
	time_t started_at, soak_started_at, finished_at; /* 0: not yet */
};

/* Counts of one ring's hosts by state (see fp_deployment_counts). */
struct fp_ring_counts {
	size_t total, by_state[8];
};

struct fp_deployment {
	struct fp_arena arena; /* packages, cves, hooks */

	int64_t id;
	char name[128];
	char created_by[FP_ROLLOUT_NAME_MAX + 1]; /* user or "policy:NAME" */
	enum fp_selector selector;
	struct fp_job_package *packages; /* FP_SEL_PACKAGES */
	size_t n_packages;
	const char **cves; /* FP_SEL_CVES: "CVE-2024-1234" */
	size_t n_cves;
	const char **pre_hook, **post_hook; /* argv or NULL */
	size_t n_pre_hook, n_post_hook;
	int allow_deferrals;

	enum fp_dep_state state;
	time_t created_at, approved_at, finished_at;
	time_t deadline; /* absolute, 0 = none; bounds every ring's */
	char reason[256]; /* why halted / cancelled */
	int64_t job_seq;  /* jobs issued; job ids derive from it */

	struct fp_ring rings[FP_ROLLOUT_MAX_RINGS];
	struct fp_ring_progress progress[FP_ROLLOUT_MAX_RINGS];
	size_t n_rings;

	struct fp_rollout_host *hosts; /* sorted by host_id, unique */
	size_t n_hosts, alloc_hosts;
};

void fp_deployment_init(struct fp_deployment *dep);
void fp_deployment_release(struct fp_deployment *dep);

/*
 * Add a host to ring 'ring' (state pending, or skipped when the host
 * lacks the packages).  Hosts may be added in any order;
 * fp_deployment_check sorts them.  FP_EEXIST for a duplicate (found by
 * check), FP_ETOOBIG past FP_ROLLOUT_MAX_HOSTS.
 */
int fp_deployment_add_host(struct fp_deployment *dep, int64_t host_id,
			   size_t ring, bool skipped);

/*
 * Check a new deployment before it is stored, with clear answers for the
 * bad cases: no rings, duplicate ring names, a host in two rings, no
 * eligible host at all ("no host has package X"), a deadline in the past,
 * a ring whose window is unknown, or never opens while the ring has no
 * deadline (its hosts would wait forever).  'windows' are the defined
 * windows by name.  Sorts the hosts.
 */
int fp_deployment_check(struct fp_deployment *dep, time_t now,
			const struct fp_window *windows, size_t n_windows,
			struct fp_diag *diag);

/* Host lookup by id (binary search); NULL when not part of it. */
struct fp_rollout_host *fp_deployment_host(const struct fp_deployment *dep,
					   int64_t host_id);

/* Count hosts per ring by state. 'ret' has dep->n_rings elements. */
void fp_deployment_counts(const struct fp_deployment *dep,
			  struct fp_ring_counts *ret);

/* The job id of the n-th job of a deployment (unique per deployment). */
int64_t fp_rollout_job_id(int64_t deployment_id, int64_t seq);

/* ---- events and actions ---- */

enum fp_rollout_event_kind {
	FP_EV_APPROVE,
	FP_EV_PAUSE,
	FP_EV_RESUME,
	FP_EV_CANCEL,
	FP_EV_RETRY,  /* hosts: the listed ones; none listed = every failed */
	FP_EV_RESULT, /* a host reported on its job */
};

struct fp_rollout_event {
	enum fp_rollout_event_kind kind;
	/* FP_EV_RESULT: */
	int64_t host_id;
	int64_t job_id;
	enum fp_job_status status;
	/* FP_EV_RETRY: */
	const int64_t *hosts;
	size_t n_hosts;
	/* FP_EV_CANCEL, optional: */
	const char *reason;
};

enum fp_rollout_action_kind {
	FP_ACT_DISPATCH, /* queue job 'job_id' for host 'host_id' (ring) */
	FP_ACT_REVOKE,   /* drop the undelivered job 'job_id' of 'host_id' */
	FP_ACT_PROMOTE,  /* ring 'ring' was promoted; ring + 1 starts */
	FP_ACT_HALT,     /* halted: alert operators with dep->reason */
	FP_ACT_COMPLETE, /* the deployment completed */
	FP_ACT_WAIT,     /* ring 'ring' waits for its window ('until') */
	FP_ACT_TIMEOUT,  /* job 'job_id' of 'host_id' was handed out and not
			  * reported within the job timeout: failed */
};

struct fp_rollout_action {
	enum fp_rollout_action_kind kind;
	uint32_t ring;
	int64_t host_id;
	int64_t job_id;
	time_t until; /* FP_ACT_WAIT: when the window opens */
};

struct fp_rollout_actions {
	struct fp_rollout_action *v;
	size_t n, alloc;
};

void fp_rollout_actions_init(struct fp_rollout_actions *a);
void fp_rollout_actions_release(struct fp_rollout_actions *a);
const char *fp_rollout_action_name(enum fp_rollout_action_kind k);

/* What the state machine needs from the world. */
struct fp_rollout_env {
	time_t now;
	const struct fp_window *windows; /* defined windows, by name */
	size_t n_windows;
	/*
	 * True when the host has a job of another deployment in flight;
	 * NULL means never.  The caller marks hosts busy as it carries out
	 * DISPATCH actions, ticking deployments oldest first, so
	 * overlapping deployments reach a host one at a time.
	 */
	bool (*host_busy)(void *ctx, int64_t host_id, int64_t deployment_id);
	void *ctx;
	/*
	 * A job handed out (fp_rollout_handed_out) and not finished within
	 * this many seconds counts as failed ("timed out"): it frees its
	 * batch slot and counts toward the ring's failure threshold.  0: no
	 * timeout.  A job still only queued for a host that has not checked
	 * in (a laptop away) never times out.
	 */
	int64_t job_timeout;
};

/*
 * Apply one event.  FP_ECONFLICT (with the reason in diag) for an event
 * the state forbids: approving a running deployment, resuming a halted
 * one whose breach still holds, anything on a cancelled or completed
 * one.  FP_ENOENT for a result from a host not in it.  A result for an
 * older job of the host (job_id differs) is ignored and returns 0.
 * Results and operator actions may trigger the same work as a tick.
 */
int fp_rollout_apply(struct fp_deployment *dep,
		     const struct fp_rollout_event *ev,
		     const struct fp_rollout_env *env,
		     struct fp_rollout_actions *out, struct fp_diag *diag);

/*
 * The job 'job_id' of 'host_id' reached its host at 'now' (the server put
 * it in a check-in answer): its job timeout starts.  Only for the host's
 * current job in state sent; FP_ENOENT otherwise.
 */
int fp_rollout_handed_out(struct fp_deployment *dep, int64_t host_id,
			  int64_t job_id, time_t now);

/*
 * Time passes: time out jobs, start, queue, soak, promote, halt,
 * complete.  A timed-out job is failed (FP_ACT_TIMEOUT) in running,
 * paused and halted deployments alike; a late final result for it still
 * counts (the host did report after all), a late "running" does not.
 */
int fp_rollout_tick(struct fp_deployment *dep,
		    const struct fp_rollout_env *env,
		    struct fp_rollout_actions *out);

/*
 * When a host's job must be done regardless of windows: the earlier of
 * the deployment deadline and ring start + deadline_offset; 0 if none.
 */
time_t fp_rollout_host_deadline(const struct fp_deployment *dep,
				size_t ring);

/*
 * JSON form (what the server stores and `deploy show --json` prints):
 * {"id", "name", "created_by", "state", "reason", "created_at",
 *  "approved_at", "finished_at", "deadline", "job_seq",
 *  "what": {"selector": "packages", "packages": [{"name","version"}],
 *           "cves": [...]},
 *  "pre_hook": [...], "post_hook": [...], "allow_deferrals": 3,
 *  "rings": [<ring> + {"state", "started_at", "soak_started_at",
 *            "finished_at", "counts": {"pending": N, ...}}],
 *  "hosts": [{"host_id", "ring", "state", "job_id", "attempts",
 *             "updated_at", "handed_out"}]}
 * 'with_hosts' false leaves out "hosts" (listings); from_json then
 * accepts the deployment without hosts.  from_json validates everything
 * a fuzzer could throw at it: limits, ranges, states, ring indexes.
 */
json_t *fp_deployment_to_json(const struct fp_deployment *dep,
			      bool with_hosts);
/*
 * One element of "hosts".  A server that stores hosts as rows writes only
 * the ones an event or an action touched, and the rest of the deployment
 * with with_hosts false.
 */
json_t *fp_rollout_host_to_json(const struct fp_rollout_host *h);
int fp_deployment_from_json(const json_t *j, struct fp_diag *diag,
			    struct fp_deployment *dep);

/* ---- rollback on request ---- */

/*
 * What an operator rollback of a deployment sends one host: each package
 * one of the deployment's install jobs changed on it goes back to the
 * version it had before.  Feed the host's reported install results in
 * job order (retries after failures add jobs); a package keeps the old
 * version of the first job that changed it.  A package a job installed
 * from nothing is not in the plan (a rollback job installs versions, it
 * never removes a package): it is counted in n_new.
 */
struct fp_rollback_plan {
	struct fp_arena arena;
	struct fp_job_package *packages; /* name, version to return to */
	size_t n_packages, alloc;
	size_t n_new; /* installed from nothing: left as they are */
};

void fp_rollback_plan_init(struct fp_rollback_plan *p);
void fp_rollback_plan_release(struct fp_rollback_plan *p);
/*
 * Add what one install result changed.  FP_EINVAL (diag names the
 * package) for a name or version a job could not carry, FP_ETOOBIG past
 * FP_JOB_MAX_PACKAGES; the plan is unchanged then.
 */
int fp_rollback_plan_add(struct fp_rollback_plan *p,
			 const struct fp_job_result *r, struct fp_diag *diag);

/* How a host's rollback stands, for the operator. */
enum fp_rollback_state {
	FP_RB_NONE = 0,
	FP_RB_RUNNING = 1,     /* issued, not reported yet */
	FP_RB_ROLLED_BACK = 2, /* the host is back at the old versions */
	FP_RB_FAILED = 3,      /* it ran and failed (or was refused) */
	FP_RB_IMPOSSIBLE = 4,  /* the agent could not even try: an old
				* version is nowhere, or no package is left */
};

const char *fp_rollback_state_name(enum fp_rollback_state s);
/*
 * A rollback job's reported status and message as a rollback state:
 * succeeded -> rolled_back; failed with the agent's "rollback impossible"
 * reason, or skipped (none of the packages is installed any more) ->
 * impossible; failed, rolled_back, refused -> failed; running, deferred
 * -> running.
 */
enum fp_rollback_state fp_rollback_outcome(enum fp_job_status status,
					   const char *message);

/* ---- policies ---- */

/*
 * A policy creates deployments by itself, e.g. "security updates: test
 * ring at once, pilot after 2 days if at least 95% succeed, production
 * after 5 more days; deadline 14 days; reboot within the window":
 *
 * {"name": "security", "selector": "security", "auto_approve": true,
 *  "every": "1d", "deadline": "14d", "reboot": "window",
 *  "stages": [{"ring": "test", "soak": "2d", "success_threshold": 95},
 *             {"ring": "pilot", "soak": "5d"},
 *             {"ring": "production"}]}
 *
 * A stage may override its ring's soak (time before the next stage),
 * success_threshold, max_failures and batch_size.  'every' is how often
 * the policy looks for new work; 'reboot' (optional) overrides every
 * ring's reboot policy.
 */
struct fp_policy_stage {
	char ring[FP_ROLLOUT_NAME_MAX + 1];
	int64_t soak;          /* -1: ring's own */
	int success_threshold; /* -1: ring's own */
	int max_failures;      /* -2: ring's own */
	int batch_size;        /* -1: ring's own */
};

struct fp_policy {
	char name[FP_ROLLOUT_NAME_MAX + 1];
	enum fp_selector selector; /* security or all */
	bool auto_approve;
	bool enabled;
	int64_t every;    /* seconds between runs, >= 60 */
	int64_t deadline; /* seconds after creation; 0 = none */
	int reboot;       /* enum fp_reboot_policy, -1: ring's own */
	struct fp_policy_stage stages[FP_ROLLOUT_MAX_RINGS];
	size_t n_stages;
};

int fp_policy_from_json(const json_t *j, struct fp_diag *diag,
			struct fp_policy *ret_policy);
json_t *fp_policy_to_json(const struct fp_policy *p);

/* Is a run due at 'now' given the last run (0 = never)? */
bool fp_policy_is_due(const struct fp_policy *p, time_t last_run,
		      time_t now);

/*
 * Start a deployment from a policy: rings copied from 'rings' (the
 * defined rings, by name) with the stage overrides, state approved when
 * the policy auto-approves, else pending_approval.  The caller adds the
 * hosts and runs fp_deployment_check.  FP_ENOENT for a stage naming an
 * unknown ring.
 */
int fp_policy_start(const struct fp_policy *p, const struct fp_ring *rings,
		    size_t n_rings, int64_t id, time_t now,
		    struct fp_diag *diag, struct fp_deployment *dep);

#endif
