/* SPDX-License-Identifier: MIT */
/* The deployment state machine (include/fleetpatch/rollout.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/rollout.h"
#include "fleetpatch/util.h"
#include "rjson.h"
#include "rollout_int.h"

const char *const fp__selector_names[4] = { "security", "all", "packages",
					      "cves" };
const char *const fp__dep_state_names[7] = { "pending_approval", "approved",
					       "running", "paused", "halted",
					       "cancelled", "completed" };
const char *const fp__ring_state_names[5] = { "waiting", "running",
						"soaking", "promoted",
						"done" };
const char *const fp__host_state_names[8] = { "pending", "sent", "running",
						"succeeded", "failed",
						"rolled_back", "skipped",
						"deferred" };
static const char *const action_names[] = { "dispatch", "revoke", "promote",
					    "halt", "complete", "wait",
					    "timeout" };

#define NAME_OF(tab, v) \
	((unsigned)(v) < FP_ARRAY_SIZE(tab) ? (tab)[v] : "unknown")

const char *fp_selector_name(enum fp_selector s)
{
	return NAME_OF(fp__selector_names, s);
}

const char *fp_dep_state_name(enum fp_dep_state s)
{
	return NAME_OF(fp__dep_state_names, s);
}

const char *fp_ring_state_name(enum fp_ring_state s)
{
	return NAME_OF(fp__ring_state_names, s);
}

const char *fp_host_state_name(enum fp_host_state s)
{
	return NAME_OF(fp__host_state_names, s);
}

const char *fp_rollout_action_name(enum fp_rollout_action_kind k)
{
	return NAME_OF(action_names, k);
}

int fp_host_state_from_name(const char *s, enum fp_host_state *ret_state)
{
	for (size_t i = 0; s && i < FP_ARRAY_SIZE(fp__host_state_names); i++) {
		if (strcmp(s, fp__host_state_names[i]) == 0) {
			*ret_state = (enum fp_host_state)i;
			return 0;
		}
	}
	return FP_EINVAL;
}

bool fp_rollout_name_is_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > FP_ROLLOUT_NAME_MAX || s[0] == '-' || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

/* ---- rings ---- */

void fp_ring_init(struct fp_ring *r)
{
	memset(r, 0, sizeof(*r));
	r->success_threshold = 100;
	r->max_failures = -1;
}

static int copy_name(const json_t *j, const char *key, const char *path,
		     bool required, bool empty_ok, char *out, size_t size,
		     struct fp_diag *d)
{
	const char *s = NULL;
	int rc = fp__rj_str(j, key, path, required, size - 1, NULL, d, &s);

	if (rc || !s)
		return rc;
	if (!(empty_ok && !*s) && !fp_rollout_name_is_valid(s))
		return fp__rj_fail(d, FP_EINVAL, path, key,
				   "invalid name (1-64 of A-Z a-z 0-9 . _ -)");
	snprintf(out, size, "%s", s);
	return 0;
}

static int ring_fields(const json_t *j, const char *path, struct fp_diag *d,
		       struct fp_ring *r)
{
	static const char *const keys[] = {
		"name", "group", "tag", "order", "soak", "success_threshold",
		"max_failures", "batch_size", "window", "deadline_offset",
		"reboot", "hosts", NULL
	};
	int64_t order = r->order, thr = r->success_threshold,
		maxf = r->max_failures, batch = r->batch_size;
	int reboot = (int)r->reboot;
	int rc;

