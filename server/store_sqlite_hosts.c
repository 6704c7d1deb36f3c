/* SPDX-License-Identifier: MIT */
/*
 * SQLite backend, host side: enrollment, check-in (full, delta,
 * unchanged), package/update set sharing, history events, host listings,
 * groups and tags.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/arena.h"
#include "fleetpatch/util.h"
#include "log.h"
#include "store_sqlite.h"

enum { EV_INSTALLED = 1, EV_UPGRADED = 2, EV_DOWNGRADED = 3, EV_REMOVED = 4 };

static const char *event_name(int k)
{
	switch (k) {
	case EV_INSTALLED: return "installed";
	case EV_UPGRADED: return "upgraded";
	case EV_DOWNGRADED: return "downgraded";
	case EV_REMOVED: return "removed";
	}
	return "unknown";
}

/* --- enrollment --------------------------------------------------------------- */

struct enroll_arg {
	const char *secret_hash, *cred_hash;
	const struct fp_enroll *req;
	const char *details, *details_hash;
	int64_t now, stale_before;
	struct fp_enroll_result res;
};

static int set_details(struct sq_conn *c, int64_t host_id, const char *details)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_HOST_DETAILS_SET,
		"INSERT INTO host_details(host_id, details) VALUES(?1, ?2)"
		" ON CONFLICT(host_id) DO UPDATE SET details = ?2");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, host_id);
	sq_bind_text(st, 2, details);
	return sq_exec(st);
}

static void bind_ident(sqlite3_stmt *st, int first, const struct fp_wident *id)
{
	sq_bind_text(st, first, id->hostname);
	sq_bind_text(st, first + 1, id->fqdn);
	sq_bind_text(st, first + 2, id->os_id);
	sq_bind_text(st, first + 3, id->os_version);
	sq_bind_text(st, first + 4, id->os_name);
	sq_bind_text(st, first + 5, id->kernel);
	sq_bind_text(st, first + 6, id->arch);
}

static int enroll_job(struct sq_conn *c, void *arg)
{
	struct enroll_arg *a = arg;
	const struct fp_wident *id = &a->req->ident;
	sqlite3_stmt *st;
	int64_t group_id = 0, host_id = 0;
	int rc;

	st = sq_stmt(c, SQ_SECRET_FIND,
		     "SELECT s.id, s.group_id, s.expires_at, s.revoked, g.kind"
		     " FROM enroll_secrets s LEFT JOIN groups g ON g.id = s.group_id"
		     " WHERE s.secret_hash = ?");
	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->secret_hash);
	rc = sq_step_row(st);
	if (rc) {
		sqlite3_reset(st);
		return rc == FP_ENOENT ? FP_EAUTH : rc;
	}
	if (sqlite3_column_int(st, 3) ||
	    (sqlite3_column_type(st, 2) != SQLITE_NULL &&
	     sqlite3_column_int64(st, 2) <= a->now)) {
		sqlite3_reset(st);
		return FP_EAUTH;
	}
	if (!strcmp(sq_col_text(st, 4), "static"))
		group_id = sqlite3_column_int64(st, 1);
	{
		int64_t secret_id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		st = sq_stmt(c, SQ_SECRET_USE,
			     "UPDATE enroll_secrets SET uses = uses + 1 WHERE id = ?");
		if (!st)
			return FP_ESTORE;
		sqlite3_bind_int64(st, 1, secret_id);
		if ((rc = sq_exec(st)))
			return rc;
	}

	st = sq_stmt(c, SQ_HOST_BY_MACHINE,
		     "SELECT id, hostname, last_seen FROM hosts WHERE machine_id = ?");
	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, id->machine_id);
	rc = sq_step_row(st);
	if (rc && rc != FP_ENOENT) {
		sqlite3_reset(st);
		return rc;
	}
	if (!rc) {
		host_id = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int64(st, 2) >= a->stale_before &&
		    strcmp(sq_col_text(st, 1), id->hostname)) {
			a->res.conflict_host_id = host_id;
			snprintf(a->res.conflict_hostname,
				 sizeof(a->res.conflict_hostname), "%s",
				 sq_col_text(st, 1));
			sqlite3_reset(st);
			return FP_ECONFLICT;
		}
		sqlite3_reset(st);
		st = sq_stmt(c, SQ_HOST_REENROLL,
			     "UPDATE hosts SET hostname = ?, fqdn = ?, os_id = ?,"
			     " os_version = ?, os_name = ?, kernel = ?, arch = ?,"
			     " cred_hash = ?, last_seq = 0, last_seen = ?,"
			     " details_hash = ? WHERE id = ?");
		if (!st)
			return FP_ESTORE;
		bind_ident(st, 1, id);
		sq_bind_text(st, 8, a->cred_hash);
		sqlite3_bind_int64(st, 9, a->now);
		sq_bind_text(st, 10, a->details_hash);
		sqlite3_bind_int64(st, 11, host_id);
		if ((rc = sq_exec(st)))
			return rc;
		a->res.re_enrolled = true;
	} else {
		sqlite3_reset(st);
		st = sq_stmt(c, SQ_HOST_INSERT,
			     "INSERT INTO hosts(hostname, fqdn, os_id, os_version,"
			     " os_name, kernel, arch, machine_id, cred_hash,"
			     " enrolled_at, last_seen, details_hash)"
			     " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		if (!st)
			return FP_ESTORE;
		bind_ident(st, 1, id);
		sq_bind_text(st, 8, id->machine_id);
		sq_bind_text(st, 9, a->cred_hash);
		sqlite3_bind_int64(st, 10, a->now);
		sqlite3_bind_int64(st, 11, a->now);
		sq_bind_text(st, 12, a->details_hash);
		if ((rc = sq_exec(st)))
			return rc;
		host_id = sqlite3_last_insert_rowid(c->db);
	}
	if ((rc = set_details(c, host_id, a->details)))
		return rc;
	if (group_id) {
		st = sq_stmt(c, SQ_GROUP_MEMBER_ADD,
			     "INSERT OR IGNORE INTO group_members(group_id, host_id)"
			     " VALUES(?, ?)");
		if (!st)
			return FP_ESTORE;
		sqlite3_bind_int64(st, 1, group_id);
		sqlite3_bind_int64(st, 2, host_id);
		if ((rc = sq_exec(st)))
			return rc;
	}
	a->res.host_id = host_id;
	return 0;
}

/* Canonical JSON text of a value and its sha256 hex. */
static char *dump_hash(const json_t *j, char hash[65])
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (s)
		fp_sha256_hex(s, strlen(s), hash);
	return s;
}

int sq_enroll(struct fp_store *st, const char *secret_hash,
	      const struct fp_enroll *req, const char *cred_hash, int64_t now,
	      int64_t stale_before, struct fp_enroll_result *ret)
{
	struct enroll_arg a = { secret_hash, cred_hash, req, NULL, NULL, now,
				stale_before, { 0 } };
	char dh[65];
	char *details = dump_hash(req->ident.details, dh);
	int rc;

	if (!details)
		return FP_ENOMEM;
	a.details = details;
	a.details_hash = dh;
	rc = sq_write((struct sq_store *)st, enroll_job, &a);
	free(details);
	if (!rc || rc == FP_ECONFLICT)
		*ret = a.res;
	return rc;
}

