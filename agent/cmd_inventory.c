/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-agent inventory [--root DIR] [--json] [--no-updates] [--refresh]
 *
 * What is installed on this machine (or on an offline root file system)
 * and what it is missing, as JSON (the wire form of fleetpatch/inventory.h)
 * or as a readable summary.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/updates.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: fleetpatch-agent inventory [--root DIR] [--json] "
		   "[--no-updates] [--refresh]\n");
}

/*
 * Pending updates: the package manager's own view (fleetpatch/updates.h).
 * No package manager under the root is not an error: updates stay
 * unchecked.  A failed --refresh is reported and the query still runs on
 * the old metadata; *ret_refresh_failed tells the caller.
 */
static int query_updates(const char *root, bool refresh, struct fp_inventory *inv,
			 bool *ret_refresh_failed, struct fp_diag *diag)
{
	int refresh_err = 0, r;

	r = fp_updates_query2(root, refresh ? FP_UPDATES_REFRESH : 0, inv,
			      &refresh_err, diag);
	if (r == FP_EUNSUPPORTED)
		return 0;
	if (r == 0 && refresh_err) {
		char msg[512];
		fp_diag_format(diag, msg, sizeof(msg));
		fprintf(stderr, "fleetpatch-agent inventory: refresh failed, "
				"updates are from old metadata: %s\n",
			msg[0] ? msg : fp_strerror(refresh_err));
		*ret_refresh_failed = true;
	}
	return r;
}

static void human_bytes(unsigned long long n, char out[32])
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void human_duration(long long s, char out[32])
{
	if (s >= 86400)
		snprintf(out, 32, "%lldd %lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, 32, "%lldh %lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, 32, "%lldm %llds", s / 60, s % 60);
}

#define OR(s, d) ((s) ? (s) : (d))

static void print_summary(const struct fp_inventory *inv, FILE *f)
{
	size_t per[FP_ECO__COUNT + 2] = { 0 }; /* + snap, flatpak */
	const struct fp_hardware *h = &inv->hw;
	char a[32], b[32];

	fprintf(f, "host        %s", OR(inv->hostname, "(unknown)"));
	if (inv->fqdn && inv->hostname && strcmp(inv->fqdn, inv->hostname))
		fprintf(f, " (%s)", inv->fqdn);
	fprintf(f, "\nmachine-id  %s\n", OR(inv->machine_id, "(unknown)"));
	if (inv->os.id)
		fprintf(f, "os          %s [%s %s%s%s]\n", OR(inv->os.pretty_name, ""),
			inv->os.id, OR(inv->os.version_id, ""),
			inv->os.codename ? " " : "", OR(inv->os.codename, ""));
	else
		fprintf(f, "os          (unknown)\n");
	fprintf(f, "kernel      %s %s\n", OR(inv->kernel, "(unknown)"),
		OR(inv->arch, ""));
	if (h->cpu_count || h->memory_bytes) {
		human_bytes(h->memory_bytes, a);
		fprintf(f, "hardware    %d x %s, %s memory", h->cpu_count,
			OR(h->cpu_model, "cpu"), a);
		if (h->vendor || h->model)
			fprintf(f, ", %s %s", OR(h->vendor, ""), OR(h->model, ""));
		if (h->serial)
			fprintf(f, " serial %s", h->serial);
		fprintf(f, "\n");
		for (size_t i = 0; i < h->n_disks; i++) {
			human_bytes(h->disks[i].size_bytes, a);
			fprintf(f, "disk        %s %s\n", h->disks[i].name, a);
		}
	}
	for (size_t i = 0; i < inv->n_interfaces; i++) {
		const struct fp_netif *n = &inv->interfaces[i];
		fprintf(f, "interface   %s %s", n->name, OR(n->mac, "-"));
		for (size_t k = 0; k < n->n_addresses; k++)
			fprintf(f, " %s", n->addresses[k]);
		fprintf(f, "\n");
	}
	if (inv->uptime_seconds >= 0) {
		human_duration(inv->uptime_seconds, b);
		fprintf(f, "uptime      %s\n", b);
	}
	for (size_t i = 0; i < inv->n_packages; i++) {
		const struct fp_package *p = &inv->packages[i];
		if (p->kind)
			per[FP_ECO__COUNT + (strcmp(p->kind, "snap") ? 1 : 0)]++;
		else if (p->eco < FP_ECO__COUNT)
			per[p->eco]++;
	}
	fprintf(f, "packages    %zu", inv->n_packages);
	for (int e = 0; e < FP_ECO__COUNT + 2; e++)
		if (per[e])
			fprintf(f, " %s %zu", e == FP_ECO__COUNT ? "snap"
					      : e == FP_ECO__COUNT + 1 ? "flatpak"
								    : fp_ecosystem_name(e),
				per[e]);
	fprintf(f, "\n");
	if (inv->updates_checked) {
		size_t sec = 0;
		for (size_t i = 0; i < inv->n_updates; i++)
			sec += inv->updates[i].security;
		fprintf(f, "updates     %zu (%zu security) from %s", inv->n_updates,
			sec, OR(inv->package_manager, "?"));
		if (inv->metadata_age_seconds >= 0) {
			human_duration(inv->metadata_age_seconds, b);
			fprintf(f, ", metadata %s old", b);
		}
		fprintf(f, "\n");
		for (size_t i = 0; i < inv->n_updates; i++) {
			const struct fp_update *u = &inv->updates[i];
			fprintf(f, "  %s %s -> %s%s\n", u->name,
				OR(u->installed_version, "(new)"), u->candidate_version,
				u->security ? " [security]" : "");
		}
	} else {
		fprintf(f, "updates     not checked\n");
	}
	fprintf(f, "reboot      %s", inv->reboot_required ? "required" : "not required");
	for (size_t i = 0; i < inv->n_reboot_reasons; i++)
		fprintf(f, "%s%s", i ? ", " : " by ", inv->reboot_reasons[i]);
	fprintf(f, "\nrestart     %s\n", inv->n_restarts ? "" : "none");
	for (size_t i = 0; i < inv->n_restarts; i++)
		fprintf(f, "  pid %d %s%s%s\n", inv->restarts[i].pid, inv->restarts[i].name,
			inv->restarts[i].unit ? " " : "", OR(inv->restarts[i].unit, ""));
}