	if ((rc = fp__rj_object(j, path, d)) ||
	    (rc = fp__rj_only(j, path, keys, d)) ||
	    (rc = copy_name(j, "name", path, true, false, r->name,
			    sizeof(r->name), d)) ||
	    (rc = copy_name(j, "group", path, false, true, r->group,
			    sizeof(r->group), d)) ||
	    (rc = copy_name(j, "tag", path, false, true, r->tag,
			    sizeof(r->tag), d)) ||
	    (rc = copy_name(j, "window", path, false, true, r->window,
			    sizeof(r->window), d)) ||
	    (rc = fp__rj_int(j, "order", path, false, 0, 1000, d, &order)) ||
	    (rc = fp__rj_duration(j, "soak", path, false, 366 * 86400LL, d,
				  &r->soak)) ||
	    (rc = fp__rj_int(j, "success_threshold", path, false, 0, 100, d,
			     &thr)) ||
	    (rc = fp__rj_int(j, "max_failures", path, false, -1, 1000000, d,
			     &maxf)) ||
	    (rc = fp__rj_int(j, "batch_size", path, false, 0, 1000000, d,
			     &batch)) ||
	    (rc = fp__rj_duration(j, "deadline_offset", path, false,
				  366 * 86400LL, d, &r->deadline_offset)) ||
	    (rc = fp__rj_enum(j, "reboot", path, false,
			      (const char *const[]){ "never", "window",
						     "notify" },
			      3, d, &reboot)))
		return rc;
	if (r->group[0] && r->tag[0])
		return fp__rj_fail(d, FP_EINVAL, path, "tag",
				   "give a group or a tag, not both");
	r->order = (int)order;
	r->success_threshold = (int)thr;
	r->max_failures = (int)maxf;
	r->batch_size = (int)batch;
	r->reboot = (enum fp_reboot_policy)reboot;
	return 0;
}

int fp_ring_from_json(const json_t *j, struct fp_diag *d,
		      struct fp_ring *ret_ring)
{
	struct fp_ring r;
	int rc;

	fp_ring_init(&r);
	rc = ring_fields(j, "", d, &r);
	if (!rc)
		*ret_ring = r;
	return rc;
}

static int ring_fill_json(json_t *o, const struct fp_ring *r)
{
	char soak[32], dl[32];
	int bad = 0;

	fp__rj_duration_text(r->soak, soak);
	fp__rj_duration_text(r->deadline_offset, dl);
	bad |= json_object_set_new(o, "name", json_string(r->name));
	bad |= json_object_set_new(o, "group", json_string(r->group));
	bad |= json_object_set_new(o, "tag", json_string(r->tag));
	bad |= json_object_set_new(o, "order", json_integer(r->order));
	bad |= json_object_set_new(o, "soak", json_string(soak));
	bad |= json_object_set_new(o, "success_threshold",
				   json_integer(r->success_threshold));
	bad |= json_object_set_new(o, "max_failures",
				   json_integer(r->max_failures));
	bad |= json_object_set_new(o, "batch_size",
				   json_integer(r->batch_size));
	bad |= json_object_set_new(o, "window", json_string(r->window));
	bad |= json_object_set_new(o, "deadline_offset", json_string(dl));
	bad |= json_object_set_new(o, "reboot",
				   json_string(fp_reboot_policy_name(r->reboot)));
	return bad ? FP_ENOMEM : 0;
}