int sq_host_auth(struct fp_store *st, const char *cred_hash,
		 struct fp_principal *ret)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	sqlite3_stmt *q = sq_stmt(c, SQ_HOST_AUTH,
				  "SELECT id FROM hosts WHERE cred_hash = ?");
	int rc = FP_ESTORE;

	if (q) {
		sq_bind_text(q, 1, cred_hash);
		rc = sq_step_row(q);
		if (!rc) {
			memset(ret, 0, sizeof(*ret));
			ret->is_host = true;
			ret->host_id = sqlite3_column_int64(q, 0);
		} else if (rc == FP_ENOENT) {
			rc = FP_EAUTH;
		}
		sqlite3_reset(q);
	}
	sq_reader_put(s, c);
	return rc;
}

/* --- package sets -------------------------------------------------------------- */

/* A package with its row id (0 until resolved).  'p' first: sortable. */
struct spkg {
	struct fp_wpkg p;
	int64_t id;
};

static int spkg_qcmp(const void *a, const void *b)
{
	return fp_wpkg_cmp(&((const struct spkg *)a)->p,
			   &((const struct spkg *)b)->p);
}

static int key_cmp(enum fp_ecosystem ea, const char *na, const char *aa,
		   enum fp_ecosystem eb, const char *nb, const char *ab)
{
	int c;

	if (ea != eb)
		return ea < eb ? -1 : 1;
	if ((c = strcmp(na, nb)))
		return c;
	return strcmp(aa, ab);
}

/* Load a set's packages sorted like fp_wpkg_sort, strings in 'ar'. */
static int load_set_db(struct sq_conn *c, int64_t set_id, struct fp_arena *ar,
		       struct spkg **ret, size_t *ret_n)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_PKGSET_LOAD,
		"SELECT p.id, p.eco, p.name, p.arch, p.version, p.source,"
		" p.source_version, p.kind FROM pkgset_items i"
		" JOIN packages p ON p.id = i.package_id WHERE i.set_id = ?");
	struct spkg *v = NULL;
	size_t n = 0, alloc = 0;
	int rc;

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, set_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct spkg *x;
		if (n == alloc) {
			size_t na = alloc ? alloc * 2 : 1024;
			struct spkg *nv = fp_arena_alloc(ar, na * sizeof(*nv));
			if (!nv) {
				sqlite3_reset(st);
				return FP_ENOMEM;
			}
			if (n)
				memcpy(nv, v, n * sizeof(*nv));
			v = nv;
			alloc = na;
		}
		x = &v[n++];
		x->id = sqlite3_column_int64(st, 0);
		x->p.eco = (enum fp_ecosystem)sqlite3_column_int(st, 1);
		x->p.name = fp_arena_strdup(ar, sq_col_text(st, 2));
		x->p.arch = fp_arena_strdup(ar, sq_col_text(st, 3));
		x->p.version = fp_arena_strdup(ar, sq_col_text(st, 4));
		x->p.source = fp_arena_strdup(ar, sq_col_text(st, 5));
		x->p.source_version = fp_arena_strdup(ar, sq_col_text(st, 6));
		x->p.kind = sqlite3_column_type(st, 7) == SQLITE_NULL
				    ? NULL : fp_arena_strdup(ar, sq_col_text(st, 7));
		if (!x->p.name || !x->p.arch || !x->p.version || !x->p.source ||
		    !x->p.source_version) {
			sqlite3_reset(st);
			return FP_ENOMEM;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sq_err(rc);
	if (n > 1)
		qsort(v, n, sizeof(*v), spkg_qcmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

#define SET_CACHE 32

struct set_entry {
	int64_t id;     /* 0: empty */
	uint64_t used;  /* LRU clock */
	struct fp_arena ar;
	struct spkg *v;
	size_t n;
};

/* A history event: kind, old and new package row (0: none). */
struct sq_event {
	int kind;
	int64_t old_pkg, new_pkg;
};

/*
 * What a delta did to a base set, remembered by the writer: the same
 * delta applied to the same base set always gives the same set and the
 * same history events, and a fleet of few images upgrades alike, so the
 * second host that sends it needs no merge, no hash and no diff.  Keyed
 * by the digest of the base hash and the delta (delta_key()); direct
 * mapped, a collision replaces.
 */
#define MEMO_SLOTS 1024
#define MEMO_EVENTS 8

struct delta_memo {
	char key[65]; /* "": empty */
	int64_t base_set, new_set;
	char new_hash[65];
	unsigned n_ev;
	struct sq_event ev[MEMO_EVENTS];
};

struct sq_setcache {
	struct set_entry e[SET_CACHE];
	uint64_t clock;
	struct delta_memo memo[MEMO_SLOTS];
};

static struct delta_memo *memo_slot(struct sq_setcache *sc, const char *key)
{
	unsigned long x = 0;

	for (int i = 0; i < 8; i++) /* the key is lower-case hex */
		x = x * 16 + (unsigned long)(key[i] <= '9' ? key[i] - '0'
							   : key[i] - 'a' + 10);
	return &sc->memo[x % MEMO_SLOTS];
}

struct sq_setcache *sq_setcache_new(void)
{
	struct sq_setcache *sc = fp_calloc(1, sizeof(*sc));

	for (size_t i = 0; sc && i < SET_CACHE; i++)
		fp_arena_init(&sc->e[i].ar, 0, 0);
	return sc;
}

void sq_setcache_clear(struct sq_setcache *sc)
{
	for (size_t i = 0; sc && i < SET_CACHE; i++) {
		sc->e[i].id = 0;
		fp_arena_release(&sc->e[i].ar);
	}
	for (size_t i = 0; sc && i < MEMO_SLOTS; i++)
		sc->memo[i].key[0] = '\0';
}

void sq_setcache_free(struct sq_setcache *sc)
{
	sq_setcache_clear(sc);
	fp_free(sc);
}

/*
 * A set's packages, read-only.  From the writer's cache when it has it
 * (the result stays valid for the rest of the job: a job loads at most
 * two sets and the least recently used of 32 is the one replaced),
 * otherwise from the database into 'ar'.
 */
static int load_set(struct sq_conn *c, int64_t set_id, struct fp_arena *ar,
		    struct spkg **ret, size_t *ret_n)
{
	struct sq_setcache *sc = c->sets;
	struct set_entry *victim;
	int rc;

	if (!sc)
		return load_set_db(c, set_id, ar, ret, ret_n);
	victim = &sc->e[0];
	for (size_t i = 0; i < SET_CACHE; i++) {
		struct set_entry *e = &sc->e[i];
		if (e->id == set_id) {
			e->used = ++sc->clock;
			*ret = e->v;
			*ret_n = e->n;
			return 0;
		}
		if (e->used < victim->used)
			victim = e;
	}
	victim->id = 0;
	fp_arena_release(&victim->ar);
	if ((rc = load_set_db(c, set_id, &victim->ar, &victim->v, &victim->n))) {
		fp_arena_release(&victim->ar);
		return rc;
	}
	victim->id = set_id;
	victim->used = ++sc->clock;
	*ret = victim->v;
	*ret_n = victim->n;
	return 0;
}

static int pkg_id(struct sq_conn *c, const struct fp_wpkg *p, int64_t *ret)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_PKG_FIND,
		"SELECT id FROM packages WHERE eco = ? AND name = ? AND arch = ?"
		" AND version = ? AND source = ? AND source_version = ?");
	int rc;

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int(st, 1, p->eco);
	sq_bind_text(st, 2, p->name);
	sq_bind_text(st, 3, p->arch);
	sq_bind_text(st, 4, p->version);
	sq_bind_text(st, 5, p->source);
	sq_bind_text(st, 6, p->source_version);
	rc = sq_step_row(st);
	if (!rc)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != FP_ENOENT)
		return rc;
	st = sq_stmt(c, SQ_PKG_INSERT,
		     "INSERT INTO packages(eco, name, arch, version, source,"
		     " source_version, kind) VALUES(?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int(st, 1, p->eco);
	sq_bind_text(st, 2, p->name);
	sq_bind_text(st, 3, p->arch);
	sq_bind_text(st, 4, p->version);
	sq_bind_text(st, 5, p->source);
	sq_bind_text(st, 6, p->source_version);
	sq_bind_text(st, 7, p->kind);
	if ((rc = sq_exec(st)))
		return rc;
	*ret = sqlite3_last_insert_rowid(c->db);
	return 0;
}

