/* SPDX-License-Identifier: MIT */
/* The rollout scheduler (scheduler.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "sched_rollback.h"
#include "scheduler.h"
#include "server.h"

/* A stored envelope to hand out again (a restart found it unreported). */
struct resend {
	size_t idx; /* host index */
	json_t *env;
};

/* One deployment in memory, with what is not stored. */
struct live {
	struct fp_deployment dep;
	uint8_t *delivered; /* per host index: job handed over since start */
	struct resend *resend; /* by idx, ascending */
	size_t n_resend;
	struct fpd_rollbacks rb; /* rollbacks running (sched_rollback.h) */
	size_t *dirty;      /* host indexes changed since the last queueing */
	size_t n_dirty, alloc_dirty;
	bool all_dirty;     /* 'dirty' ran out of memory: every row */
	bool saved_state;   /* body queued for the store as it is */
};

struct fpd_sched {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool running, stop;
	struct live **lives; /* by id, ascending */
	size_t n_lives;
	struct fp_window *windows;
	size_t n_windows;
	struct fp_policy *policies;
	size_t n_policies;
	struct fp_rollout_actions acts;
	int64_t job_timeout; /* seconds; config [rollout] job_timeout */
	/*
	 * What waits for the store, in the order it happened (texts:
	 * free()).  The store takes it all through 'feed', on its writer
	 * thread, inside a check-in's transaction or a flush: a deployment
	 * host costs no commit of its own.  pend_mu is never held while
	 * waiting for anything, so the writer can always take.
	 */
	pthread_mutex_t pend_mu;
	struct fp_store_batch pend;
	size_t alloc_bodies, alloc_rows, alloc_jobs, alloc_reports;
	bool resave; /* a batch was lost: store every deployment whole */
	struct fp_store_feed feed;
};

static struct fpd_sched *sched_of(struct fpd_server *srv)
{
	return srv->sched;
}

static void batch_clear(struct fp_store_batch *b)
{
	for (size_t i = 0; i < b->n_bodies; i++)
		free(b->bodies[i].body); /* jansson's allocator */
	for (size_t i = 0; i < b->n_jobs; i++)
		free((char *)b->jobs[i].envelope);
	for (size_t i = 0; i < b->n_reports; i++)
		free((char *)b->reports[i].result);
	fp_free(b->bodies);
	fp_free(b->rows);
	fp_free(b->jobs);
	fp_free(b->reports);
	*b = (struct fp_store_batch){ 0 };
}

/* A job about to be handed out: stored with the next feed. */
static int queue_issued(struct fpd_sched *s, struct live *l,
			const struct fp_job *job, const json_t *env)
{
	char *text = json_dumps(env, JSON_COMPACT);
	int rc = FP_ENOMEM;

	if (!text)
		return FP_ENOMEM;
	pthread_mutex_lock(&s->pend_mu);
	if (!fp_reserve((void **)&s->pend.jobs, s->pend.n_jobs + 1,
			     &s->alloc_jobs, sizeof(*s->pend.jobs))) {
		s->pend.jobs[s->pend.n_jobs++] = (struct fp_store_job){
			.job_id = job->job_id, .deployment_id = l->dep.id,
			.host_id = job->host_id,
			.action = fp_job_action_name(job->action),
			.envelope = text,
			.issued_at = (int64_t)job->issued_at,
			.expires_at = (int64_t)job->expires_at,
		};
		text = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&s->pend_mu);
	free(text);
	return rc;
}

/* A host's final report of its job (running/deferred are not stored). */
static int queue_report(struct fpd_sched *s, const struct fp_job_result *r,
			int64_t now)
{
	char *text;
	int rc = FP_ENOMEM;

	if (r->status == FP_JOB_RUNNING || r->status == FP_JOB_DEFERRED)
		return 0;
	text = fpd_job_result_text(r);
	if (!text)
		return FP_ENOMEM;
	pthread_mutex_lock(&s->pend_mu);
	if (!fp_reserve((void **)&s->pend.reports, s->pend.n_reports + 1,
			     &s->alloc_reports, sizeof(*s->pend.reports))) {
		s->pend.reports[s->pend.n_reports++] = (struct fp_store_report){
			r->job_id, fp_job_status_name(r->status), text, now
		};
		text = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&s->pend_mu);
	free(text);
	return rc;
}

/* The server's own reason a job failed ("timed out"). */
static void queue_failure(struct fpd_sched *s, int64_t job_id, const char *why,
			  int64_t now)
{
	struct fp_job_result r;

	fpd_job_failure(&r, job_id, why, now);
	if (queue_report(s, &r, now))
		fpd_err("job %lld: cannot store its result (%s)",
			(long long)job_id, why);
	fp_job_result_release(&r);
}

static void live_free(struct live *l)
{
	if (!l)
		return;
	fp_deployment_release(&l->dep);
	fp_free(l->delivered);
	for (size_t i = 0; i < l->n_resend; i++)
		json_decref(l->resend[i].env);
	fp_free(l->resend);
	fpd_rb_release(&l->rb);
	fp_free(l->dirty);
	fp_free(l);
}

static struct live *live_find(struct fpd_sched *s, int64_t id)
{
	for (size_t i = 0; i < s->n_lives; i++)
		if (s->lives[i]->dep.id == id)
			return s->lives[i];
	return NULL;
}

/* The deployment for an API request; FP_ENOENT in *ret_rc otherwise. */
static struct live *live_get(struct fpd_sched *s, int64_t id,
			     struct fp_diag *d, int *ret_rc)
{
	struct live *l = live_find(s, id);

	*ret_rc = l ? 0 : fp_diag_set(d, FP_ENOENT, 0, 0, "no deployment %lld",
				      (long long)id);
	return l;
}

static void mark(struct live *l, const struct fp_rollout_host *h)
{
	size_t idx = (size_t)(h - l->dep.hosts);

	if (fp_reserve((void **)&l->dirty, l->n_dirty + 1, &l->alloc_dirty,
		       sizeof(*l->dirty))) {
		l->all_dirty = true; /* every row next time */
		return;
	}
	l->dirty[l->n_dirty++] = idx;
}

/*
 * Queue for the store the body (when it changed; always when 'all'),
 * the changed host rows (every row when 'all').  A host's change alone
 * (a job handed out, a result) leaves the body as it was: then it is not
 * encoded again, which would count every host of the deployment.
 */
