/* SPDX-License-Identifier: MIT */
/*
 * Test helper for fleetpatchd: builds agent bodies and posts check-ins
 * without the agent (which is developed separately).
 *
 *   fp-test-checkin body [--machine-id M] [--hostname H] [--packages N]
 *                        [--seq S] [--marker V] [--base-marker V]
 *                        [--unchanged] [--enroll SECRET]
 *       Prints a body: an enrollment (--enroll), a full check-in, a delta
 *       (--base-marker: the marker package moves from that version to
 *       --marker) or an unchanged one (--unchanged).  The inventory has N
 *       synthetic packages plus "marker" at version --marker, so a test
 *       can tell which check-in the server holds.
 *
 *   fp-test-checkin blast --url URL --creds FILE --threads T --seconds S
 *                         --acked FILE [--cacert F] [--mode full|unchanged]
 *                         [--packages N]
 *       FILE has "host_id credential" lines.  Each thread owns some hosts
 *       and sends them full check-ins (marker = seq) as fast as it can,
 *       appending "host_id seq" to --acked (if given) after every 200,
 *       flushed before the next request.  Stops at the time limit or
 *       when the server goes away.  --mode unchanged sends one full
 *       inventory per host, then unchanged check-ins (the common case);
 *       the rate and latency percentiles are printed at the end.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "fleetpatch/util.h"

struct opts {
	const char *machine_id, *hostname, *enroll;
	long packages, seq, marker, base_marker;
	bool unchanged;
	bool wrong_hash; /* delta: claim a result the delta does not give */
};

static void pkg_at(long i, long marker, char *name, size_t nn, char *ver,
		   size_t vn)
{
	if (i < 0) {
		snprintf(name, nn, "marker");
		snprintf(ver, vn, "%ld.0-1", marker);
	} else {
		snprintf(name, nn, "pkg%04ld", i);
		snprintf(ver, vn, "1.%ld-%ld", i % 7, i % 3 + 1);
	}
}

/* packages array and its hash for a marker version */
static json_t *packages(long n, long marker, char hash[65])
{
	json_t *arr = json_array();
	struct fp_wpkg *w = calloc((size_t)n + 1, sizeof(*w));
	char name[32], ver[32];

	for (long i = -1; i < n; i++) {
		pkg_at(i, marker, name, sizeof(name), ver, sizeof(ver));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "name",
						     name, "version", ver, "arch",
						     "amd64", "ecosystem", "deb"));
	}
	for (long i = 0; i <= n; i++) {
		json_t *o = json_array_get(arr, (size_t)i);
		w[i].name = json_string_value(json_object_get(o, "name"));
		w[i].version = json_string_value(json_object_get(o, "version"));
		w[i].arch = "amd64";
		w[i].eco = FP_ECO_DEB;
	}
	fp_wpkg_sort(w, (size_t)n + 1);
	fp_wpkg_hash(w, (size_t)n + 1, hash);
	free(w);
	return arr;
}

static json_t *inventory(const struct opts *o, char hash[65])
{
	json_t *inv = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:s,"
				" s:{s:i, s:I}, s:b, s:s}",
				"machine_id", o->machine_id, "hostname", o->hostname,
				"os", "id", "debian", "version_id", "12",
				"pretty_name", "Debian GNU/Linux 12 (bookworm)",
				"kernel", "6.1.0-26-amd64", "arch", "x86_64",
				"hardware", "cpu_count", 2, "memory_bytes",
				(json_int_t)8 << 30, "updates_checked", 1,
				"package_manager", "apt");
	json_object_set_new(inv, "packages", packages(o->packages, o->marker, hash));
	return inv;
}

static json_t *updates(void)
{
	return json_pack("[{s:s, s:s, s:s, s:s, s:s, s:b}]", "name", "pkg0001",
			 "arch", "amd64", "installed_version", "1.1-2",
			 "candidate_version", "1.1-3", "origin",
			 "Debian-Security:12/stable-security", "security", 1);
}

