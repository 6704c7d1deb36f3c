/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-agent run [--once] [--state-dir DIR] [--root DIR]
 *                      [--interval DURATION] [--refresh DURATION]
 *                      [--spool-max N] [--notice DURATION]
 *                      [--request-dir DIR]
 *
 * The check-in loop.  Each round collects the inventory, spools it as a
 * report (so it survives anything that follows) and delivers the spool
 * in order.  Rounds come every check-in interval (the server's value, or
 * --interval) with +-10% jitter; when the server cannot be reached the
 * spool is retried with exponential backoff and full jitter.  The package
 * manager's metadata is refreshed on its own schedule (default 6 hours,
 * remembered in refresh.stamp).  Jobs in the server's answer are applied
 * right after it (agent/run_jobs.c) and their results reported by a second
 * check-in at once, also with --once.  A job that waits (notice period,
 * a user's deferral) wakes the loop when it is due, not a round later;
 * between rounds the loop answers users' deferral requests
 * (agent/defer_box.h) every second.  docs/agent.md has the details.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "defer_box.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "http.h"
#include "opt.h"
#include "run_jobs.h"
#include "state.h"

#define BACKOFF_BASE 5      /* seconds, first retry */
#define BACKOFF_MAX 3600    /* seconds, longest wait between retries */
#define WAKE_MIN 5          /* seconds, earliest wake for a waiting job */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: fleetpatch-agent run [--once] [--state-dir DIR] "
		   "[--root DIR] [--interval DURATION] [--refresh DURATION] "
		   "[--spool-max N] [--notice DURATION] [--request-dir DIR]\n");
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Uniform in [0, 1). */
static double random_unit(void)
{
	uint32_t x = 0;

	if (fp_random_bytes(&x, sizeof(x)))
		x = (uint32_t)rand();
	return (double)x / 4294967296.0;
}

/* Exponential backoff with full jitter in its upper half. */
static double backoff_delay(unsigned failures)
{
	double d = BACKOFF_BASE;

	for (unsigned i = 1; i < failures && d < BACKOFF_MAX; i++)
		d *= 2;
	if (d > BACKOFF_MAX)
		d = BACKOFF_MAX;
	return d / 2 + random_unit() * d / 2;
}

/* The deferral drop-box the loop serves while it sleeps. */
struct run_box {
	const char *dir, *state_dir;
	bool ready;
};

static void box_prepare(struct run_box *b)
{
	struct fp_diag d;
	bool was = b->ready;

	fp_diag_init(&d, NULL);
	b->ready = agent_defer_box_prepare(b->dir, &d) == 0;
	if (!b->ready && was != b->ready)
		agent_log("warning", "users cannot defer jobs without root: %s", d.msg);
}

