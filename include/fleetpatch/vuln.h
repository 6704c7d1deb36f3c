/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_VULN_H
#define FLEETPATCH_VULN_H

/*
 * Vulnerability intelligence: a normalised in-memory model of advisories
 * (OSV records, the Debian security tracker), the CISA KEV catalog, EPSS
 * scores, and a matcher over distinct packages.  No network, no storage.
 *
 * Each parsed feed owns an arena: everything it points to is freed in one
 * go by fp_vuln_feed_free().  Parsers take a buffer and a name used in
 * messages, return enum fp_err and fill a struct fp_diag: the JSON path in
 * the message ("affected[2].ranges[0].events[1].fixed: expected a string")
 * or file:line for CSV.  On failure nothing is handed back.
 */
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "fleetpatch/arena.h"
#include "fleetpatch/err.h"
#include "fleetpatch/version.h"

/* Limits on hostile input; past them a parser fails with FP_ETOOBIG. */
#define FP_VULN_MAX_INPUT ((size_t)512 << 20) /* bytes of one buffer */
#define FP_VULN_MAX_ID 128          /* advisory / CVE id */
#define FP_VULN_MAX_NAME 256        /* package, release, ecosystem */
#define FP_VULN_MAX_TEXT 16384      /* summary, severity */
#define FP_VULN_MAX_RECORDS 2000000 /* records (or CSV rows) per buffer */
#define FP_VULN_MAX_AFFECTED 8192   /* affected entries per record */
#define FP_VULN_MAX_RANGES 64       /* ranges per affected entry */
#define FP_VULN_MAX_EVENTS 256      /* events per range */
#define FP_VULN_MAX_LIST 65536      /* versions / aliases per list */

/* ---- the model ---------------------------------------------------------- */

enum fp_vuln_event_kind {
	FP_VULN_EV_INTRODUCED = 0, /* version "0": from the very start */
	FP_VULN_EV_FIXED,          /* first version with the fix */
	FP_VULN_EV_LAST_AFFECTED,  /* last vulnerable version, inclusive */
	FP_VULN_EV_LIMIT,          /* exclusive upper bound; "*" = none */
};

struct fp_vuln_event {
	enum fp_vuln_event_kind kind;
	const char *version;
};

enum fp_vuln_range_type {
	FP_VULN_RANGE_ECOSYSTEM = 0, /* compared by the entry's ecosystem */
	FP_VULN_RANGE_SEMVER,        /* compared as SemVer 2.0.0 */
};

/* Events are sorted by version (introduced "0" first) by the parsers. */
struct fp_vuln_range {
	enum fp_vuln_range_type type;
	struct fp_vuln_event *events;
	size_t n_events;
};

enum fp_vuln_status {
	FP_VULN_ST_RANGES = 0,     /* affected as 'ranges' and 'versions' say */
	FP_VULN_ST_NOT_AFFECTED,   /* never affected (Debian fixed_version "0") */
	FP_VULN_ST_OPEN,           /* every version affected, no fix yet */
};

enum fp_vuln_name_kind {
	FP_VULN_NAME_SOURCE = 0, /* source package (Debian, Ubuntu, Alpine) */
	FP_VULN_NAME_BINARY,     /* binary package (AlmaLinux, Rocky ...) */
};

/*
 * One package of one distribution release touched by an advisory.
 * 'dist' is the normalised distribution key the matcher indexes by:
 * "debian:12", "ubuntu:22.04", "ubuntu:pro:16.04", "almalinux:9",
 * "rocky:8", "alpine:v3.16", or just "debian" when the feed names no
 * release (such an entry applies to every release).
 */
struct fp_vuln_affected {
	enum fp_ecosystem eco;    /* how versions compare */
	const char *ecosystem;    /* as the feed says: "Ubuntu:22.04:LTS",
				     "bookworm" for the Debian tracker */
	const char *dist;         /* normalised key, see above */
	const char *name;
	enum fp_vuln_name_kind name_kind;
	enum fp_vuln_status status;
	struct fp_vuln_range *ranges;
	size_t n_ranges;
	const char **versions;    /* explicitly affected versions */
	size_t n_versions;
	const char *severity;     /* urgency for this release, or NULL */
};

struct fp_vuln {
	const char *id;           /* "CVE-2023-4911", "USN-5614-1", ... */
	const char **aliases;     /* aliases, upstream and related ids */
	size_t n_aliases;
	const char **cves;        /* CVE ids named by id and aliases, sorted
				     ("UBUNTU-CVE-2021-3782" names
				     CVE-2021-3782) */
	size_t n_cves;
	const char *summary;      /* or NULL */
	const char *severity;     /* or NULL */
	time_t published;         /* 0 when not given */
	time_t modified;          /* 0 when not given */
	time_t withdrawn;         /* 0 unless withdrawn; the matcher skips it */
	struct fp_vuln_affected *affected;
	size_t n_affected;
};