static char *body(const struct opts *o)
{
	char hash[65], base[65];
	json_t *b;
	char *s;

	if (o->enroll) {
		b = json_pack("{s:s, s:o}", "secret", o->enroll, "inventory",
			      inventory(o, hash));
	} else if (o->unchanged) {
		json_decref(packages(o->packages, o->marker, hash));
		b = json_pack("{s:I, s:s}", "seq", (json_int_t)o->seq,
			      "inventory_hash", hash);
	} else if (o->base_marker >= 0) {
		char ver[32];
		json_decref(packages(o->packages, o->base_marker, base));
		json_decref(packages(o->packages + o->wrong_hash, o->marker, hash));
		snprintf(ver, sizeof(ver), "%ld.0-1", o->marker);
		b = json_pack("{s:I, s:s, s:{s:s, s:[{s:s, s:s, s:s, s:s}], s:[]}}",
			      "seq", (json_int_t)o->seq, "inventory_hash", hash,
			      "delta", "base_hash", base, "added", "name", "marker",
			      "version", ver, "arch", "amd64", "ecosystem", "deb",
			      "removed");
	} else {
		json_t *inv = inventory(o, hash);
		b = json_pack("{s:I, s:s, s:o, s:o, s:b, s:b}", "seq",
			      (json_int_t)o->seq, "inventory_hash", hash,
			      "inventory", inv, "updates", updates(),
			      "updates_checked", 1, "reboot_required", 0);
	}
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	return s;
}

/* --- blast ------------------------------------------------------------------- */

struct host {
	long id;
	char cred[128];
	long seq;
};

enum blast_mode { MODE_FULL, MODE_UNCHANGED };

struct blast {
	const char *url, *cacert;
	enum blast_mode mode;
	long packages;
	double *lat;        /* latencies of acknowledged requests, ms */
	size_t n_lat, cap_lat;
	struct host *hosts;
	size_t n_hosts;
	unsigned threads;
	time_t until;
	FILE *acked;
	pthread_mutex_t mu;
	long ok, failed;
};