static int live_queue(struct fpd_sched *s, struct live *l, bool all)
{
	bool with_body;
	size_t n;
	char *body = NULL;
	int rc = FP_ENOMEM;

	all = all || l->all_dirty;
	n = all ? l->dep.n_hosts : l->n_dirty;
	with_body = all || !l->saved_state;
	if (!with_body && n == 0)
		return 0;
	if (with_body) {
		json_t *j = fp_deployment_to_json(&l->dep, false);
		body = j ? json_dumps(j, JSON_COMPACT) : NULL;
		json_decref(j);
		if (!body)
			return FP_ENOMEM;
	}
	pthread_mutex_lock(&s->pend_mu);
	if ((body && fp_reserve((void **)&s->pend.bodies,
				     s->pend.n_bodies + 1, &s->alloc_bodies,
				     sizeof(*s->pend.bodies))) ||
	    fp_reserve((void **)&s->pend.rows, s->pend.n_rows + n,
			    &s->alloc_rows, sizeof(*s->pend.rows)))
		goto out;
	if (body) {
		s->pend.bodies[s->pend.n_bodies++] = (struct fp_store_dep_body){
			l->dep.id, fp_dep_state_name(l->dep.state), body
		};
		body = NULL;
	}
	for (size_t i = 0; i < n; i++)
		s->pend.rows[s->pend.n_rows++] = (struct fp_store_dep_row){
			l->dep.id, l->dep.hosts[all ? i : l->dirty[i]]
		};
	l->n_dirty = 0;
	l->all_dirty = false;
	l->saved_state = true;
	rc = 0;
out:
	pthread_mutex_unlock(&s->pend_mu);
	free(body); /* jansson's allocator */
	if (rc)
		fpd_err("deployment %lld: cannot queue its state: %s",
			(long long)l->dep.id, fp_strerror(rc));
	return rc;
}

static bool batch_empty(const struct fp_store_batch *b)
{
	return !b->n_bodies && !b->n_rows && !b->n_jobs && !b->n_reports;
}

/* The store takes what is pending (on its writer thread). */
static int feed_take(void *ctx, struct fp_store_batch **ret)
{
	struct fpd_sched *s = ctx;
	struct fp_store_batch *b;

	*ret = NULL;
	pthread_mutex_lock(&s->pend_mu);
	if (batch_empty(&s->pend)) {
		pthread_mutex_unlock(&s->pend_mu);
		return 0;
	}
	b = fp_malloc(sizeof(*b));
	if (b) {
		*b = s->pend;
		s->pend = (struct fp_store_batch){ 0 };
		s->alloc_bodies = s->alloc_rows = s->alloc_jobs =
			s->alloc_reports = 0;
	}
	pthread_mutex_unlock(&s->pend_mu);
	*ret = b;
	return b ? 0 : FP_ENOMEM;
}

/* Put a lost batch's jobs and reports back in front of what came since. */
static int unshift(void **v, size_t *n, size_t *alloc, void *old,
		   size_t n_old, size_t size)
{
	if (n_old == 0)
		return 0;
	if (fp_reserve(v, *n + n_old, alloc, size))
		return FP_ENOMEM;
	memmove((char *)*v + n_old * size, *v, *n * size);
	memcpy(*v, old, n_old * size);
	*n += n_old;
	return 0;
}

/*
 * A batch came back from the store.  Not written: its jobs and reports
 * go back in front; the bodies and rows may be older than what was
 * queued since, so every deployment is queued whole at the next tick.
 */
static void feed_done(void *ctx, struct fp_store_batch *b, int rc)
{
	struct fpd_sched *s = ctx;

	if (rc) {
		fpd_err("rollout state not stored (%s): storing it again",
			fp_strerror(rc));
		pthread_mutex_lock(&s->pend_mu);
		s->resave = true;
		if (!unshift((void **)&s->pend.jobs, &s->pend.n_jobs,
			     &s->alloc_jobs, b->jobs, b->n_jobs,
			     sizeof(*b->jobs)))
			b->n_jobs = 0; /* the texts moved */
		if (!unshift((void **)&s->pend.reports, &s->pend.n_reports,
			     &s->alloc_reports, b->reports, b->n_reports,
			     sizeof(*b->reports)))
			b->n_reports = 0;
		pthread_mutex_unlock(&s->pend_mu);
	}
	batch_clear(b);
	fp_free(b);
}

/* Write what is pending now; durable when it returns 0. */
static int sched_flush(struct fpd_server *srv)
{
	struct fpd_sched *s = sched_of(srv);
	return srv->store->ops->feed_write(srv->store, &s->feed);
}

static bool pending_any(struct fpd_sched *s)
{
	bool any;

	pthread_mutex_lock(&s->pend_mu);
	any = !batch_empty(&s->pend);
	pthread_mutex_unlock(&s->pend_mu);
	return any;
}

static int live_save(struct fpd_server *srv, struct live *l, bool all)
{
	int rc = live_queue(sched_of(srv), l, all);
	return rc ? rc : sched_flush(srv);
}

static int live_add(struct fpd_sched *s, struct live *l)
{
	struct live **nv;

	l->delivered = fp_calloc(l->dep.n_hosts ? l->dep.n_hosts : 1, 1);
	if (!l->delivered)
		return FP_ENOMEM;
	nv = fp_reallocarray(s->lives, s->n_lives + 1, sizeof(*nv));
	if (!nv)
		return FP_ENOMEM;
	s->lives = nv;
	s->lives[s->n_lives++] = l; /* ids only grow: stays sorted */
	return 0;
}

/* Another deployment holds a job on this host (older ones first), or a
 * rollback (of any deployment) runs there. */
static bool host_busy(void *ctx, int64_t host_id, int64_t dep_id)
{
	struct fpd_sched *s = ctx;

	for (size_t i = 0; i < s->n_lives; i++) {
		const struct fp_deployment *d = &s->lives[i]->dep;
		const struct fp_rollout_host *h;
		if (s->lives[i]->rb.n && fpd_rb_holds(&s->lives[i]->rb, host_id))
			return true;
		if (d->id == dep_id || d->state == FP_DEP_CANCELLED)
			continue;
		h = fp_deployment_host(d, host_id);
		if (h && (h->state == FP_HOST_SENT ||
			  h->state == FP_HOST_RUNNING ||
			  h->state == FP_HOST_DEFERRED))
			return true;
	}
	return false;
}