/*
 * A parsed feed.  'n_skipped' counts affected entries (or ranges) left out
 * because their ecosystem or range type is not one fleetpatch compares
 * (language ecosystems, GIT ranges).
 */
struct fp_vuln_feed {
	struct fp_arena arena;
	struct fp_vuln *vulns;
	size_t n_vulns;
	size_t n_skipped;
};

void fp_vuln_feed_free(struct fp_vuln_feed *feed);

/* ---- parsers ------------------------------------------------------------ */

/*
 * OSV: one record (an object) or a JSON array of records.  'name' labels
 * the input in the diag.  Versions in ranges are checked against their
 * ecosystem, events are sorted.  Entries of ecosystems fleetpatch does not
 * compare (npm, PyPI, ...) and GIT ranges are skipped and counted.
 */
int fp_vuln_parse_osv(const char *buf, size_t len, const char *name,
		      struct fp_vuln_feed **ret_feed, struct fp_diag *diag);

/*
 * The Debian security tracker JSON (package -> CVE -> releases -> release
 * -> status, fixed_version, urgency); one fp_vuln per (package, CVE), one
 * affected entry per release, keyed by source package.  Release code names
 * map to numbers ("bookworm" -> dist "debian:12"; "sid" stays "debian:sid").
 * "resolved" with fixed_version "0" is FP_VULN_ST_NOT_AFFECTED, "open" and
 * "undetermined" are FP_VULN_ST_OPEN, a resolved fix is the range
 * introduced "0", fixed V.
 */
int fp_vuln_parse_debian(const char *buf, size_t len, const char *name,
			 struct fp_vuln_feed **ret_feed, struct fp_diag *diag);

/*
 * DSA records as vuln-list keeps them ({"Header": {"ID": "DSA-5514-1"},
 * "Annotations": [{"Type": "xref", "Bugs": [CVEs]}, {"Type": "package",
 * "Release": "bookworm", "Package": "glibc", "Kind": "fixed", "Version":
 * "2.36-9+deb12u3"}]}): one record or an array.  Kind "fixed" is a fix,
 * "not-affected" FP_VULN_ST_NOT_AFFECTED, any other FP_VULN_ST_OPEN.
 */
int fp_vuln_parse_debian_dsa(const char *buf, size_t len, const char *name,
			     struct fp_vuln_feed **ret_feed,
			     struct fp_diag *diag);

/*
 * The tracker's DSA (or DLA) list text (data/DSA/list):
 * "[03 Oct 2023] DSA-5514-1 glibc - security update" then indented
 * "{CVE-2023-4911}" and "[bookworm] - glibc 2.36-9+deb12u3" lines
 * ("<not-affected>" is FP_VULN_ST_NOT_AFFECTED, other "<...>" tags
 * FP_VULN_ST_OPEN).  Errors name file:line:column.
 */
int fp_vuln_parse_dsa_list(const char *buf, size_t len, const char *name,
			   struct fp_vuln_feed **ret_feed, struct fp_diag *diag);

/*
 * Normalised per-release records in vunnel's OS schema ({"identifier":
 * "debian:12/cve-2022-0456", "item": {"Vulnerability": {"Name",
 * "NamespaceName", "Severity", "FixedIn": [{"Name", "NamespaceName",
 * "Version", "VersionFormat"}]}}}): one record or an array.  Version
 * "None" is FP_VULN_ST_OPEN; dist is the NamespaceName ("debian:12").
 */
int fp_vuln_parse_vunnel(const char *buf, size_t len, const char *name,
			 struct fp_vuln_feed **ret_feed, struct fp_diag *diag);

/* Debian release code name to its number ("bookworm" -> "12"); NULL if
 * not known. */
const char *fp_vuln_debian_release(const char *codename);

/*
 * The distribution key of a host from os-release ID and VERSION_ID, as the
 * feeds' 'dist' spells it: ("debian","12") -> "debian:12",
 * ("rocky","9.3") -> "rocky:9", ("alpine","3.16.2") -> "alpine:v3.16",
 * ("ubuntu","22.04") -> "ubuntu:22.04".  FP_ETOOBIG if 'n' is too small,
 * FP_EINVAL for empty or unsafe input.
 */
int fp_vuln_dist_key(const char *os_id, const char *version_id, char *out,
		     size_t n);

/* ---- KEV and EPSS ------------------------------------------------------- */

struct fp_kev_entry {
	const char *cve;
	const char *vendor;
	const char *product;
	const char *name;         /* vulnerabilityName */
	const char *date_added;   /* "YYYY-MM-DD" */
	const char *due_date;     /* "YYYY-MM-DD" or NULL */
	bool ransomware;          /* knownRansomwareCampaignUse == "Known" */
};

/* Entries are sorted by CVE id (duplicates rejected). */
struct fp_kev {
	struct fp_arena arena;
	const char *catalog_version;
	time_t released;
	long declared_count;      /* the catalog's "count", as it says */
	struct fp_kev_entry *entries;
	size_t n;
};

