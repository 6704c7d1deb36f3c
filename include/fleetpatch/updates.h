/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_UPDATES_H
#define FLEETPATCH_UPDATES_H

#include <stdbool.h>
#include <stddef.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/err.h"
#include "fleetpatch/inventory.h"

/*
 * Pending updates as the machine's own package manager sees them (apt,
 * dnf, zypper, pacman, apk), plus how fresh its metadata is.  See
 * docs/updates.md for the exact commands run per manager.
 *
 * The package manager is always run with an argv (fp_exec, never a
 * shell), LC_ALL=C, a timeout and an output cap, and read-only: apt in
 * simulation mode without locking, dnf from its cache only, zypper with
 * ZYPP_READONLY_HACK and --no-refresh, pacman -Qu, apk version.  Only
 * FP_UPDATES_REFRESH writes (the manager's own metadata refresh, taking
 * its usual lock).
 */

/* Refresh the package manager's metadata before querying. */
#define FP_UPDATES_REFRESH 0x1u

/* Limits on what a package manager's output may hold. */
#define FP_UPDATES_MAX_OUTPUT ((size_t)32 << 20) /* bytes per command */
#define FP_UPDATES_MAX_LINE 8192
#define FP_UPDATES_MAX_PATCHES 4096 /* zypper security patches */
#define FP_UPDATES_TIMEOUT_MS 120000u /* per query command */
#define FP_UPDATES_REFRESH_TIMEOUT_MS 600000u /* per refresh command */

/*
 * Query pending updates for the live system ('root' NULL or "/") or for
 * an offline root filesystem at 'root' (resolved to an absolute path
 * first; a missing root is FP_ENOENT).  The backend is picked by what
 * exists under root, in this order (each also needs its tool on PATH):
 * apt: var/lib/dpkg/status; zypper: an rpm database and etc/zypp; dnf: an
 * rpm database and etc/dnf or etc/yum.repos.d; pacman:
 * var/lib/pacman/local; apk: lib/apk/db/installed.
 *
 * On success fills inv->updates, inv->n_updates, inv->package_manager,
 * inv->updates_checked = true and inv->metadata_age_seconds (-1 unknown),
 * all strings in inv->arena, and returns 0.  When no manager is found it
 * returns FP_EUNSUPPORTED with updates_checked false.
 *
 * With FP_UPDATES_REFRESH the metadata refresh runs first; if it fails
 * the query still runs against the old metadata and the function returns
 * 0 with 'diag' saying why the refresh failed (fp_updates_query2 also
 * hands back the refresh error).  On a query failure nothing in 'inv'
 * changes except arena usage and 'diag' says what failed.
 */
int fp_updates_query(const char *root, unsigned flags,
		     struct fp_inventory *inv, struct fp_diag *diag);

/* Same as fp_updates_query; on success *ret_refresh_err (may be NULL)
 * is 0 or the error of a failed refresh. */
int fp_updates_query2(const char *root, unsigned flags,
		      struct fp_inventory *inv, int *ret_refresh_err,
		      struct fp_diag *diag);

/*
 * A growable list of updates that output parsers append to.  Strings go
 * into 'arena' (borrowed); the array itself is fp_malloc'd and freed by
 * fp_update_list_release().  fp_update_list_commit() copies the array
 * into the inventory's arena and sets inv->updates / n_updates.
 */
struct fp_update_list {
	struct fp_arena *arena;
	struct fp_update *v;
	size_t n, alloc;
};

void fp_update_list_init(struct fp_update_list *l, struct fp_arena *arena);
void fp_update_list_release(struct fp_update_list *l);
int fp_update_list_commit(struct fp_update_list *l, struct fp_inventory *inv);

/*
 * Output parsers, one per command, over a memory buffer (not necessarily
 * NUL-terminated).  Each is bounded (FP_UPDATES_MAX_LINE per line,
 * FP_INV_MAX_UPDATES entries, FP_INV_MAX_FIELD per field), appends to 'l'
 * and on garbage returns FP_EINVAL/FP_ETOOBIG with 'diag' naming the line.
 * On failure entries already appended stay in 'l'; callers drop the list.
 */

/* `apt-get -s dist-upgrade`: "Inst name [old] (new origins [arch])" lines.
 * security = one of the candidate's origins is a "*-security" suite. */
int fp_updates_parse_apt(const char *data, size_t len,
			 struct fp_update_list *l, struct fp_diag *diag);

/* `dnf check-update`: "name.arch  evr  repo" (wrapped lines joined). */
int fp_updates_parse_dnf(const char *data, size_t len,
			 struct fp_update_list *l, struct fp_diag *diag);

/* `dnf updateinfo list --security`: "ADVISORY type/severity nevra";
 * marks the matching updates (same name and arch) as security. */
int fp_updates_parse_dnf_security(const char *data, size_t len,
				  struct fp_update_list *l,
				  struct fp_diag *diag);

/* `rpm -qa --qf '%{NAME}\t%{ARCH}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n'`:
 * fills installed_version of updates with the same name and arch
 * (epoch "0:" dropped, as dnf prints it). */
int fp_updates_parse_rpm_installed(const char *data, size_t len,
				   struct fp_update_list *l,
				   struct fp_diag *diag);

/* `zypper --xmlout list-updates`: <update kind="package" name= edition=
 * arch= [edition-old=]> with <source alias=/>. */
int fp_updates_parse_zypper(const char *data, size_t len,
			    struct fp_update_list *l, struct fp_diag *diag);

/*
 * `zypper --xmlout list-patches --category security`: the names of the
 * needed security patches (at most 'max'), as arena strings into 'names'.
 * Names starting with '-' are refused (they become argv words).
 */
int fp_updates_zypper_security_patches(const char *data, size_t len,
				       struct fp_arena *arena, char **names,
				       size_t max, size_t *ret_n,
				       struct fp_diag *diag);

/* `zypper info -t patch NAME...`: each patch's "Conflicts" entries
 * ("name[.arch] < version", inline or as an indented list after "[N]")
 * name the packages it fixes; marks their updates as security. */
int fp_updates_parse_zypper_info(const char *data, size_t len,
				 struct fp_update_list *l,
				 struct fp_diag *diag);

/* `pacman -Qu`: "name old -> new [ignored]". */
int fp_updates_parse_pacman(const char *data, size_t len,
			    struct fp_update_list *l, struct fp_diag *diag);

/* `pacman -Sl`: "repo name version [installed: old]"; sets the origin of
 * updates whose candidate is that version (first repository wins). */
int fp_updates_parse_pacman_repos(const char *data, size_t len,
				  struct fp_update_list *l,
				  struct fp_diag *diag);

/* `apk version -l '<'`: "name-ver-rN < newver" lines. */
int fp_updates_parse_apk(const char *data, size_t len,
			 struct fp_update_list *l, struct fp_diag *diag);

#endif
