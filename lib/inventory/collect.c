/* SPDX-License-Identifier: MIT */
/* The top-level collector: every source present, in a fixed order. */
#include <pthread.h>
#include <stdbool.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

static int collect(const char *root, unsigned flags, struct fp_inventory *inv,
		   struct fp_diag *diag)
{
	/* Package databases: each returns 1 when absent under the root. */
	static int (*const dbs[])(const char *, struct fp_inventory *,
				  struct fp_diag *) = {
		fp__collect_dpkg, fp__collect_rpm, fp__collect_pacman,
		fp__collect_apk,
	};
	int r;

	if (flags & FP_INV_PACKAGES) {
		bool have_dpkg = false;

		for (size_t i = 0; i < FP_ARRAY_SIZE(dbs); i++) {
			/* On a dpkg system rpm is a foreign tool (Debian's rpm
			 * package says not to install with it); its database,
			 * often an empty one left by build tools, does not
			 * describe the system and costs an rpm run. */
			if (dbs[i] == fp__collect_rpm && have_dpkg)
				continue;
			r = dbs[i](root, inv, diag);
			if (r < 0)
				return r;
			if (dbs[i] == fp__collect_dpkg && r == 0)
				have_dpkg = true;
		}
	}
	if ((flags & FP_INV_APPS) && !root && (r = fp__collect_apps(root, inv, diag)) < 0)
		return r;
	if (flags & FP_INV_SYSTEM) {
		if ((r = fp__collect_system(root, inv, diag)) ||
		    (r = fp__collect_reboot(root, inv, diag)))
			return r;
	}
	if (!root) {
		if ((flags & FP_INV_HARDWARE) && (r = fp__collect_hardware(inv, diag)))
			return r;
		if ((flags & FP_INV_NETWORK) && (r = fp__collect_network(inv, diag)))
			return r;
	}
	return 0;
}

struct scan {
	bool all;
	int *pids;
	size_t n;
};

static void *scan_thread(void *arg)
{
	struct scan *s = arg;

	fp__restart_scan(s->all, s->pids, FP__RESTART_MAX, &s->n);
	return NULL;
}

int fp_inventory_collect(const char *root, unsigned flags,
			 struct fp_inventory *inv, struct fp_diag *diag)
{
	struct scan scan = { (flags & FP_INV_RESTARTS_ALL) != 0, NULL, 0 };
	bool threaded = false;
	pthread_t th;
	int r, r2;

	fp_diag_init(diag, NULL);
	if (root && !*root)
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "empty root directory");
	/* The /proc scan is mostly system calls, the rest mostly parsing:
	 * run the scan on a thread of its own (it allocates nothing). */
	if (!root && (flags & FP_INV_RESTARTS)) {
		scan.pids = fp_arena_calloc(&inv->arena, FP__RESTART_MAX, sizeof(int));
		if (!scan.pids)
			return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
		threaded = pthread_create(&th, NULL, scan_thread, &scan) == 0;
	}
	r = collect(root, flags, inv, diag);
	if (threaded)
		pthread_join(th, NULL);
	else if (scan.pids && r == 0)
		scan_thread(&scan);
	if (r == 0 && scan.pids && (r2 = fp__restart_add(inv, scan.pids, scan.n, diag)))
		r = r2;
	if (r == 0)
		fp_inventory_sort(inv);
	return r;
}
