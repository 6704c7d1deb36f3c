/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-loadgen: N simulated agents against a real fleetpatchd over
 * loopback.  One thread, non-blocking sockets and epoll, HTTP/1.1
 * keep-alive; a fixed number of connections each carry one request at a
 * time.  Phases: enroll and first (every agent once: enrollment, then
 * its first check-in with the full inventory), then timed rounds of full
 * inventories, unchanged check-ins and delta check-ins.  Reports
 * throughput, latency percentiles and errors per phase.
 *
 * The rollout phase plays agents under a deployment: unchanged check-ins
 * at --rate, and for each job an answer hands out, after --job-seconds a
 * report check-in with the job's result in "job_results" (the shape the
 * agent sends, agent/jobs.c) and, when it succeeded, the delta of the
 * upgraded package.  --ring-secret enrolls shares of the agents with
 * other secrets (whose groups make rings); --agents-file keeps the
 * credentials between runs.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "loadgen.h"
#include "opt.h"

/* K_FIRST: every enrolled agent's first check-in (full), once each. */
enum kind { K_ENROLL, K_FULL, K_UNCHANGED, K_DELTA, K_FIRST, K_ROLLOUT };
static const char *const kind_names[] = { "enroll", "full", "unchanged",
					  "delta", "first", "rollout" };

struct agent {
	char cred[64];
	uint64_t seq;
	int64_t job_id;   /* a job whose result is still to be reported */
	double due;       /* when that job is finished (monotonic seconds) */
	uint32_t image;
	uint8_t variant;  /* which image variant the server has */
	uint8_t enrolled;
	uint8_t busy;
	uint8_t need_full;
	uint8_t secret;   /* 0: --secret, i: the i-th --ring-secret */
	uint8_t job_fails;
	uint8_t job_mine; /* the job names this agent's package */
};

#define MAX_RING_SECRETS 8

#define RBUF 16384
#define SMALL 4096

struct conn {
	int fd;
	int connected;
	struct iovec iov[4];
	int iovcnt;
	char hdr[512];
	char b1[SMALL], b3[SMALL], res[SMALL];
	char rbuf[RBUF];
	size_t rlen;
	double t0;
	uint32_t agent;
	enum kind kind;
	int active;
	int64_t reported; /* job id whose result this request carries */
	int reported_failed;
};

struct stats {
	double *lat;
	size_t n, alloc;
	unsigned long ok, need_full, errors, status_err[6];
	/* rollout phase */
	unsigned long checkins, reports, jobs, jobs_dropped, results,
		results_failed;
};

static struct {
	struct sockaddr_in addr;
	const char *secret;
	char *ring_secret[MAX_RING_SECRETS + 1]; /* [0] unused */
	double ring_share[MAX_RING_SECRETS + 1];       /* percent */
	unsigned n_ring_secrets;
	double job_seconds, fail_share;
	unsigned long reg_issued; /* rollout: paced check-ins started */
	uint32_t *q;              /* rollout: agents with a job, FIFO */
	size_t q_head, q_n;
	uint64_t rs;
	unsigned agents, conc, images;
	double duration, rate, enroll_limit;
	int enroll_full;
	int json, progress;
	uint64_t tag;
	struct agent *ag;
	struct lg_image *img;
	int ep;
	struct conn *conns;
	uint64_t seq_base;
	char now_s[32];
	time_t now_t;
	unsigned long next_agent;
	unsigned long issued, completed;
	unsigned long cursor; /* next agent of a once-each phase */
	struct stats st;
} G;

static volatile sig_atomic_t interrupted;