json_t *fp_ring_to_json(const struct fp_ring *r)
{
	json_t *o = json_object();

	if (o && ring_fill_json(o, r)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- deployments ---- */

void fp_deployment_init(struct fp_deployment *dep)
{
	memset(dep, 0, sizeof(*dep));
	fp_arena_init(&dep->arena, 4096, (size_t)16 << 20);
	for (size_t i = 0; i < FP_ROLLOUT_MAX_RINGS; i++)
		fp_ring_init(&dep->rings[i]);
}

void fp_deployment_release(struct fp_deployment *dep)
{
	if (!dep)
		return;
	fp_arena_release(&dep->arena);
	fp_free(dep->hosts);
	fp_deployment_init(dep);
}

int fp_deployment_add_host(struct fp_deployment *dep, int64_t host_id,
			   size_t ring, bool skipped)
{
	struct fp_rollout_host *h;

	if (host_id <= 0 || ring >= dep->n_rings)
		return FP_EINVAL;
	if (dep->n_hosts >= FP_ROLLOUT_MAX_HOSTS)
		return FP_ETOOBIG;
	if (dep->n_hosts == dep->alloc_hosts) {
		size_t na = dep->alloc_hosts ? dep->alloc_hosts * 2 : 64;
		void *nv = fp_reallocarray(dep->hosts, na, sizeof(*dep->hosts));
		if (!nv)
			return FP_ENOMEM;
		dep->hosts = nv;
		dep->alloc_hosts = na;
	}
	h = &dep->hosts[dep->n_hosts++];
	memset(h, 0, sizeof(*h));
	h->host_id = host_id;
	h->ring = (uint16_t)ring;
	h->state = skipped ? FP_HOST_SKIPPED : FP_HOST_PENDING;
	return 0;
}

static int host_cmp(const void *a, const void *b)
{
	const struct fp_rollout_host *x = a, *y = b;
	return (x->host_id > y->host_id) - (x->host_id < y->host_id);
}

/* Sort by host id; the first duplicate's id in *ret_dup. */
int fp__rollout_sort_hosts(struct fp_deployment *dep, int64_t *ret_dup)
{
	if (dep->n_hosts > 1)
		qsort(dep->hosts, dep->n_hosts, sizeof(*dep->hosts), host_cmp);
	for (size_t i = 1; i < dep->n_hosts; i++) {
		if (dep->hosts[i].host_id == dep->hosts[i - 1].host_id) {
			*ret_dup = dep->hosts[i].host_id;
			return FP_EEXIST;
		}
	}
	return 0;
}

struct fp_rollout_host *fp_deployment_host(const struct fp_deployment *dep,
					   int64_t host_id)
{
	size_t lo = 0, hi = dep->n_hosts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (dep->hosts[mid].host_id < host_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < dep->n_hosts && dep->hosts[lo].host_id == host_id
		       ? &dep->hosts[lo]
		       : NULL;
}

void fp_deployment_counts(const struct fp_deployment *dep,
			  struct fp_ring_counts *ret)
{
	memset(ret, 0, dep->n_rings * sizeof(*ret));
	for (size_t i = 0; i < dep->n_hosts; i++) {
		const struct fp_rollout_host *h = &dep->hosts[i];
		ret[h->ring].total++;
		ret[h->ring].by_state[h->state & 7]++;
	}
}

int64_t fp_rollout_job_id(int64_t deployment_id, int64_t seq)
{
	return (deployment_id << 32) | (seq & 0xffffffffLL);
}

static const struct fp_window *find_window(const struct fp_rollout_env *env,
					   const char *name)
{
	for (size_t i = 0; env && i < env->n_windows; i++)
		if (strcmp(env->windows[i].name, name) == 0)
			return &env->windows[i];
	return NULL;
}

int fp_deployment_check(struct fp_deployment *dep, time_t now,
			const struct fp_window *windows, size_t n_windows,
			struct fp_diag *d)
{
	struct fp_rollout_env env = { .now = now, .windows = windows,
				      .n_windows = n_windows };
	struct fp_ring_counts counts[FP_ROLLOUT_MAX_RINGS];
	size_t eligible = 0;
	int64_t dup;

	if (dep->n_rings == 0)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "rings: a deployment needs at least one ring");
	for (size_t i = 0; i < dep->n_rings; i++) {
		const struct fp_ring *r = &dep->rings[i];
		const struct fp_window *w;
		for (size_t k = 0; k < i; k++)
			if (strcmp(dep->rings[k].name, r->name) == 0)
				return fp_diag_set(d, FP_EINVAL, 0, 0,
						   "rings: ring \"%s\" listed twice",
						   r->name);
		if (!r->window[0])
			continue;
		w = find_window(&env, r->window);
		if (!w)
			return fp_diag_set(d, FP_ENOENT, 0, 0,
					   "ring \"%s\": unknown window \"%s\"",
					   r->name, r->window);
		if (fp_window_never_opens(w) && !r->deadline_offset &&
		    !dep->deadline)
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "ring \"%s\": window \"%s\" never opens and there is no deadline: its hosts would wait forever",
					   r->name, r->window);
	}
	if (dep->deadline && dep->deadline <= now)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "deadline: the deadline is in the past");
	if (dep->selector == FP_SEL_PACKAGES && dep->n_packages == 0)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "what.packages: name at least one package");
	if (dep->selector == FP_SEL_CVES && dep->n_cves == 0)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "what.cves: name at least one CVE");
	if (fp__rollout_sort_hosts(dep, &dup))
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "hosts: host %lld is in two rings (or listed twice)",
				   (long long)dup);
	fp_deployment_counts(dep, counts);
	for (size_t i = 0; i < dep->n_rings; i++)
		eligible += counts[i].total - counts[i].by_state[FP_HOST_SKIPPED];
	if (eligible == 0) {
		if (dep->selector == FP_SEL_PACKAGES)
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "no host in the rings has package \"%s\"%s",
					   dep->packages[0].name,
					   dep->n_packages > 1 ? " (or any other named)" : "");
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "no host in the rings needs this deployment");
	}
	return 0;
}