static int set_find(struct sq_conn *c, enum sq_stmt id, const char *sql,
		    const char *hash, int64_t *ret)
{
	sqlite3_stmt *st = sq_stmt(c, id, sql);
	int rc;

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, hash);
	rc = sq_step_row(st);
	if (!rc)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc;
}

static int pkgset_find(struct sq_conn *c, const char *hash, int64_t *ret)
{
	return set_find(c, SQ_PKGSET_FIND, "SELECT id FROM pkgsets WHERE hash = ?",
			hash, ret);
}

/* Create the set 'hash' of packages v[0..n) (ids resolved here). */
static int pkgset_create(struct sq_conn *c, const char *hash, struct spkg *v,
			 size_t n, int64_t *ret)
{
	sqlite3_stmt *st;
	int64_t set_id;
	int rc;

	for (size_t i = 0; i < n; i++)
		if (!v[i].id && (rc = pkg_id(c, &v[i].p, &v[i].id)))
			return rc;
	st = sq_stmt(c, SQ_PKGSET_INSERT, "INSERT INTO pkgsets(hash, n) VALUES(?, ?)");
	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, (int64_t)n);
	if ((rc = sq_exec(st)))
		return rc;
	set_id = sqlite3_last_insert_rowid(c->db);
	st = sq_stmt(c, SQ_PKGSET_ITEM,
		     "INSERT OR IGNORE INTO pkgset_items(set_id, package_id) VALUES(?, ?)");
	if (!st)
		return FP_ESTORE;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, set_id);
		sqlite3_bind_int64(st, 2, v[i].id);
		if ((rc = sq_exec(st)))
			return rc;
	}
	*ret = set_id;
	return 0;
}

static int insert_event(struct sq_conn *c, int64_t host_id, int64_t now,
			int kind, int64_t old_pkg, int64_t new_pkg)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_EVENT_INSERT,
		"INSERT INTO events(host_id, time, kind, old_pkg, new_pkg)"
		" VALUES(?, ?, ?, ?, ?)");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, host_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int(st, 3, kind);
	if (old_pkg)
		sqlite3_bind_int64(st, 4, old_pkg);
	if (new_pkg)
		sqlite3_bind_int64(st, 5, new_pkg);
	return sq_exec(st);
}

/*
 * History: walk the old and new sets (both sorted) key by key
 * (ecosystem, name, arch).  One version on each side that differ:
 * upgraded or downgraded; otherwise each version only on the old side is
 * removed and each only on the new side installed.
 */
struct evlist {
	struct sq_event *v;
	size_t n, alloc;
};

static int add_event(struct evlist *l, int kind, int64_t old_pkg,
		     int64_t new_pkg)
{
	if (fp_reserve((void **)&l->v, l->n + 1, &l->alloc, sizeof(*l->v)))
		return FP_ENOMEM;
	l->v[l->n++] = (struct sq_event){ kind, old_pkg, new_pkg };
	return 0;
}

static int diff_sets(struct evlist *ev, const struct spkg *o, size_t no,
		     const struct spkg *nw, size_t nn)
{
	size_t i = 0, j = 0;
	int rc;

	while (i < no || j < nn) {
		int k;
		size_t ie = i, je = j;

		if (i == no)
			k = 1;
		else if (j == nn)
			k = -1;
		else
			k = key_cmp(o[i].p.eco, o[i].p.name, o[i].p.arch,
				    nw[j].p.eco, nw[j].p.name, nw[j].p.arch);
		if (k < 0) {
			if ((rc = add_event(ev, EV_REMOVED, o[i].id, 0)))
				return rc;
			i++;
			continue;
		}
		if (k > 0) {
			if ((rc = add_event(ev, EV_INSTALLED, 0, nw[j].id)))
				return rc;
			j++;
			continue;
		}
		while (ie < no && !key_cmp(o[ie].p.eco, o[ie].p.name, o[ie].p.arch,
					   o[i].p.eco, o[i].p.name, o[i].p.arch))
			ie++;
		while (je < nn && !key_cmp(nw[je].p.eco, nw[je].p.name, nw[je].p.arch,
					   nw[j].p.eco, nw[j].p.name, nw[j].p.arch))
			je++;
		if (ie - i == 1 && je - j == 1) {
			if (o[i].id != nw[j].id) {
				int cmp = fp_wversion_cmp(o[i].p.eco, o[i].p.version,
							  nw[j].p.version);
				if ((rc = add_event(ev,
						    cmp > 0 ? EV_DOWNGRADED : EV_UPGRADED,
						    o[i].id, nw[j].id)))
					return rc;
			}
		} else {
			for (size_t x = i; x < ie; x++) {
				bool kept = false;
				for (size_t y = j; y < je; y++)
					kept |= !strcmp(o[x].p.version, nw[y].p.version);
				if (!kept && (rc = add_event(ev, EV_REMOVED,
							     o[x].id, 0)))
					return rc;
			}
			for (size_t y = j; y < je; y++) {
				bool had = false;
				for (size_t x = i; x < ie; x++)
					had |= !strcmp(o[x].p.version, nw[y].p.version);
				if (!had && (rc = add_event(ev, EV_INSTALLED,
							    0, nw[y].id)))
					return rc;
			}
		}
		i = ie;
		j = je;
	}
	return 0;
}

/* --- update sets ------------------------------------------------------------------ */

static int upd_id(struct sq_conn *c, const struct fp_wupd *u, int64_t *ret)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_UPD_FIND,
		"SELECT id FROM updates WHERE name = ? AND arch = ?"
		" AND installed_version = ? AND candidate_version = ?"
		" AND origin = ? AND security = ?");
	int rc;

	if (!st)
		return FP_ESTORE;
	for (int pass = 0; pass < 2; pass++) {
		sq_bind_text(st, 1, u->name);
		sq_bind_text(st, 2, u->arch ? u->arch : "");
		sq_bind_text(st, 3, u->installed_version ? u->installed_version : "");
		sq_bind_text(st, 4, u->candidate_version);
		sq_bind_text(st, 5, u->origin ? u->origin : "");
		sqlite3_bind_int(st, 6, u->security);
		if (pass == 0) {
			rc = sq_step_row(st);
			if (!rc)
				*ret = sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
			if (rc != FP_ENOENT)
				return rc;
			st = sq_stmt(c, SQ_UPD_INSERT,
				     "INSERT INTO updates(name, arch, installed_version,"
				     " candidate_version, origin, security)"
				     " VALUES(?, ?, ?, ?, ?, ?)");
			if (!st)
				return FP_ESTORE;
		} else {
			if ((rc = sq_exec(st)))
				return rc;
			*ret = sqlite3_last_insert_rowid(c->db);
		}
	}
	return 0;
}

