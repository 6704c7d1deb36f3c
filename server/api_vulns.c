/* SPDX-License-Identifier: MIT */
/*
 * GET /api/v1/vulns[?kev=1]            per advisory: affected host count
 * GET /api/v1/vulns?host=HOST[&kev=1]  a host's affected packages
 *
 * Evaluated on demand, per request (docs/vuln.md): the stored feeds are
 * parsed and indexed, the fleet's distinct (distribution, package) pairs
 * are matched with fp_vuln_match(), and the matches reach hosts through
 * the package sets (rows per set and package, never per host).
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "fleetpatch/vuln.h"
#include "server.h"

struct vx_host {
	int64_t id, set_id;
	const char *hostname, *dist; /* dist "" when unknown */
};

/* One (set, distribution, package) of the fleet. */
struct vx_row {
	int64_t set_id, pkg_id;
	const char *dist, *name, *version, *source, *source_version;
	int eco;
	size_t pk; /* index of its distinct package */
};

struct vx_dist {
	const char *os_id, *os_version, *dist;
};

struct vx {
	struct fp_arena arena;
	struct fpd_feed *feeds;
	size_t n_feeds, alloc_feeds;
	const struct fp_kev *kev;
	const struct fp_epss *epss;
	struct vx_host *hosts;
	size_t n_hosts, alloc_hosts;
	struct vx_row *rows;
	size_t n_rows, alloc_rows;
	struct vx_dist dists[64];
	size_t n_dists;
	struct fp_diag d;
};

static int load_feed(void *ctx, const char *name, const char *kind,
		     const void *body, size_t len)
{
	struct vx *x = ctx;
	struct fpd_feed f;
	int rc;

	if ((rc = fp_reserve((void **)&x->feeds, x->n_feeds + 1,
			     &x->alloc_feeds, sizeof(*x->feeds))))
		return rc;
	fp_diag_init(&x->d, name);
	if ((rc = fpd_feed_parse(kind, body, len, name, &f, &x->d)))
		return rc;
	x->feeds[x->n_feeds++] = f;
	/* walked oldest first: the newest catalog wins */
	if (f.kev)
		x->kev = f.kev;
	if (f.epss)
		x->epss = f.epss;
	return 0;
}

/* The distribution key of an os-release pair, interned; "" if none. */
static const char *dist_of(struct vx *x, const char *os_id,
			   const char *os_version)
{
	char key[128];
	struct vx_dist *e;

	for (size_t i = 0; i < x->n_dists; i++)
		if (!strcmp(x->dists[i].os_id, os_id) &&
		    !strcmp(x->dists[i].os_version, os_version))
			return x->dists[i].dist;
	if (fp_vuln_dist_key(os_id, os_version, key, sizeof(key)))
		key[0] = '\0';
	if (x->n_dists == FP_ARRAY_SIZE(x->dists))
		return fp_arena_strdup(&x->arena, key);
	e = &x->dists[x->n_dists];
	e->os_id = fp_arena_strdup(&x->arena, os_id);
	e->os_version = fp_arena_strdup(&x->arena, os_version);
	e->dist = fp_arena_strdup(&x->arena, key);
	if (!e->os_id || !e->os_version || !e->dist)
		return NULL;
	x->n_dists++;
	return e->dist;
}

static int add_host(void *ctx, int64_t id, const char *hostname,
		    int64_t set_id, const char *os_id, const char *os_version)
{
	struct vx *x = ctx;
	struct vx_host *h;

	if (fp_reserve((void **)&x->hosts, x->n_hosts + 1, &x->alloc_hosts,
		       sizeof(*x->hosts)))
		return FP_ENOMEM;
	h = &x->hosts[x->n_hosts];
	h->id = id;
	h->set_id = set_id;
	h->hostname = fp_arena_strdup(&x->arena, hostname);
	h->dist = dist_of(x, os_id, os_version);
	if (!h->hostname || !h->dist)
		return FP_ENOMEM;
	x->n_hosts++;
	return 0;
}