time_t fp_rollout_host_deadline(const struct fp_deployment *dep, size_t ring)
{
	time_t dl = dep->deadline;
	const struct fp_ring_progress *p = &dep->progress[ring];

	if (dep->rings[ring].deadline_offset && p->started_at) {
		time_t rd = p->started_at + dep->rings[ring].deadline_offset;
		if (!dl || rd < dl)
			dl = rd;
	}
	return dl;
}

/* ---- actions ---- */

void fp_rollout_actions_init(struct fp_rollout_actions *a)
{
	memset(a, 0, sizeof(*a));
}

void fp_rollout_actions_release(struct fp_rollout_actions *a)
{
	if (!a)
		return;
	fp_free(a->v);
	fp_rollout_actions_init(a);
}

/* Room for 'n' more actions, reserved before any state changes. */
static int reserve(struct fp_rollout_actions *a, size_t n)
{
	size_t na;
	void *nv;

	if (!a || a->n + n <= a->alloc)
		return 0;
	na = a->alloc ? a->alloc : 16;
	while (na < a->n + n)
		na *= 2;
	nv = fp_reallocarray(a->v, na, sizeof(*a->v));
	if (!nv)
		return FP_ENOMEM;
	a->v = nv;
	a->alloc = na;
	return 0;
}

static void emit(struct fp_rollout_actions *a, enum fp_rollout_action_kind k,
		 size_t ring, int64_t host_id, int64_t job_id, time_t until)
{
	if (!a || a->n >= a->alloc)
		return; /* reserved beforehand; never reached */
	a->v[a->n++] = (struct fp_rollout_action){ k, (uint32_t)ring, host_id,
						   job_id, until };
}

/* ---- the machine ---- */

static bool in_flight(unsigned s)
{
	return s == FP_HOST_SENT || s == FP_HOST_RUNNING ||
	       s == FP_HOST_DEFERRED;
}

static size_t failures(const struct fp_ring_counts *c)
{
	return c->by_state[FP_HOST_FAILED] + c->by_state[FP_HOST_ROLLED_BACK];
}

/* The share test in integers: part / whole >= pct / 100. */
static bool share_at_least(size_t part, size_t whole, int pct)
{
	if (whole == 0)
		return true;
	return (uint64_t)part * 100 >= (uint64_t)whole * (uint64_t)pct;
}

