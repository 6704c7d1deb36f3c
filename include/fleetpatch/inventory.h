/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_INVENTORY_H
#define FLEETPATCH_INVENTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/err.h"
#include "fleetpatch/version.h"

/*
 * What is on a machine: identity, hardware, installed packages, pending
 * updates, restart needs.  Every string lives in the inventory's arena.
 *
 * Wire form (fp_inventory_to_json / fp_inventory_from_json), the body an
 * agent sends and `fleetpatch-agent inventory --json` prints:
 *
 * {
 *   "machine_id": "...", "hostname": "...", "fqdn": "...",
 *   "os": {"id": "debian", "version_id": "12", "codename": "bookworm",
 *          "pretty_name": "..."},
 *   "kernel": "6.1.0-...", "arch": "x86_64",
 *   "hardware": {"cpu_model": "...", "cpu_count": 2, "memory_bytes": N,
 *                "disks": [{"name": "sda", "size_bytes": N}],
 *                "vendor": "...", "model": "...", "serial": "..."},
 *   "interfaces": [{"name": "eth0", "mac": "..", "addresses": ["10.0.0.2/24"]}],
 *   "uptime_seconds": N,
 *   "reboot_required": false, "reboot_reasons": ["linux-image-..."],
 *   "restart_services": [{"pid": 1, "name": "sshd", "unit": "ssh.service"}],
 *   "packages": [{"name": "bash", "version": "5.2.15-2+b2", "arch": "amd64",
 *                 "source": "bash", "source_version": "5.2.15-2",
 *                 "ecosystem": "deb"}],
 *   "updates": [{"name": "..", "arch": "..", "installed_version": "..",
 *                "candidate_version": "..", "origin": "..", "security": true}],
 *   "updates_checked": true, "package_manager": "apt",
 *   "metadata_age_seconds": N       (-1 when unknown)
 * }
 * Absent or unknown values are omitted (strings) or -1/0 (numbers).
 */

struct fp_package {
	const char *name;
	const char *version;
	const char *arch;           /* "" when the database has none */
	const char *source;         /* source package; = name when same */
	const char *source_version; /* = version when same */
	enum fp_ecosystem eco;
};

struct fp_update {
	const char *name;
	const char *arch;
	const char *installed_version;
	const char *candidate_version;
	const char *origin; /* repository/suite, e.g. "Debian-Security:12/stable-security" */
	bool security;
};

struct fp_disk {
	const char *name;
	uint64_t size_bytes;
};

struct fp_netif {
	const char *name;
	const char *mac;
	const char **addresses;
	size_t n_addresses;
};

struct fp_restart {
	int pid;
	const char *name; /* process name */
	const char *unit; /* systemd unit when known, else NULL */
};

struct fp_os {
	const char *id, *version_id, *codename, *pretty_name;
};

struct fp_hardware {
	const char *cpu_model;
	int cpu_count;
	uint64_t memory_bytes;
	struct fp_disk *disks;
	size_t n_disks;
	const char *vendor, *model, *serial;
};

struct fp_inventory {
	struct fp_arena arena; /* owns every string and array below */

	const char *machine_id, *hostname, *fqdn;
	struct fp_os os;
	const char *kernel, *arch;
	struct fp_hardware hw;
	struct fp_netif *interfaces;
	size_t n_interfaces;
	int64_t uptime_seconds; /* -1 unknown */

	bool reboot_required;
	const char **reboot_reasons;
	size_t n_reboot_reasons;
	struct fp_restart *restarts;
	size_t n_restarts;

	struct fp_package *packages;
	size_t n_packages;

	bool updates_checked; /* false with --no-updates or no manager */
	const char *package_manager; /* "apt", "dnf", "zypper", "pacman", "apk" */
	int64_t metadata_age_seconds; /* -1 unknown */
	struct fp_update *updates;
	size_t n_updates;
};

/* Zero an inventory and set up its arena. */
void fp_inventory_init(struct fp_inventory *inv);
/* Free everything the inventory holds. */
void fp_inventory_release(struct fp_inventory *inv);

/* Serialise to the wire form above; NULL when out of memory. */
json_t *fp_inventory_to_json(const struct fp_inventory *inv);

/*
 * Decode the wire form into 'inv' (initialised by the caller), checking
 * types, sizes and every version string against its ecosystem.  On failure
 * returns FP_EINVAL/FP_ETOOBIG with 'diag' naming the JSON path, e.g.
 * "packages[12].version: invalid deb version: ...".
 */
int fp_inventory_from_json(const json_t *j, struct fp_inventory *inv,
			   struct fp_diag *diag);

/* Limits on what an inventory may hold (hostile input). */
#define FP_INV_MAX_PACKAGES 100000
#define FP_INV_MAX_UPDATES 100000
#define FP_INV_MAX_FIELD 4096

/*
 * Sort packages by (ecosystem, name, arch, version) and compute the
 * content hash of the package set: sha256 hex of the sorted
 * "eco\tname\tarch\tversion\n" lines.  Agent and server hash alike.
 */
void fp_inventory_sort(struct fp_inventory *inv);
void fp_inventory_hash(const struct fp_inventory *inv, char out[65]);

#endif