static int updset_get(struct sq_conn *c, const char *hash,
		      const struct fp_wstate *s, int64_t *ret)
{
	sqlite3_stmt *st;
	int64_t set_id;
	size_t n_sec = 0;
	int rc;

	rc = set_find(c, SQ_UPDSET_FIND, "SELECT id FROM updsets WHERE hash = ?",
		      hash, ret);
	if (rc != FP_ENOENT)
		return rc;
	for (size_t i = 0; i < s->n_updates; i++)
		n_sec += s->updates[i].security;
	st = sq_stmt(c, SQ_UPDSET_INSERT,
		     "INSERT INTO updsets(hash, n, n_security) VALUES(?, ?, ?)");
	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, (int64_t)s->n_updates);
	sqlite3_bind_int64(st, 3, (int64_t)n_sec);
	if ((rc = sq_exec(st)))
		return rc;
	set_id = sqlite3_last_insert_rowid(c->db);
	for (size_t i = 0; i < s->n_updates; i++) {
		int64_t uid;
		if ((rc = upd_id(c, &s->updates[i], &uid)))
			return rc;
		st = sq_stmt(c, SQ_UPDSET_ITEM,
			     "INSERT OR IGNORE INTO updset_items(set_id, update_id)"
			     " VALUES(?, ?)");
		if (!st)
			return FP_ESTORE;
		sqlite3_bind_int64(st, 1, set_id);
		sqlite3_bind_int64(st, 2, uid);
		if ((rc = sq_exec(st)))
			return rc;
	}
	*ret = set_id;
	return 0;
}

/* --- check-in ---------------------------------------------------------------------- */

struct checkin_arg {
	int64_t host_id, now;
	struct fp_checkin *req;
	const char *upd_hash;   /* NULL when no updates were sent */
	const char *details, *details_hash; /* FULL only */
	const char *state, *state_hash;
	const char *delta_key; /* DELTA: delta_key(), or NULL */
	struct fp_checkin_result res;
};