/* A breach in ring i?  Fills 'why' for the halt message. */
static bool breached(const struct fp_deployment *dep, size_t i,
		     const struct fp_ring_counts *c, char *why, size_t n)
{
	const struct fp_ring *r = &dep->rings[i];
	size_t eligible = c->total - c->by_state[FP_HOST_SKIPPED];
	size_t f = failures(c);

	if (r->max_failures >= 0 && f > (size_t)r->max_failures) {
		snprintf(why, n, "ring \"%s\": %zu hosts failed, more than max_failures %d",
			 r->name, f, r->max_failures);
		return true;
	}
	if (!share_at_least(eligible - f, eligible, r->success_threshold)) {
		snprintf(why, n, "ring \"%s\": %zu of %zu hosts failed, the success threshold of %d%% can no longer be reached",
			 r->name, f, eligible, r->success_threshold);
		return true;
	}
	return false;
}

static bool ring_active(const struct fp_deployment *dep, size_t i)
{
	enum fp_ring_state s = dep->progress[i].state;
	return s == FP_RING_RUNNING || s == FP_RING_SOAKING;
}

static int first_breach(const struct fp_deployment *dep,
			const struct fp_ring_counts *c, char *why, size_t n)
{
	for (size_t i = 0; i < dep->n_rings; i++)
		if (dep->progress[i].state != FP_RING_WAITING &&
		    breached(dep, i, &c[i], why, n))
			return (int)i;
	return -1;
}

static void start_ring(struct fp_deployment *dep, size_t i, time_t now)
{
	dep->progress[i].state = FP_RING_RUNNING;
	dep->progress[i].started_at = now;
}

/* Queue jobs for pending hosts of ring i, within batch, window, busy. */
static void dispatch_ring(struct fp_deployment *dep, size_t i,
			  const struct fp_rollout_env *env,
			  const struct fp_ring_counts *c,
			  struct fp_rollout_actions *out)
{
	const struct fp_ring *r = &dep->rings[i];
	size_t inflight = c->by_state[FP_HOST_SENT] +
			  c->by_state[FP_HOST_RUNNING] +
			  c->by_state[FP_HOST_DEFERRED];
	size_t slots = c->by_state[FP_HOST_PENDING];
	time_t deadline = fp_rollout_host_deadline(dep, i);
	const struct fp_window *w;

	if (r->batch_size > 0)
		slots = inflight >= (size_t)r->batch_size
				? 0
				: (size_t)r->batch_size - inflight;
	if (slots == 0 || c->by_state[FP_HOST_PENDING] == 0)
		return;
	w = r->window[0] ? find_window(env, r->window) : NULL;
	if (r->window[0] && !(deadline && env->now >= deadline)) {
		int64_t open = 0, close;
		/* An unknown window keeps the hosts waiting (safe side). */
		if (!w || !fp_window_contains(w, env->now)) {
			if (w && fp_window_next(w, env->now, &open, &close))
				open = 0;
			if (deadline && (!open || open > deadline))
				open = deadline;
			emit(out, FP_ACT_WAIT, i, 0, 0, (time_t)open);
			return;
		}
	}
	for (size_t k = 0; k < dep->n_hosts && slots; k++) {
		struct fp_rollout_host *h = &dep->hosts[k];
		if (h->ring != i || h->state != FP_HOST_PENDING)
			continue;
		if (env->host_busy &&
		    env->host_busy(env->ctx, h->host_id, dep->id))
			continue;
		dep->job_seq++;
		h->job_id = fp_rollout_job_id(dep->id, dep->job_seq);
		h->state = FP_HOST_SENT;
		h->handed_out = 0;
		h->updated_at = env->now;
		if (h->attempts < 255)
			h->attempts++;
		emit(out, FP_ACT_DISPATCH, i, h->host_id, h->job_id, 0);
		slots--;
	}
}

static void halt(struct fp_deployment *dep, const char *why,
		 struct fp_rollout_actions *out)
{
	dep->state = FP_DEP_HALTED;
	snprintf(dep->reason, sizeof(dep->reason), "%s", why);
	emit(out, FP_ACT_HALT, 0, 0, 0, 0);
}

