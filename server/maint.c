/* SPDX-License-Identifier: MIT */
/*
 * Housekeeping thread: every sweep_interval it deletes the package and
 * update sets no host refers to any more, a few at a time so check-ins
 * queued behind the writer wait for milliseconds, not for the whole
 * sweep.
 */
#include <pthread.h>
#include <time.h>

#include "fleetpatch/alloc.h"
#include "log.h"
#include "server.h"

#define SWEEP_CHUNK 16 /* sets of each kind per write transaction */

struct fpd_maint {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	_Atomic bool stop;
	bool running;
};

static void sweep(struct fpd_server *srv)
{
	struct fp_store *st = srv->store;
	struct fp_sweep_result r;
	int64_t pkgsets = 0, updsets = 0;
	int rc;

	do {
		if ((rc = st->ops->sweep(st, SWEEP_CHUNK, &r))) {
			fpd_err("sweep of unused sets: %s", fp_strerror(rc));
			return;
		}
		pkgsets += r.pkgsets;
		updsets += r.updsets;
	} while ((r.pkgsets == SWEEP_CHUNK || r.updsets == SWEEP_CHUNK) &&
		 !srv->maint->stop);
	if (pkgsets || updsets)
		fpd_info("swept %lld package sets and %lld update sets no host uses",
			 (long long)pkgsets, (long long)updsets);
}

static void *maint_main(void *arg)
{
	struct fpd_server *srv = arg;
	struct fpd_maint *m = srv->maint;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += srv->cfg.sweep_interval;
		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
		if (m->stop)
			break;
		pthread_mutex_unlock(&m->mu);
		sweep(srv);
		pthread_mutex_lock(&m->mu);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

int fpd_maint_start(struct fpd_server *srv)
{
	struct fpd_maint *m = fp_calloc(1, sizeof(*m));

	if (!m)
		return FP_ENOMEM;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	srv->maint = m;
	if (pthread_create(&m->thread, NULL, maint_main, srv)) {
		srv->maint = NULL;
		pthread_cond_destroy(&m->cv);
		pthread_mutex_destroy(&m->mu);
		fp_free(m);
		return FP_EINTERNAL;
	}
	m->running = true;
	return 0;
}

void fpd_maint_stop(struct fpd_server *srv)
{
	struct fpd_maint *m = srv->maint;

	if (!m)
		return;
	pthread_mutex_lock(&m->mu);
	m->stop = true;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	if (m->running)
		pthread_join(m->thread, NULL);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	srv->maint = NULL;
	fp_free(m);
}