int fp_kev_parse(const char *buf, size_t len, const char *name,
		 struct fp_kev **ret_kev, struct fp_diag *diag);
void fp_kev_free(struct fp_kev *kev);
/* The entry for 'cve', or NULL.  'kev' may be NULL. */
const struct fp_kev_entry *fp_kev_find(const struct fp_kev *kev,
				       const char *cve);

struct fp_epss_entry {
	const char *cve;
	double score;             /* 0..1 */
	double percentile;        /* 0..1 */
};

/* Rows sorted by CVE id (duplicates rejected). */
struct fp_epss {
	struct fp_arena arena;
	const char *model_version; /* "v2023.03.01", or NULL */
	const char *score_date;    /* as given, or NULL */
	struct fp_epss_entry *entries;
	size_t n;
};

/* EPSS CSV: optional "#model_version:...,score_date:..." line, the header
 * "cve,epss,percentile", then rows; errors say file:line. */
int fp_epss_parse(const char *buf, size_t len, const char *name,
		  struct fp_epss **ret_epss, struct fp_diag *diag);
void fp_epss_free(struct fp_epss *epss);
const struct fp_epss_entry *fp_epss_find(const struct fp_epss *epss,
					 const char *cve);

/* ---- matching ----------------------------------------------------------- */

enum fp_vuln_verdict {
	FP_VULN_NOT_AFFECTED = 0, /* outside every range, or never affected */
	FP_VULN_AFFECTED,         /* vulnerable; fix in *ret_fixed or none */
	FP_VULN_FIXED,            /* at or past a fix of a range it was in */
};

/*
 * Judge installed 'version' (of ecosystem 'eco'; SEMVER ranges compare as
 * SemVer) against one affected entry with OSV semantics: within a range,
 * walking the sorted events, introduced <= v turns on, fixed <= v and
 * last_affected < v turn off; v >= a limit is outside the range; a version
 * listed in 'versions' is affected.  On FP_VULN_AFFECTED *ret_fixed is the
 * version to upgrade to (the first fix above v), or NULL when none is
 * known.  FP_EINVAL with a diag if 'version' is not valid for 'eco'.
 */
int fp_vuln_affected_check(const struct fp_vuln_affected *aff,
			   enum fp_ecosystem eco, const char *version,
			   enum fp_vuln_verdict *ret_verdict,
			   const char **ret_fixed, struct fp_diag *diag);

/*
 * An index over the affected entries of one or more feeds, from
 * (dist, package name) to the entries naming it.  It borrows the feeds,
 * which must outlive it.  Withdrawn advisories and not-affected entries
 * are left out.  Read-only once built: fp_vuln_match() may run on it
 * from several threads at once.
 */
struct fp_vuln_index;

int fp_vuln_index_new(const struct fp_vuln_feed *const *feeds, size_t n,
		      struct fp_vuln_index **ret_index);
void fp_vuln_index_free(struct fp_vuln_index *ix);
/* Distinct (dist, name) keys in the index. */
size_t fp_vuln_index_keys(const struct fp_vuln_index *ix);

/*
 * One distinct installed package.  'dist' as fp_vuln_dist_key() makes it;
 * 'source' (may be NULL) is its source package, looked up for feeds keyed
 * by source; 'source_version' (may be NULL: 'version' is used) is compared
 * against those.
 */
struct fp_vuln_pkg {
	const char *dist;
	enum fp_ecosystem eco;
	const char *name;
	const char *version;
	const char *source;
	const char *source_version;
};

struct fp_vuln_match {
	size_t pkg;                       /* index into the package list */
	const struct fp_vuln *vuln;
	const struct fp_vuln_affected *affected;
	const char *fixed;                /* version to upgrade to, or NULL */
	bool kev;                         /* a CVE of it is in the KEV catalog */
	bool has_epss;
	double epss;                      /* highest score of its CVEs */
	double epss_percentile;
};

struct fp_vuln_matches {
	struct fp_vuln_match *v;
	size_t n;
	size_t invalid;   /* packages skipped: version invalid for 'eco' */
};

void fp_vuln_matches_release(struct fp_vuln_matches *m);

/*
 * Match 'n' distinct packages against the index: for each, a hash lookup
 * of its name (and of its source name) and a version check against each
 * entry found.  Gives one match per (package, affected advisory), in
 * package order and by advisory id within a package; 'kev' and 'epss' may
 * be NULL.  A package whose
 * version is invalid for its ecosystem is counted in 'invalid' and
 * skipped.  'ret' is written only on success (FP_ENOMEM otherwise).
 */
int fp_vuln_match(const struct fp_vuln_index *ix,
		  const struct fp_vuln_pkg *pkgs, size_t n,
		  const struct fp_kev *kev, const struct fp_epss *epss,
		  struct fp_vuln_matches *ret);

#endif
