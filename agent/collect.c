/* SPDX-License-Identifier: MIT */
/* The agent's view of lib/inventory and lib/updates: one wire document. */
#include <stdio.h>
#include <string.h>

#include "fleetpatch/err.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/updates.h"
#include "state.h"

int agent_collect(const char *root, bool refresh, json_t **ret_inv,
		  char ret_hash[65], bool *ret_refreshed, char *err, size_t n)
{
	struct fp_inventory inv;
	struct fp_diag diag;
	char where[512];
	int r, refresh_err = 0;
	json_t *j;

	if (root && !strcmp(root, "/"))
		root = NULL;
	if (ret_refreshed)
		*ret_refreshed = false;
	fp_inventory_init(&inv);
	r = fp_inventory_collect(root, FP_INV_ALL, &inv, &diag);
	if (r) {
		fp_diag_format(&diag, where, sizeof(where));
		snprintf(err, n, "%s: %s", fp_strerror(r), where);
		goto out;
	}
	/* Pending updates are best effort: the inventory goes out anyway. */
	fp_diag_init(&diag, NULL);
	r = fp_updates_query2(root, refresh ? FP_UPDATES_REFRESH : 0, &inv,
			      &refresh_err, &diag);
	fp_diag_format(&diag, where, sizeof(where));
	if (r && r != FP_EUNSUPPORTED)
		agent_log("warning", "pending updates unknown: %s: %s",
			  fp_strerror(r), where);
	else if (refresh && refresh_err)
		agent_log("warning", "metadata refresh failed: %s", where);
	else if (refresh && r == 0 && ret_refreshed)
		*ret_refreshed = true;
	fp_inventory_sort(&inv);
	fp_inventory_hash(&inv, ret_hash);
	j = fp_inventory_to_json(&inv);
	if (!j) {
		snprintf(err, n, "out of memory");
		r = FP_ENOMEM;
		goto out;
	}
	*ret_inv = j;
	r = 0;
out:
	fp_inventory_release(&inv);
	return r;
}
