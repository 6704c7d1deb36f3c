/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-loadgen: N simulated agents against a real fleetpatchd over
 * loopback.  One thread, non-blocking sockets and epoll, HTTP/1.1
 * keep-alive; a fixed number of connections each carry one request at a
 * time.  Phases: enroll and first (every agent once: enrollment, then
 * its first check-in with the full inventory), then timed rounds of full
 * inventories, unchanged check-ins and delta check-ins.  Reports
 * throughput, latency percentiles and errors per phase.
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
enum kind { K_ENROLL, K_FULL, K_UNCHANGED, K_DELTA, K_FIRST };
static const char *const kind_names[] = { "enroll", "full", "unchanged",
					  "delta", "first" };

struct agent {
	char cred[64];
	uint64_t seq;
	uint32_t image;
	uint8_t variant;  /* which image variant the server has */
	uint8_t enrolled;
	uint8_t busy;
	uint8_t need_full;
};

#define RBUF 16384
#define SMALL 4096

struct conn {
	int fd;
	int connected;
	struct iovec iov[4];
	int iovcnt;
	char hdr[512];
	char b1[SMALL], b3[SMALL];
	char rbuf[RBUF];
	size_t rlen;
	double t0;
	uint32_t agent;
	enum kind kind;
	int active;
};

struct stats {
	double *lat;
	size_t n, alloc;
	unsigned long ok, need_full, errors, status_err[6];
};

static struct {
	struct sockaddr_in addr;
	const char *secret;
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
	"\"job_results\":[]"

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

static int build_request(struct conn *c, enum kind k, unsigned a)
{
	struct agent *g = &G.ag[a];
	const struct lg_image *im = &G.img[g->image];
	const char *path = "/api/v1/agent/checkin";
	int v = g->variant, nv = !v, w1, w3;
	size_t body;

	if (k == K_FIRST || (k != K_ENROLL && g->need_full))
		k = K_FULL;
	c->kind = k;
	c->iov[1].iov_base = NULL;
	c->iov[1].iov_len = 0;
	switch (k) {
	case K_ENROLL:
		path = "/api/v1/enroll";
		w1 = snprintf(c->b1, SMALL, "{\"secret\":\"%s\",\"inventory\":",
			      G.secret);
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
		w3 = snprintf(c->b3, SMALL, "%s," CHECKIN_COMMON "}", INV_TAIL);
		break;
	case K_DELTA:
		w1 = snprintf(c->b1, SMALL, "{\"seq\":%llu,\"created_at\":\"%s\","
			      "\"inventory_hash\":\"%s\",\"delta\":{\"base_hash\":"
			      "\"%s\",\"added\":[%s],\"removed\":[]},"
			      CHECKIN_COMMON "}",
			      (unsigned long long)(G.seq_base + ++g->seq),
			      created_at(), im->hash[nv], im->hash[v],
			      im->changed[nv]);
		w3 = 0;
		c->b3[0] = '\0';
		break;
	default:
		w1 = snprintf(c->b1, SMALL, "{\"seq\":%llu,\"created_at\":\"%s\","
			      "\"inventory_hash\":\"%s\"," CHECKIN_COMMON "}",
			      (unsigned long long)(G.seq_base + ++g->seq),
			      created_at(), im->hash[v]);
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

static void finish(struct conn *c, int status, const char *body, size_t len)
{
	struct agent *g = &G.ag[c->agent];
	json_t *j = NULL;

	record(now_s() - c->t0);
	G.completed++;
	g->busy = 0;
	c->active = 0;
	if (status / 100 != 2) {
		G.st.errors++;
		G.st.status_err[status / 100 > 5 ? 0 : status / 100]++;
		if (c->kind != K_ENROLL && status == 401)
			g->enrolled = 0;
		return;
	}
	j = json_loadb(body, len, 0, NULL);
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

static void start(struct conn *c, enum kind k)
{
	long a = pick_agent(k);

	if (a < 0)
		return;
	if (c->fd < 0 && conn_open(c) < 0) {
		G.st.errors++;
		return;
	}
	if (build_request(c, k, (unsigned)a) < 0)
		return;
	c->active = 1;
	c->t0 = now_s();
	G.issued++;
	if (c->connected && (conn_write(c) < 0 || want_events(c) < 0))
		fail_conn(c);
}

static void print_result(enum kind k, double secs)
{
	qsort(G.st.lat, G.st.n, sizeof(double), dbl_cmp);
	if (G.json) {
		printf("{\"phase\":\"%s\",\"agents\":%u,\"connections\":%u,"
		       "\"requests\":%zu,\"ok\":%lu,\"need_full\":%lu,"
		       "\"errors\":%lu,\"seconds\":%.3f,\"per_second\":%.1f,"
		       "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
		       "\"max_ms\":%.3f}\n",
		       kind_names[k], G.agents, G.conc, G.st.n, G.st.ok,
		       G.st.need_full, G.st.errors, secs,
		       secs > 0 ? (double)G.st.ok / secs : 0, pct(50), pct(90),
		       pct(99), pct(100));
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
	G.issued = G.completed = G.cursor = 0;
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
		"         [--min-packages N] [--max-packages N] [--seed N] [--json]\n");
	return rc;
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
	const char *enroll_inv = "full";
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
			{ "--rate", 0, 1e7, &G.rate },
			{ "--enroll-limit", 0, 86400 * 7, &G.enroll_limit },
			{ "--images", 1, 1000, &images },
			{ "--min-packages", 1, 100000, &minp },
			{ "--max-packages", 1, 100000, &maxp },
			{ "--seed", 0, 1e15, &seed },
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

	if (lg_images_build(&po, &G.img, err, sizeof(err)) != 0) {
		fprintf(stderr, "fleetpatch-loadgen: %s\n", err);
		return 1;
	}
	G.ag = fp_calloc(G.agents, sizeof(*G.ag));
	G.conns = fp_calloc(G.conc, sizeof(*G.conns));
	G.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!G.ag || !G.conns || G.ep < 0) {
		fprintf(stderr, "fleetpatch-loadgen: out of memory\n");
		return 1;
	}
	for (unsigned i = 0; i < G.agents; i++)
		G.ag[i].image = i % G.images;
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
	lg_images_free(G.img, G.images);
	fp_free(G.ag);
	fp_free(G.conns);
	fp_free(G.st.lat);
	close(G.ep);
	return 0;
}
