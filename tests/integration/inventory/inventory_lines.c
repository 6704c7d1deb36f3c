/* SPDX-License-Identifier: MIT */
/*
 * Test helper: read an inventory's wire form on stdin, decode it with the
 * strict decoder (as the server does) and print one line per item:
 *   pkg NAME VERSION ARCH ECOSYSTEM SOURCE SOURCE_VERSION
 *   restart PID NAME
 *   field KEY VALUE      (os_id, kernel, arch, hostname, machine_id)
 * Exit 2 with the decoder's message when the input is rejected.
 */
#include <stdio.h>

#include "fleetpatch/inventory.h"

int main(void)
{
	struct fp_inventory inv;
	struct fp_diag d;
	json_error_t je;
	json_t *j = json_loadf(stdin, 0, &je);
	int rc = 0;

	if (!j) {
		fprintf(stderr, "inventory_lines: not JSON: %s (line %d)\n", je.text, je.line);
		return 2;
	}
	fp_inventory_init(&inv);
	if (fp_inventory_from_json(j, &inv, &d)) {
		fprintf(stderr, "inventory_lines: rejected: %s\n", d.msg);
		rc = 2;
		goto out;
	}
	for (size_t i = 0; i < inv.n_packages; i++) {
		const struct fp_package *p = &inv.packages[i];
		printf("pkg %s %s %s %s %s %s\n", p->name, p->version, p->arch,
		       fp_ecosystem_name(p->eco), p->source, p->source_version);
	}
	for (size_t i = 0; i < inv.n_restarts; i++)
		printf("restart %d %s\n", inv.restarts[i].pid, inv.restarts[i].name);
	printf("field os_id %s\n", inv.os.id ? inv.os.id : "-");
	printf("field kernel %s\n", inv.kernel ? inv.kernel : "-");
	printf("field arch %s\n", inv.arch ? inv.arch : "-");
	printf("field hostname %s\n", inv.hostname ? inv.hostname : "-");
	printf("field machine_id %s\n", inv.machine_id ? inv.machine_id : "-");
	printf("field updates_checked %d\n", inv.updates_checked);
out:
	fp_inventory_release(&inv);
	json_decref(j);
	return rc;
}