static void on_sigint(int s)
{
	(void)s;
	interrupted = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *created_at(void)
{
	time_t t = time(NULL);

	if (t != G.now_t) {
		G.now_t = t;
		fp_time_rfc3339(t, G.now_s);
	}
	return G.now_s;
}

static void record(double lat)
{
	if (G.st.n == G.st.alloc) {
		size_t na = G.st.alloc ? G.st.alloc * 2 : 65536;
		double *nv = fp_reallocarray(G.st.lat, na, sizeof(*nv));
		if (!nv)
			return;
		G.st.lat = nv;
		G.st.alloc = na;
	}
	G.st.lat[G.st.n++] = lat;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double p)
{
	double x;
	size_t i;

	if (!G.st.n)
		return 0;
	x = p / 100.0 * (double)G.st.n;
	i = (size_t)x;
	if ((double)i < x)
		i++; /* nearest-rank: ceil */
	return G.st.lat[i ? i - 1 : 0] * 1000.0;
}

/* The inventory document of agent 'a' (identity + its image's packages). */
static int inv_head(char *out, size_t n, unsigned a)
{
	return snprintf(out, n,
		"{\"machine_id\":\"%016llx%016llx\",\"hostname\":\"lg-%07u\","
		"\"os\":{\"id\":\"debian\",\"version_id\":\"12\",\"codename\":"
		"\"bookworm\",\"pretty_name\":\"Debian GNU/Linux 12 (bookworm)\"},"
		"\"kernel\":\"6.1.0-lg\",\"arch\":\"x86_64\",\"uptime_seconds\":1000,"
		"\"reboot_required\":false,\"packages\":",
		(unsigned long long)G.tag, (unsigned long long)a, a);
}

#define INV_TAIL                                                            \
	",\"updates\":[],\"updates_checked\":true,\"package_manager\":\"apt\"," \
	"\"metadata_age_seconds\":100}"
#define CHECKIN_COMMON                                                      \
	"\"updates\":[],\"updates_checked\":true,\"package_manager\":\"apt\","  \
	"\"metadata_age_seconds\":100,\"reboot_required\":false,"               \
	"\"reboot_reasons\":[],\"restart_services\":[],\"uptime_seconds\":1000," \
	"\"job_results\":[%s]"

static int conn_open(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.ptr = c };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&G.addr, sizeof(G.addr)) < 0 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->connected = 0;
	if (epoll_ctl(G.ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(G.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
}

/* Pick the next agent for a phase; -1 when none is available. */
static long pick_agent(enum kind k)
{
	/* Once-each phases; failures are not retried. */
	if (k == K_ENROLL || k == K_FIRST) {
		while (k == K_FIRST && G.cursor < G.agents &&
		       !G.ag[G.cursor].enrolled)
			G.cursor++;
		return G.cursor < G.agents ? (long)G.cursor++ : -1;
	}
	for (unsigned tries = 0; tries < G.agents; tries++) {
		unsigned a = (unsigned)(G.next_agent++ % G.agents);
		struct agent *g = &G.ag[a];

		if (!g->busy && g->enrolled)
			return a;
	}
	return -1;
}

/*
 * The result of agent 'a''s job as the agent reports it (agent/jobs.c
 * result_json): its package went from this variant's version to the
 * other's, or the install failed and it stayed; a job naming none of
 * the agent's packages is skipped.
 */
static int job_result(struct conn *c, unsigned a)
{
	struct agent *g = &G.ag[a];
	const struct lg_image *im = &G.img[g->image];
	const char *name = im->name, *old = im->version[g->variant];
	const char *nw = im->version[!g->variant];
	time_t now = time(NULL);
	char t0[32], t1[32];
	int w;

	fp_time_rfc3339(now - (time_t)G.job_seconds, t0);
	fp_time_rfc3339(now, t1);
	if (!g->job_mine)
		w = snprintf(c->res, SMALL,
			"{\"job_id\":%lld,\"status\":\"skipped\",\"started_at\":"
			"\"%s\",\"finished_at\":\"%s\",\"message\":\"none of the "
			"job's packages is installed\",\"reboot_required\":false,"
			"\"deferrals_used\":0,\"packages\":[],\"log_tail\":\"\"}",
			(long long)g->job_id, t0, t1);
	else if (g->job_fails)
		w = snprintf(c->res, SMALL,
			"{\"job_id\":%lld,\"status\":\"failed\",\"started_at\":"
			"\"%s\",\"finished_at\":\"%s\",\"message\":\"apt-get "
			"install %s failed (exit 100)\",\"reboot_required\":false,"
			"\"deferrals_used\":0,\"packages\":[{\"name\":\"%s\","
			"\"old_version\":\"%s\",\"new_version\":\"%s\",\"result\":"
			"\"failed\",\"log_tail\":\"E: Sub-process /usr/bin/dpkg "
			"returned an error code (1)\"}],\"log_tail\":\"E: Sub-process "
			"/usr/bin/dpkg returned an error code (1)\"}",
			(long long)g->job_id, t0, t1, name, name, old, old);
	else
		w = snprintf(c->res, SMALL,
			"{\"job_id\":%lld,\"status\":\"succeeded\",\"started_at\":"
			"\"%s\",\"finished_at\":\"%s\",\"reboot_required\":false,"
			"\"deferrals_used\":0,\"packages\":[{\"name\":\"%s\","
			"\"old_version\":\"%s\",\"new_version\":\"%s\",\"result\":"
			"\"upgraded\",\"log_tail\":\"Setting up %s (%s) ...\"}],"
			"\"log_tail\":\"Setting up %s (%s) ...\"}",
			(long long)g->job_id, t0, t1, name, old, nw, name, nw, name,
			nw);
	if (w < 0 || w >= SMALL)
		return -1;
	c->reported = g->job_id;
	c->reported_failed = g->job_mine && g->job_fails;
	return 0;
}

/* 'report': the request carries the result of the agent's job. */
static int build_request(struct conn *c, enum kind k, unsigned a, int report)
{
	struct agent *g = &G.ag[a];
	const struct lg_image *im = &G.img[g->image];
	const char *path = "/api/v1/agent/checkin";
	int v = g->variant, nv = !v, w1, w3;
	size_t body;

	c->reported = 0;
	c->res[0] = '\0';
	if (report && job_result(c, a) < 0)
		return -1;
	/* A package that was upgraded changes the inventory: a delta. */
	if (k == K_ROLLOUT)
		k = report && g->job_mine && !g->job_fails ? K_DELTA : K_UNCHANGED;
	if (k == K_FIRST || (k != K_ENROLL && g->need_full))
		k = K_FULL;
	c->kind = k;
	c->iov[1].iov_base = NULL;
	c->iov[1].iov_len = 0;
	switch (k) {
	case K_ENROLL:
		path = "/api/v1/enroll";
		w1 = snprintf(c->b1, SMALL, "{\"secret\":\"%s\",\"inventory\":",
			      g->secret ? G.ring_secret[g->secret] : G.secret);
		w1 += inv_head(c->b1 + w1, SMALL - (size_t)w1, a);
		if (G.enroll_full) {
			c->iov[1].iov_base = im->pkgs[v];
			c->iov[1].iov_len = im->pkgs_len[v];
			w3 = snprintf(c->b3, SMALL, "%s}", INV_TAIL);
		} else {
			w3 = snprintf(c->b3, SMALL, "[]%s}", INV_TAIL);
		}
		break;
	case K_FULL:
		w1 = snprintf(c->b1, SMALL, "{\"seq\":%llu,\"created_at\":\"%s\","
			      "\"inventory_hash\":\"%s\",\"inventory\":",
			      (unsigned long long)(G.seq_base + ++g->seq),
			      created_at(), im->hash[nv]);
		w1 += inv_head(c->b1 + w1, SMALL - (size_t)w1, a);
		c->iov[1].iov_base = im->pkgs[nv];
		c->iov[1].iov_len = im->pkgs_len[nv];
		w3 = snprintf(c->b3, SMALL, "%s," CHECKIN_COMMON "}", INV_TAIL,
			      c->res);
		break;
	case K_DELTA:
		w1 = snprintf(c->b1, SMALL, "{\"seq\":%llu,\"created_at\":\"%s\","
			      "\"inventory_hash\":\"%s\",\"delta\":{\"base_hash\":"
			      "\"%s\",\"added\":[%s],\"removed\":[]},"
			      CHECKIN_COMMON "}",
			      (unsigned long long)(G.seq_base + ++g->seq),
			      created_at(), im->hash[nv], im->hash[v],
			      im->changed[nv], c->res);
		w3 = 0;
		c->b3[0] = '\0';
		break;
	default:
		w1 = snprintf(c->b1, SMALL, "{\"seq\":%llu,\"created_at\":\"%s\","
			      "\"inventory_hash\":\"%s\"," CHECKIN_COMMON "}",
			      (unsigned long long)(G.seq_base + ++g->seq),
			      created_at(), im->hash[v], c->res);
		w3 = 0;
		c->b3[0] = '\0';
	}
	if (w1 < 0 || w1 >= SMALL || w3 < 0 || w3 >= SMALL)
		return -1;
	body = (size_t)w1 + c->iov[1].iov_len + (size_t)w3;
	c->iov[0].iov_base = c->hdr;
	c->iov[0].iov_len = (size_t)snprintf(
		c->hdr, sizeof(c->hdr),
		"POST %s HTTP/1.1\r\nHost: loadgen\r\nContent-Type: "
		"application/json\r\nContent-Length: %zu\r\n%s%s%s\r\n",
		path, body, k == K_ENROLL ? "" : "Authorization: Bearer ",
		k == K_ENROLL ? "" : g->cred, k == K_ENROLL ? "" : "\r\n");
	c->iov[2].iov_base = c->b1;
	c->iov[2].iov_len = (size_t)w1;
	/* Order on the wire: header, body head, packages, body tail. */
	c->iov[3] = c->iov[1];
	c->iov[1] = c->iov[2];
	c->iov[2] = c->iov[3];
	c->iov[3].iov_base = c->b3;
	c->iov[3].iov_len = (size_t)w3;
	c->iovcnt = 4;
	c->agent = a;
	c->rlen = 0;
	g->busy = 1;
	return 0;
}

static int conn_write(struct conn *c)
{
	while (c->iovcnt) {
		ssize_t w = writev(c->fd, c->iov, c->iovcnt);
		if (w < 0)
			return errno == EAGAIN ? 0 : -1;
		while (w > 0 && c->iovcnt) {
			if ((size_t)w >= c->iov[0].iov_len) {
				w -= (ssize_t)c->iov[0].iov_len;
				memmove(c->iov, c->iov + 1,
					(size_t)(c->iovcnt - 1) * sizeof(c->iov[0]));
				c->iovcnt--;
			} else {
				c->iov[0].iov_base = (char *)c->iov[0].iov_base + w;
				c->iov[0].iov_len -= (size_t)w;
				w = 0;
			}
		}
		while (c->iovcnt && c->iov[0].iov_len == 0) {
			memmove(c->iov, c->iov + 1,
				(size_t)(c->iovcnt - 1) * sizeof(c->iov[0]));
			c->iovcnt--;
		}
	}
	return 0;
}

static void q_push(uint32_t a)
{
	if (G.q_n < G.agents) {
		G.q[(G.q_head + G.q_n) % G.agents] = a;
		G.q_n++;
	}
}

/* The next agent whose job is finished and can report now; -1: none. */
static long report_due(double t)
{
	for (size_t tries = G.q_n; tries > 0; tries--) {
		uint32_t a = G.q[G.q_head];

		if (G.ag[a].due > t)
			return -1;
		G.q_head = (G.q_head + 1) % G.agents;
		G.q_n--;
		if (!G.ag[a].busy)
			return a;
		q_push(a); /* in a check-in right now: later */
	}
	return -1;
}

/* A job out of a check-in answer: run it (for --job-seconds), report. */
static void take_job(unsigned a, const json_t *env)
{
	struct agent *g = &G.ag[a];
	const char *name = G.img[g->image].name;
	const char *payload = json_string_value(json_object_get(env, "payload"));
	json_t *p = payload ? json_loads(payload, 0, NULL) : NULL, *pk;
	json_int_t id = json_integer_value(json_object_get(p, "job_id"));
	size_t i;

	if (id <= 0) {
		G.st.errors++;
		goto out;
	}
	G.st.jobs++;
	if (g->job_id) {
		G.st.jobs_dropped++; /* one job at a time per simulated host */
		goto out;
	}
	g->job_id = id;
	g->due = now_s() + G.job_seconds;
	g->job_mine = 0;
	json_array_foreach(json_object_get(p, "packages"), i, pk)
		if (name[0] && !strcmp(json_string_value(json_object_get(pk, "name"))
				       ? json_string_value(json_object_get(pk, "name"))
				       : "", name))
			g->job_mine = 1;
	g->job_fails = G.fail_share > 0 &&
		       (double)(lg_rand(&G.rs) % 1000000) < G.fail_share * 10000;
	q_push(a);
out:
	json_decref(p);
}

static void finish(struct conn *c, int status, const char *body, size_t len)
{
	struct agent *g = &G.ag[c->agent];
	json_t *j = NULL, *e;
	size_t i;

	record(now_s() - c->t0);
	G.completed++;
	g->busy = 0;
	c->active = 0;
	if (status / 100 != 2) {
		G.st.errors++;
		G.st.status_err[status / 100 > 5 ? 0 : status / 100]++;
		if (c->kind != K_ENROLL && status == 401)
			g->enrolled = 0;
		if (c->reported)
			q_push(c->agent); /* the agent keeps it and tries again */
		return;
	}
	j = json_loadb(body, len, 0, NULL);
	if (c->kind != K_ENROLL && j) {
		/* 200: the results were applied, even with need_full */
		if (c->reported) {
			G.st.reports++;
			G.st.results++;
			G.st.results_failed += (unsigned long)c->reported_failed;
			if (g->job_id == c->reported)
				g->job_id = 0;
		} else {
			G.st.checkins++;
		}
		json_array_foreach(json_object_get(j, "jobs"), i, e)
			take_job(c->agent, e);
	}
	if (c->kind == K_ENROLL) {
		const char *cred = json_string_value(json_object_get(j, "credential"));
		if (!cred || strlen(cred) >= sizeof(g->cred)) {
			G.st.errors++;
		} else {
			memcpy(g->cred, cred, strlen(cred) + 1);
			g->enrolled = 1;
			/* The first check-in always carries the inventory. */
			g->need_full = 1;
			g->variant = 0;
			G.st.ok++;
		}
	} else {
		const char *s = json_string_value(json_object_get(j, "status"));
		if (s && !strcmp(s, "ok")) {
			G.st.ok++;
			if (c->kind == K_FULL || c->kind == K_DELTA)
				g->variant = !g->variant;
			g->need_full = 0;
		} else if (s && !strcmp(s, "need_full")) {
			G.st.need_full++;
			g->need_full = 1;
		} else {
			G.st.errors++;
		}
	}
	json_decref(j);
}

static void fail_conn(struct conn *c)
{
	if (c->active) {
		G.ag[c->agent].busy = 0;
		c->active = 0;
		if (c->reported)
			q_push(c->agent);
		G.st.errors++;
		G.st.status_err[0]++;
		G.completed++;
	}
	conn_close(c);
}

/* Parse what arrived; finish the exchange when the response is whole. */
static void conn_read(struct conn *c)
{
	for (;;) {
		ssize_t r = read(c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen);
		char *eoh, *cl, *p;
		size_t need, hlen;
		int status;

		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {
			fail_conn(c);
			return;
		}
		c->rlen += (size_t)r;
		c->rbuf[c->rlen] = '\0';
		eoh = strstr(c->rbuf, "\r\n\r\n");
		if (!eoh) {
			if (c->rlen >= RBUF - 1)
				fail_conn(c);
			continue;
		}
		hlen = (size_t)(eoh + 4 - c->rbuf);
		status = (int)strtol(c->rbuf + 9, NULL, 10); /* "HTTP/1.1 200" */
		need = 0;
		for (cl = c->rbuf; (cl = strchr(cl, '\n')) && cl < eoh; cl++)
			if (!strncasecmp(cl + 1, "content-length:", 15))
				need = strtoul(cl + 16, NULL, 10);
		if (hlen + need > RBUF - 1) {
			fail_conn(c);
			return;
		}
		if (c->rlen < hlen + need)
			continue;
		p = strcasestr(c->rbuf, "\nconnection: close");
		finish(c, status, eoh + 4, need);
		if (p && p < eoh)
			conn_close(c);
		return;
	}
}

/* Wait for writability only while a request is half sent. */
static int want_events(struct conn *c)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (c->iovcnt || !c->connected ? EPOLLOUT : 0),
		.data.ptr = c
	};

	return epoll_ctl(G.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void start_agent(struct conn *c, enum kind k, long a, int report)
{
	if (a < 0)
		return;
	if (c->fd < 0 && conn_open(c) < 0) {
		G.st.errors++;
		if (report)
			q_push((uint32_t)a);
		return;
	}
	if (build_request(c, k, (unsigned)a, report) < 0) {
		G.st.errors++;
		return;
	}
	c->active = 1;
	c->t0 = now_s();
	G.issued++;
	if (c->connected && (conn_write(c) < 0 || want_events(c) < 0))
		fail_conn(c);
}

static void start(struct conn *c, enum kind k)
{
	start_agent(c, k, pick_agent(k), 0);
}

/* Rollout: finished jobs report at once; check-ins keep to --rate. */
static void start_rollout(struct conn *c, double t, double el)
{
	long a = report_due(t);

	if (a >= 0) {
		start_agent(c, K_ROLLOUT, a, 1);
		return;
	}
	if (G.rate > 0 && (double)G.reg_issued >= G.rate * el)
		return;
	a = pick_agent(K_UNCHANGED);
	if (a >= 0)
		G.reg_issued++;
	start_agent(c, K_ROLLOUT, a, 0);
}

static void print_result(enum kind k, double secs)
{
	qsort(G.st.lat, G.st.n, sizeof(double), dbl_cmp);
	if (k == K_ROLLOUT && G.json) {
		printf("{\"checkins\":%lu,\"reports\":%lu,"
		       "\"jobs\":%lu,\"jobs_dropped\":%lu,\"results\":%lu,"
		       "\"results_failed\":%lu,\"results_pending\":%zu,"
		       "\"checkins_per_minute\":%.1f,",
		       G.st.checkins, G.st.reports, G.st.jobs, G.st.jobs_dropped,
		       G.st.results, G.st.results_failed, G.q_n,
		       secs > 0 ? (double)G.st.checkins * 60 / secs : 0);
		G.json = 2; /* the common fields follow */
	} else if (k == K_ROLLOUT) {
		printf("rollout   check-ins=%lu (%.0f/min) reports=%lu jobs=%lu "
		       "(dropped %lu) results=%lu (failed %lu, pending %zu)\n",
		       G.st.checkins,
		       secs > 0 ? (double)G.st.checkins * 60 / secs : 0,
		       G.st.reports, G.st.jobs, G.st.jobs_dropped, G.st.results,
		       G.st.results_failed, G.q_n);
	}
	if (G.json) {
		printf("%s\"phase\":\"%s\",\"agents\":%u,\"connections\":%u,"
		       "\"requests\":%zu,\"ok\":%lu,\"need_full\":%lu,"
		       "\"errors\":%lu,\"seconds\":%.3f,\"per_second\":%.1f,"
		       "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
		       "\"max_ms\":%.3f}\n",
		       G.json == 2 ? "" : "{", kind_names[k], G.agents, G.conc,
		       G.st.n, G.st.ok, G.st.need_full, G.st.errors, secs,
		       secs > 0 ? (double)G.st.ok / secs : 0, pct(50), pct(90),
		       pct(99), pct(100));
		G.json = 1;
	} else {
		printf("%-9s requests=%zu ok=%lu need_full=%lu errors=%lu "
		       "(net %lu, 4xx %lu, 5xx %lu) %.2fs  %.1f/s  p50=%.2fms "
		       "p90=%.2fms p99=%.2fms max=%.2fms\n",
		       kind_names[k], G.st.n, G.st.ok, G.st.need_full,
		       G.st.errors, G.st.status_err[0], G.st.status_err[4],
		       G.st.status_err[5], secs,
		       secs > 0 ? (double)G.st.ok / secs : 0, pct(50), pct(90),
		       pct(99), pct(100));
	}
	fflush(stdout);
}

/* Run one phase: enroll until every agent is in, or for G.duration. */
static void run_phase(enum kind k)
{
	struct epoll_event evs[256];
	double t0 = now_s(), limit, last_progress = t0;

	fp_free(G.st.lat);
	memset(&G.st, 0, sizeof(G.st));
	G.issued = G.completed = G.cursor = G.reg_issued = 0;
	limit = k == K_ENROLL || k == K_FIRST
			? (G.enroll_limit > 0 ? G.enroll_limit : 1e12)
			: G.duration;
	for (;;) {
		double t = now_s(), el = t - t0;
		int stop = interrupted || el >= limit ||
			   ((k == K_ENROLL || k == K_FIRST) &&
			    G.cursor >= G.agents);
		int busy = 0, n;

		for (unsigned i = 0; i < G.conc; i++) {
			struct conn *c = &G.conns[i];

			if (c->active) {
				busy++;
				continue;
			}
			if (stop)
				continue;
			if (k == K_ROLLOUT) {
				start_rollout(c, t, el);
				busy += c->active;
				continue;
			}
			if (G.rate > 0 && (double)G.issued >= G.rate * el)
				continue;
			start(c, k);
			busy += c->active;
		}
		if (stop && !busy)
			break;
		if (G.progress && t - last_progress >= 1.0) {
			fprintf(stderr, "\r%s: %lu ok, %lu errors, %.0f/s   ",
				kind_names[k], G.st.ok, G.st.errors,
				el > 0 ? (double)G.st.ok / el : 0);
			last_progress = t;
		}
		n = epoll_wait(G.ep, evs, 256, G.rate > 0 || !busy ? 1 : 100);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->fd < 0)
				continue;
			if (evs[i].events & (EPOLLERR | EPOLLHUP) &&
			    !(evs[i].events & EPOLLIN)) {
				fail_conn(c);
				continue;
			}
			if (evs[i].events & EPOLLOUT) {
				c->connected = 1;
				if ((c->active && conn_write(c) < 0) ||
				    want_events(c) < 0) {
					fail_conn(c);
					continue;
				}
			}
			if (evs[i].events & EPOLLIN)
				conn_read(c);
		}
	}
	if (G.progress)
		fprintf(stderr, "\r%60s\r", "");
	print_result(k, now_s() - t0);
}

