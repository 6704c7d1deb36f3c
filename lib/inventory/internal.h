/* SPDX-License-Identifier: MIT */
/* Helpers shared by the inventory collectors and parsers (fp__ = internal). */
#ifndef FLEETPATCH_INVENTORY_INTERNAL_H
#define FLEETPATCH_INVENTORY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/strview.h"

/*
 * A read-only view of a whole file: mmap'd (only touched pages cost
 * memory), or read into a buffer where mmap is not possible (/proc).
 */
struct fp__file {
	const char *data;
	size_t len;
	void *map;    /* munmap on release when non-NULL */
	char *heap;   /* fp_free on release */
};

/*
 * Open 'path' (O_CLOEXEC) and map it.  FP_ENOENT when missing, FP_ETOOBIG
 * past 'max' bytes, FP_EIO otherwise; the diag says what (its 'file' is
 * the caller's to set).
 */
int fp__file_map(const char *path, size_t max, struct fp__file *ret,
		 struct fp_diag *diag);
void fp__file_release(struct fp__file *f);

/*
 * Read a small file (proc, sys, etc) into 'out' (size n, NUL-terminated,
 * trailing whitespace trimmed).  Returns the length or a negative fp_err.
 */
long fp__read_small(const char *path, char *out, size_t n);

/*
 * Split off the next line of data[*pos..len): the line without its '\n'.
 * Returns 1 with a line, 0 at the end, or FP_EINVAL with the diag set for
 * an over-long line, a NUL byte, or a last line without its newline
 * ('need_nl' true).  '*lineno' is advanced.  'need_nl' may also carry
 * FP__LINE_NUL_CHECKED: the caller ran fp__check_binary over all of data.
 */
#define FP__LINE_NUL_CHECKED 2u
int fp__next_line(const char *data, size_t len, size_t *pos,
		  unsigned long *lineno, unsigned need_nl, struct fp_str *ret,
		  struct fp_diag *diag);

/* FP_EINVAL with the diag at the line and column of the first NUL byte. */
int fp__check_binary(const char *data, size_t len, struct fp_diag *diag);

/* Printable ASCII with no spaces, 1..max bytes. */
bool fp__is_token(struct fp_str s, size_t max);
/*
 * A package name: 1..max bytes of ASCII letters, digits and the bytes of
 * 'punct' (each package database allows its own punctuation).
 */
bool fp__is_pkg_name(struct fp_str s, size_t max, const char *punct);
/* Printable (UTF-8 allowed, no control characters), 0..max bytes. */
bool fp__is_text(struct fp_str s, size_t max);

/*
 * Check a version of 'eco'; on failure set the diag at 'line' saying
 * "<what>: invalid <eco> version '<v>': <why>" and return FP_EINVAL.
 */
int fp__check_version(enum fp_ecosystem eco, struct fp_str v, const char *what,
		      unsigned long line, struct fp_diag *diag);

/* Copy a view into the arena; NULL when out of memory. */
const char *fp__inv_strdup(struct fp_inventory *inv, struct fp_str s);

/* "root" + "/rel" (root NULL = "") into out; FP_ETOOBIG when too long. */
int fp__root_path(char *out, size_t n, const char *root, const char *rel);

/*
 * "root" + rel as a string in the inventory's arena, so a diag may name it
 * for as long as the inventory lives.  NULL when out of memory.
 */
const char *fp__inv_path(struct fp_inventory *inv, const char *root,
			 const char *rel);

/* Collectors, one per source (collect.c calls them). */
int fp__collect_dpkg(const char *root, struct fp_inventory *inv,
		     struct fp_diag *diag);
int fp__collect_rpm(const char *root, struct fp_inventory *inv,
		    struct fp_diag *diag);
int fp__collect_pacman(const char *root, struct fp_inventory *inv,
		       struct fp_diag *diag);
int fp__collect_apk(const char *root, struct fp_inventory *inv,
		    struct fp_diag *diag);
int fp__collect_apps(const char *root, struct fp_inventory *inv,
		     struct fp_diag *diag);
int fp__collect_system(const char *root, struct fp_inventory *inv,
		       struct fp_diag *diag);
int fp__collect_hardware(struct fp_inventory *inv, struct fp_diag *diag);
int fp__collect_network(struct fp_inventory *inv, struct fp_diag *diag);
/*
 * Restarts in two steps: the scan of /proc (no allocation, safe on a
 * thread of its own) finds the pids of processes running deleted code;
 * fp__restart_add names them (comm, systemd unit) into the inventory.
 * 'all': also processes started after the last package change.
 */
#define FP__RESTART_MAX 4096
int fp__restart_scan(bool all, int *pids, size_t max, size_t *ret_n);
int fp__restart_add(struct fp_inventory *inv, const int *pids, size_t n,
		    struct fp_diag *diag);
int fp__collect_reboot(const char *root, struct fp_inventory *inv,
		       struct fp_diag *diag);

/* `snap list` and `flatpak list --columns=...` output (odd lines skipped). */
int fp__parse_snap_list(const char *data, size_t len, struct fp_inventory *inv);
int fp__parse_flatpak_list(const char *data, size_t len,
			   struct fp_inventory *inv);

/* Natural order compare ("5.10" > "5.9"), for kernel release names. */
int fp__natcmp(const char *a, const char *b);

#endif
