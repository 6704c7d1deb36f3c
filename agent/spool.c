/* SPDX-License-Identifier: MIT */
/*
 * The report spool: state-dir/spool/<seq>.json, one file per report,
 * written atomically (0600) before any attempt to send it and removed
 * only after the server acknowledged it, so nothing is lost when the
 * server is down, the agent restarts or the machine reboots.
 *
 * Every spooled report holds the whole inventory snapshot it was made
 * from; the wire form (full, delta or unchanged) is decided when it is
 * sent, against the last state the server acknowledged.  That makes the
 * bound simple: past AGENT_SPOOL_MAX_REPORTS reports or
 * AGENT_SPOOL_MAX_BYTES bytes the oldest report is dropped - "collapsed"
 * into the next one, which carries the later full state.  The server then
 * sees the net change between the reports that remain (a package
 * upgraded twice shows once, old to newest), never a gap in state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "state.h"

#define SPOOL_MAX_LISTED 100000
#define REJECTED_KEEP 8

int agent_spool_add(const char *state_dir, unsigned long long seq,
		    const json_t *report, size_t max_reports)
{
	char rel[64];
	int r;

	snprintf(rel, sizeof(rel), "spool/%020llu.json", seq);
	r = agent_json_save(state_dir, rel, report);
	if (r)
		return r;
	return agent_spool_collapse(state_dir, max_reports,
				    AGENT_SPOOL_MAX_BYTES);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct agent_spool_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "<20 digits>.json" and nothing else (temporary files are skipped). */
static bool spool_name(const char *name, unsigned long long *ret_seq)
{
	char *end;

	if (strlen(name) != 25 || strcmp(name + 20, ".json") != 0)
		return false;
	for (int i = 0; i < 20; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	*ret_seq = strtoull(name, &end, 10);
	return end == name + 20;
}

static int list_dir(const char *dir, bool (*match)(const char *, unsigned long long *),
		    struct agent_spool_entry **ret, size_t *ret_n)
{
	struct agent_spool_entry *v = NULL, *nv;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		return FP_EIO;
	}
	while ((de = readdir(d))) {
		unsigned long long seq;
		struct stat st;

		if (!match(de->d_name, &seq))
			continue;
		if (n == SPOOL_MAX_LISTED)
			break;
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			nv = fp_reallocarray(v, alloc, sizeof(*v));
			if (!nv) {
				r = FP_ENOMEM;
				goto out;
			}
			v = nv;
		}
		if (fp_path_join(v[n].path, sizeof(v[n].path), dir, de->d_name))
			continue;
		if (stat(v[n].path, &st) < 0)
			continue;
		v[n].seq = seq;
		v[n].size = (size_t)st.st_size;
		n++;
	}
	if (n > 1) /* v is NULL for an empty spool */
		qsort(v, n, sizeof(*v), entry_cmp);
out:
	closedir(d);
	if (r) {
		fp_free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int agent_spool_list(const char *state_dir, struct agent_spool_entry **ret,
		     size_t *ret_n)
{
	char dir[4096];
	int r;

	r = agent_path(dir, sizeof(dir), state_dir, "spool");
	if (r)
		return r;
	return list_dir(dir, spool_name, ret, ret_n);
}

int agent_spool_collapse(const char *state_dir, size_t max_reports,
			 size_t max_bytes)
{
	struct agent_spool_entry *v;
	size_t n, total = 0, first = 0;
	int r;

	r = agent_spool_list(state_dir, &v, &n);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++)
		total += v[i].size;
	/* The newest report always stays: it is the current state. */
	while (n - first > 1 && (n - first > max_reports || total > max_bytes)) {
		agent_log("warning",
			  "spool full (%zu reports, %zu bytes): collapsing "
			  "report %llu into the next one",
			  n - first, total, v[first].seq);
		if (unlink(v[first].path) < 0 && errno != ENOENT) {
			r = FP_EIO;
			break;
		}
		total -= v[first].size;
		first++;
	}
	fp_free(v);
	return r;
}

static bool rejected_name(const char *name, unsigned long long *ret_seq)
{
	return spool_name(name, ret_seq);
}

/*
 * A report the server refuses as bad input can never be delivered; keep
 * the last few for inspection and move on so it does not block the ones
 * behind it.
 */