static int add_pkg(void *ctx, const struct fp_store_fleet_pkg *p)
{
	struct vx *x = ctx;
	struct vx_row *r;
	const char *dist = dist_of(x, p->os_id, p->os_version);

	if (!dist)
		return FP_ENOMEM;
	if (!*dist || p->eco < 0 || p->eco >= FP_ECO__COUNT)
		return 0; /* no distribution to match against */
	if (fp_reserve((void **)&x->rows, x->n_rows + 1, &x->alloc_rows,
		       sizeof(*x->rows)))
		return FP_ENOMEM;
	r = &x->rows[x->n_rows];
	r->set_id = p->set_id;
	r->pkg_id = p->package_id;
	r->dist = dist;
	r->eco = p->eco;
	r->name = fp_arena_strdup(&x->arena, p->name);
	r->version = fp_arena_strdup(&x->arena, p->version);
	/* the inventory leaves source empty when it is the binary's name */
	r->source = fp_arena_strdup(&x->arena, *p->source ? p->source : p->name);
	r->source_version = fp_arena_strdup(
		&x->arena, *p->source_version ? p->source_version : p->version);
	if (!r->name || !r->version || !r->source || !r->source_version)
		return FP_ENOMEM;
	x->n_rows++;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct vx_row *x = a, *y = b;
	int c = strcmp(x->dist, y->dist);

	if (c)
		return c;
	if (x->pkg_id != y->pkg_id)
		return x->pkg_id < y->pkg_id ? -1 : 1;
	return x->set_id < y->set_id ? -1 : x->set_id > y->set_id;
}

static int host_cmp(const void *a, const void *b)
{
	const struct vx_host *x = a, *y = b;

	return x->set_id < y->set_id ? -1 : x->set_id > y->set_id;
}

static void vx_release(struct vx *x)
{
	for (size_t i = 0; i < x->n_feeds; i++)
		fpd_feed_release(&x->feeds[i]);
	fp_free(x->feeds);
	fp_free(x->hosts);
	fp_free(x->rows);
	fp_arena_release(&x->arena);
}

/* The matching state of one request. */
struct vm {
	struct fp_vuln_index *ix;
	struct fp_vuln_pkg *pk;
	size_t n_pk;
	size_t *pk_first; /* rows of package i: [pk_first[i], pk_first[i+1]) */
	struct fp_vuln_matches m;
};

static void vm_release(struct vm *v)
{
	fp_vuln_index_free(v->ix);
	fp_free(v->pk);
	fp_free(v->pk_first);
	fp_vuln_matches_release(&v->m);
}

static int vm_run(struct vx *x, struct vm *v)
{
	const struct fp_vuln_feed **fv;
	size_t n_fv = 0;
	int rc;

	fv = fp_calloc(x->n_feeds + 1, sizeof(*fv));
	v->pk = fp_calloc(x->n_rows + 1, sizeof(*v->pk));
	v->pk_first = fp_calloc(x->n_rows + 1, sizeof(*v->pk_first));
	if (!fv || !v->pk || !v->pk_first) {
		fp_free(fv);
		return FP_ENOMEM;
	}
	for (size_t i = 0; i < x->n_feeds; i++)
		if (x->feeds[i].vulns)
			fv[n_fv++] = x->feeds[i].vulns;
	rc = fp_vuln_index_new(fv, n_fv, &v->ix);
	fp_free(fv);
	if (rc)
		return rc;
	if (x->n_rows)
		qsort(x->rows, x->n_rows, sizeof(*x->rows), row_cmp);
	if (x->n_hosts)
		qsort(x->hosts, x->n_hosts, sizeof(*x->hosts), host_cmp);
	for (size_t i = 0; i < x->n_rows; i++) {
		struct vx_row *r = &x->rows[i];

		if (i == 0 || strcmp(r->dist, r[-1].dist) ||
		    r->pkg_id != r[-1].pkg_id) {
			v->pk_first[v->n_pk] = i;
			v->pk[v->n_pk++] = (struct fp_vuln_pkg){
				.dist = r->dist, .eco = (enum fp_ecosystem)r->eco,
				.name = r->name, .version = r->version,
				.source = r->source,
				.source_version = r->source_version,
			};
		}
		r->pk = v->n_pk - 1;
	}
	v->pk_first[v->n_pk] = x->n_rows;
	return fp_vuln_match(v->ix, v->pk, v->n_pk, x->kev, x->epss, &v->m);
}

/* First host (hosts sorted by set) with a set id >= 'set'. */
static size_t hosts_from(const struct vx *x, int64_t set)
{
	size_t lo = 0, hi = x->n_hosts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->hosts[mid].set_id < set)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Call fn for each host the package of match 'k' is installed on. */
static int each_host(struct vx *x, struct vm *v, size_t k,
		     int (*fn)(void *ctx, const struct vx_host *h), void *ctx)
{
	size_t p = v->m.v[k].pkg;
	int rc;

	for (size_t i = v->pk_first[p]; i < v->pk_first[p + 1]; i++) {
		const struct vx_row *r = &x->rows[i];

		for (size_t h = hosts_from(x, r->set_id);
		     h < x->n_hosts && x->hosts[h].set_id == r->set_id; h++)
			if (!strcmp(x->hosts[h].dist, r->dist) &&
			    (rc = fn(ctx, &x->hosts[h])))
				return rc;
	}
	return 0;
}