static int usage(FILE *f, int rc)
{
	fprintf(f,
		"usage: fleetpatch-loadgen --server http://127.0.0.1:PORT --secret S\n"
		"         [--agents N] [--connections C]\n"
		"         [--phases enroll,first,full,unchanged,delta]\n"
		"         [--duration SECS] [--rate PER_SECOND] [--enroll-limit SECS]\n"
		"         [--enroll-inventory full|empty] [--images K]\n"
		"         [--min-packages N] [--max-packages N] [--seed N] [--json]\n"
		"       rollout: [--phases enroll,first,rollout] [--rate N[/min]]\n"
		"         [--package NAME] [--ring-secret SECRET:PERCENT]...\n"
		"         [--agents-file FILE] [--job-seconds S] [--fail-share PERCENT]\n");
	return rc;
}

/* "166.7", "166.7/s" or "10000/min": check-ins per second. */
static int parse_rate(const char *s, double *ret)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0 || v > 1e7)
		return -1;
	if (!strcmp(end, "/min"))
		v /= 60;
	else if (*end && strcmp(end, "/s"))
		return -1;
	*ret = v;
	return 0;
}

/* --ring-secret SECRET:PERCENT */
static int add_ring_secret(const char *s)
{
	const char *colon = strrchr(s, ':');
	double pct, sum = 0;
	char *end;

	if (!colon || colon == s || G.n_ring_secrets >= MAX_RING_SECRETS)
		return -1;
	pct = strtod(colon + 1, &end);
	if (*end || end == colon + 1 || pct < 0 || pct > 100)
		return -1;
	for (unsigned i = 1; i <= G.n_ring_secrets; i++)
		sum += G.ring_share[i];
	if (sum + pct > 100)
		return -1;
	G.n_ring_secrets++;
	G.ring_secret[G.n_ring_secrets] = fp_strndup(s, (size_t)(colon - s));
	G.ring_share[G.n_ring_secrets] = pct;
	return G.ring_secret[G.n_ring_secrets] ? 0 : -1;
}