static struct fp_rollout_env env_of(struct fpd_sched *s, int64_t now)
{
	return (struct fp_rollout_env){ .now = (time_t)now,
					.windows = s->windows,
					.n_windows = s->n_windows,
					.host_busy = host_busy,
					.ctx = s,
					.job_timeout = s->job_timeout };
}

/* Log and mark what the state machine asked for. */
static void carry_out(struct fpd_server *srv, struct live *l)
{
	struct fpd_sched *s = sched_of(srv);
	const struct fp_deployment *d = &l->dep;
	char why[96];

	for (size_t i = 0; i < s->acts.n; i++) {
		const struct fp_rollout_action *a = &s->acts.v[i];
		struct fp_rollout_host *h;
		switch (a->kind) {
		case FP_ACT_DISPATCH:
			h = fp_deployment_host(&l->dep, a->host_id);
			if (h) {
				l->delivered[h - l->dep.hosts] = 0;
				mark(l, h);
			}
			break;
		case FP_ACT_REVOKE:
			break; /* undelivered jobs are simply not handed out */
		case FP_ACT_PROMOTE:
			fpd_info("deployment %lld: ring %s promoted, ring %s starts",
				 (long long)d->id, d->rings[a->ring].name,
				 d->rings[a->ring + 1].name);
			break;
		case FP_ACT_HALT:
			fpd_warn("deployment %lld halted: %s", (long long)d->id,
				 d->reason);
			break;
		case FP_ACT_COMPLETE:
			fpd_info("deployment %lld completed", (long long)d->id);
			break;
		case FP_ACT_WAIT:
			break;
		case FP_ACT_TIMEOUT:
			snprintf(why, sizeof(why),
				 "timed out: handed out and not reported within %llds",
				 (long long)s->job_timeout);
			h = fp_deployment_host(&l->dep, a->host_id);
			if (h) {
				mark(l, h);
				queue_failure(s, a->job_id, why,
					      (int64_t)h->updated_at);
			}
			fpd_warn("deployment %lld: host %lld job %lld %s",
				 (long long)d->id, (long long)a->host_id,
				 (long long)a->job_id, why);
			break;
		}
	}
	if (s->acts.n)
		l->saved_state = false;
}

static int load_windows(struct fpd_server *srv, struct fpd_sched *s)
{
	struct fp_store *st = srv->store;
	json_t *a = NULL;
	struct fp_window *w;
	size_t n;
	int rc = st->ops->rollout_list(st, "window", &a);

	if (rc)
		return rc;
	n = json_array_size(a);
	w = fp_calloc(n ? n : 1, sizeof(*w));
	if (!w) {
		json_decref(a);
		return FP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct fp_diag d;
		fp_diag_init(&d, NULL);
		fp_window_init(&w[i]);
		if (fp_window_from_json(json_array_get(a, i), NULL, &d, &w[i]))
			fpd_warn("stored window %zu unusable: %s", i, d.msg);
	}
	json_decref(a);
	for (size_t i = 0; i < s->n_windows; i++)
		fp_window_release(&s->windows[i]);
	fp_free(s->windows);
	s->windows = w;
	s->n_windows = n;
	return 0;
}

static int load_policies(struct fpd_server *srv, struct fpd_sched *s)
{
	struct fp_store *st = srv->store;
	json_t *a = NULL;
	struct fp_policy *p;
	size_t n, k = 0;
	int rc = st->ops->rollout_list(st, "policy", &a);

	if (rc)
		return rc;
	n = json_array_size(a);
	p = fp_calloc(n ? n : 1, sizeof(*p));
	if (!p) {
		json_decref(a);
		return FP_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct fp_diag d;
		fp_diag_init(&d, NULL);
		if (fp_policy_from_json(json_array_get(a, i), &d, &p[k]) == 0)
			k++;
		else
			fpd_warn("stored policy %zu unusable: %s", i, d.msg);
	}
	json_decref(a);
	fp_free(s->policies);
	s->policies = p;
	s->n_policies = k;
	return 0;
}

/*
 * After a restart: a job handed out and not reported goes out again with
 * the same id and signature (stored when it was handed out; the agent
 * keeps it, or reports its stored result again, but never runs it
 * twice).  Its timeout runs from the new hand-out.  A stored job that
 * has expired, or will before a host could act on it, gets a new id; a
 * job never handed out is signed at the next check-in as usual.
 */
#define RESEND_MIN_LIFE 600

static int restore_issued(struct fpd_server *srv, struct live *l, int64_t now)
{
	struct fp_deployment *d = &l->dep;
	json_t *rows = NULL, *row;
	size_t i;
	int rc;

	/* A job reported running reached its host: its timeout runs. */
	for (size_t k = 0; k < d->n_hosts; k++)
		if (d->hosts[k].state == FP_HOST_RUNNING)
			d->hosts[k].handed_out = 1;
	rc = srv->store->ops->job_list(srv->store, d->id, true, &rows);
	if (rc)
		return rc;
	l->resend = fp_calloc(json_array_size(rows) + 1, sizeof(*l->resend));
	if (!l->resend) {
		json_decref(rows);
		return FP_ENOMEM;
	}
	json_array_foreach(rows, i, row) {
		int64_t seq = json_integer_value(json_object_get(row, "job_id")) &
			      0xffffffffLL;
		if (seq > d->job_seq) {
			d->job_seq = seq; /* ids never repeat */
			l->saved_state = false;
		}
	}
	json_array_foreach(rows, i, row) {
		int64_t job = json_integer_value(json_object_get(row, "job_id"));
		int64_t exp = json_integer_value(json_object_get(row, "expires_at"));
		struct fp_rollout_host *h = fp_deployment_host(
			d, json_integer_value(json_object_get(row, "host_id")));
		const char *text = json_string_value(json_object_get(row, "envelope"));
		json_t *env;

		if (!strcmp(json_string_value(json_object_get(row, "action")),
			    "rollback")) {
			fpd_rb_restore(srv, &l->rb, row, now);
			continue;
		}
		if (!h || h->job_id != job || h->state != FP_HOST_SENT ||
		    d->state == FP_DEP_CANCELLED || d->state == FP_DEP_COMPLETED)
			continue;
		env = exp > now + RESEND_MIN_LIFE && text
			      ? json_loads(text, 0, NULL) : NULL;
		if (!env) {
			/* expired (or unreadable): a new job at the next check-in */
			d->job_seq++;
			h->job_id = fp_rollout_job_id(d->id, d->job_seq);
			mark(l, h);
			l->saved_state = false; /* job_seq moved */
			continue;
		}
		l->resend[l->n_resend].idx = (size_t)(h - d->hosts);
		l->resend[l->n_resend++].env = env;
		h->handed_out = 1;
	}
	json_decref(rows);
	return 0;
}