/* Apply the delta to the base set into a new sorted array. */
static int apply_delta(const struct fp_checkin *req, const struct spkg *base,
		       size_t nb, struct fp_arena *ar, struct spkg **ret,
		       size_t *ret_n)
{
	struct spkg *v = fp_arena_calloc(ar, nb + req->n_pkgs + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return FP_ENOMEM;
	for (size_t i = 0; i < nb; i++) {
		bool drop = false;
		for (size_t r = 0; r < req->n_removed && !drop; r++)
			drop = !key_cmp(base[i].p.eco, base[i].p.name, base[i].p.arch,
					req->removed[r].eco, req->removed[r].name,
					req->removed[r].arch);
		/* an added package replaces every version with its key */
		for (size_t a = 0; a < req->n_pkgs && !drop; a++)
			drop = !key_cmp(base[i].p.eco, base[i].p.name, base[i].p.arch,
					req->pkgs[a].eco, req->pkgs[a].name,
					req->pkgs[a].arch);
		if (!drop)
			v[n++] = base[i];
	}
	for (size_t a = 0; a < req->n_pkgs; a++) {
		v[n].p = req->pkgs[a];
		v[n].id = 0;
		n++;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), spkg_qcmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

static int hash_spkgs(const struct spkg *v, size_t n, char out[65])
{
	struct fp_wpkg *tmp = fp_calloc(n ? n : 1, sizeof(*tmp));

	if (!tmp)
		return FP_ENOMEM;
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[i].p;
	fp_wpkg_hash(tmp, n, out);
	fp_free(tmp);
	return 0;
}

static int checkin_job(struct sq_conn *c, void *arg)
{
	struct checkin_arg *a = arg;
	struct fp_checkin *req = a->req;
	struct fp_arena ar;
	sqlite3_stmt *st;
	int64_t last_seq, old_set = 0, new_set = 0, old_upd = 0, new_upd;
	char cur_hash[65] = "", cur_upd[65] = "", details_hash[65] = "",
	     state_hash[65] = "";
	struct spkg *oldv = NULL, *newv = NULL;
	size_t n_old = 0, n_new = 0;
	struct delta_memo *memo = NULL;
	struct evlist ev = { 0 };
	bool need_full = false;
	int rc;

	fp_arena_init(&ar, 0, 0);
	st = sq_stmt(c, SQ_HOST_CHECKIN_GET,
		     "SELECT h.last_seq, h.pkgset_id, ps.hash, h.updset_id, us.hash,"
		     " h.details_hash, h.state_hash FROM hosts h"
		     " LEFT JOIN pkgsets ps ON ps.id = h.pkgset_id"
		     " LEFT JOIN updsets us ON us.id = h.updset_id WHERE h.id = ?");
	if (!st) {
		rc = FP_ESTORE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, a->host_id);
	rc = sq_step_row(st);
	if (rc) {
		sqlite3_reset(st);
		rc = rc == FP_ENOENT ? FP_EAUTH : rc; /* forgotten meanwhile */
		goto out;
	}
	last_seq = sqlite3_column_int64(st, 0);
	old_set = sqlite3_column_int64(st, 1);
	snprintf(cur_hash, sizeof(cur_hash), "%s", sq_col_text(st, 2));
	old_upd = new_upd = sqlite3_column_int64(st, 3);
	snprintf(cur_upd, sizeof(cur_upd), "%s", sq_col_text(st, 4));
	snprintf(details_hash, sizeof(details_hash), "%s", sq_col_text(st, 5));
	snprintf(state_hash, sizeof(state_hash), "%s", sq_col_text(st, 6));
	sqlite3_reset(st);

	if (req->seq <= last_seq) {
		/* a spooled retry of a report already applied: ack, change nothing */
		a->res.duplicate = true;
		memcpy(a->res.inventory_hash, cur_hash, sizeof(cur_hash));
		rc = 0;
		goto out;
	}
	new_set = old_set;
	switch (req->kind) {
	case FP_CHECKIN_UNCHANGED:
		need_full = !old_set || strcmp(cur_hash, req->inventory_hash);
		break;
	case FP_CHECKIN_FULL:
		/* the caller checked the hash against the packages */
		if (strcmp(cur_hash, req->inventory_hash)) {
			rc = pkgset_find(c, req->inventory_hash, &new_set);
			if (rc == FP_ENOENT) {
				newv = fp_arena_calloc(&ar, req->n_pkgs + 1, sizeof(*newv));
				if (!newv) {
					rc = FP_ENOMEM;
					goto out;
				}
				for (size_t i = 0; i < req->n_pkgs; i++)
					newv[i].p = req->pkgs[i];
				n_new = req->n_pkgs;
				rc = pkgset_create(c, req->inventory_hash, newv,
						   n_new, &new_set);
			}
			if (rc)
				goto out;
		}
		break;
	case FP_CHECKIN_DELTA: {
		char h[65];
		if (!old_set || strcmp(cur_hash, req->base_hash)) {
			need_full = true;
			break;
		}
		if (a->delta_key && c->sets) {
			memo = memo_slot(c->sets, a->delta_key);
			if (!strcmp(memo->key, a->delta_key) &&
			    memo->base_set == old_set) {
				/* seen before: same base, same delta, same result */
				if (strcmp(memo->new_hash, req->inventory_hash)) {
					need_full = true;
					break;
				}
				new_set = memo->new_set;
				for (unsigned i = 0; i < memo->n_ev; i++)
					if ((rc = add_event(&ev, memo->ev[i].kind,
							    memo->ev[i].old_pkg,
							    memo->ev[i].new_pkg)))
						goto out;
				memo = NULL; /* nothing new to remember */
				break;
			}
		}
		if ((rc = load_set(c, old_set, &ar, &oldv, &n_old)) ||
		    (rc = apply_delta(req, oldv, n_old, &ar, &newv, &n_new)) ||
		    (rc = hash_spkgs(newv, n_new, h)))
			goto out;
		if (strcmp(h, req->inventory_hash)) {
			need_full = true;
			break;
		}
		rc = pkgset_find(c, h, &new_set);
		if (rc == FP_ENOENT)
			rc = pkgset_create(c, h, newv, n_new, &new_set);
		if (rc)
			goto out;
		/* reload: the diff wants package ids on both sides */
		newv = NULL;
		break;
	}
	}

	if (need_full) {
		st = sq_stmt(c, SQ_HOST_SEEN, "UPDATE hosts SET last_seen = ? WHERE id = ?");
		if (!st) {
			rc = FP_ESTORE;
			goto out;
		}
		sqlite3_bind_int64(st, 1, a->now);
		sqlite3_bind_int64(st, 2, a->host_id);
		if ((rc = sq_exec(st)))
			goto out;
		a->res.status = FP_CHECKIN_NEED_FULL;
		memcpy(a->res.inventory_hash, cur_hash, sizeof(cur_hash));
		goto out;
	}

	/* history: only changes, never the first inventory */
	if (old_set && new_set != old_set && !ev.n) {
		if ((!oldv && (rc = load_set(c, old_set, &ar, &oldv, &n_old))) ||
		    (rc = load_set(c, new_set, &ar, &newv, &n_new)) ||
		    (rc = diff_sets(&ev, oldv, n_old, newv, n_new)))
			goto out;
	}
	for (size_t i = 0; i < ev.n; i++)
		if ((rc = insert_event(c, a->host_id, a->now, ev.v[i].kind,
				       ev.v[i].old_pkg, ev.v[i].new_pkg)))
			goto out;
	if (memo && ev.n <= MEMO_EVENTS) {
		/* cleared with the set cache if this transaction fails */
		memcpy(memo->key, a->delta_key, sizeof(memo->key));
		memo->base_set = old_set;
		memo->new_set = new_set;
		memcpy(memo->new_hash, req->inventory_hash, sizeof(memo->new_hash));
		memo->n_ev = (unsigned)ev.n;
		memcpy(memo->ev, ev.v, ev.n * sizeof(*ev.v));
	}
	if (a->upd_hash && strcmp(a->upd_hash, cur_upd) &&
	    (rc = updset_get(c, a->upd_hash, &req->state, &new_upd)))
		goto out;

	if (req->kind == FP_CHECKIN_FULL) {
		st = sq_stmt(c, SQ_HOST_IDENT,
			     "UPDATE hosts SET hostname = ?, fqdn = ?, os_id = ?,"
			     " os_version = ?, os_name = ?, kernel = ?, arch = ?,"
			     " details_hash = ? WHERE id = ?");
		if (!st) {
			rc = FP_ESTORE;
			goto out;
		}
		bind_ident(st, 1, &req->ident);
		sq_bind_text(st, 8, a->details_hash);
		sqlite3_bind_int64(st, 9, a->host_id);
		if ((rc = sq_exec(st)))
			goto out;
		if (strcmp(details_hash, a->details_hash) &&
		    (rc = set_details(c, a->host_id, a->details)))
			goto out;
	}
	if (strcmp(state_hash, a->state_hash)) {
		st = sq_stmt(c, SQ_HOST_STATE_SET,
			     "INSERT INTO host_details(host_id, state) VALUES(?1, ?2)"
			     " ON CONFLICT(host_id) DO UPDATE SET state = ?2");
		if (!st) {
			rc = FP_ESTORE;
			goto out;
		}
		sqlite3_bind_int64(st, 1, a->host_id);
		sq_bind_text(st, 2, a->state);
		if ((rc = sq_exec(st)))
			goto out;
	}
	st = sq_stmt(c, SQ_HOST_CHECKIN_SET,
		     "UPDATE hosts SET last_seen = ?, last_seq = ?, pkgset_id = ?,"
		     " updset_id = ?, reboot_required = ?, uptime = ?,"
		     " metadata_age = ?, package_manager = coalesce(?, package_manager),"
		     " updates_checked = CASE WHEN ? THEN ? ELSE updates_checked END,"
		     " state_hash = ? WHERE id = ?");
	if (!st) {
		rc = FP_ESTORE;
		goto out;
	}
	sqlite3_bind_int64(st, 1, a->now);
	sqlite3_bind_int64(st, 2, req->seq);
	if (new_set)
		sqlite3_bind_int64(st, 3, new_set);
	if (new_upd)
		sqlite3_bind_int64(st, 4, new_upd);
	sqlite3_bind_int(st, 5, req->state.reboot_required);
	sqlite3_bind_int64(st, 6, req->state.uptime);
	sqlite3_bind_int64(st, 7, req->state.metadata_age);
	sq_bind_text(st, 8, req->state.package_manager);
	sqlite3_bind_int(st, 9, req->state.have_updates);
	sqlite3_bind_int(st, 10, req->state.updates_checked);
	sq_bind_text(st, 11, a->state_hash);
	sqlite3_bind_int64(st, 12, a->host_id);
	if ((rc = sq_exec(st)))
		goto out;
	a->res.status = FP_CHECKIN_OK;
	memcpy(a->res.inventory_hash, req->inventory_hash, 65);
	(void)old_upd;
out:
	fp_free(ev.v);
	fp_arena_release(&ar);
	return rc;
}

/*
 * The digest of a delta and its base: every field of every added
 * package (the rows it resolves to) and every removed key.
 */
static int delta_key(const struct fp_checkin *req, char out[65])
{
	struct fp_buf b;
	int rc = 0;

	fp_buf_init(&b, 0);
	rc |= fp_buf_adds(&b, req->base_hash);
	for (size_t i = 0; i < req->n_pkgs; i++) {
		const struct fp_wpkg *p = &req->pkgs[i];
		rc |= fp_buf_addf(&b, "\n+%d\t%s\t%s\t%s\t%s\t%s\t%s", (int)p->eco,
				  p->name, p->arch, p->version, p->source,
				  p->source_version, p->kind ? p->kind : "");
	}
	for (size_t i = 0; i < req->n_removed; i++)
		rc |= fp_buf_addf(&b, "\n-%d\t%s\t%s", (int)req->removed[i].eco,
				  req->removed[i].name, req->removed[i].arch);
	if (!rc)
		fp_sha256_hex(b.data, b.len, out);
	fp_buf_release(&b);
	return rc ? FP_ENOMEM : 0;
}

int sq_checkin(struct fp_store *st, int64_t host_id, struct fp_checkin *req,
	       int64_t now, const struct fp_store_feed *feed,
	       struct fp_checkin_result *ret, int *ret_feed_rc)
{
	struct checkin_arg a = { .host_id = host_id, .now = now, .req = req };
	struct sq_job jobs[2] = { { .fn = checkin_job, .arg = &a } };
	struct sq_feed_arg fa;
	char uh[65], dh[65], sh[65], kh[65];
	char *details = NULL, *state = NULL;
	int rc = FP_ENOMEM;

	/* hashing and serialising here, off the writer thread */
	if (req->state.have_updates) {
		fp_wupd_hash(req->state.updates, req->state.n_updates, uh);
		a.upd_hash = uh;
	}
	if (req->kind == FP_CHECKIN_FULL) {
		if (!(details = dump_hash(req->ident.details, dh)))
			goto out;
		a.details = details;
		a.details_hash = dh;
	}
	if (!(state = dump_hash(req->state.restart, sh)))
		goto out;
	if (req->kind == FP_CHECKIN_DELTA && !delta_key(req, kh))
		a.delta_key = kh;
	a.state = state;
	a.state_hash = sh;
	/* the feed in the same transaction: one commit for both */
	if (feed)
		sq_feed_job_init(&jobs[1], &fa, feed);
	sq_write_jobs((struct sq_store *)st, jobs, feed ? 2 : 1);
	rc = jobs[0].rc;
	if (!rc)
		*ret = a.res;
	if (ret_feed_rc)
		*ret_feed_rc = feed ? jobs[1].rc : 0;
out:
	/* not written when it never reached the writer */
	if (ret_feed_rc && !jobs[0].done)
		*ret_feed_rc = rc;
	free(details);
	free(state);
	return rc;
}

/* --- host listings ------------------------------------------------------------------ */

#define HOST_COLS                                                              \
	"h.id, h.hostname, h.fqdn, h.machine_id, h.os_name, h.os_id,"          \
	" h.os_version, h.kernel, h.arch, coalesce(ps.n, 0),"                  \
	" coalesce(us.n, 0), coalesce(us.n_security, 0), h.reboot_required,"   \
	" coalesce(h.last_seen, h.enrolled_at) < ?6, h.last_seen,"             \
	" h.enrolled_at,"                                                      \
	" (SELECT group_concat(g.name, ',') FROM groups g WHERE " IN_GROUP("h", "g") "),"  \
	" (SELECT group_concat(t.name, ',') FROM host_tags ht2 JOIN tags t"    \
	"  ON t.id = ht2.tag_id WHERE ht2.host_id = h.id)"

#define HOST_FROM                                                              \
	" FROM hosts h LEFT JOIN pkgsets ps ON ps.id = h.pkgset_id"             \
	" LEFT JOIN updsets us ON us.id = h.updset_id"

static json_t *split_list(const char *s)
{
	json_t *a = json_array();
	const char *p = s;

	if (!a)
		return NULL;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, n));
		p += n + (e ? 1 : 0);
	}
	return a;
}

