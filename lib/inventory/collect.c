/* SPDX-License-Identifier: MIT */
/* The top-level collector: every source present, in a fixed order. */
#include <stdbool.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

int fp_inventory_collect(const char *root, unsigned flags,
			 struct fp_inventory *inv, struct fp_diag *diag)
{
	/* Package databases: each returns 1 when absent under the root. */
	static int (*const dbs[])(const char *, struct fp_inventory *,
				  struct fp_diag *) = {
		fp__collect_dpkg, fp__collect_rpm, fp__collect_pacman,
		fp__collect_apk,
	};
	int r;

	fp_diag_init(diag, NULL);
	if (root && !*root)
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "empty root directory");
	if (flags & FP_INV_PACKAGES) {
		bool have_dpkg = false;

		for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
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
		if ((flags & FP_INV_RESTARTS) && (r = fp__collect_restarts(inv, flags & FP_INV_RESTARTS_ALL, diag)))
			return r;
	}
	fp_inventory_sort(inv);
	return 0;
}
