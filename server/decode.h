/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_DECODE_H
#define FLEETPATCHD_DECODE_H

/*
 * Request body decoders: pure functions from a byte buffer to a request
 * struct, with strict validation (types, sizes, counts, names, versions).
 * On failure they return FP_EINVAL or FP_ETOOBIG and fill a struct
 * fp_jerr with the JSON path and a message; nothing else happens.  No
 * socket, no database: fuzzed by tests/fuzz/server/.
 *
 * Strings in decoded structs point into the parsed JSON document held by
 * the struct ('root'); release the struct with its _release function.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fleetpatch/err.h"
#include "fleetpatch/version.h"

struct fp_jerr {
	char path[128]; /* "packages[3].version"; "" for the whole body */
	char msg[256];
};

struct fp_decode_limits {
	size_t max_packages; /* packages in one inventory or delta */
	size_t max_updates;
	size_t max_field;    /* bytes in one string field */
};

/* Defaults: FP_INV_MAX_PACKAGES, FP_INV_MAX_UPDATES, FP_INV_MAX_FIELD. */
void fp_decode_limits_default(struct fp_decode_limits *lim);

struct fp_wpkg {
	const char *name, *version, *arch, *source, *source_version;
	enum fp_ecosystem eco;
	const char *kind; /* NULL, "snap", "flatpak" (see inventory.h) */
};

struct fp_wpkg_key {
	const char *name, *arch;
	enum fp_ecosystem eco;
};

struct fp_wupd {
	const char *name, *arch, *installed_version, *candidate_version;
	const char *origin;
	bool security;
};

/* Identity and host details from an inventory object. */
struct fp_wident {
	const char *machine_id, *hostname, *fqdn;
	const char *os_id, *os_version, *os_name, *kernel, *arch;
	/* {"hardware":..,"interfaces":..} as sent (validated for shape). */
	json_t *details;
};

/* Per-check-in host state (sent every time). */
struct fp_wstate {
	bool have_updates;    /* "updates" present */
	struct fp_wupd *updates;
	size_t n_updates;
	bool updates_checked;
	const char *package_manager; /* NULL when absent */
	int64_t metadata_age;        /* -1 unknown */
	bool reboot_required;
	int64_t uptime;              /* -1 unknown */
	/* {"reboot_reasons":[..],"restart_services":[..]} */
	json_t *restart;
};

enum fp_checkin_kind {
	FP_CHECKIN_UNCHANGED = 0,
	FP_CHECKIN_FULL,
	FP_CHECKIN_DELTA,
};

struct fp_inventory;

struct fp_checkin {
	json_t *root;
	struct fp_inventory *inv;  /* FULL: the decoded inventory (lib/inventory) */
	int64_t seq;
	time_t created_at; /* 0 when absent */
	char inventory_hash[65];
	enum fp_checkin_kind kind;
	struct fp_wident ident;    /* FULL only */
	struct fp_wpkg *pkgs;      /* FULL: every package; DELTA: added */
	size_t n_pkgs;
	char base_hash[65];        /* DELTA */
	struct fp_wpkg_key *removed; /* DELTA */
	size_t n_removed;
	struct fp_wstate state;
};

int fp_decode_checkin(const void *buf, size_t len,
		      const struct fp_decode_limits *lim,
		      struct fp_checkin *ret, struct fp_jerr *jerr);
void fp_checkin_release(struct fp_checkin *c);

struct fp_enroll {
	json_t *root;
	struct fp_inventory *inv;
	const char *secret;
	struct fp_wident ident;
	struct fp_wpkg *pkgs; /* the inventory's packages (may be 0) */
	size_t n_pkgs;
	struct fp_wstate state;
};

int fp_decode_enroll(const void *buf, size_t len,
		     const struct fp_decode_limits *lim, struct fp_enroll *ret,
		     struct fp_jerr *jerr);
void fp_enroll_release(struct fp_enroll *e);

/*
 * Admin bodies are decoded against a table of fields: each known field
 * has a type, whether it is required and a size limit; unknown fields are
 * rejected (a typo must not be silently ignored).
 */
enum fp_ftype {
	FP_F_STRING,  /* any string up to max bytes */
	FP_F_NAME,    /* [A-Za-z0-9][A-Za-z0-9._-]*, up to max (<= 64) */
	FP_F_ROLE,    /* viewer | operator | admin */
	FP_F_DURATION,/* "7d", "15m", ... -> int seconds in .num */
	FP_F_BOOL,
	FP_F_INT,
	FP_F_OBJECT,  /* any object, kept as json in .json */
	FP_F_ARRAY,   /* any array, kept as json in .json */
};

struct fp_field {
	const char *name;
	enum fp_ftype type;
	bool required;
	size_t max; /* strings: bytes; arrays: items */
	/* filled by the decoder */
	bool present;
	const char *str;
	int64_t num;
	bool b;
	json_t *json;
};

/* Parse 'buf' as one JSON object and fill 'fields' (n of them). */
int fp_decode_fields(const void *buf, size_t len, struct fp_field *fields,
		     size_t n, json_t **ret_root, struct fp_jerr *jerr);

/* True when 's' is a valid group/tag/user/token name. */
bool fp_name_is_valid(const char *s, size_t max);

/* Group rule {"os":"debian"} | {"tag":"x"} | {"hostname":"web-*"}. */
int fp_decode_group_rule(const json_t *rule, const char **ret_key,
			 const char **ret_value, struct fp_jerr *jerr);

/*
 * Package set hash, as the agent computes it: sha256 hex of the lines
 * "eco\tname\tarch\tversion\n" sorted by (ecosystem, name, arch,
 * version).  Sorts 'pkgs' in place.
 */
void fp_wpkg_sort(struct fp_wpkg *pkgs, size_t n);
void fp_wpkg_hash(const struct fp_wpkg *sorted, size_t n, char out[65]);
int fp_wpkg_cmp(const struct fp_wpkg *a, const struct fp_wpkg *b);

/* Hash of an update list (order-independent; sorts in place). */
void fp_wupd_hash(struct fp_wupd *upds, size_t n, char out[65]);

/* Ecosystem name <-> enum ("deb", "rpm", ...). */
const char *fp_weco_name(enum fp_ecosystem eco);
int fp_weco_parse(const char *name, enum fp_ecosystem *ret);

/* Compare versions for history events: <0, 0, >0. */
int fp_wversion_cmp(enum fp_ecosystem eco, const char *a, const char *b);

#endif