/* Which secret agent 'a' enrolls with: shares of a fixed hash of 'a'. */
static uint8_t secret_of(unsigned a)
{
	uint64_t z = (uint64_t)a + G.tag * 0x9e3779b97f4a7c15ULL + 1;
	double u, acc = 0;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	u = (double)(z % 1000000) / 10000.0; /* percent */
	for (unsigned i = 1; i <= G.n_ring_secrets; i++) {
		acc += G.ring_share[i];
		if (u < acc)
			return (uint8_t)i;
	}
	return 0;
}

/* --agents-file: "CREDENTIAL VARIANT" per agent, "- 0" when not enrolled. */
static int agents_save(const char *path)
{
	struct fp_buf b;
	int r = 0;

	fp_buf_init(&b, (size_t)G.agents * 80 + 1);
	for (unsigned i = 0; !r && i < G.agents; i++)
		r = fp_buf_addf(&b, "%s %u\n",
				G.ag[i].enrolled ? G.ag[i].cred : "-",
				G.ag[i].variant);
	if (!r)
		r = fp_write_file_atomic(path, b.data, b.len, 0600);
	fp_buf_release(&b);
	return r;
}

static int agents_load(const char *path)
{
	struct fp_buf b;
	const char *p, *end;
	unsigned i = 0;
	int r;

	fp_buf_init(&b, (size_t)G.agents * 80 + 1);
	r = fp_read_file(path, &b);
	for (p = b.data, end = b.data + b.len; !r && p < end && i < G.agents; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp = nl ? memchr(p, ' ', (size_t)(nl - p)) : NULL;
		struct agent *g = &G.ag[i];
		size_t n = sp ? (size_t)(sp - p) : 0;

		if (!sp || n == 0 || n >= sizeof(g->cred) || nl - sp != 2 ||
		    (sp[1] != '0' && sp[1] != '1')) {
			r = FP_EINVAL;
			break;
		}
		if (!(n == 1 && *p == '-')) {
			memcpy(g->cred, p, n);
			g->cred[n] = '\0';
			g->enrolled = 1;
		}
		g->variant = (uint8_t)(sp[1] - '0');
		p = nl + 1;
	}
	fp_buf_release(&b);
	return r ? r : i == G.agents ? 0 : FP_EINVAL;
}