int cmd_inventory(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-updates", no_argument, NULL, 'n' },
		{ "refresh", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL;
	bool json = false, updates = true, refresh = false, refresh_failed = false;
	struct fp_inventory inv;
	struct fp_diag diag;
	struct stat st;
	char msg[512];
	int c, r, rc = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'n':
			updates = false;
			break;
		case 'R':
			refresh = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "fleetpatch-agent inventory: unknown option '%s'\n",
				argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fleetpatch-agent inventory: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (refresh && !updates) {
		fprintf(stderr, "fleetpatch-agent inventory: --refresh needs the update query "
				"(drop --no-updates)\n");
		return 2;
	}
	if (root && (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "fleetpatch-agent inventory: --root %s: not a directory\n",
			root);
		return 2;
	}

	fp_inventory_init(&inv);
	r = fp_inventory_collect(root, FP_INV_ALL, &inv, &diag);
	if (r == 0 && updates)
		r = query_updates(root, refresh, &inv, &refresh_failed, &diag);
	if (r) {
		fp_diag_format(&diag, msg, sizeof(msg));
		fprintf(stderr, "fleetpatch-agent inventory: %s\n",
			msg[0] ? msg : fp_strerror(r));
		rc = fp_err_exit_code(r);
		goto out_release;
	}
	if (json) {
		fflush(stdout);
		r = fp_inventory_write_json_fd(&inv, STDOUT_FILENO);
		if (r) {
			fprintf(stderr, "fleetpatch-agent inventory: cannot write: %s\n",
				fp_strerror(r));
			rc = 1;
		}
	} else {
		print_summary(&inv, stdout);
	}
	if (fflush(stdout) != 0 && rc == 0) {
		fprintf(stderr, "fleetpatch-agent inventory: cannot write output\n");
		rc = 1;
	}
	if (refresh_failed && rc == 0)
		rc = 1;
	/* The rest was reported; an unusable os-release is still bad input. */
	if (inv.os_error && rc == 0) {
		fprintf(stderr, "fleetpatch-agent inventory: %s\n", inv.os_error);
		rc = 2;
	}
out_release:
	fp_inventory_release(&inv);
	return rc;
}
