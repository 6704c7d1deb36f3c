/* SPDX-License-Identifier: MIT */
/*
 * Fleet images for the load generator, drawn from this machine's real
 * package names and versions: the installed packages (dpkg status) form
 * the common base of every image, the archive's package lists supply the
 * rest, so inventories look like a real Debian fleet's.
 */
#define _GNU_SOURCE /* memmem, strcasestr */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/job.h"
#include "fleetpatch/util.h"
#include "loadgen.h"

#define POOL_MAX 200000
#define LIST_MAX_BYTES ((size_t)256 << 20)

struct pkg {
	char *name, *version, *arch, *source, *source_version;
	int installed;
};

struct pool {
	struct pkg *v;
	size_t n, alloc;
	json_t *seen; /* "name\tarch" -> true */
};

uint64_t lg_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static char *dup_field(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\r'))
		end--;
	return fp_strndup(p, (size_t)(end - p));
}

static void pool_add(struct pool *pl, struct pkg *p)
{
	char key[1024];

	if (!p->name || !p->version || pl->n >= POOL_MAX)
		goto drop;
	if (!p->arch)
		p->arch = fp_strdup("all");
	snprintf(key, sizeof(key), "%s\t%s", p->name, p->arch);
	if (json_object_get(pl->seen, key))
		goto drop;
	if (pl->n == pl->alloc) {
		size_t na = pl->alloc ? pl->alloc * 2 : 4096;
		struct pkg *nv = fp_reallocarray(pl->v, na, sizeof(*nv));
		if (!nv)
			goto drop;
		pl->v = nv;
		pl->alloc = na;
	}
	json_object_set_new(pl->seen, key, json_true());
	pl->v[pl->n++] = *p;
	memset(p, 0, sizeof(*p));
	return;
drop:
	fp_free(p->name);
	fp_free(p->version);
	fp_free(p->arch);
	fp_free(p->source);
	fp_free(p->source_version);
	memset(p, 0, sizeof(*p));
}

/* Keep a finished stanza when it counts ('ok'), else free it. */
static void stanza_end(struct pool *pl, struct pkg *cur, int ok)
{
	if (!ok) {
		fp_free(cur->name);
		cur->name = NULL; /* pool_add drops nameless entries */
	}
	pool_add(pl, cur);
}

/* deb822 stanzas: Package, Version, Architecture, Source, Status. */
static void parse_stanzas(struct pool *pl, const char *data, size_t len,
			  int from_status)
{
	const char *p = data, *end = data + len;
	struct pkg cur = { 0 };
	int ok = !from_status;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if (le == p) {
			stanza_end(pl, &cur, ok);
			ok = !from_status;
		} else if (!strncmp(p, "Package:", 8) && !cur.name) {
			cur.name = dup_field(p + 8, le);
		} else if (!strncmp(p, "Version:", 8) && !cur.version) {
			cur.version = dup_field(p + 8, le);
		} else if (!strncmp(p, "Architecture:", 13) && !cur.arch) {
			cur.arch = dup_field(p + 13, le);
		} else if (!strncmp(p, "Source:", 7) && !cur.source) {
			const char *sp = memchr(p + 8, ' ', (size_t)(le - p - 8));
			cur.source = dup_field(p + 7, sp ? sp : le);
			if (sp && sp + 2 < le && sp[1] == '(')
				cur.source_version = dup_field(sp + 2, le - 1);
		} else if (!strncmp(p, "Status:", 7)) {
			ok = memmem(p, (size_t)(le - p), " installed", 10) != NULL;
		}
		p = nl ? nl + 1 : end;
	}
	stanza_end(pl, &cur, ok);
	if (from_status)
		for (size_t i = 0; i < pl->n; i++)
			pl->v[i].installed = 1;
}

static void read_lists(struct pool *pl)
{
	glob_t g;

	if (glob("/var/lib/apt/lists/*_Packages*", 0, NULL, &g) != 0)
		return;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *argv[] = { "/usr/lib/apt/apt-helper", "cat-file",
				       g.gl_pathv[i], NULL };
		struct fp_exec_opts o = { .argv = argv, .timeout_ms = 120000 };
		struct fp_exec_result res;
		struct fp_buf out;

		fp_buf_init(&out, LIST_MAX_BYTES);
		o.out = &out;
		if (fp_exec(&o, &res) == 0 && res.exit_code == 0)
			parse_stanzas(pl, out.data, out.len, 0);
		fp_buf_release(&out);
	}
	globfree(&g);
}

static json_t *pkg_json(const struct pkg *p, const char *version)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", p->name,
			 "version", version, "arch", p->arch, "source",
			 p->source ? p->source : p->name, "source_version",
			 p->source_version ? p->source_version : p->version,
			 "ecosystem", "deb");
}

static int image_hash(json_t *pkgs, char out[65], char *err, size_t n)
{
	struct fp_inventory inv;
	struct fp_diag d;
	char where[300];
	json_t *doc;
	int r;

	doc = json_pack("{s:s, s:s, s:O}", "machine_id",
			"00000000000000000000000000000000", "hostname", "x",
			"packages", pkgs);
	if (!doc)
		return FP_ENOMEM;
	fp_inventory_init(&inv);
	fp_diag_init(&d, NULL);
	r = fp_inventory_from_json(doc, &inv, &d);
	if (r) {
		fp_diag_format(&d, where, sizeof(where));
		snprintf(err, n, "image inventory: %s", where);
	} else {
		fp_inventory_sort(&inv);
		fp_inventory_hash(&inv, out);
	}
	fp_inventory_release(&inv);
	json_decref(doc);
	return r;
}