struct worker {
	struct blast *b;
	unsigned index;
};

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct blast *b = w->b;
	CURL *c = curl_easy_init();
	char url[512];
	int errors = 0;

	snprintf(url, sizeof(url), "%s/api/v1/agent/checkin", b->url);
	while (time(NULL) < b->until && errors < 20) {
		for (size_t h = w->index; h < b->n_hosts; h += b->threads) {
			struct host *host = &b->hosts[h];
			struct opts o = { "", "", NULL, b->packages, host->seq + 1,
					  host->seq + 1, -1, false, false };
			struct timespec t0, t1;
			char mid[32], auth[200], *s;
			struct curl_slist *hdr = NULL;
			long code = 0;
			CURLcode rc;

			snprintf(mid, sizeof(mid), "blast-%ld", host->id);
			o.machine_id = mid;
			o.hostname = mid;
			if (b->mode == MODE_UNCHANGED && host->seq > 0) {
				/* same inventory as the last full one, new seq */
				o.unchanged = true;
				o.marker = 1;
			} else if (b->mode == MODE_UNCHANGED) {
				o.marker = 1;
			}
			s = body(&o);
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s", host->cred);
			hdr = curl_slist_append(hdr, auth);
			hdr = curl_slist_append(hdr, "Content-Type: application/json");
			curl_easy_setopt(c, CURLOPT_URL, url);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, s);
			curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
			curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
			if (b->cacert)
				curl_easy_setopt(c, CURLOPT_CAINFO, b->cacert);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			rc = curl_easy_perform(c);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if (rc == CURLE_OK)
				curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
			curl_slist_free_all(hdr);
			free(s);
			pthread_mutex_lock(&b->mu);
			if (code == 200) {
				if (b->n_lat < b->cap_lat)
					b->lat[b->n_lat++] =
						(double)(t1.tv_sec - t0.tv_sec) * 1e3 +
						(double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
				host->seq++;
				if (b->acked) {
					/* flushed: the helper outlives the server it tests */
					fprintf(b->acked, "%ld %ld\n", host->id, host->seq);
					fflush(b->acked);
				}
				b->ok++;
				errors = 0;
			} else {
				b->failed++;
				errors++;
			}
			pthread_mutex_unlock(&b->mu);
			if (rc != CURLE_OK)
				usleep(50000);
			if (time(NULL) >= b->until || errors >= 20)
				break;
		}
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int blast(int argc, char **argv)
{
	struct blast b = { 0 };
	const char *creds = NULL, *acked = NULL;
	long seconds = 5;
	pthread_t th[64];
	struct worker ws[64];
	FILE *f;
	long id;
	char cred[128];

	b.threads = 4;
	b.packages = 30;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--url"))
			b.url = argv[i + 1];
		else if (!strcmp(argv[i], "--creds"))
			creds = argv[i + 1];
		else if (!strcmp(argv[i], "--threads"))
			b.threads = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--acked"))
			acked = argv[i + 1];
		else if (!strcmp(argv[i], "--cacert"))
			b.cacert = argv[i + 1];
		else if (!strcmp(argv[i], "--packages"))
			b.packages = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--mode"))
			b.mode = strcmp(argv[i + 1], "unchanged") ? MODE_FULL
								  : MODE_UNCHANGED;
	}
	if (!b.url || !creds || b.threads == 0 || b.threads > 64) {
		fprintf(stderr, "blast: --url and --creds needed\n");
		return 2;
	}
	f = fopen(creds, "r");
	if (!f)
		return 1;
	b.hosts = calloc(100000, sizeof(*b.hosts));
	while (b.n_hosts < 100000 && fscanf(f, "%ld %127s", &id, cred) == 2) {
		b.hosts[b.n_hosts].id = id;
		snprintf(b.hosts[b.n_hosts].cred, sizeof(cred), "%s", cred);
		b.n_hosts++;
	}
	fclose(f);
	if (acked && !(b.acked = fopen(acked, "a")))
		return 1;
	pthread_mutex_init(&b.mu, NULL);
	b.cap_lat = 10000000;
	b.lat = calloc(b.cap_lat, sizeof(*b.lat));
	b.until = time(NULL) + seconds;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (unsigned i = 0; i < b.threads; i++) {
		ws[i] = (struct worker){ &b, i };
		pthread_create(&th[i], NULL, worker_main, &ws[i]);
	}
	for (unsigned i = 0; i < b.threads; i++)
		pthread_join(th[i], NULL);
	if (b.acked)
		fclose(b.acked);
	printf("acked %ld failed %ld", b.ok, b.failed);
	if (b.n_lat) {
		qsort(b.lat, b.n_lat, sizeof(*b.lat), cmp_double);
		printf(" rate %.0f/s p50 %.1f ms p99 %.1f ms",
		       (double)b.ok / (double)seconds, b.lat[b.n_lat / 2],
		       b.lat[(size_t)((double)b.n_lat * 0.99)]);
	}
	printf("\n");
	free(b.lat);
	free(b.hosts);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { "test-machine", "test-host", NULL, 20, 1, 1, -1, false, false };
	char *s;

	if (argc >= 2 && !strcmp(argv[1], "blast"))
		return blast(argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "body")) {
		fprintf(stderr, "usage: fp-test-checkin body|blast ...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--unchanged")) {
			o.unchanged = true;
			continue;
		}
		if (!strcmp(a, "--wrong-hash")) {
			o.wrong_hash = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "%s needs a value\n", a);
			return 2;
		}
		i++;
		if (!strcmp(a, "--machine-id"))
			o.machine_id = v;
		else if (!strcmp(a, "--hostname"))
			o.hostname = v;
		else if (!strcmp(a, "--packages"))
			o.packages = strtol(v, NULL, 10);
		else if (!strcmp(a, "--seq"))
			o.seq = strtol(v, NULL, 10);
		else if (!strcmp(a, "--marker"))
			o.marker = strtol(v, NULL, 10);
		else if (!strcmp(a, "--base-marker"))
			o.base_marker = strtol(v, NULL, 10);
		else if (!strcmp(a, "--enroll"))
			o.enroll = v;
		else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
	}
	s = body(&o);
	if (!s)
		return 1;
	puts(s);
	free(s);
	return 0;
}
