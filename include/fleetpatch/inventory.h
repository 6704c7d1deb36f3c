/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_INVENTORY_H
#define FLEETPATCH_INVENTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/err.h"
#include "fleetpatch/strview.h"
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
 *                 "ecosystem": "deb"},
 *                {"name": "org.gnome.Calculator", "version": "45.0",
 *                 "arch": "x86_64", "source": "flathub",
 *                 "source_version": "45.0", "ecosystem": "generic",
 *                 "kind": "flatpak"}],
 *   "updates": [{"name": "..", "arch": "..", "installed_version": "..",
 *                "candidate_version": "..", "origin": "..", "security": true}],
 *   "updates_checked": true, "package_manager": "apt",
 *   "metadata_age_seconds": N       (-1 when unknown)
 *   "os_error": "/etc/os-release: ..."   (only when os-release was unusable)
 * }
 * Absent or unknown values are omitted (strings) or -1/0 (numbers).
 * "kind" is present only for packages that are not the system package
 * manager's: "snap" or "flatpak" (ecosystem "generic"; for those "source"
 * is the snap publisher or the flatpak remote).  Their versions are
 * vendor strings and are checked only for being printable and bounded;
 * every other version must be valid in its ecosystem.
 * docs/inventory.md describes every field and where it comes from.
 */

struct fp_package {
	const char *name;
	const char *version;
	const char *arch;           /* "" when the database has none */
	const char *source;         /* source package; = name when same */
	const char *source_version; /* = version when same */
	enum fp_ecosystem eco;
	const char *kind;           /* NULL native; "snap", "flatpak" */
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

	/* Why 'os' is empty: os-release missing or invalid ("file:line: .."). */
	const char *os_error;

	size_t packages_cap; /* internal: room in 'packages' */
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

/*
 * Stream the wire form to 'out' without building a JSON tree (what the
 * agent prints: a few KiB of memory whatever the package count).  The
 * text is the same document fp_inventory_to_json() gives, compact, one
 * line, ending with a newline.  Returns 0, FP_ENOMEM, FP_ETOOBIG.
 */
int fp_inventory_write_json(const struct fp_inventory *inv, struct fp_buf *out);
/* The same, written to 'fd' in 32 KiB pieces.  FP_EIO when a write fails. */
int fp_inventory_write_json_fd(const struct fp_inventory *inv, int fd);

/*
 * Append a package, copying every string into the arena.  'arch',
 * 'source' and 'source_version' may be empty views ('source' empty = same
 * as name, 'source_version' empty = same as version).  'kind' is a static
 * string or NULL.  FP_ETOOBIG past FP_INV_MAX_PACKAGES.
 */
int fp_inventory_add_package(struct fp_inventory *inv, struct fp_str name,
			     struct fp_str version, struct fp_str arch,
			     struct fp_str source, struct fp_str source_version,
			     enum fp_ecosystem eco, const char *kind);

/*
 * Parsers of package databases and system files, each over a memory
 * buffer (so they can be fuzzed) and appending to 'inv'.  'label' names
 * the input in the diag (a file name).  On bad input they return
 * FP_EINVAL or FP_ETOOBIG with the diag at "label:line: what is wrong";
 * packages appended before the error stay in 'inv' but the caller is
 * expected to discard it.
 *
 * dpkg status (deb822): only "install ok installed" and "hold ok
 * installed" packages are added; Multi-Arch instances are distinct.
 */
int fp_dpkg_status_parse(const char *data, size_t len, const char *label,
			 struct fp_inventory *inv, struct fp_diag *diag);
/* One pacman local db "desc" file (%NAME% %VERSION% %ARCH% %BASE%). */
int fp_pacman_desc_parse(const char *data, size_t len, const char *label,
			 struct fp_inventory *inv, struct fp_diag *diag);
/* apk's lib/apk/db/installed (P: V: A: o: lines, blank-line separated). */
int fp_apk_installed_parse(const char *data, size_t len, const char *label,
			   struct fp_inventory *inv, struct fp_diag *diag);
/*
 * The output of `rpm -qa --qf FP_RPM_QUERYFORMAT`: one record a line,
 * tab-separated, framed by sentinels so a short or garbled record shows.
 */
#define FP_RPM_QUERYFORMAT                                                    \
	"@fp@\\t%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t"       \
	"%{SOURCERPM}\\t@end@\\n"
int fp_rpm_query_parse(const char *data, size_t len, const char *label,
		       struct fp_inventory *inv, struct fp_diag *diag);
/* os-release (shell-style KEY=value, quoted) into inv->os. */
int fp_os_release_parse(const char *data, size_t len, const char *label,
			struct fp_inventory *inv, struct fp_diag *diag);

/* Size limits for files read by the collectors. */
#define FP_INV_MAX_LINE 65536           /* one line of a database file */
#define FP_INV_MAX_DB ((size_t)1 << 30) /* one database file */

/* What fp_inventory_collect gathers. */
enum {
	FP_INV_PACKAGES = 1u << 0, /* every package database present */
	FP_INV_SYSTEM = 1u << 1,   /* identity, os-release, kernel, reboot */
	FP_INV_HARDWARE = 1u << 2, /* cpu, memory, disks, DMI; live only */
	FP_INV_NETWORK = 1u << 3,  /* interfaces; live only */
	FP_INV_RESTARTS = 1u << 4, /* processes running deleted code; live */
	FP_INV_APPS = 1u << 5,     /* snap and flatpak listings */
	FP_INV_ALL = 0x3f,
	/*
	 * Restarts: also look at processes started after the package
	 * databases last changed.  Without it they are skipped: they mapped
	 * what is installed now, so no update replaced their code (a file
	 * deleted by other means is not an update's doing).  For tests.
	 */
	FP_INV_RESTARTS_ALL = 1u << 6,
};

/*
 * Collect the inventory of the running system ('root' NULL) or of an
 * offline root file system at 'root' (live-only facts are then left out:
 * hostname, FQDN, hardware, interfaces, uptime, restarts).  Reads every
 * package database present under the root: dpkg, rpm, pacman, apk (rpm's
 * is skipped when a dpkg database is there: on Debian rpm is a foreign
 * tool whose database does not describe the system).
 * A missing or invalid os-release does not fail the collection: it is
 * recorded in inv->os_error and the caller decides.  Any other bad input
 * fails with the diag naming file and line.  Updates are not queried
 * here (see fleetpatch/updates.h).
 */
int fp_inventory_collect(const char *root, unsigned flags,
			 struct fp_inventory *inv, struct fp_diag *diag);

#endif