int fp_rollout_handed_out(struct fp_deployment *dep, int64_t host_id,
			  int64_t job_id, time_t now)
{
	struct fp_rollout_host *h = fp_deployment_host(dep, host_id);

	if (!h || job_id == 0 || h->job_id != job_id ||
	    h->state != FP_HOST_SENT)
		return FP_ENOENT;
	h->handed_out = 1;
	h->updated_at = now;
	return 0;
}

/* Jobs handed out and neither finished nor deferred in time: failed. */
static void time_out_jobs(struct fp_deployment *dep,
			  const struct fp_rollout_env *env,
			  struct fp_rollout_actions *out)
{
	if (env->job_timeout <= 0)
		return;
	for (size_t k = 0; k < dep->n_hosts; k++) {
		struct fp_rollout_host *h = &dep->hosts[k];
		if (!h->handed_out || (h->state != FP_HOST_SENT &&
				       h->state != FP_HOST_RUNNING))
			continue;
		if ((int64_t)env->now - (int64_t)h->updated_at < env->job_timeout)
			continue;
		h->state = FP_HOST_FAILED;
		h->handed_out = 0;
		h->updated_at = env->now;
		emit(out, FP_ACT_TIMEOUT, h->ring, h->host_id, h->job_id, 0);
	}
}

int fp_rollout_tick(struct fp_deployment *dep, const struct fp_rollout_env *env,
		    struct fp_rollout_actions *out)
{
	struct fp_ring_counts c[FP_ROLLOUT_MAX_RINGS];
	time_t now = env->now;
	char why[sizeof(dep->reason)];
	size_t outstanding = 0, last = dep->n_rings - 1;
	int rc;

	if (dep->n_rings == 0)
		return FP_EINVAL;
	/* At most one action per host plus a few per ring. */
	rc = reserve(out, dep->n_hosts + 4 * dep->n_rings + 4);
	if (rc)
		return rc;
	if (dep->state == FP_DEP_APPROVED) {
		dep->state = FP_DEP_RUNNING;
		start_ring(dep, 0, now);
	}
	if (dep->state == FP_DEP_RUNNING || dep->state == FP_DEP_PAUSED ||
	    dep->state == FP_DEP_HALTED)
		time_out_jobs(dep, env, out);
	if (dep->state != FP_DEP_RUNNING)
		return 0;
	fp_deployment_counts(dep, c);
	if (first_breach(dep, c, why, sizeof(why)) >= 0) {
		halt(dep, why, out);
		return 0;
	}
	for (size_t i = 0; i < dep->n_rings; i++) {
		struct fp_ring_progress *p = &dep->progress[i];
		const struct fp_ring *r = &dep->rings[i];
		size_t eligible = c[i].total - c[i].by_state[FP_HOST_SKIPPED];

		if (p->state == FP_RING_RUNNING &&
		    share_at_least(c[i].by_state[FP_HOST_SUCCEEDED], eligible,
				   r->success_threshold)) {
			p->state = FP_RING_SOAKING;
			p->soak_started_at = now;
		}
		if (p->state == FP_RING_SOAKING &&
		    now - p->soak_started_at >= r->soak) {
			p->finished_at = now;
			if (i < last) {
				p->state = FP_RING_PROMOTED;
				start_ring(dep, i + 1, now);
				emit(out, FP_ACT_PROMOTE, i, 0, 0, 0);
			} else {
				p->state = FP_RING_DONE;
			}
		}
		if (p->state == FP_RING_WAITING)
			break;
	}
	for (size_t i = 0; i < dep->n_rings; i++) {
		if (dep->progress[i].state == FP_RING_WAITING)
			break;
		dispatch_ring(dep, i, env, &c[i], out);
	}
	fp_deployment_counts(dep, c);
	for (size_t i = 0; i < dep->n_rings; i++)
		outstanding += c[i].by_state[FP_HOST_PENDING] +
			       c[i].by_state[FP_HOST_SENT] +
			       c[i].by_state[FP_HOST_RUNNING] +
			       c[i].by_state[FP_HOST_DEFERRED];
	if (dep->progress[last].state != FP_RING_WAITING && outstanding == 0) {
		for (size_t i = 0; i < dep->n_rings; i++) {
			if (ring_active(dep, i) && i == last) {
				dep->progress[i].state = FP_RING_DONE;
				dep->progress[i].finished_at = now;
			}
		}
		dep->state = FP_DEP_COMPLETED;
		dep->finished_at = now;
		emit(out, FP_ACT_COMPLETE, last, 0, 0, 0);
	}
	return 0;
}