static void sleep_until(double deadline, struct run_box *box)
{
	while (!stop_requested) {
		double left = deadline - now_mono();
		struct timespec ts;

		if (left <= 0)
			return;
		if (box->ready)
			agent_defer_box_serve(box->dir, box->state_dir, time(NULL));
		left = deadline - now_mono();
		if (left <= 0)
			return;
		if (left > 1.0)
			left = 1.0; /* stay responsive to signals */
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
}

/*
 * When to wake: the next round, or shortly after the first waiting job
 * is due (wall clock 'due', 0: none), but not before WAKE_MIN seconds.
 */
static double wake_at(double next_round, time_t due)
{
	double now = now_mono(), at;

	if (due <= 0)
		return next_round;
	at = now + (double)(due - time(NULL)) + 1.0; /* due is whole seconds */
	if (at < now + WAKE_MIN)
		at = now + WAKE_MIN;
	return at < next_round ? at : next_round;
}

/* Is the package manager's metadata refresh due (refresh.stamp)? */
static bool refresh_due(const char *state_dir, int64_t every)
{
	char s[64];
	time_t last;

	if (every <= 0)
		return false;
	if (agent_text_load(state_dir, "refresh.stamp", s, sizeof(s)) != 0 ||
	    fp_time_parse_rfc3339(s, &last) != 0)
		return true;
	return time(NULL) - last >= every || time(NULL) < last;
}

/* One round: collect, then spool the report.  0 or an fp_err. */
static int make_report(const char *state_dir, const char *root,
		       int64_t refresh_every, size_t spool_max)
{
	bool refresh = refresh_due(state_dir, refresh_every), refreshed = false;
	unsigned long long seq;
	char hash[65], err[512], ts[32];
	json_t *inv = NULL, *report = NULL;
	int r;

	r = agent_collect(root, refresh, &inv, hash, &refreshed, err,
			  sizeof(err));
	if (r) {
		agent_log("error", "inventory: %s", err);
		return r;
	}
	if (refreshed)
		agent_text_save(state_dir, "refresh.stamp",
				fp_time_rfc3339(time(NULL), ts));
	r = agent_seq_next(state_dir, &seq);
	if (r) {
		agent_log("error", "cannot update %s/seq: %s", state_dir,
			  fp_strerror(r));
		goto out;
	}
	report = json_pack("{s:I, s:s, s:s, s:O}", "seq", (json_int_t)seq,
			   "created_at", fp_time_rfc3339(time(NULL), ts), "hash",
			   hash, "inventory", inv);
	if (!report) {
		r = FP_ENOMEM;
		goto out;
	}
	r = agent_spool_add(state_dir, seq, report, spool_max);
	if (r)
		agent_log("error", "cannot spool report %llu: %s", seq,
			  fp_strerror(r));
out:
	json_decref(inv);
	json_decref(report);
	return r;
}

int cmd_run(int argc, char **argv)
{
	const char *state_dir = AGENT_DEFAULT_STATE_DIR, *root = NULL;
	const char *interval_s = NULL, *refresh_s = NULL, *spool_s = NULL;
	const char *notice_s = NULL;
	struct run_box box = { AGENT_DEFAULT_REQUEST_DIR, NULL, false };
	int64_t notice = -1;
	size_t spool_max = AGENT_SPOOL_MAX_REPORTS;
	int64_t interval_flag = 0, refresh_every = AGENT_DEFAULT_REFRESH;
	char credential[512];
	struct agent_config cfg;
	struct fp_http_client c;
	struct agent_run_jobs rj;
	struct sigaction sa;
	bool once = false;
	unsigned failures = 0;
	double next_round = 0;
	int r, rc = 1;

	for (int i = 1; i < argc; i++) {
		int m = 0;

		if (!strcmp(argv[i], "--once")) {
			once = true;
			continue;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--state-dir", &state_dir);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--root", &root);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--interval", &interval_s);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--refresh", &refresh_s);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--spool-max", &spool_s);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--notice", &notice_s);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--request-dir", &box.dir);
		if (m <= 0) {
			fprintf(stderr, "fleetpatch-agent: run: %s '%s'\n",
				m < 0 ? "missing value for" : "unknown argument",
				argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if ((interval_s && (fp_duration_parse(interval_s, &interval_flag) ||
			    interval_flag <= 0)) ||
	    (refresh_s && (fp_duration_parse(refresh_s, &refresh_every) ||
			   refresh_every < 0))) {
		fprintf(stderr, "fleetpatch-agent: run: invalid duration '%s' "
				"(e.g. 90s, 15m, 6h; --refresh 0 disables)\n",
			interval_s && interval_flag <= 0 ? interval_s : refresh_s);
		return 2;
	}
	if (notice_s && (fp_duration_parse(notice_s, &notice) || notice < 0 ||
			 notice > 86400)) {
		fprintf(stderr, "fleetpatch-agent: run: --notice wants 0s..1d: %s\n",
			notice_s);
		return 2;
	}
	if (spool_s) {
		char *end;
		unsigned long v = strtoul(spool_s, &end, 10);

		if (*end || v < 1 || v > 100000 || *spool_s == '-') {
			fprintf(stderr, "fleetpatch-agent: run: --spool-max wants "
					"1..100000: %s\n", spool_s);
			return 2;
		}
		spool_max = v;
	}
	r = agent_config_load(state_dir, &cfg);
	if (r == 0)
		r = agent_text_load(state_dir, "credential", credential,
				    sizeof(credential));
	if (r) {
		fprintf(stderr, "fleetpatch-agent: run: not enrolled (%s in %s): "
				"run 'fleetpatch-agent enroll' first\n",
			fp_strerror(r), state_dir);
		return 1;
	}
	if (!root && cfg.root[0])
		root = cfg.root;
	r = agent_state_prepare(state_dir);
	if (r || fp_http_client_init(&c, cfg.server,
				     cfg.ca_cert[0] ? cfg.ca_cert : NULL)) {
		fprintf(stderr, "fleetpatch-agent: run: bad state in %s\n",
			state_dir);
		return 1;
	}

	agent_run_jobs_start(&rj, state_dir, root);
	rj.notice_s = notice;
	box.state_dir = state_dir;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!once)
		agent_log("info", "checking in with %s as host %lld", cfg.server,
			  cfg.host_id);

	while (!stop_requested) {
		long long interval = interval_flag ? interval_flag
				   : cfg.checkin_interval > 0 ? cfg.checkin_interval
				   : AGENT_DEFAULT_INTERVAL;
		long long before = cfg.checkin_interval;
		enum agent_deliver d;
		unsigned delivered = 0;
		double now = now_mono();

		if (now >= next_round) {
			if (!once)
				box_prepare(&box);
			/* A failed collection still delivers what is spooled. */
			make_report(state_dir, root, refresh_every, spool_max);
			next_round = now + (double)interval *
						   (0.9 + 0.2 * random_unit());
		}
		d = agent_spool_deliver(state_dir, &c, credential,
					&cfg.checkin_interval, &delivered);
		/* Jobs ran: report their results and the new state at once. */
		if (agent_run_jobs_apply(&rj) && d == AGENT_DELIVERED &&
		    make_report(state_dir, root, 0, spool_max) == 0) {
			unsigned more = 0;
			d = agent_spool_deliver(state_dir, &c, credential,
						&cfg.checkin_interval, &more);
			delivered += more;
		}
		if (cfg.checkin_interval != before)
			agent_config_save(state_dir, &cfg);
		if (once) {
			if (d == AGENT_DELIVERED) {
				printf("checked in with %s (%u report%s "
				       "delivered)\n", cfg.server, delivered,
				       delivered == 1 ? "" : "s");
				rc = 0;
			} else {
				fprintf(stderr, "fleetpatch-agent: run: %s; "
						"reports stay in %s/spool\n",
					d == AGENT_REJECTED ? "credential refused"
							    : "server unreachable",
					state_dir);
			}
			break;
		}
		if (delivered)
			agent_log("info", "delivered %u report%s", delivered,
				  delivered == 1 ? "" : "s");
		if (d == AGENT_DELIVERED) {
			failures = 0;
			sleep_until(wake_at(next_round, rj.next_due), &box);
		} else {
			double retry = now_mono() + backoff_delay(++failures);
			sleep_until(wake_at(retry < next_round ? retry : next_round,
					    rj.next_due), &box);
		}
	}
	if (!once) {
		agent_log("info", "stopping");
		rc = 0;
	}
	agent_run_jobs_stop(&rj);
	fp_http_client_release(&c);
	return rc;
}