static json_t *str_array(const char *const *s, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(s[i]))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static const char *severity_of(const struct fp_vuln_match *m)
{
	return m->vuln->severity ? m->vuln->severity : m->affected->severity;
}

struct host_ids {
	int64_t *v;
	size_t n, alloc;
};

static int collect_host(void *ctx, const struct vx_host *h)
{
	struct host_ids *ids = ctx;

	if (fp_reserve((void **)&ids->v, ids->n + 1, &ids->alloc,
		       sizeof(*ids->v)))
		return FP_ENOMEM;
	ids->v[ids->n++] = h->id;
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int match_cmp_id(const void *a, const void *b, void *ctx)
{
	const struct fp_vuln_match *m = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(m[i].vuln->id, m[j].vuln->id);

	return c ? c : (i > j) - (i < j);
}

/* One entry per advisory id (feeds may repeat one): the whole fleet. */
static int list_fleet(struct vx *x, struct vm *v, bool kev_only, json_t *out)
{
	size_t *ord = fp_calloc(v->m.n + 1, sizeof(*ord)), n = 0;
	struct host_ids ids = { 0 };
	int rc = 0;

	if (!ord)
		return FP_ENOMEM;
	for (size_t k = 0; k < v->m.n; k++)
		if (!kev_only || v->m.v[k].kev)
			ord[n++] = k;
	if (n)
		qsort_r(ord, n, sizeof(*ord), match_cmp_id, v->m.v);
	for (size_t a = 0, b; !rc && a < n; a = b) {
		const struct fp_vuln_match *m0 = &v->m.v[ord[a]];
		bool kev = false, fix = false, has_epss = false;
		double epss = 0, pct = 0;
		json_t *pkgs = json_array(), *o;
		const char *sev = severity_of(m0);
		size_t hosts = 0;

		ids.n = 0;
		for (b = a; b < n && !strcmp(v->m.v[ord[b]].vuln->id, m0->vuln->id); b++) {
			const struct fp_vuln_match *m = &v->m.v[ord[b]];
			const char *pname = v->pk[m->pkg].name;
			bool seen = false;
			size_t i;
			json_t *e;

			kev |= m->kev;
			fix |= m->fixed != NULL;
			if (m->has_epss && (!has_epss || m->epss > epss))
				epss = m->epss, pct = m->epss_percentile;
			has_epss |= m->has_epss;
			if (!sev)
				sev = severity_of(m);
			json_array_foreach(pkgs, i, e)
				seen |= !strcmp(json_string_value(e), pname);
			if (pkgs && !seen)
				json_array_append_new(pkgs, json_string(pname));
			if ((rc = each_host(x, v, ord[b], collect_host, &ids)))
				break;
		}
		if (ids.n)
			qsort(ids.v, ids.n, sizeof(*ids.v), id_cmp);
		for (size_t i = 0; i < ids.n; i++)
			hosts += i == 0 || ids.v[i] != ids.v[i - 1];
		o = json_pack("{s:s, s:o, s:o, s:s?, s:b, s:o, s:o, s:I, s:b, s:o}",
			      "id", m0->vuln->id,
			      "aliases", str_array(m0->vuln->aliases, m0->vuln->n_aliases),
			      "cves", str_array(m0->vuln->cves, m0->vuln->n_cves),
			      "severity", sev, "kev", kev,
			      "epss", has_epss ? json_real(epss) : json_null(),
			      "epss_percentile", has_epss ? json_real(pct) : json_null(),
			      "hosts", (json_int_t)hosts, "fix_available", fix,
			      "packages", pkgs ? pkgs : json_null());
		if (rc)
			json_decref(o);
		else if (!o || json_array_append_new(out, o))
			rc = FP_ENOMEM;
	}
	fp_free(ids.v);
	fp_free(ord);
	return rc;
}

/* Highest of two fixed versions of one package (either may be NULL). */
static const char *higher_fix(enum fp_ecosystem eco, const char *a,
			      const char *b)
{
	int c;

	if (!a || !b)
		return a ? a : b;
	if (fp_version_compare(eco, a, b, &c, NULL))
		c = strcmp(a, b);
	return c >= 0 ? a : b;
}

static bool host_has(struct vx *x, struct vm *v, size_t p,
		     const struct vx_host *h)
{
	for (size_t i = v->pk_first[p]; i < v->pk_first[p + 1]; i++)
		if (x->rows[i].set_id == h->set_id && !strcmp(x->rows[i].dist, h->dist))
			return true;
	return false;
}

static int by_package(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	return strcmp(json_string_value(json_object_get(x, "package")),
		      json_string_value(json_object_get(y, "package")));
}

/* Sort an array of package entries by name, in place. */
static int sort_packages(json_t *out)
{
	size_t n = json_array_size(out);
	json_t **v = fp_calloc(n + 1, sizeof(*v));
	int rc = 0;

	if (!v)
		return FP_ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(out, i));
	qsort(v, n, sizeof(*v), by_package);
	json_array_clear(out);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(out, v[i]) && !rc)
			rc = FP_ENOMEM;
	fp_free(v);
	return rc;
}