static json_t *text_or_null(sqlite3_stmt *q, int col)
{
	if (sqlite3_column_type(q, col) == SQLITE_NULL)
		return json_null();
	return json_string(sq_col_text(q, col));
}

static json_t *host_row(sqlite3_stmt *q)
{
	json_t *o = json_object();
	static const char *const text_keys[] = { "hostname", "fqdn", "machine_id",
		"os", "os_id", "os_version", "kernel", "arch" };

	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(q, 0)));
	for (int i = 0; i < 8; i++)
		json_object_set_new(o, text_keys[i], text_or_null(q, i + 1));
	json_object_set_new(o, "packages", json_integer(sqlite3_column_int64(q, 9)));
	json_object_set_new(o, "updates", json_integer(sqlite3_column_int64(q, 10)));
	json_object_set_new(o, "security_updates",
			    json_integer(sqlite3_column_int64(q, 11)));
	json_object_set_new(o, "reboot_required",
			    json_boolean(sqlite3_column_int(q, 12)));
	json_object_set_new(o, "stale", json_boolean(sqlite3_column_int(q, 13)));
	sq_json_time(o, "last_seen", q, 14);
	sq_json_time(o, "enrolled_at", q, 15);
	json_object_set_new(o, "groups", split_list(sq_col_text(q, 16)));
	json_object_set_new(o, "tags", split_list(sq_col_text(q, 17)));
	return o;
}

static void bind_host_filter(sqlite3_stmt *q, const void *arg)
{
	const struct fp_host_filter *f = arg;

	sq_bind_text(q, 1, f->group);
	sq_bind_text(q, 2, f->os);
	sqlite3_bind_int(q, 3, f->stale_only);
	sqlite3_bind_int(q, 4, f->needs_reboot_only);
	sq_bind_text(q, 5, f->search);
	sqlite3_bind_int64(q, 6, f->stale_before);
	sqlite3_bind_int64(q, 7, f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int64(q, 8, f->offset);
}

int sq_host_list(struct fp_store *st, const struct fp_host_filter *f,
		 json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_HOST_LIST,
		"SELECT " HOST_COLS HOST_FROM " WHERE"
		" (?1 IS NULL OR EXISTS(SELECT 1 FROM groups g WHERE g.name = ?1"
		"  AND " IN_GROUP("h", "g") "))"
		" AND (?2 IS NULL OR h.os_id = ?2)"
		" AND (?3 = 0 OR coalesce(h.last_seen, h.enrolled_at) < ?6)"
		" AND (?4 = 0 OR h.reboot_required = 1)"
		" AND (?5 IS NULL OR instr(lower(h.hostname), lower(?5)) > 0"
		"  OR instr(lower(coalesce(h.fqdn, '')), lower(?5)) > 0"
		"  OR instr(lower(h.machine_id), lower(?5)) > 0)"
		" ORDER BY h.hostname, h.id LIMIT ?7 OFFSET ?8",
		bind_host_filter, f, host_row, ret);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int resolve(struct sq_conn *c, const char *ref, int64_t *ret)
{
	sqlite3_stmt *q;
	int rc;

	if (all_digits(ref) && strlen(ref) < 19) {
		q = sq_stmt(c, SQ_HOST_EXISTS, "SELECT id FROM hosts WHERE id = ?");
		if (!q)
			return FP_ESTORE;
		sqlite3_bind_int64(q, 1, strtoll(ref, NULL, 10));
	} else {
		q = sq_stmt(c, SQ_HOST_BY_NAME,
			    "SELECT id FROM hosts WHERE hostname = ?1 OR fqdn = ?1"
			    " ORDER BY coalesce(last_seen, 0) DESC LIMIT 1");
		if (!q)
			return FP_ESTORE;
		sq_bind_text(q, 1, ref);
	}
	rc = sq_step_row(q);
	if (!rc)
		*ret = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return rc;
}

int sq_host_resolve(struct fp_store *st, const char *ref, int64_t *ret_id)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	int rc = resolve(c, ref, ret_id);

	sq_reader_put(s, c);
	return rc;
}

static json_t *pkg_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name",
			      sq_col_text(q, 0), "version", sq_col_text(q, 1),
			      "arch", sq_col_text(q, 2), "source", sq_col_text(q, 3),
			      "source_version", sq_col_text(q, 4), "ecosystem",
			      fp_weco_name(sqlite3_column_int(q, 5)));

	if (o && sqlite3_column_type(q, 6) != SQLITE_NULL)
		json_object_set_new(o, "kind", json_string(sq_col_text(q, 6)));
	return o;
}

static json_t *upd_row(sqlite3_stmt *q)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "name",
			 sq_col_text(q, 0), "arch", sq_col_text(q, 1),
			 "installed_version", sq_col_text(q, 2),
			 "candidate_version", sq_col_text(q, 3), "origin",
			 sq_col_text(q, 4), "security", sqlite3_column_int(q, 5));
}

static json_t *event_row(sqlite3_stmt *q)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	sq_json_time(o, "time", q, 0);
	json_object_set_new(o, "event", json_string(event_name(sqlite3_column_int(q, 1))));
	json_object_set_new(o, "name", json_string(sq_col_text(q, 2)));
	json_object_set_new(o, "arch", json_string(sq_col_text(q, 3)));
	json_object_set_new(o, "old_version", text_or_null(q, 4));
	json_object_set_new(o, "new_version", text_or_null(q, 5));
	return o;
}

/* obj[key] = rows of a query with two integer parameters */
static int attach_list(struct sq_conn *c, json_t *obj, const char *key,
		       enum sq_stmt id, const char *sql, int64_t p1, int64_t p2,
		       sq_row_fn fn)
{
	sqlite3_stmt *q = sq_stmt(c, id, sql);
	json_t *list;
	int rc;

	if (!q)
		return FP_ESTORE;
	sqlite3_bind_int64(q, 1, p1);
	sqlite3_bind_int64(q, 2, p2);
	if ((rc = sq_collect(q, fn, &list)))
		return rc;
	return json_object_set_new(obj, key, list) ? FP_ENOMEM : 0;
}