static int parse_server(const char *url)
{
	char host[64];
	const char *p;
	unsigned long port;
	char *end;
	size_t hl;

	if (strncmp(url, "http://", 7) != 0)
		return -1;
	url += 7;
	p = strrchr(url, ':');
	if (!p || (hl = (size_t)(p - url)) >= sizeof(host))
		return -1;
	memcpy(host, url, hl);
	host[hl] = '\0';
	port = strtoul(p + 1, &end, 10);
	if ((*end && strcmp(end, "/")) || port == 0 || port > 65535)
		return -1;
	G.addr.sin_family = AF_INET;
	G.addr.sin_port = htons((uint16_t)port);
	if (!strcmp(host, "localhost"))
		memcpy(host, "127.0.0.1", 10);
	return inet_pton(AF_INET, host, &G.addr.sin_addr) == 1 ? 0 : -1;
}

static int num_opt(const char *s, double lo, double hi, double *ret)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || end == s || v < lo || v > hi)
		return -1;
	*ret = v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *server = NULL, *phases = "enroll,first,full,unchanged,delta";
	const char *enroll_inv = "full", *agents_file = NULL, *package = NULL;
	struct lg_pool_opts po = { 5, 800, 1500, 1 };
	double agents = 1000, conc = 64, images = 5, minp = 800, maxp = 1500,
	       seed = 1;
	char err[512], list[256];
	struct timespec ts;

	G.duration = 5;
	G.progress = isatty(2);
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		int m = 0, bad = 0;
		struct { const char *name; double lo, hi; double *dst; } nums[] = {
			{ "--agents", 1, 1e8, &agents },
			{ "--connections", 1, 4096, &conc },
			{ "--duration", 0.1, 86400, &G.duration },
			{ "--enroll-limit", 0, 86400 * 7, &G.enroll_limit },
			{ "--images", 1, 1000, &images },
			{ "--min-packages", 1, 100000, &minp },
			{ "--max-packages", 1, 100000, &maxp },
			{ "--seed", 0, 1e15, &seed },
			{ "--job-seconds", 0, 86400, &G.job_seconds },
			{ "--fail-share", 0, 100, &G.fail_share },
		};

		if (!strcmp(argv[i], "--help"))
			return usage(stdout, 0);
		if (!strcmp(argv[i], "--json")) {
			G.json = 1;
			continue;
		}
		if (!strcmp(argv[i], "--no-progress")) {
			G.progress = 0;
			continue;
		}
		m = fp_opt_value(argc, argv, &i, "--server", &server);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--secret", &G.secret);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--phases", &phases);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--enroll-inventory", &enroll_inv);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--agents-file", &agents_file);
		if (!m)
			m = fp_opt_value(argc, argv, &i, "--package", &package);
		if (!m && (m = fp_opt_value(argc, argv, &i, "--rate", &v)) > 0)
			bad = parse_rate(v, &G.rate);
		if (!m && (m = fp_opt_value(argc, argv, &i, "--ring-secret", &v)) > 0)
			bad = add_ring_secret(v);
		for (size_t k = 0; !m && k < FP_ARRAY_SIZE(nums); k++) {
			m = fp_opt_value(argc, argv, &i, nums[k].name, &v);
			if (m > 0)
				bad = num_opt(v, nums[k].lo, nums[k].hi, nums[k].dst);
		}
		if (m <= 0 || bad) {
			fprintf(stderr, "fleetpatch-loadgen: bad argument '%s'\n",
				argv[i]);
			return usage(stderr, 2);
		}
	}
	if (!server || parse_server(server) < 0 || minp > maxp ||
	    (strcmp(enroll_inv, "full") && strcmp(enroll_inv, "empty"))) {
		fprintf(stderr, "fleetpatch-loadgen: --server http://IPv4:PORT is "
				"required; --min-packages <= --max-packages\n");
		return usage(stderr, 2);
	}
	if (strstr(phases, "enroll") && !G.secret) {
		fprintf(stderr, "fleetpatch-loadgen: enroll needs --secret\n");
		return 2;
	}
	G.agents = (unsigned)agents;
	G.conc = (unsigned)conc < G.agents ? (unsigned)conc : G.agents;
	G.images = (unsigned)images;
	G.enroll_full = !strcmp(enroll_inv, "full");
	G.tag = (uint64_t)seed;
	po.images = G.images;
	po.min_packages = (unsigned)minp;
	po.max_packages = (unsigned)maxp;
	po.seed = (uint64_t)seed + 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint); /* a script's kill ends the phase cleanly */
	G.rs = (uint64_t)seed * 7919 + 3;
	if (package) {
		G.images = 1;
		if (lg_image_single(package, &G.img, err, sizeof(err)) != 0) {
			fprintf(stderr, "fleetpatch-loadgen: %s\n", err);
			return 2;
		}
	} else if (lg_images_build(&po, &G.img, err, sizeof(err)) != 0) {
		fprintf(stderr, "fleetpatch-loadgen: %s\n", err);
		return 1;
	}
	G.ag = fp_calloc(G.agents, sizeof(*G.ag));
	G.conns = fp_calloc(G.conc, sizeof(*G.conns));
	G.q = fp_calloc(G.agents, sizeof(*G.q));
	G.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!G.ag || !G.conns || !G.q || G.ep < 0) {
		fprintf(stderr, "fleetpatch-loadgen: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < G.agents; i++) {
		G.ag[i].image = i % G.images;
		G.ag[i].secret = secret_of(i);
	}
	if (agents_file && !strstr(phases, "enroll") &&
	    agents_load(agents_file) != 0) {
		fprintf(stderr, "fleetpatch-loadgen: %s: not an agents file of "
				"at least %u agents\n", agents_file, G.agents);
		return 1;
	}
	for (unsigned i = 0; i < G.conc; i++)
		G.conns[i].fd = -1;
	/* Sequence numbers keep growing across runs against the same data. */
	clock_gettime(CLOCK_REALTIME, &ts);
	G.seq_base = (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
	if (!G.json) {
		size_t lo = G.img[0].n_packages, hi = lo;

		for (unsigned i = 1; i < G.images; i++) {
			if (G.img[i].n_packages < lo)
				lo = G.img[i].n_packages;
			if (G.img[i].n_packages > hi)
				hi = G.img[i].n_packages;
		}
		printf("# %u agents, %u connections, %u images of %zu..%zu "
		       "packages\n", G.agents, G.conc, G.images, lo, hi);
	}

	snprintf(list, sizeof(list), "%s", phases);
	for (char *save = NULL, *p = strtok_r(list, ",", &save); p && !interrupted;
	     p = strtok_r(NULL, ",", &save)) {
		size_t k;
		for (k = 0; k < FP_ARRAY_SIZE(kind_names); k++)
			if (!strcmp(p, kind_names[k]))
				break;
		if (k == FP_ARRAY_SIZE(kind_names)) {
			fprintf(stderr, "fleetpatch-loadgen: unknown phase '%s'\n", p);
			return 2;
		}
		run_phase((enum kind)k);
	}
	for (unsigned i = 0; i < G.conc; i++)
		conn_close(&G.conns[i]);
	if (agents_file && agents_save(agents_file) != 0) {
		fprintf(stderr, "fleetpatch-loadgen: cannot write %s\n",
			agents_file);
		return 1;
	}
	for (unsigned i = 1; i <= G.n_ring_secrets; i++)
		fp_free(G.ring_secret[i]);
	fp_free(G.q);
	lg_images_free(G.img, G.images);
	fp_free(G.ag);
	fp_free(G.conns);
	fp_free(G.st.lat);
	close(G.ep);
	return 0;
}