/* A host's affected packages, one entry per package (matches come in
 * package order), by name. */
static int list_host(struct vx *x, struct vm *v, const struct vx_host *h,
		     bool kev_only, json_t *out)
{
	for (size_t a = 0, b; a < v->m.n; a = b) {
		size_t p = v->m.v[a].pkg;
		const char *fixed = NULL;
		json_t *ids, *nofix, *o;
		bool kev = false, has_epss = false;
		double epss = 0;

		for (b = a; b < v->m.n && v->m.v[b].pkg == p; b++)
			;
		if (!host_has(x, v, p, h))
			continue;
		ids = json_array();
		nofix = json_array();
		for (size_t k = a; k < b; k++) {
			const struct fp_vuln_match *m = &v->m.v[k];

			if (kev_only && !m->kev)
				continue;
			json_array_append_new(ids, json_string(m->vuln->id));
			if (m->fixed)
				fixed = higher_fix(v->pk[p].eco, fixed, m->fixed);
			else
				json_array_append_new(nofix, json_string(m->vuln->id));
			kev |= m->kev;
			if (m->has_epss && (!has_epss || m->epss > epss))
				epss = m->epss;
			has_epss |= m->has_epss;
		}
		if (!ids || !nofix || !json_array_size(ids)) {
			json_decref(ids);
			json_decref(nofix);
			if (ids && nofix)
				continue;
			return FP_ENOMEM;
		}
		o = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:o, s:b, s:o}",
			      "package", v->pk[p].name, "source", v->pk[p].source,
			      "installed_version", v->pk[p].version,
			      "fixed_version", fixed, "vulns", ids,
			      "no_fix", nofix, "kev", kev,
			      "epss", has_epss ? json_real(epss) : json_null());
		if (!o || json_array_append_new(out, o))
			return FP_ENOMEM;
	}
	return sort_packages(out);
}

static int feeds_failed(struct fpd_req *r, int rc, const struct fp_diag *d)
{
	char where[512];

	if (!d->msg[0])
		return rc;
	fp_diag_format(d, where, sizeof(where));
	return fpd_fail(r, rc, NULL, "stored feed does not parse: %s", where);
}

int api_vulns_list(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *host = fpd_query(r, "host");
	const char *kevq = fpd_query(r, "kev");
	bool kev_only = kevq && (!*kevq || !strcmp(kevq, "1") ||
				 !strcmp(kevq, "true"));
	const struct vx_host *h = NULL;
	struct vx x = { 0 };
	struct vm v = { 0 };
	int64_t host_id = 0;
	json_t *out = NULL;
	int rc;

	if (host && (!*host || strlen(host) > 255))
		return fpd_fail(r, FP_EINVAL, "host", "empty or longer than 255 bytes");
	if (host && (rc = st->ops->host_resolve(st, host, &host_id)))
		return fpd_fail(r, rc, "host", "%s: %s", host,
				rc == FP_ENOENT ? "no such host" : fp_strerror(rc));
	fp_arena_init(&x.arena, 0, 0);
	fp_diag_init(&x.d, NULL);
	if ((rc = st->ops->vfeed_each(st, load_feed, &x))) {
		rc = feeds_failed(r, rc, &x.d);
		goto out;
	}
	if ((rc = st->ops->fleet_each(st, add_host, add_pkg, &x)) ||
	    (rc = vm_run(&x, &v)))
		goto out;
	for (size_t i = 0; i < x.n_hosts; i++)
		if (x.hosts[i].id == host_id)
			h = &x.hosts[i];
	out = json_array();
	if (!out)
		rc = FP_ENOMEM;
	else if (!host)
		rc = list_fleet(&x, &v, kev_only, out);
	else if (h) /* else: no inventory yet, nothing affected */
		rc = list_host(&x, &v, h, kev_only, out);
	if (!rc) {
		r->resp = out;
		out = NULL;
	}
out:
	json_decref(out);
	vm_release(&v);
	vx_release(&x);
	return rc;
}