/* The stored envelope to hand out again for host index 'idx', taken. */
static json_t *take_resend(struct live *l, size_t idx)
{
	size_t lo = 0, hi = l->n_resend;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->resend[mid].idx < idx)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < l->n_resend && l->resend[lo].idx == idx && l->resend[lo].env) {
		json_t *env = l->resend[lo].env;
		l->resend[lo].env = NULL;
		return env;
	}
	return NULL;
}

static int load_deployments(struct fpd_server *srv, struct fpd_sched *s)
{
	struct fp_store *st = srv->store;
	json_t *a = NULL;
	int rc = st->ops->deployment_list(st, &a);

	for (size_t i = 0; !rc && i < json_array_size(a); i++) {
		struct live *l = fp_calloc(1, sizeof(*l));
		struct fp_diag d;

		fp_diag_init(&d, NULL);
		if (!l) {
			rc = FP_ENOMEM;
			break;
		}
		fp_deployment_init(&l->dep);
		rc = fp_deployment_from_json(json_array_get(a, i), &d, &l->dep);
		if (!rc)
			rc = st->ops->deployment_hosts(st, l->dep.id, &l->dep);
		/* rows come sorted by host id, as fp_deployment_host needs */
		l->saved_state = true;
		if (!rc)
			rc = restore_issued(srv, l, (int64_t)time(NULL));
		if (rc) {
			fpd_err("stored deployment %zu unusable: %s %s", i,
				fp_strerror(rc), d.msg);
			live_free(l);
			break;
		}
		rc = live_add(s, l);
		if (rc)
			live_free(l);
	}
	json_decref(a);
	return rc;
}