static int conflict(struct fp_diag *d, const struct fp_deployment *dep,
		    const char *what)
{
	return fp_diag_set(d, FP_ECONFLICT, 0, 0,
			   "deployment %lld is %s: cannot %s",
			   (long long)dep->id, fp_dep_state_name(dep->state),
			   what);
}

static void revoke_sent(struct fp_deployment *dep,
			struct fp_rollout_actions *out)
{
	for (size_t k = 0; k < dep->n_hosts; k++)
		if (dep->hosts[k].state == FP_HOST_SENT)
			emit(out, FP_ACT_REVOKE, dep->hosts[k].ring,
			     dep->hosts[k].host_id, dep->hosts[k].job_id, 0);
}

static int apply_result(struct fp_deployment *dep,
			const struct fp_rollout_event *ev, time_t now,
			struct fp_diag *d)
{
	struct fp_rollout_host *h = fp_deployment_host(dep, ev->host_id);
	static const uint8_t map[] = {
		[FP_JOB_RUNNING] = FP_HOST_RUNNING,
		[FP_JOB_SUCCEEDED] = FP_HOST_SUCCEEDED,
		[FP_JOB_FAILED] = FP_HOST_FAILED,
		[FP_JOB_ROLLED_BACK] = FP_HOST_ROLLED_BACK,
		[FP_JOB_SKIPPED] = FP_HOST_SKIPPED,
		[FP_JOB_DEFERRED] = FP_HOST_DEFERRED,
		[FP_JOB_REFUSED] = FP_HOST_FAILED,
	};
	uint8_t to;

	if (!h)
		return fp_diag_set(d, FP_ENOENT, 0, 0,
				   "host %lld is not part of deployment %lld",
				   (long long)ev->host_id, (long long)dep->id);
	if ((unsigned)ev->status >= FP_ARRAY_SIZE(map))
		return fp_diag_set(d, FP_EINVAL, 0, 0, "unknown job status");
	if (ev->job_id != h->job_id || h->job_id == 0)
		return 0; /* an older job's late report */
	to = map[ev->status];
	/* Out-of-order: a finished job does not go back to in-flight. */
	if (!in_flight(h->state) && h->state != FP_HOST_PENDING &&
	    in_flight(to))
		return 0;
	h->state = to;
	h->updated_at = now;
	/* A job reported running reached the host: its timeout runs anew. */
	h->handed_out = to == FP_HOST_RUNNING || (in_flight(to) && h->handed_out);
	return 0;
}

static int apply_retry(struct fp_deployment *dep,
		       const struct fp_rollout_event *ev, time_t now,
		       struct fp_diag *d)
{
	size_t n = 0;

