/* SPDX-License-Identifier: MIT */
/*
 * Test driver: run fp_updates_query on a root and print what it found, one
 * update per line, sorted by name and arch, so scripts can compare it with
 * the package manager's own listing:
 *
 *	manager<TAB>apt<TAB>age<TAB>N
 *	name<TAB>arch<TAB>installed<TAB>candidate<TAB>security(0/1)<TAB>origin
 *
 * usage: updates_dump [--refresh] [ROOT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/updates.h"

static int cmp_update(const void *a, const void *b)
{
	const struct fp_update *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch, y->arch);
}

int main(int argc, char **argv)
{
	struct fp_inventory inv;
	struct fp_diag d;
	unsigned flags = 0;
	const char *root = NULL;
	char msg[512];
	int r, refresh_err = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--refresh"))
			flags |= FP_UPDATES_REFRESH;
		else
			root = argv[i];
	}
	/* Set up by hand: only the arena is needed here. */
	memset(&inv, 0, sizeof(inv));
	fp_arena_init(&inv.arena, 0, 0);
	inv.metadata_age_seconds = -1;
	fp_diag_init(&d, NULL);
	r = fp_updates_query2(root, flags, &inv, &refresh_err, &d);
	if (r != 0 || refresh_err) {
		fp_diag_format(&d, msg, sizeof(msg));
		fprintf(stderr, "updates_dump: %s: %s\n",
			fp_strerror(r ? r : refresh_err), msg);
		if (r != 0) {
			fp_arena_release(&inv.arena);
			return 1;
		}
	}
	if (inv.n_updates)
		qsort(inv.updates, inv.n_updates, sizeof(*inv.updates),
		      cmp_update);
	printf("manager\t%s\t%lld\t%zu\n", inv.package_manager,
	       (long long)inv.metadata_age_seconds, inv.n_updates);
	for (size_t i = 0; i < inv.n_updates; i++) {
		const struct fp_update *u = &inv.updates[i];
		printf("%s\t%s\t%s\t%s\t%d\t%s\n", u->name,
		       u->arch[0] ? u->arch : "-",
		       u->installed_version ? u->installed_version : "-",
		       u->candidate_version, u->security,
		       u->origin ? u->origin : "-");
	}
	fp_arena_release(&inv.arena);
	return refresh_err ? 3 : 0;
}