int fpd_sched_reload(struct fpd_server *srv)
{
	struct fpd_sched *s = sched_of(srv);
	int rc;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	rc = load_windows(srv, s);
	if (!rc)
		rc = load_policies(srv, s);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int host_cmp(const void *a, const void *b)
{
	const struct fp_rollout_host *x = a, *y = b;
	return (x->host_id > y->host_id) - (x->host_id < y->host_id);
}

/* Whether the sorted hosts[0, n) hold host_id. */
static bool in_sorted(const struct fp_rollout_host *hosts, size_t n,
		      int64_t host_id)
{
	struct fp_rollout_host key = { .host_id = host_id };

	return n && bsearch(&key, hosts, n, sizeof(*hosts), host_cmp) != NULL;
}

/* Add each ring's hosts; a host already in an earlier ring stays there. */
static int add_members(struct fpd_server *srv, struct fp_deployment *dep,
		       struct fp_diag *d)
{
	struct fp_store *st = srv->store;

	for (size_t r = 0; r < dep->n_rings; r++) {
		const struct fp_ring *ring = &dep->rings[r];
		size_t before = dep->n_hosts;
		json_t *ids = NULL;
		int rc = st->ops->hosts_select(st, ring->group[0] ? ring->group : NULL,
					       ring->tag[0] ? ring->tag : NULL, &ids);
		if (rc)
			return fp_diag_set(d, rc, 0, 0,
					   "ring \"%s\": cannot list its hosts",
					   ring->name);
		for (size_t i = 0; i < json_array_size(ids); i++) {
			int64_t id = json_integer_value(json_array_get(ids, i));
			/* Only the earlier rings' part is sorted yet. */
			if (in_sorted(dep->hosts, before, id))
				continue;
			rc = fp_deployment_add_host(dep, id, r, false);
			if (rc) {
				json_decref(ids);
				return fp_diag_set(d, rc, 0, 0,
						   "ring \"%s\": too many hosts",
						   ring->name);
			}
		}
		json_decref(ids);
		if (dep->n_hosts > before)
			qsort(dep->hosts, dep->n_hosts, sizeof(*dep->hosts),
			      host_cmp);
	}
	return 0;
}

/* Named packages: unknown versions are errors; hosts with none skip. */
static int check_packages(struct fpd_server *srv, struct fp_deployment *dep,
			  struct fp_diag *d)
{
	struct fp_store *st = srv->store;
	uint8_t *has;
	int rc = 0;

	if (dep->selector != FP_SEL_PACKAGES)
		return 0;
	has = fp_calloc(dep->n_hosts ? dep->n_hosts : 1, 1);
	if (!has)
		return FP_ENOMEM;
	for (size_t p = 0; !rc && p < dep->n_packages; p++) {
		const struct fp_job_package *pk = &dep->packages[p];
		json_t *ids = NULL;
		bool known = false;

		if (pk->version &&
		    (rc = st->ops->package_version_known(st, pk->name,
							 pk->version, &known)) == 0 &&
		    !known) {
			rc = fp_diag_set(d, FP_EINVAL, 0, 0,
					 "what.packages[%zu].version: no host has %s %s installed and no repository offers it to any host",
					 p, pk->name, pk->version);
			break;
		}
		if (rc || (rc = st->ops->hosts_with_package(st, pk->name, &ids)))
			break;
		for (size_t i = 0; i < json_array_size(ids); i++) {
			struct fp_rollout_host *h = fp_deployment_host(
				dep, json_integer_value(json_array_get(ids, i)));
			if (h)
				has[h - dep->hosts] = 1;
		}
		json_decref(ids);
	}
	for (size_t i = 0; !rc && i < dep->n_hosts; i++)
		if (!has[i])
			dep->hosts[i].state = FP_HOST_SKIPPED;
	fp_free(has);
	return rc;
}

/*
 * The API body, turned into a stored deployment's JSON so lib/rollout's
 * decoder validates "what" and the hooks:
 * {"name", "what", "rings": ["test", ...], "deadline": "14d" | time,
 *  "pre_hook", "post_hook", "allow_deferrals"}
 */
static int body_to_deployment(struct fpd_server *srv, const json_t *body,
			      int64_t now, struct fp_diag *d,
			      struct fp_deployment *dep)
{
	static const char *const keys[] = { "name", "what", "rings", "deadline",
					    "pre_hook", "post_hook",
					    "allow_deferrals", NULL };
	struct fp_store *st = srv->store;
	const json_t *rings = json_object_get(body, "rings");
	const json_t *dl = json_object_get(body, "deadline");
	json_t *defined = NULL, *full = NULL, *ring_list = NULL;
	const char *k;
	json_t *v;
	int rc;

	if (!json_is_object(body))
		return fp_diag_set(d, FP_EINVAL, 0, 0, "body must be an object");
	json_object_foreach((json_t *)body, k, v) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i])
			return fp_diag_set(d, FP_EINVAL, 0, 0,
					   "%.64s: unknown field", k);
	}
	if (!json_is_array(rings) || json_array_size(rings) == 0 ||
	    json_array_size(rings) > FP_ROLLOUT_MAX_RINGS)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "rings: a list of 1 to %d ring names",
				   FP_ROLLOUT_MAX_RINGS);
	if ((rc = st->ops->rollout_list(st, "ring", &defined)))
		return rc;
	rc = FP_ENOMEM;
	full = json_deep_copy(body);
	ring_list = json_array();
	if (!full || !ring_list)
		goto out;
	for (size_t i = 0; i < json_array_size(rings); i++) {
		const char *name = json_string_value(json_array_get(rings, i));
		json_t *found = NULL, *copy;
		for (size_t j = 0; name && j < json_array_size(defined); j++) {
			json_t *r = json_array_get(defined, j);
			if (!strcmp(json_string_value(json_object_get(r, "name")), name))
				found = r;
		}
		if (!found) {
			rc = fp_diag_set(d, FP_ENOENT, 0, 0,
					 "rings[%zu]: no ring \"%.64s\" (define it with POST /api/v1/rings)",
					 i, name ? name : "(not a string)");
			goto out;
		}
		copy = json_deep_copy(found);
		if (!copy || json_object_set_new(copy, "state", json_string("waiting")) ||
		    json_array_append_new(ring_list, copy))
			goto out;
	}
	json_object_set(full, "rings", ring_list);
	json_object_set_new(full, "id", json_integer(1));
	json_object_set_new(full, "state", json_string("pending_approval"));
	json_object_del(full, "deadline");
	if (!json_object_get(full, "what")) {
		rc = fp_diag_set(d, FP_EINVAL, 0, 0, "what: missing");
		goto out;
	}
	if ((rc = fp_deployment_from_json(full, d, dep)))
		goto out;
	if (dl && !json_is_null(dl)) {
		const char *s = json_string_value(dl);
		time_t t;
		int64_t secs;
		if (s && fp_time_parse_rfc3339(s, &t) == 0) {
			dep->deadline = t;
		} else if (s && fp_duration_parse(s, &secs) == 0 &&
			   secs <= 366 * 86400LL) {
			dep->deadline = (time_t)(now + secs);
		} else {
			rc = fp_diag_set(d, FP_EINVAL, 0, 0,
					 "deadline: an RFC 3339 time or a duration such as \"14d\"");
			goto out;
		}
		if (dep->deadline == 0 || dep->deadline <= now) {
			rc = fp_diag_set(d, FP_EINVAL, 0, 0,
					 "deadline: the deadline is in the past");
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(ring_list);
	json_decref(full);
	json_decref(defined);
	return rc;
}

/* Membership, package checks, validation, id, store, go live. */
static int start_deployment(struct fpd_server *srv, struct live *l,
			    int64_t now, struct fp_diag *d, int64_t *ret_id)
{
	struct fpd_sched *s = sched_of(srv);
	struct fp_store *st = srv->store;
	int64_t id;
	int rc;

	if ((rc = add_members(srv, &l->dep, d)) ||
	    (rc = check_packages(srv, &l->dep, d)) ||
	    (rc = fp_deployment_check(&l->dep, (time_t)now, s->windows,
				      s->n_windows, d)))
		return rc;
	if ((rc = st->ops->deployment_new_id(st, now, &id)))
		return rc;
	l->dep.id = id;
	l->dep.created_at = (time_t)now;
	if ((rc = live_save(srv, l, true)) || (rc = live_add(s, l)))
		return rc;
	*ret_id = id;
	return 0;
}

int fpd_sched_create(struct fpd_server *srv, const json_t *body,
		     const char *created_by, int64_t now, struct fp_diag *d,
		     int64_t *ret_id)
{
	struct fpd_sched *s = sched_of(srv);
	struct live *l = fp_calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return FP_ENOMEM;
	fp_deployment_init(&l->dep);
	pthread_mutex_lock(&s->mu);
	rc = body_to_deployment(srv, body, now, d, &l->dep);
	if (!rc) {
		snprintf(l->dep.created_by, sizeof(l->dep.created_by), "%s",
			 created_by);
		l->dep.state = FP_DEP_PENDING_APPROVAL;
		rc = start_deployment(srv, l, now, d, ret_id);
	}
	pthread_mutex_unlock(&s->mu);
	if (rc)
		live_free(l);
	return rc;
}

/* A policy run: a deployment when there is work and none of its own runs. */
static void run_policy(struct fpd_server *srv, struct fpd_sched *s,
		       const struct fp_policy *p, int64_t now)
{
	struct fp_store *st = srv->store;
	char key[96], val[32] = "";
	json_t *rings_j = NULL, *upd = NULL;
	struct fp_ring rings[64];
	size_t n_rings = 0;
	time_t last = 0;
	struct live *l = NULL;
	struct fp_diag d;
	int64_t id;
	char by[FP_ROLLOUT_NAME_MAX + 8];

	snprintf(key, sizeof(key), "policy_last_run.%s", p->name);
	if (st->ops->setting_get(st, key, val, sizeof(val)) == 0)
		fp_time_parse_rfc3339(val, &last);
	if (!fp_policy_is_due(p, last, (time_t)now))
		return;
	fp_time_rfc3339((time_t)now, val);
	st->ops->setting_set(st, key, val);
	snprintf(by, sizeof(by), "policy:%s", p->name);
	for (size_t i = 0; i < s->n_lives; i++) {
		const struct fp_deployment *dd = &s->lives[i]->dep;
		if (!strcmp(dd->created_by, by) &&
		    dd->state != FP_DEP_COMPLETED && dd->state != FP_DEP_CANCELLED)
			return; /* its previous deployment is still going */
	}
	if (st->ops->updates_list(st, p->selector == FP_SEL_SECURITY, NULL, &upd) ||
	    json_array_size(upd) == 0)
		goto out;
	if (st->ops->rollout_list(st, "ring", &rings_j))
		goto out;
	for (size_t i = 0; i < json_array_size(rings_j) && n_rings < 64; i++)
		if (fp_ring_from_json(json_array_get(rings_j, i), NULL,
				      &rings[n_rings]) == 0)
			n_rings++;
	l = fp_calloc(1, sizeof(*l));
	if (!l)
		goto out;
	fp_deployment_init(&l->dep);
	fp_diag_init(&d, NULL);
	if (fp_policy_start(p, rings, n_rings, 1, (time_t)now, &d, &l->dep) ||
	    start_deployment(srv, l, now, &d, &id)) {
		fpd_warn("policy %s: no deployment: %s", p->name, d.msg);
		live_free(l);
		goto out;
	}
	fpd_info("policy %s: created deployment %lld (%s)", p->name,
		 (long long)id, fp_dep_state_name(l->dep.state));
out:
	json_decref(upd);
	json_decref(rings_j);
}

void fpd_sched_tick(struct fpd_server *srv, int64_t now)
{
	struct fpd_sched *s = sched_of(srv);
	bool resave;

	pthread_mutex_lock(&s->mu);
	pthread_mutex_lock(&s->pend_mu);
	resave = s->resave;
	s->resave = false;
	pthread_mutex_unlock(&s->pend_mu);
	for (size_t i = 0; i < s->n_policies; i++)
		run_policy(srv, s, &s->policies[i], now);
	for (size_t i = 0; i < s->n_lives; i++) {
		struct live *l = s->lives[i];
		struct fp_rollout_env env = env_of(s, now);
		enum fp_dep_state before = l->dep.state;
		struct fp_ring_progress prog[FP_ROLLOUT_MAX_RINGS];

		if (l->rb.n)
			fpd_rb_tick(srv, l->dep.id, &l->rb, s->job_timeout, now);
		if (resave)
			live_queue(s, l, true);
		if (before == FP_DEP_COMPLETED || before == FP_DEP_CANCELLED)
			continue;
		memcpy(prog, l->dep.progress, sizeof(prog));
		s->acts.n = 0;
		if (fp_rollout_tick(&l->dep, &env, &s->acts) == 0)
			carry_out(srv, l);
		/* e.g. a ring that starts soaking: no action, a new body */
		if (l->dep.state != before ||
		    memcmp(prog, l->dep.progress, sizeof(prog)) != 0)
			l->saved_state = false;
		live_queue(s, l, false);
	}
	/* one commit for every deployment's changes (and nothing to do:
	 * no transaction) */
	if (pending_any(s))
		sched_flush(srv);
	pthread_mutex_unlock(&s->mu);
}

int fpd_sched_event(struct fpd_server *srv, int64_t id,
		    const struct fp_rollout_event *ev, int64_t now,
		    struct fp_diag *d)
{
	struct fpd_sched *s = sched_of(srv);
	struct fp_rollout_env env = env_of(s, now);
	struct live *l;
	int rc;

	pthread_mutex_lock(&s->mu);
	l = live_get(s, id, d, &rc);
	if (!l)
		goto out;
	s->acts.n = 0;
	/* Hosts changed by retry are found by their state afterwards. */
	rc = fp_rollout_apply(&l->dep, ev, &env, &s->acts, d);
	if (rc)
		goto out;
	carry_out(srv, l);
	l->saved_state = false;
	rc = live_save(srv, l, ev->kind == FP_EV_RETRY);
out:
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int fpd_sched_rollback(struct fpd_server *srv, int64_t id,
		       const struct fpd_rb_request *req, int64_t now,
		       struct fp_diag *d, json_t **ret)
{
	struct fpd_sched *s = sched_of(srv);
	json_t *plan = NULL;
	struct live *l;
	int rc;

	pthread_mutex_lock(&s->mu);
	l = live_get(s, id, d, &rc);
	if (!l)
		goto out;
	rc = fpd_rb_prepare(srv, &l->dep, &l->rb, req, now, d, &plan);
	if (rc)
		goto out;
	/* The new job ids are stored before any job that carries one. */
	l->saved_state = false;
	if (!(rc = live_save(srv, l, false)))
		rc = fpd_rb_commit(srv, id, &l->rb, plan);
	if (!rc) {
		*ret = plan;
		plan = NULL;
	}
out:
	pthread_mutex_unlock(&s->mu);
	json_decref(plan);
	return rc;
}

int fpd_sched_show(struct fpd_server *srv, int64_t id, bool with_hosts,
		   json_t **ret)
{
	struct fpd_sched *s = sched_of(srv);
	struct live *l;
	int rc = FP_ENOENT;

	pthread_mutex_lock(&s->mu);
	l = live_find(s, id);
	if (l) {
		*ret = fp_deployment_to_json(&l->dep, with_hosts);
		rc = *ret ? 0 : FP_ENOMEM;
	}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

int fpd_sched_list(struct fpd_server *srv, json_t **ret)
{
	struct fpd_sched *s = sched_of(srv);
	json_t *a = json_array();
	int rc = a ? 0 : FP_ENOMEM;

	pthread_mutex_lock(&s->mu);
	for (size_t i = s->n_lives; !rc && i-- > 0;)
		if (json_array_append_new(a, fp_deployment_to_json(&s->lives[i]->dep,
								   false)))
			rc = FP_ENOMEM;
	pthread_mutex_unlock(&s->mu);
	if (rc)
		json_decref(a);
	else
		*ret = a;
	return rc;
}

/* The packages of a host's job: named, or its pending updates. */
static int job_packages(const struct fp_deployment *dep,
			const struct fp_wstate *state, struct fp_job *job)
{
	size_t n = 0;

	if (dep->selector == FP_SEL_PACKAGES) {
		job->packages = dep->packages;
		job->n_packages = dep->n_packages;
		return 0;
	}
	if (dep->selector == FP_SEL_CVES)
		return FP_EUNSUPPORTED; /* needs the vulnerability matcher */
	if (!state->have_updates)
		return FP_EBUSY; /* wait for a check-in that lists them */
	job->packages = fp_arena_calloc(&job->arena,
					state->n_updates ? state->n_updates : 1,
					sizeof(*job->packages));
	if (!job->packages)
		return FP_ENOMEM;
	for (size_t i = 0; i < state->n_updates && n < FP_JOB_MAX_PACKAGES; i++) {
		const struct fp_wupd *u = &state->updates[i];
		if (dep->selector == FP_SEL_SECURITY && !u->security)
			continue;
		if (!fp_job_name_is_valid(u->name) ||
		    !fp_job_version_is_valid(u->candidate_version))
			continue;
		job->packages[n].name = u->name;
		job->packages[n].version = u->candidate_version;
		n++;
	}
	job->n_packages = n;
	return 0;
}

static const struct fp_window *window_named(struct fpd_sched *s,
					    const char *name)
{
	for (size_t i = 0; name[0] && i < s->n_windows; i++)
		if (!strcmp(s->windows[i].name, name))
			return &s->windows[i];
	return NULL;
}

/*
 * When a job expires: a day after it is issued, or later when its users
 * may keep it waiting longer (until its deadline, or through every
 * deferral they are allowed), since an agent refuses an expired job and
 * a deferral within the limits must not turn into a failure.  At most
 * FP_JOB_MAX_LIFETIME.
 */
static time_t job_expiry(const struct fp_job *job, int64_t now)
{
	int64_t defer = job->defer_seconds > 0 ? job->defer_seconds
					       : FP_JOB_DEFER_DEFAULT;
	int64_t life = (int64_t)job->allow_deferrals * defer + FPD_JOB_LIFETIME;

	if ((int64_t)job->deadline - now + FPD_JOB_LIFETIME > life)
		life = (int64_t)job->deadline - now + FPD_JOB_LIFETIME;
	return (time_t)(now + (life < FP_JOB_MAX_LIFETIME ? life
							  : FP_JOB_MAX_LIFETIME));
}

/* Sign the job of host 'h' into 'jobs'; skip hosts with nothing to do. */
static int deliver(struct fpd_server *srv, struct live *l,
		   struct fp_rollout_host *h, const struct fp_wstate *state,
		   int64_t now, json_t *jobs)
{
	struct fpd_sched *s = sched_of(srv);
	const struct fp_deployment *dep = &l->dep;
	const struct fp_ring *ring = &dep->rings[h->ring];
	const struct fp_window *w = window_named(s, ring->window);
	struct fp_job job;
	struct fp_diag d;
	json_t *env = NULL;
	int64_t open, close;
	int rc;

	fp_job_init(&job);
	fp_diag_init(&d, NULL);
	rc = job_packages(dep, state, &job);
	if (rc == FP_EBUSY) {
		rc = 0;
		goto out;
	}
	if (rc == FP_EUNSUPPORTED || (!rc && job.n_packages == 0)) {
		/* Nothing for this host to install: skipped, not failed. */
		struct fp_rollout_event ev = { .kind = FP_EV_RESULT,
					       .host_id = h->host_id,
					       .job_id = h->job_id,
					       .status = FP_JOB_SKIPPED };
		struct fp_rollout_env e = env_of(s, now);
		rc = fp_rollout_apply(&l->dep, &ev, &e, &s->acts, &d);
		mark(l, h);
		goto out;
	}
	if (rc)
		goto out;
	job.job_id = h->job_id;
	job.host_id = h->host_id;
	job.deployment_id = dep->id;
	job.issued_at = (time_t)now;
	job.action = FP_JOB_INSTALL;
	job.pre_hook = dep->pre_hook;
	job.n_pre_hook = dep->n_pre_hook;
	job.post_hook = dep->post_hook;
	job.n_post_hook = dep->n_post_hook;
	/* With a health check the agent rolls back when it fails (or the
	 * install itself does): docs/rollout.md. */
	job.rollback_on_failure = dep->n_post_hook > 0;
	job.reboot = ring->reboot;
	job.deadline = fp_rollout_host_deadline(dep, h->ring);
	job.allow_deferrals = dep->allow_deferrals;
	job.expires_at = job_expiry(&job, now);
	if (w && fp_window_next(w, now, &open, &close) == 0) {
		job.window_start = (time_t)open;
		job.window_end = (time_t)close;
	}
	if ((rc = fp_job_new_nonce(&job)) ||
	    (rc = fp_job_sign(&job, &srv->key, &d, &env))) {
		fpd_err("deployment %lld: cannot sign job %lld: %s",
			(long long)dep->id, (long long)h->job_id, d.msg);
		goto out;
	}
	/* Stored before the answer goes out: a restart sends the same bytes. */
	if ((rc = queue_issued(s, l, &job, env))) {
		json_decref(env);
		goto out;
	}
	rc = json_array_append_new(jobs, env) ? FP_ENOMEM : 0;
	if (!rc) {
		l->delivered[h - l->dep.hosts] = 1;
		/* The job timeout runs from here (fp_rollout_handed_out). */
		fp_rollout_handed_out(&l->dep, h->host_id, h->job_id,
				      (time_t)now);
		mark(l, h);
	}
out:
	fp_job_release(&job);
	return rc;
}

static int apply_results(struct fpd_server *srv, int64_t host_id,
			 const json_t *results, int64_t now, struct fp_diag *d)
{
	struct fpd_sched *s = sched_of(srv);
	struct fp_rollout_env env = env_of(s, now);

	if (!results || json_is_null(results))
		return 0;
	if (!json_is_array(results) ||
	    json_array_size(results) > FPD_MAX_JOB_RESULTS)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "job_results: an array of at most %d results",
				   FPD_MAX_JOB_RESULTS);
	for (size_t i = 0; i < json_array_size(results); i++) {
		struct fp_job_result r;
		struct fp_diag rd;
		struct live *l;
		struct fp_rollout_host *h;
		int rc;

		fp_job_result_init(&r);
		fp_diag_init(&rd, NULL);
		rc = fp_job_result_from_json(json_array_get(results, i), &r, &rd);
		if (rc) {
			fp_job_result_release(&r);
			return fp_diag_set(d, rc, 0, 0, "job_results[%zu].%s", i,
					   rd.msg);
		}
		/* Job ids carry their deployment (fp_rollout_job_id). */
		l = live_find(s, r.job_id >> 32);
		h = l ? fp_deployment_host(&l->dep, host_id) : NULL;
		if (h && h->job_id == r.job_id) {
			struct fp_rollout_event ev = { .kind = FP_EV_RESULT,
						       .host_id = host_id,
						       .job_id = r.job_id,
						       .status = r.status };
			s->acts.n = 0;
			if (fp_rollout_apply(&l->dep, &ev, &env, &s->acts, &rd) == 0)
				mark(l, h);
			rc = queue_report(s, &r, now);
			if (rc) {
				fp_job_result_release(&r);
				return fp_diag_set(d, rc, 0, 0,
						   "job_results[%zu]: cannot store it", i);
			}
			if (r.status != FP_JOB_SUCCEEDED && r.message)
				fpd_info("host %lld job %lld %s: %.200s",
					 (long long)host_id, (long long)r.job_id,
					 fp_job_status_name(r.status), r.message);
		} else if (l && l->rb.n &&
			 (rc = fpd_rb_result(srv, &l->rb, host_id, &r, now)) < 0) {
			fp_job_result_release(&r);
			return fp_diag_set(d, rc, 0, 0,
					   "job_results[%zu]: cannot store it", i);
		}
		fp_job_result_release(&r);
	}
	return 0;
}

int fpd_sched_checkin(struct fpd_server *srv, int64_t host_id,
		      const json_t *job_results, const struct fp_wstate *state,
		      int64_t now, json_t *jobs, struct fp_diag *d,
		      const struct fp_store_feed **ret_feed)
{
	struct fpd_sched *s = sched_of(srv);
	int rc;

	*ret_feed = NULL;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->mu);
	rc = apply_results(srv, host_id, job_results, now, d);
	for (size_t i = 0; !rc && jobs && i < s->n_lives; i++) {
		struct live *l = s->lives[i];
		struct fp_rollout_host *h = fp_deployment_host(&l->dep, host_id);
		enum fp_dep_state st = l->dep.state;
		json_t *again;

		if (!h || h->state != FP_HOST_SENT ||
		    l->delivered[h - l->dep.hosts] || st == FP_DEP_CANCELLED ||
		    st == FP_DEP_COMPLETED)
			continue;
		again = take_resend(l, (size_t)(h - l->dep.hosts));
		if (!again) {
			rc = deliver(srv, l, h, state, now, jobs);
			continue;
		}
		rc = json_array_append_new(jobs, again) ? FP_ENOMEM : 0;
		l->delivered[h - l->dep.hosts] = 1;
		fp_rollout_handed_out(&l->dep, h->host_id, h->job_id, (time_t)now);
		mark(l, h);
	}
	for (size_t i = 0; !rc && jobs && i < s->n_lives; i++)
		if (s->lives[i]->rb.n)
			rc = fpd_rb_deliver(&s->lives[i]->rb, host_id, now, jobs);
	/*
	 * For the store with the check-in's own transaction (ret_feed).
	 * Whenever this check-in queued anything, even when another
	 * check-in's transaction may take it first: a batch that fails
	 * comes back before the next transaction, and must be in ours.
	 */
	for (size_t i = 0; !rc && i < s->n_lives; i++)
		if (s->lives[i]->n_dirty || s->lives[i]->all_dirty ||
		    !s->lives[i]->saved_state) {
			rc = live_queue(s, s->lives[i], false);
			*ret_feed = &s->feed;
		}
	pthread_mutex_unlock(&s->mu);
	return rc;
}

void fpd_sched_undeliver(struct fpd_server *srv, int64_t host_id)
{
	struct fpd_sched *s = sched_of(srv);

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->n_lives; i++) {
		struct live *l = s->lives[i];
		struct fp_rollout_host *h = fp_deployment_host(&l->dep, host_id);
		if (h && h->state == FP_HOST_SENT)
			l->delivered[h - l->dep.hosts] = 0;
	}
	pthread_mutex_unlock(&s->mu);
}