static int host_get_in(struct sq_conn *c, int64_t id, int64_t stale_before,
		       int history_limit, json_t **ret)
{
	json_t *o = NULL;
	sqlite3_stmt *q;
	int64_t set_id, upd_id;
	int rc;

	q = sq_stmt(c, SQ_HOST_GET,
		    "SELECT " HOST_COLS ", h.pkgset_id, h.updset_id, h.uptime,"
		    " h.metadata_age, h.package_manager, h.updates_checked, ps.hash"
		    HOST_FROM " WHERE h.id = ?1 AND ?6 = ?6");
	if (!q)
		return FP_ESTORE;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 6, stale_before);
	if ((rc = sq_step_row(q))) {
		sqlite3_reset(q);
		return rc;
	}
	o = host_row(q);
	set_id = sqlite3_column_int64(q, 18);
	upd_id = sqlite3_column_int64(q, 19);
	if (o) {
		json_object_set_new(o, "uptime_seconds",
				    json_integer(sqlite3_column_type(q, 20) == SQLITE_NULL
							 ? -1 : sqlite3_column_int64(q, 20)));
		json_object_set_new(o, "metadata_age_seconds",
				    json_integer(sqlite3_column_type(q, 21) == SQLITE_NULL
							 ? -1 : sqlite3_column_int64(q, 21)));
		json_object_set_new(o, "package_manager", text_or_null(q, 22));
		json_object_set_new(o, "updates_checked",
				    json_boolean(sqlite3_column_int(q, 23)));
		json_object_set_new(o, "inventory_hash", text_or_null(q, 24));
	}
	sqlite3_reset(q);
	if (!o)
		return FP_ENOMEM;

	/* details: hardware, interfaces; state: reboot reasons, restarts */
	q = sq_stmt(c, SQ_HOST_DETAILS_GET,
		    "SELECT details, state FROM host_details WHERE host_id = ?");
	if (!q)
		goto fail_store;
	sqlite3_bind_int64(q, 1, id);
	{
		json_t *d = NULL, *s = NULL;
		if (sqlite3_step(q) == SQLITE_ROW) {
			d = json_loads(sq_col_text(q, 0), 0, NULL);
			s = json_loads(sq_col_text(q, 1), 0, NULL);
		}
		sqlite3_reset(q);
		json_object_set(o, "hardware", json_object_get(d, "hardware")
					? json_object_get(d, "hardware") : json_null());
		json_object_set_new(o, "interfaces", json_object_get(d, "interfaces")
				    ? json_incref(json_object_get(d, "interfaces"))
				    : json_array());
		json_object_set_new(o, "reboot_reasons", json_object_get(s, "reboot_reasons")
				    ? json_incref(json_object_get(s, "reboot_reasons"))
				    : json_array());
		json_object_set_new(o, "restart_services", json_object_get(s, "restart_services")
				    ? json_incref(json_object_get(s, "restart_services"))
				    : json_array());
		json_decref(d);
		json_decref(s);
	}

	if ((rc = attach_list(c, o, "packages_list", SQ_HOST_PKGS,
			      "SELECT p.name, p.version, p.arch, p.source,"
			      " p.source_version, p.eco, p.kind FROM pkgset_items i"
			      " JOIN packages p ON p.id = i.package_id"
			      " WHERE i.set_id = ?1 AND ?2 = ?2"
			      " ORDER BY p.name, p.arch, p.version",
			      set_id, 0, pkg_row)) ||
	    (rc = attach_list(c, o, "updates_list", SQ_HOST_UPDS,
			      "SELECT u.name, u.arch, u.installed_version,"
			      " u.candidate_version, u.origin, u.security"
			      " FROM updset_items i JOIN updates u ON u.id = i.update_id"
			      " WHERE i.set_id = ?1 AND ?2 = ?2 ORDER BY u.name, u.arch",
			      upd_id, 0, upd_row)) ||
	    (rc = attach_list(c, o, "history", SQ_HOST_HISTORY,
			      "SELECT e.time, e.kind, coalesce(pn.name, po.name),"
			      " coalesce(pn.arch, po.arch), po.version, pn.version"
			      " FROM events e LEFT JOIN packages po ON po.id = e.old_pkg"
			      " LEFT JOIN packages pn ON pn.id = e.new_pkg"
			      " WHERE e.host_id = ?1 ORDER BY e.id DESC LIMIT ?2",
			      id, history_limit, event_row)))
		goto fail;
	*ret = o;
	return 0;
fail_store:
	rc = FP_ESTORE;
fail:
	json_decref(o);
	return rc;
}

int sq_host_get(struct fp_store *st, const char *ref, int64_t stale_before,
		int history_limit, json_t **ret)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_conn *c = sq_reader(s);
	int64_t id;
	int rc;

	/* one read transaction: a consistent snapshot of the host */
	sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
	rc = resolve(c, ref, &id);
	if (!rc)
		rc = host_get_in(c, id, stale_before, history_limit, ret);
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	sq_reader_put(s, c);
	return rc;
}

static int host_delete_job(struct sq_conn *c, void *arg)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_HOST_DELETE, "DELETE FROM hosts WHERE id = ?");

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, *(int64_t *)arg);
	return sq_exec_changed(st);
}

int sq_host_delete(struct fp_store *st, int64_t id)
{
	return sq_write((struct sq_store *)st, host_delete_job, &id);
}

static json_t *fleet_upd_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:b}", "name", sq_col_text(q, 0),
			      "candidate_version", sq_col_text(q, 1), "hosts",
			      (json_int_t)sqlite3_column_int64(q, 2), "security",
			      sqlite3_column_int(q, 3));
	json_t *iv = json_loads(sq_col_text(q, 4), 0, NULL);

	if (!o) {
		json_decref(iv);
		return NULL;
	}
	json_object_set_new(o, "installed_versions", iv ? iv : json_array());
	return o;
}

struct upd_filter {
	bool security_only;
	const char *group;
};

static void bind_upd_filter(sqlite3_stmt *q, const void *arg)
{
	const struct upd_filter *f = arg;

	sqlite3_bind_int(q, 1, f->security_only);
	sq_bind_text(q, 2, f->group);
}

int sq_updates_list(struct fp_store *st, bool security_only, const char *group,
		    json_t **ret)
{
	struct upd_filter f = { security_only, group };

	/* count hosts per shared update set first: the join is sets x items */
	return sq_read_list((struct sq_store *)st, SQ_UPDATES_LIST,
		"WITH c AS (SELECT h.updset_id AS set_id, count(*) AS n FROM hosts h"
		"  WHERE h.updset_id IS NOT NULL AND (?2 IS NULL OR EXISTS("
		"  SELECT 1 FROM groups g WHERE g.name = ?2 AND " IN_GROUP("h", "g") "))"
		"  GROUP BY h.updset_id)"
		" SELECT u.name, u.candidate_version, sum(c.n), max(u.security),"
		" json_group_array(DISTINCT u.installed_version)"
		" FROM c JOIN updset_items i ON i.set_id = c.set_id"
		" JOIN updates u ON u.id = i.update_id"
		" WHERE (?1 = 0 OR u.security = 1)"
		" GROUP BY u.name, u.candidate_version"
		" ORDER BY max(u.security) DESC, sum(c.n) DESC, u.name",
		bind_upd_filter, &f, fleet_upd_row, ret);
}

/* --- groups and tags ---------------------------------------------------------------- */