	/* Check every listed host before changing any. */
	for (size_t i = 0; i < ev->n_hosts; i++) {
		const struct fp_rollout_host *h =
			fp_deployment_host(dep, ev->hosts[i]);
		if (!h)
			return fp_diag_set(d, FP_ENOENT, 0, 0,
					   "host %lld is not part of deployment %lld",
					   (long long)ev->hosts[i],
					   (long long)dep->id);
		if (h->state != FP_HOST_FAILED &&
		    h->state != FP_HOST_ROLLED_BACK)
			return fp_diag_set(d, FP_ECONFLICT, 0, 0,
					   "host %lld is %s: only failed or rolled back hosts can be retried",
					   (long long)h->host_id,
					   fp_host_state_name(h->state));
	}
	for (size_t k = 0; k < dep->n_hosts; k++) {
		struct fp_rollout_host *h = &dep->hosts[k];
		bool pick;
		if (h->state != FP_HOST_FAILED &&
		    h->state != FP_HOST_ROLLED_BACK)
			continue;
		pick = ev->n_hosts == 0;
		for (size_t i = 0; !pick && i < ev->n_hosts; i++)
			pick = ev->hosts[i] == h->host_id;
		if (!pick)
			continue;
		h->state = FP_HOST_PENDING;
		h->job_id = 0;
		h->handed_out = 0;
		h->updated_at = now;
		n++;
	}
	if (n == 0)
		return fp_diag_set(d, FP_ECONFLICT, 0, 0,
				   "deployment %lld has no failed hosts to retry",
				   (long long)dep->id);
	if (dep->state == FP_DEP_COMPLETED) {
		dep->state = FP_DEP_RUNNING;
		dep->finished_at = 0;
	}
	return 0;
}

int fp_rollout_apply(struct fp_deployment *dep,
		     const struct fp_rollout_event *ev,
		     const struct fp_rollout_env *env,
		     struct fp_rollout_actions *out, struct fp_diag *d)
{
	struct fp_ring_counts c[FP_ROLLOUT_MAX_RINGS];
	char why[sizeof(dep->reason)];
	enum fp_dep_state s = dep->state;
	bool finished = s == FP_DEP_CANCELLED || s == FP_DEP_COMPLETED;
	int rc;

	rc = reserve(out, dep->n_hosts + 4 * dep->n_rings + 4);
	if (rc)
		return rc;
	switch (ev->kind) {
	case FP_EV_RESULT:
		return apply_result(dep, ev, env->now, d);
	case FP_EV_APPROVE:
		if (s != FP_DEP_PENDING_APPROVAL)
			return conflict(d, dep, "approve (not pending approval)");
		dep->state = FP_DEP_APPROVED;
		dep->approved_at = env->now;
		break;
	case FP_EV_PAUSE:
		if (s != FP_DEP_RUNNING && s != FP_DEP_APPROVED)
			return conflict(d, dep, "pause (not running)");
		if (s == FP_DEP_APPROVED) {
			dep->state = FP_DEP_RUNNING;
			start_ring(dep, 0, env->now);
		}
		dep->state = FP_DEP_PAUSED;
		return 0;
	case FP_EV_RESUME:
		if (s != FP_DEP_PAUSED && s != FP_DEP_HALTED)
			return conflict(d, dep, "resume (not paused or halted)");
		fp_deployment_counts(dep, c);
		if (s == FP_DEP_HALTED &&
		    first_breach(dep, c, why, sizeof(why)) >= 0)
			return fp_diag_set(d, FP_ECONFLICT, 0, 0,
					   "cannot resume: %s; retry the failed hosts or cancel",
					   why);
		dep->state = FP_DEP_RUNNING;
		dep->reason[0] = '\0';
		break;
	case FP_EV_CANCEL:
		if (finished)
			return conflict(d, dep, "cancel");
		dep->state = FP_DEP_CANCELLED;
		dep->finished_at = env->now;
		snprintf(dep->reason, sizeof(dep->reason), "%s",
			 ev->reason ? ev->reason : "cancelled by an operator");
		revoke_sent(dep, out);
		return 0;
	case FP_EV_RETRY:
		if (s == FP_DEP_CANCELLED || s == FP_DEP_PENDING_APPROVAL)
			return conflict(d, dep, "retry");
		rc = apply_retry(dep, ev, env->now, d);
		if (rc)
			return rc;
		break;
	default:
		return fp_diag_set(d, FP_EINVAL, 0, 0, "unknown event");
	}
	return fp_rollout_tick(dep, env, out);
}