static void *tick_main(void *arg)
{
	struct fpd_server *srv = arg;
	struct fpd_sched *s = sched_of(srv);

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += FPD_TICK_SECONDS;
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		if (s->stop)
			break;
		pthread_mutex_unlock(&s->mu);
		fpd_sched_tick(srv, (int64_t)time(NULL));
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void sched_free(struct fpd_sched *s)
{
	for (size_t i = 0; i < s->n_lives; i++)
		live_free(s->lives[i]);
	fp_free(s->lives);
	for (size_t i = 0; i < s->n_windows; i++)
		fp_window_release(&s->windows[i]);
	fp_free(s->windows);
	fp_free(s->policies);
	fp_rollout_actions_release(&s->acts);
	batch_clear(&s->pend);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->pend_mu);
	pthread_mutex_destroy(&s->mu);
	fp_free(s);
}

int fpd_sched_start(struct fpd_server *srv)
{
	struct fpd_sched *s = fp_calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return FP_ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->pend_mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->feed = (struct fp_store_feed){ feed_take, feed_done, s };
	fp_rollout_actions_init(&s->acts);
	s->job_timeout = srv->cfg.job_timeout;
	srv->sched = s;
	if ((rc = load_windows(srv, s)) || (rc = load_policies(srv, s)) ||
	    (rc = load_deployments(srv, s))) {
		fpd_err("cannot load the rollout state: %s", fp_strerror(rc));
		goto fail;
	}
	for (size_t i = 0; i < s->n_lives; i++)
		if ((s->lives[i]->n_dirty || !s->lives[i]->saved_state) &&
		    (rc = live_queue(s, s->lives[i], false)))
			goto fail;
	if (pending_any(s) && (rc = sched_flush(srv)))
		goto fail;
	if (pthread_create(&s->thread, NULL, tick_main, srv)) {
		rc = FP_EINTERNAL;
		goto fail;
	}
	s->running = true;
	return 0;
fail:
	srv->sched = NULL;
	sched_free(s);
	return rc;
}

void fpd_sched_stop(struct fpd_server *srv)
{
	struct fpd_sched *s = sched_of(srv);

	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->running)
		pthread_join(s->thread, NULL);
	for (size_t i = 0; i < s->n_lives; i++)
		live_queue(s, s->lives[i], false);
	if (pending_any(s) && sched_flush(srv))
		fpd_err("rollout state not stored at stop");
	srv->sched = NULL;
	sched_free(s);
}