static int build_image(struct pool *pl, size_t n_base, uint64_t *rs,
		       const struct lg_pool_opts *o, struct lg_image *img,
		       char *err, size_t n)
{
	size_t want = o->min_packages +
		      lg_rand(rs) % (o->max_packages - o->min_packages + 1);
	unsigned char *take = fp_calloc(pl->n, 1);
	json_t *arr[2] = { json_array(), json_array() };
	size_t have = 0, changed = 0, k = 0;
	char newver[512];
	int r = FP_ENOMEM;

	if (!take || !arr[0] || !arr[1])
		goto out;
	/* Most of the installed base, then archive packages up to 'want'. */
	for (size_t i = 0; i < n_base && have < want; i++)
		if (lg_rand(rs) % 10 != 0) {
			take[i] = 1;
			have++;
		}
	for (size_t tries = 0; have < want && tries < 50 * want; tries++) {
		size_t i = n_base + lg_rand(rs) % (pl->n - n_base ? pl->n - n_base : 1);
		if (i < pl->n && !take[i]) {
			take[i] = 1;
			have++;
		}
	}
	changed = lg_rand(rs) % (have ? have : 1);
	for (size_t i = 0; i < pl->n; i++) {
		if (!take[i])
			continue;
		for (int v = 0; v < 2; v++) {
			const char *ver = pl->v[i].version;
			json_t *pj;

			if (v == 1 && k == changed) {
				snprintf(newver, sizeof(newver), "%s+lg1", ver);
				ver = newver;
			}
			pj = pkg_json(&pl->v[i], ver);
			if (!pj)
				goto out;
			if (k == changed)
				img->changed[v] = json_dumps(pj, JSON_COMPACT);
			json_array_append_new(arr[v], pj);
		}
		k++;
	}
	img->n_packages = k;
	for (int v = 0; v < 2; v++) {
		img->pkgs[v] = json_dumps(arr[v], JSON_COMPACT);
		if (!img->pkgs[v] || !img->changed[v])
			goto out;
		img->pkgs_len[v] = strlen(img->pkgs[v]);
		r = image_hash(arr[v], img->hash[v], err, n);
		if (r)
			goto out;
	}
	r = 0;
out:
	fp_free(take);
	json_decref(arr[0]);
	json_decref(arr[1]);
	return r;
}

int lg_images_build(const struct lg_pool_opts *o, struct lg_image **ret,
		    char *err, size_t n)
{
	struct pool pl = { 0 };
	struct lg_image *imgs = NULL;
	struct fp_buf b;
	uint64_t rs = o->seed ? o->seed : 1;
	size_t n_base;
	int r = 0;

	pl.seen = json_object();
	fp_buf_init(&b, LIST_MAX_BYTES);
	if (fp_read_file("/var/lib/dpkg/status", &b) == 0)
		parse_stanzas(&pl, b.data, b.len, 1);
	fp_buf_release(&b);
	n_base = pl.n;
	read_lists(&pl);
	if (pl.n < o->max_packages) {
		snprintf(err, n, "only %zu distinct packages on this machine "
			 "(need %u): no apt lists?", pl.n, o->max_packages);
		r = FP_ENOENT;
		goto out;
	}
	imgs = fp_calloc(o->images, sizeof(*imgs));
	if (!imgs) {
		r = FP_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < o->images && !r; i++)
		r = build_image(&pl, n_base, &rs, o, &imgs[i], err, n);
	if (r) {
		lg_images_free(imgs, o->images);
		imgs = NULL;
	}
	*ret = imgs;
out:
	for (size_t i = 0; i < pl.n; i++) {
		fp_free(pl.v[i].name);
		fp_free(pl.v[i].version);
		fp_free(pl.v[i].arch);
		fp_free(pl.v[i].source);
		fp_free(pl.v[i].source_version);
	}
	fp_free(pl.v);
	json_decref(pl.seen);
	return r;
}

int lg_image_single(const char *name, struct lg_image **ret, char *err,
		    size_t n)
{
	static const char *const versions[2] = { "1.0-1", "1.0-2" };
	struct lg_image *img = fp_calloc(1, sizeof(*img));
	int r = FP_ENOMEM;

	if (!img)
		return FP_ENOMEM;
	if (!fp_job_name_is_valid(name) || strlen(name) >= sizeof(img->name)) {
		snprintf(err, n, "--package: not a valid package name");
		fp_free(img);
		return FP_EINVAL;
	}
	memcpy(img->name, name, strlen(name) + 1);
	img->n_packages = 1;
	for (int v = 0; v < 2; v++) {
		struct pkg p = { .name = (char *)name, .version = (char *)versions[v],
				 .arch = (char *)"amd64" };
		json_t *pj = pkg_json(&p, versions[v]), *arr = json_array();

		memcpy(img->version[v], versions[v], strlen(versions[v]) + 1);
		if (!pj || !arr || json_array_append(arr, pj)) {
			json_decref(pj);
			json_decref(arr);
			goto out;
		}
		img->changed[v] = json_dumps(pj, JSON_COMPACT);
		img->pkgs[v] = json_dumps(arr, JSON_COMPACT);
		json_decref(pj);
		r = img->changed[v] && img->pkgs[v]
			    ? image_hash(arr, img->hash[v], err, n) : FP_ENOMEM;
		json_decref(arr);
		if (r)
			goto out;
		img->pkgs_len[v] = strlen(img->pkgs[v]);
	}
out:
	if (r) {
		lg_images_free(img, 1);
		img = NULL;
	}
	*ret = img;
	return r;
}

void lg_images_free(struct lg_image *v, unsigned n)
{
	if (!v)
		return;
	for (unsigned i = 0; i < n; i++)
		for (int k = 0; k < 2; k++) {
			free(v[i].pkgs[k]);
			free(v[i].changed[k]);
		}
	fp_free(v);
}