static int group_find(struct sq_conn *c, const char *name, int64_t *ret_id,
		      bool *ret_dynamic)
{
	sqlite3_stmt *q = sq_stmt(c, SQ_GROUP_BY_NAME,
				  "SELECT id, kind FROM groups WHERE name = ?");
	int rc;

	if (!q)
		return FP_ESTORE;
	sq_bind_text(q, 1, name);
	rc = sq_step_row(q);
	if (!rc) {
		*ret_id = sqlite3_column_int64(q, 0);
		if (ret_dynamic)
			*ret_dynamic = !strcmp(sq_col_text(q, 1), "dynamic");
	}
	sqlite3_reset(q);
	return rc;
}

struct group_arg {
	const char *name, *key, *value;
	bool dynamic;
	int64_t now, host_id;
};

static int group_insert(struct sq_conn *c, struct group_arg *a, int64_t *ret)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_GROUP_INSERT,
		"INSERT INTO groups(name, kind, rule_key, rule_value, created_at)"
		" VALUES(?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->name);
	sq_bind_text(st, 2, a->dynamic ? "dynamic" : "static");
	sq_bind_text(st, 3, a->key);
	sq_bind_text(st, 4, a->value);
	sqlite3_bind_int64(st, 5, a->now);
	if ((rc = sq_exec(st)))
		return rc;
	if (ret)
		*ret = sqlite3_last_insert_rowid(c->db);
	return 0;
}

int sq_group_ensure(struct sq_conn *c, const char *name, int64_t now,
		    int64_t *ret_id)
{
	struct group_arg a = { name, NULL, NULL, false, now, 0 };
	int rc = group_find(c, name, ret_id, NULL);

	if (rc != FP_ENOENT)
		return rc;
	return group_insert(c, &a, ret_id);
}

static int group_create_job(struct sq_conn *c, void *arg)
{
	return group_insert(c, arg, NULL);
}

int sq_group_create(struct fp_store *st, const char *name, bool dynamic,
		    const char *rule_key, const char *rule_value, int64_t now)
{
	struct group_arg a = { name, rule_key, rule_value, dynamic, now, 0 };
	return sq_write((struct sq_store *)st, group_create_job, &a);
}

static int group_delete_job(struct sq_conn *c, void *arg)
{
	sqlite3_stmt *st = sq_stmt(c, SQ_GROUP_DELETE, "DELETE FROM groups WHERE name = ?");

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, arg);
	return sq_exec_changed(st);
}

int sq_group_delete(struct fp_store *st, const char *name)
{
	return sq_write((struct sq_store *)st, group_delete_job, (void *)name);
}

static json_t *group_row(sqlite3_stmt *q)
{
	json_t *o = json_pack("{s:s, s:s, s:I}", "name", sq_col_text(q, 0), "kind",
			      sq_col_text(q, 1), "hosts",
			      (json_int_t)sqlite3_column_int64(q, 4));

	if (!o)
		return NULL;
	if (sqlite3_column_type(q, 2) == SQLITE_NULL)
		json_object_set_new(o, "rule", json_null());
	else
		json_object_set_new(o, "rule", json_pack("{s:s}", sq_col_text(q, 2),
							 sq_col_text(q, 3)));
	return o;
}

int sq_group_list(struct fp_store *st, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_GROUP_LIST,
		"SELECT g.name, g.kind, g.rule_key, g.rule_value,"
		" (SELECT count(*) FROM hosts h WHERE " IN_GROUP("h", "g") ")"
		" FROM groups g ORDER BY g.name", NULL, NULL, group_row, ret);
}

static int member_job(struct sq_conn *c, void *arg, bool add)
{
	struct group_arg *a = arg;
	sqlite3_stmt *st;
	int64_t gid;
	bool dynamic;
	int rc;

	if ((rc = group_find(c, a->name, &gid, &dynamic)))
		return rc;
	if (dynamic)
		return FP_EINVAL;
	st = add ? sq_stmt(c, SQ_GROUP_MEMBER_ADD,
			   "INSERT OR IGNORE INTO group_members(group_id, host_id)"
			   " VALUES(?, ?)")
		 : sq_stmt(c, SQ_GROUP_MEMBER_DEL,
			   "DELETE FROM group_members WHERE group_id = ? AND host_id = ?");
	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, gid);
	sqlite3_bind_int64(st, 2, a->host_id);
	if ((rc = sq_exec(st)))
		return rc == FP_EEXIST ? FP_ENOENT : rc; /* FK: no such host */
	return add || sqlite3_changes(c->db) ? 0 : FP_ENOENT;
}

static int member_add_job(struct sq_conn *c, void *arg)
{
	return member_job(c, arg, true);
}

static int member_del_job(struct sq_conn *c, void *arg)
{
	return member_job(c, arg, false);
}

int sq_group_add_host(struct fp_store *st, const char *group, int64_t host_id)
{
	struct group_arg a = { .name = group, .host_id = host_id };
	return sq_write((struct sq_store *)st, member_add_job, &a);
}

int sq_group_remove_host(struct fp_store *st, const char *group,
			 int64_t host_id)
{
	struct group_arg a = { .name = group, .host_id = host_id };
	return sq_write((struct sq_store *)st, member_del_job, &a);
}

static json_t *tag_row(sqlite3_stmt *q)
{
	return json_pack("{s:s, s:I}", "name", sq_col_text(q, 0), "hosts",
			 (json_int_t)sqlite3_column_int64(q, 1));
}

int sq_tag_list(struct fp_store *st, json_t **ret)
{
	return sq_read_list((struct sq_store *)st, SQ_TAG_LIST,
		"SELECT t.name, count(ht.host_id) FROM tags t"
		" LEFT JOIN host_tags ht ON ht.tag_id = t.id"
		" GROUP BY t.id ORDER BY t.name", NULL, NULL, tag_row, ret);
}

struct tag_arg {
	int64_t host_id;
	const char *tag;
};

static int tag_add_job(struct sq_conn *c, void *arg)
{
	struct tag_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_TAG_INSERT,
				   "INSERT OR IGNORE INTO tags(name) VALUES(?)");
	int rc;

	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->tag);
	if ((rc = sq_exec(st)))
		return rc;
	st = sq_stmt(c, SQ_HOST_TAG_ADD,
		     "INSERT OR IGNORE INTO host_tags(host_id, tag_id)"
		     " SELECT ?, id FROM tags WHERE name = ?");
	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, a->host_id);
	sq_bind_text(st, 2, a->tag);
	rc = sq_exec(st);
	return rc == FP_EEXIST ? FP_ENOENT : rc;
}

static int tag_del_job(struct sq_conn *c, void *arg)
{
	struct tag_arg *a = arg;
	sqlite3_stmt *st = sq_stmt(c, SQ_HOST_TAG_DEL,
		"DELETE FROM host_tags WHERE host_id = ?"
		" AND tag_id = (SELECT id FROM tags WHERE name = ?)");
	int rc;

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, a->host_id);
	sq_bind_text(st, 2, a->tag);
	if ((rc = sq_exec(st)))
		return rc;
	if (!sqlite3_changes(c->db))
		return FP_ENOENT;
	/* a tag no host carries any more disappears */
	st = sq_stmt(c, SQ_TAG_GC,
		     "DELETE FROM tags WHERE name = ? AND NOT EXISTS"
		     " (SELECT 1 FROM host_tags WHERE tag_id = tags.id)");
	if (!st)
		return FP_ESTORE;
	sq_bind_text(st, 1, a->tag);
	return sq_exec(st);
}

int sq_host_tag_add(struct fp_store *st, int64_t host_id, const char *tag)
{
	struct tag_arg a = { host_id, tag };
	return sq_write((struct sq_store *)st, tag_add_job, &a);
}

int sq_host_tag_remove(struct fp_store *st, int64_t host_id, const char *tag)
{
	struct tag_arg a = { host_id, tag };
	return sq_write((struct sq_store *)st, tag_del_job, &a);
}
