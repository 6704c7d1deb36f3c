/* SPDX-License-Identifier: MIT */
/*
 * SQLite backend: sweeping package and update sets that no host refers
 * to any more (a host that upgraded left its old set behind).  Items go
 * with their set (ON DELETE CASCADE); package and update rows stay, the
 * history refers to them.
 */
#include "store_sqlite.h"

static int sweep_one(struct sq_conn *c, enum sq_stmt id, const char *sql,
		     unsigned max, int64_t *ret)
{
	sqlite3_stmt *st = sq_stmt(c, id, sql);
	int rc;

	if (!st)
		return FP_ESTORE;
	sqlite3_bind_int64(st, 1, max);
	if ((rc = sq_exec(st)))
		return rc;
	*ret = sqlite3_changes(c->db);
	return 0;
}

struct sweep_arg {
	unsigned max;
	struct fp_sweep_result res;
};

static int sweep_job(struct sq_conn *c, void *arg)
{
	struct sweep_arg *a = arg;
	int rc;

	if ((rc = sweep_one(c, SQ_SWEEP_PKGSETS,
			    "DELETE FROM pkgsets WHERE id IN (SELECT s.id FROM pkgsets s"
			    " WHERE NOT EXISTS (SELECT 1 FROM hosts h"
			    " WHERE h.pkgset_id = s.id) LIMIT ?)",
			    a->max, &a->res.pkgsets)) ||
	    (rc = sweep_one(c, SQ_SWEEP_UPDSETS,
			    "DELETE FROM updsets WHERE id IN (SELECT s.id FROM updsets s"
			    " WHERE NOT EXISTS (SELECT 1 FROM hosts h"
			    " WHERE h.updset_id = s.id) LIMIT ?)",
			    a->max, &a->res.updsets)))
		return rc;
	/*
	 * The writer's set cache and delta memory name sets by row id, and
	 * SQLite may hand a deleted id out again: forget them all.
	 */
	if (a->res.pkgsets)
		sq_setcache_clear(c->sets);
	return 0;
}

int sq_sweep(struct fp_store *st, unsigned max_sets, struct fp_sweep_result *ret)
{
	struct sweep_arg a = { .max = max_sets ? max_sets : 1 };
	int rc = sq_write((struct sq_store *)st, sweep_job, &a);

	if (!rc)
		*ret = a.res;
	return rc;
}