static void spool_reject(const char *state_dir,
			 const struct agent_spool_entry *e)
{
	struct agent_spool_entry *v = NULL;
	char dir[4096], dst[4096];
	const char *base = strrchr(e->path, '/');
	size_t n = 0;

	if (agent_path(dir, sizeof(dir), state_dir, "rejected") ||
	    (mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    fp_path_join(dst, sizeof(dst), dir, base ? base + 1 : e->path) ||
	    rename(e->path, dst) < 0) {
		unlink(e->path);
		return;
	}
	if (list_dir(dir, rejected_name, &v, &n) == 0)
		for (size_t i = 0; n > REJECTED_KEEP && i < n - REJECTED_KEEP; i++)
			unlink(v[i].path);
	fp_free(v);
}

/* "eco\tname\tarch" identifies a package slot in a delta. */
static int pkg_key(const json_t *p, char *out, size_t n)
{
	const char *eco = json_string_value(json_object_get(p, "ecosystem"));
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *arch = json_string_value(json_object_get(p, "arch"));
	int w;

	if (!name)
		return FP_EINVAL;
	w = snprintf(out, n, "%s\t%s\t%s", eco ? eco : "", name,
		     arch ? arch : "");
	return w < 0 || (size_t)w >= n ? FP_ETOOBIG : 0;
}

static json_t *make_delta(const json_t *old_inv, const json_t *new_inv,
			  const char *base_hash)
{
	const json_t *old_pkgs = json_object_get(old_inv, "packages");
	const json_t *new_pkgs = json_object_get(new_inv, "packages");
	json_t *index = json_object(), *added = json_array(),
	       *removed = json_array(), *delta = NULL, *p;
	char key[3 * 4096 + 8];
	const char *k;
	size_t i;

	if (!index || !added || !removed)
		goto out;
	json_array_foreach(old_pkgs, i, p)
		if (pkg_key(p, key, sizeof(key)) == 0)
			json_object_set(index, key, p);
	json_array_foreach(new_pkgs, i, p) {
		const json_t *was;
		const char *v1, *v2;

		if (pkg_key(p, key, sizeof(key)) != 0)
			continue;
		was = json_object_get(index, key);
		v1 = json_string_value(json_object_get(was, "version"));
		v2 = json_string_value(json_object_get(p, "version"));
		if (!was || !v1 || !v2 || strcmp(v1, v2) != 0)
			if (json_array_append(added, p))
				goto out;
		if (was)
			json_object_del(index, key);
	}
	json_object_foreach(index, k, p) {
		json_t *rm = json_pack(
			"{s:O?, s:O?, s:O?}", "name", json_object_get(p, "name"),
			"arch", json_object_get(p, "arch"), "ecosystem",
			json_object_get(p, "ecosystem"));
		if (!rm || json_array_append_new(removed, rm))
			goto out;
	}
	delta = json_pack("{s:s, s:O, s:O}", "base_hash", base_hash, "added",
			  added, "removed", removed);
out:
	json_decref(index);
	json_decref(added);
	json_decref(removed);
	return delta;
}

static const char *const report_fields[] = {
	"updates", "updates_checked", "package_manager",
	"metadata_age_seconds", "reboot_required", "reboot_reasons",
	"restart_services", "uptime_seconds",
};

int agent_report_body(const json_t *report, const json_t *acked, bool full,
		      json_t **ret)
{
	const json_t *inv = json_object_get(report, "inventory");
	const char *hash = json_string_value(json_object_get(report, "hash"));
	const char *acked_hash = json_string_value(json_object_get(acked, "hash"));
	const json_t *acked_inv = json_object_get(acked, "inventory");
	json_t *body;

	if (!json_is_object(inv) || !hash)
		return FP_EINVAL;
	body = json_pack("{s:O, s:O, s:s, s:[]}", "seq",
			 json_object_get(report, "seq"), "created_at",
			 json_object_get(report, "created_at"),
			 "inventory_hash", hash, "job_results");
	if (!body)
		return FP_ENOMEM;
	for (size_t i = 0; i < FP_ARRAY_SIZE(report_fields); i++) {
		json_t *v = json_object_get(inv, report_fields[i]);
		if (v && json_object_set(body, report_fields[i], v))
			goto out_nomem;
	}
	if (full || !acked_hash || !json_is_object(acked_inv)) {
		if (json_object_set(body, "inventory", (json_t *)inv))
			goto out_nomem;
	} else if (strcmp(acked_hash, hash) != 0) {
		json_t *d = make_delta(acked_inv, inv, acked_hash);
		if (!d || json_object_set_new(body, "delta", d))
			goto out_nomem;
	}
	*ret = body;
	return 0;
out_nomem:
	json_decref(body);
	return FP_ENOMEM;
}

static const struct agent_checkin_hook *checkin_hook;

void agent_spool_set_hook(const struct agent_checkin_hook *hook)
{
	checkin_hook = hook;
}

/* Retry later: the server is down, overloaded or busy. */
static bool status_retryable(long status)
{
	return status >= 500 || status == 408 || status == 409 || status == 429;
}

enum agent_deliver agent_spool_deliver(const char *state_dir,
				       struct fp_http_client *c,
				       const char *credential,
				       long long *io_interval,
				       unsigned *ret_delivered)
{
	enum agent_deliver result = AGENT_DELIVERED;
	struct agent_spool_entry *v = NULL;
	json_t *acked = NULL;
	unsigned delivered = 0;
	size_t n = 0;
	int r;

	r = agent_spool_list(state_dir, &v, &n);
	if (r) {
		agent_log("error", "cannot list the spool: %s", fp_strerror(r));
		*ret_delivered = 0;
		return AGENT_UNREACHABLE;
	}
	r = agent_json_load(state_dir, "acked.json", &acked);
	if (r && r != FP_ENOENT)
		agent_log("warning", "acked.json unreadable (%s): sending the "
			  "full inventory", fp_strerror(r));

	for (size_t i = 0; i < n && result == AGENT_DELIVERED; i++) {
		json_t *report = NULL, *body = NULL, *resp = NULL;
		char errbuf[512], msg[512];
		const char *status_s, *server_hash;
		bool full = false;
		long status = 0;

		r = agent_json_load_path(v[i].path, &report);
		if (r) {
			agent_log("warning", "spooled report %llu unreadable "
				  "(%s): set aside", v[i].seq, fp_strerror(r));
			spool_reject(state_dir, &v[i]);
			continue;
		}
	again:
		json_decref(body);
		json_decref(resp);
		body = resp = NULL;
		if (agent_report_body(report, acked, full, &body)) {
			agent_log("warning", "spooled report %llu malformed: "
				  "set aside", v[i].seq);
			spool_reject(state_dir, &v[i]);
			goto next;
		}
		if (checkin_hook && checkin_hook->body)
			checkin_hook->body(body, checkin_hook->ctx);
		r = fp_http_json(c, "POST", "/api/v1/agent/checkin", credential,
				 body, &status, &resp, errbuf, sizeof(errbuf));
		if (r) {
			agent_log("warning", "check-in: %s; report %llu stays "
				  "spooled", errbuf, v[i].seq);
			result = AGENT_UNREACHABLE;
			goto next;
		}
		if (status == 401 || status == 403) {
			fp_http_error_text(status, resp, msg, sizeof(msg));
			agent_log("error", "server refused the credential: %s; "
				  "re-enroll this machine", msg);
			result = AGENT_REJECTED;
			goto next;
		}
		if (status_retryable(status)) {
			fp_http_error_text(status, resp, msg, sizeof(msg));
			agent_log("warning", "check-in: HTTP %ld: %s", status, msg);
			result = AGENT_UNREACHABLE;
			goto next;
		}
		if (status != 200) {
			fp_http_error_text(status, resp, msg, sizeof(msg));
			agent_log("error", "server rejected report %llu (HTTP "
				  "%ld): %s; set aside", v[i].seq, status, msg);
			spool_reject(state_dir, &v[i]);
			goto next;
		}
		status_s = json_string_value(json_object_get(resp, "status"));
		server_hash = json_string_value(
			json_object_get(resp, "inventory_hash"));
		if (json_integer_value(json_object_get(resp, "checkin_interval")) > 0)
			*io_interval = json_integer_value(
				json_object_get(resp, "checkin_interval"));
		if (status_s && !strcmp(status_s, "need_full")) {
			if (!full) {
				agent_log("info", "server asked for the full "
					  "inventory (report %llu)", v[i].seq);
				full = true;
				goto again;
			}
			agent_log("error", "server asks for the full inventory "
				  "again after receiving it");
			result = AGENT_UNREACHABLE;
			goto next;
		}
		if (!status_s || strcmp(status_s, "ok") != 0) {
			agent_log("error", "unexpected check-in answer");
			result = AGENT_UNREACHABLE;
			goto next;
		}
		/* Acknowledged: it becomes the base of the next delta. */
		json_decref(acked);
		acked = json_pack("{s:s, s:O}", "hash",
				  server_hash ? server_hash
					      : json_string_value(json_object_get(
							report, "hash")),
				  "inventory", json_object_get(report, "inventory"));
		if (!acked || agent_json_save(state_dir, "acked.json", acked)) {
			agent_log("error", "cannot save acked.json");
			result = AGENT_UNREACHABLE;
			goto next;
		}
		unlink(v[i].path);
		delivered++;
		if (checkin_hook && checkin_hook->answer)
			checkin_hook->answer(body, resp, checkin_hook->ctx);
	next:
		json_decref(report);
		json_decref(body);
		json_decref(resp);
	}
	json_decref(acked);
	fp_free(v);
	*ret_delivered = delivered;
	return result;
}
