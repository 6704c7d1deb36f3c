/* SPDX-License-Identifier: MIT */
/* Decoders for the agent's bodies: enrollment and check-in (protocol.md). */
#include <string.h>

#include "decode_internal.h"
#include "fleetpatch/alloc.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"

#define MAX_NAME 256      /* package names, architectures */
#define MAX_LIST 10000    /* reboot reasons, restart services, interfaces */

static int decode_pkg(const json_t *o, const char *path,
		      const struct fp_decode_limits *lim, struct fp_wpkg *p,
		      struct fp_jerr *jerr)
{
	static const char *const keys[] = { "name", "version", "arch", "source",
		"source_version", "ecosystem", "kind", NULL };
	const char *eco = NULL;
	char sub[128];
	int rc;

	if (!json_is_object(o))
		return fp__jerr(jerr, FP_EINVAL, path, "must be an object, not %s",
				fp__type_name(o));
	if ((rc = fp__check_keys(o, path, keys, jerr)) ||
	    (rc = fp__get_word(o, "name", path, true, MAX_NAME, &p->name, jerr)) ||
	    (rc = fp__get_word(o, "version", path, true, MAX_NAME, &p->version, jerr)) ||
	    (rc = fp__get_string(o, "arch", path, false, MAX_NAME, &p->arch, jerr)) ||
	    (rc = fp__get_string(o, "source", path, false, lim->max_field, &p->source, jerr)) ||
	    (rc = fp__get_string(o, "source_version", path, false, MAX_NAME,
				 &p->source_version, jerr)) ||
	    (rc = fp__get_word(o, "ecosystem", path, true, 16, &eco, jerr)) ||
	    (rc = fp__get_word(o, "kind", path, false, 16, &p->kind, jerr)))
		return rc;
	fp__path(sub, sizeof(sub), path, "kind", 0);
	if (p->kind && strcmp(p->kind, "snap") && strcmp(p->kind, "flatpak"))
		return fp__jerr(jerr, FP_EINVAL, sub, "must be snap or flatpak");
	fp__path(sub, sizeof(sub), path, "ecosystem", 0);
	if (fp_weco_parse(eco, &p->eco))
		return fp__jerr(jerr, FP_EINVAL, sub,
				"unknown ecosystem '%.32s' (deb, rpm, apk, pacman, semver, generic)",
				eco);
	fp__path(sub, sizeof(sub), path, "version", 0);
	/* snap and flatpak versions are vendor strings: printable is enough */
	if (!p->kind && (rc = fp__version_check(p->eco, p->version, sub, jerr)))
		return rc;
	if (!p->arch)
		p->arch = "";
	if (!p->source || !*p->source)
		p->source = p->name;
	if (!p->source_version || !*p->source_version)
		p->source_version = p->version;
	return 0;
}

/* Decode an array of packages at obj[key]; NULL/absent -> 0 packages. */
static int decode_pkgs(const json_t *obj, const char *key, const char *parent,
		       const struct fp_decode_limits *lim, bool required,
		       struct fp_wpkg **ret, size_t *ret_n,
		       struct fp_jerr *jerr)
{
	const json_t *arr = json_object_get(obj, key);
	struct fp_wpkg *pkgs;
	char path[128], ipath[128];
	size_t n;
	int rc;

	fp__path(path, sizeof(path), parent, key, 0);
	if (!arr || json_is_null(arr)) {
		if (required)
			return fp__jerr(jerr, FP_EINVAL, path, "missing");
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (!json_is_array(arr))
		return fp__jerr(jerr, FP_EINVAL, path, "must be an array, not %s",
				fp__type_name(arr));
	n = json_array_size(arr);
	if (n > lim->max_packages)
		return fp__jerr(jerr, FP_ETOOBIG, path,
				"%zu packages, more than the limit of %zu", n,
				lim->max_packages);
	pkgs = fp_calloc(n ? n : 1, sizeof(*pkgs));
	if (!pkgs)
		return fp__jerr(jerr, FP_ENOMEM, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		fp__path(ipath, sizeof(ipath), path, NULL, (long)i);
		rc = decode_pkg(json_array_get(arr, i), ipath, lim, &pkgs[i], jerr);
		if (rc) {
			fp_free(pkgs);
			return rc;
		}
	}
	*ret = pkgs;
	*ret_n = n;
	return 0;
}

/* Reject two entries with the same (ecosystem, name, arch, version). */
static int check_pkg_dups(struct fp_wpkg *pkgs, size_t n, const char *path,
			  struct fp_jerr *jerr)
{
	fp_wpkg_sort(pkgs, n);
	for (size_t i = 1; i < n; i++)
		if (!fp_wpkg_cmp(&pkgs[i - 1], &pkgs[i]))
			return fp__jerr(jerr, FP_EINVAL, path,
					"package %.100s %.60s (%.30s) listed twice",
					pkgs[i].name, pkgs[i].version, pkgs[i].arch);
	return 0;
}

static int decode_updates(const json_t *arr, const char *path,
			  const struct fp_decode_limits *lim,
			  struct fp_wstate *st, struct fp_jerr *jerr)
{
	static const char *const keys[] = { "name", "arch", "installed_version",
		"candidate_version", "origin", "security", NULL };
	char ipath[128];
	size_t n;
	int rc;

	if (!json_is_array(arr))
		return fp__jerr(jerr, FP_EINVAL, path, "must be an array, not %s",
				fp__type_name(arr));
	n = json_array_size(arr);
	if (n > lim->max_updates)
		return fp__jerr(jerr, FP_ETOOBIG, path,
				"%zu updates, more than the limit of %zu", n,
				lim->max_updates);
	st->updates = fp_calloc(n ? n : 1, sizeof(*st->updates));
	if (!st->updates)
		return fp__jerr(jerr, FP_ENOMEM, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		struct fp_wupd *u = &st->updates[i];

		fp__path(ipath, sizeof(ipath), path, NULL, (long)i);
		if (!json_is_object(o))
			return fp__jerr(jerr, FP_EINVAL, ipath,
					"must be an object, not %s",
					fp__type_name(o));
		if ((rc = fp__check_keys(o, ipath, keys, jerr)) ||
		    (rc = fp__get_word(o, "name", ipath, true, MAX_NAME, &u->name, jerr)) ||
		    (rc = fp__get_string(o, "arch", ipath, false, MAX_NAME, &u->arch, jerr)) ||
		    (rc = fp__get_string(o, "installed_version", ipath, false,
					 MAX_NAME, &u->installed_version, jerr)) ||
		    (rc = fp__get_string(o, "candidate_version", ipath, true,
					 MAX_NAME, &u->candidate_version, jerr)) ||
		    (rc = fp__get_string(o, "origin", ipath, false,
					 lim->max_field, &u->origin, jerr)) ||
		    (rc = fp__get_bool(o, "security", ipath, false, &u->security, jerr)))
			return rc;
	}
	st->n_updates = n;
	st->have_updates = true;
	return 0;
}

static int check_string_array(const json_t *arr, const char *path, size_t max,
			      size_t max_len, struct fp_jerr *jerr)
{
	char ipath[128];

	if (!json_is_array(arr))
		return fp__jerr(jerr, FP_EINVAL, path, "must be an array, not %s",
				fp__type_name(arr));
	if (json_array_size(arr) > max)
		return fp__jerr(jerr, FP_ETOOBIG, path, "more than %zu items", max);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *v = json_array_get(arr, i);
		fp__path(ipath, sizeof(ipath), path, NULL, (long)i);
		if (!json_is_string(v))
			return fp__jerr(jerr, FP_EINVAL, ipath,
					"must be a string, not %s",
					fp__type_name(v));
		if (json_string_length(v) > max_len)
			return fp__jerr(jerr, FP_ETOOBIG, ipath,
					"longer than %zu bytes", max_len);
	}
	return 0;
}

static int check_restarts(const json_t *arr, const char *path,
			  const struct fp_decode_limits *lim,
			  struct fp_jerr *jerr)
{
	static const char *const keys[] = { "pid", "name", "unit", NULL };
	char ipath[128];
	int rc;

	if (!json_is_array(arr))
		return fp__jerr(jerr, FP_EINVAL, path, "must be an array, not %s",
				fp__type_name(arr));
	if (json_array_size(arr) > MAX_LIST)
		return fp__jerr(jerr, FP_ETOOBIG, path, "more than %d items", MAX_LIST);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const json_t *o = json_array_get(arr, i);
		const char *s;
		int64_t pid;

		fp__path(ipath, sizeof(ipath), path, NULL, (long)i);
		if (!json_is_object(o))
			return fp__jerr(jerr, FP_EINVAL, ipath,
					"must be an object, not %s",
					fp__type_name(o));
		if ((rc = fp__check_keys(o, ipath, keys, jerr)) ||
		    (rc = fp__get_int(o, "pid", ipath, false, 0, INT32_MAX, 0, &pid, jerr)) ||
		    (rc = fp__get_string(o, "name", ipath, false, lim->max_field, &s, jerr)) ||
		    (rc = fp__get_string(o, "unit", ipath, false, lim->max_field, &s, jerr)))
			return rc;
	}
	return 0;
}

/*
 * Host state fields of 'obj' (a check-in body or an inventory).  Fields
 * already set by an earlier call (have_*) are kept.
 */
static int decode_state(const json_t *obj, const char *parent,
			const struct fp_decode_limits *lim,
			struct fp_wstate *st, struct fp_jerr *jerr)
{
	const json_t *v;
	char path[128];
	int rc;

	v = json_object_get(obj, "updates");
	if (v && !json_is_null(v) && !st->have_updates) {
		fp__path(path, sizeof(path), parent, "updates", 0);
		if ((rc = decode_updates(v, path, lim, st, jerr)))
			return rc;
		if ((rc = fp__get_bool(obj, "updates_checked", parent, true,
				       &st->updates_checked, jerr)))
			return rc;
	}
	if (!st->package_manager &&
	    (rc = fp__get_string(obj, "package_manager", parent, false, 32,
				 &st->package_manager, jerr)))
		return rc;
	if (json_object_get(obj, "metadata_age_seconds") &&
	    (rc = fp__get_int(obj, "metadata_age_seconds", parent, false, -1,
			      INT64_MAX / 2, -1, &st->metadata_age, jerr)))
		return rc;
	if (json_object_get(obj, "uptime_seconds") &&
	    (rc = fp__get_int(obj, "uptime_seconds", parent, false, -1,
			      INT64_MAX / 2, -1, &st->uptime, jerr)))
		return rc;
	if (json_object_get(obj, "reboot_required") &&
	    (rc = fp__get_bool(obj, "reboot_required", parent, false,
			       &st->reboot_required, jerr)))
		return rc;
	if (!st->restart)
		st->restart = json_object();
	if (!st->restart)
		return fp__jerr(jerr, FP_ENOMEM, parent, "out of memory");
	v = json_object_get(obj, "reboot_reasons");
	if (v && !json_is_null(v) && !json_object_get(st->restart, "reboot_reasons")) {
		fp__path(path, sizeof(path), parent, "reboot_reasons", 0);
		if ((rc = check_string_array(v, path, MAX_LIST, lim->max_field, jerr)))
			return rc;
		json_object_set(st->restart, "reboot_reasons", (json_t *)v);
	}
	v = json_object_get(obj, "restart_services");
	if (v && !json_is_null(v) && !json_object_get(st->restart, "restart_services")) {
		fp__path(path, sizeof(path), parent, "restart_services", 0);
		if ((rc = check_restarts(v, path, lim, jerr)))
			return rc;
		json_object_set(st->restart, "restart_services", (json_t *)v);
	}
	return 0;
}

static int decode_ident(const json_t *inv, const char *p,
			const struct fp_decode_limits *lim,
			struct fp_wident *id, struct fp_jerr *jerr)
{
	const json_t *os, *v;
	char path[128];
	int rc;

	if ((rc = fp__get_word(inv, "machine_id", p, true, 128, &id->machine_id, jerr)) ||
	    (rc = fp__get_word(inv, "hostname", p, true, 255, &id->hostname, jerr)) ||
	    (rc = fp__get_string(inv, "fqdn", p, false, 255, &id->fqdn, jerr)) ||
	    (rc = fp__get_string(inv, "kernel", p, false, 255, &id->kernel, jerr)) ||
	    (rc = fp__get_string(inv, "arch", p, false, 64, &id->arch, jerr)))
		return rc;
	os = json_object_get(inv, "os");
	fp__path(path, sizeof(path), p, "os", 0);
	if (os && !json_is_null(os)) {
		const char *codename;
		if (!json_is_object(os))
			return fp__jerr(jerr, FP_EINVAL, path,
					"must be an object, not %s",
					fp__type_name(os));
		if ((rc = fp__get_string(os, "id", path, false, 64, &id->os_id, jerr)) ||
		    (rc = fp__get_string(os, "version_id", path, false, 64,
					 &id->os_version, jerr)) ||
		    (rc = fp__get_string(os, "codename", path, false, 64,
					 &codename, jerr)) ||
		    (rc = fp__get_string(os, "pretty_name", path, false, 255,
					 &id->os_name, jerr)))
			return rc;
	}
	id->details = json_object();
	if (!id->details)
		return fp__jerr(jerr, FP_ENOMEM, p, "out of memory");
	v = json_object_get(inv, "hardware");
	if (v && !json_is_null(v)) {
		fp__path(path, sizeof(path), p, "hardware", 0);
		if (!json_is_object(v))
			return fp__jerr(jerr, FP_EINVAL, path,
					"must be an object, not %s",
					fp__type_name(v));
		json_object_set(id->details, "hardware", (json_t *)v);
	}
	v = json_object_get(inv, "interfaces");
	if (v && !json_is_null(v)) {
		fp__path(path, sizeof(path), p, "interfaces", 0);
		if (!json_is_array(v))
			return fp__jerr(jerr, FP_EINVAL, path,
					"must be an array, not %s",
					fp__type_name(v));
		if (json_array_size(v) > MAX_LIST)
			return fp__jerr(jerr, FP_ETOOBIG, path,
					"more than %d interfaces", MAX_LIST);
		json_object_set(id->details, "interfaces", (json_t *)v);
	}
	(void)lim;
	return 0;
}

/*
 * The inventory object, decoded by lib/inventory (the agent's own
 * encoder's twin, so both sides agree on every field and check), then
 * viewed as identity, packages and state.  'prefix' is the object's path.
 */
static int decode_inventory(const json_t *j, const char *prefix,
			    const struct fp_decode_limits *lim,
			    struct fp_inventory **ret_inv, struct fp_wident *ident,
			    struct fp_wpkg **ret_pkgs, size_t *ret_n,
			    struct fp_wstate *st, struct fp_jerr *jerr)
{
	struct fp_inventory *inv;
	struct fp_diag diag;
	char path[128];
	int rc;

	if (!json_is_object(j))
		return fp__jerr(jerr, FP_EINVAL, prefix, "must be an object, not %s",
				fp__type_name(j));
	inv = fp_calloc(1, sizeof(*inv));
	if (!inv)
		return fp__jerr(jerr, FP_ENOMEM, prefix, "out of memory");
	fp_inventory_init(inv);
	*ret_inv = inv; /* released by the caller's _release */
	rc = fp_inventory_from_json(j, inv, &diag);
	if (rc) {
		/* the diag reads "path: what" relative to the inventory */
		const char *sep = strstr(diag.msg, ": ");
		if (sep) {
			snprintf(path, sizeof(path), "%s.%.*s", prefix,
				 (int)(sep - diag.msg), diag.msg);
			return fp__jerr(jerr, rc, path, "%s", sep + 2);
		}
		return fp__jerr(jerr, rc, prefix, "%s", diag.msg);
	}
	snprintf(path, sizeof(path), "%s.packages", prefix);
	if (inv->n_packages > lim->max_packages)
		return fp__jerr(jerr, FP_ETOOBIG, path,
				"%zu packages, more than the limit of %zu",
				inv->n_packages, lim->max_packages);
	*ret_pkgs = fp_calloc(inv->n_packages ? inv->n_packages : 1,
			      sizeof(**ret_pkgs));
	if (!*ret_pkgs)
		return fp__jerr(jerr, FP_ENOMEM, path, "out of memory");
	for (size_t i = 0; i < inv->n_packages; i++) {
		const struct fp_package *p = &inv->packages[i];
		struct fp_wpkg *w = &(*ret_pkgs)[i];

		w->name = p->name;
		w->version = p->version;
		w->arch = p->arch ? p->arch : "";
		w->source = p->source && *p->source ? p->source : p->name;
		w->source_version = p->source_version && *p->source_version
					    ? p->source_version : p->version;
		w->eco = p->eco;
		w->kind = p->kind;
	}
	*ret_n = inv->n_packages;
	if ((rc = check_pkg_dups(*ret_pkgs, *ret_n, path, jerr)) ||
	    (rc = decode_ident(j, prefix, lim, ident, jerr)) ||
	    (rc = decode_state(j, prefix, lim, st, jerr)))
		return rc;
	return 0;
}

static void inventory_free(struct fp_inventory *inv)
{
	if (!inv)
		return;
	fp_inventory_release(inv);
	fp_free(inv);
}

static void state_init(struct fp_wstate *st)
{
	memset(st, 0, sizeof(*st));
	st->metadata_age = -1;
	st->uptime = -1;
}

static void state_release(struct fp_wstate *st)
{
	fp_free(st->updates);
	json_decref(st->restart);
}

static int get_hash(const json_t *obj, const char *key, const char *path,
		    char out[65], struct fp_jerr *jerr)
{
	const char *s;
	int rc;

	if ((rc = fp__get_string(obj, key, "", true, 64, &s, jerr)))
		return fp__jerr(jerr, rc, path, "%s", jerr ? jerr->msg : "");
	if (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return fp__jerr(jerr, FP_EINVAL, path,
				"must be 64 lowercase hex digits (sha256)");
	memcpy(out, s, 65);
	return 0;
}

int fp_decode_checkin(const void *buf, size_t len,
		      const struct fp_decode_limits *lim,
		      struct fp_checkin *ret, struct fp_jerr *jerr)
{
	static const char *const keys[] = { "seq", "created_at", "inventory_hash",
		"inventory", "delta", "updates", "updates_checked",
		"package_manager", "metadata_age_seconds", "reboot_required",
		"reboot_reasons", "restart_services", "uptime_seconds",
		"job_results", NULL };
	static const char *const dkeys[] = { "base_hash", "added", "removed", NULL };
	struct fp_checkin c;
	const json_t *inv, *delta, *v;
	const char *created;
	int rc;

	memset(&c, 0, sizeof(c));
	state_init(&c.state);
	if ((rc = fp__parse_object(buf, len, &c.root, jerr)))
		return rc;
	if ((rc = fp__check_keys(c.root, "", keys, jerr)) ||
	    (rc = fp__get_int(c.root, "seq", "", true, 0, INT64_MAX / 2, 0,
			      &c.seq, jerr)) ||
	    (rc = get_hash(c.root, "inventory_hash", "inventory_hash",
			   c.inventory_hash, jerr)) ||
	    (rc = fp__get_string(c.root, "created_at", "", false, 64, &created,
				 jerr)))
		goto fail;
	if (created && fp_time_parse_rfc3339(created, &c.created_at)) {
		rc = fp__jerr(jerr, FP_EINVAL, "created_at",
			      "not an RFC 3339 time: '%.40s'", created);
		goto fail;
	}
	v = json_object_get(c.root, "job_results");
	if (v && !json_is_null(v) && !json_is_array(v)) {
		rc = fp__jerr(jerr, FP_EINVAL, "job_results",
			      "must be an array, not %s", fp__type_name(v));
		goto fail;
	}
	inv = json_object_get(c.root, "inventory");
	delta = json_object_get(c.root, "delta");
	if (inv && json_is_null(inv))
		inv = NULL;
	if (delta && json_is_null(delta))
		delta = NULL;
	if (inv && delta) {
		rc = fp__jerr(jerr, FP_EINVAL, "delta",
			      "send either inventory or delta, not both");
		goto fail;
	}
	if ((rc = decode_state(c.root, "", lim, &c.state, jerr)))
		goto fail;
	if (inv) {
		c.kind = FP_CHECKIN_FULL;
		if (!json_is_object(inv)) {
			rc = fp__jerr(jerr, FP_EINVAL, "inventory",
				      "must be an object, not %s",
				      fp__type_name(inv));
			goto fail;
		}
		if ((rc = decode_inventory(inv, "inventory", lim, &c.inv, &c.ident,
					   &c.pkgs, &c.n_pkgs, &c.state, jerr)))
			goto fail;
	} else if (delta) {
		const json_t *rm;
		char path[128];

		c.kind = FP_CHECKIN_DELTA;
		if (!json_is_object(delta)) {
			rc = fp__jerr(jerr, FP_EINVAL, "delta",
				      "must be an object, not %s",
				      fp__type_name(delta));
			goto fail;
		}
		if ((rc = fp__check_keys(delta, "delta", dkeys, jerr)) ||
		    (rc = get_hash(delta, "base_hash", "delta.base_hash",
				   c.base_hash, jerr)) ||
		    (rc = decode_pkgs(delta, "added", "delta", lim, false, &c.pkgs,
				      &c.n_pkgs, jerr)) ||
		    (rc = check_pkg_dups(c.pkgs, c.n_pkgs, "delta.added", jerr)))
			goto fail;
		rm = json_object_get(delta, "removed");
		if (rm && !json_is_null(rm)) {
			static const char *const rkeys[] = { "name", "arch",
				"ecosystem", "version", NULL };
			if (!json_is_array(rm)) {
				rc = fp__jerr(jerr, FP_EINVAL, "delta.removed",
					      "must be an array, not %s",
					      fp__type_name(rm));
				goto fail;
			}
			c.n_removed = json_array_size(rm);
			if (c.n_removed > lim->max_packages) {
				rc = fp__jerr(jerr, FP_ETOOBIG, "delta.removed",
					      "more than %zu packages", lim->max_packages);
				goto fail;
			}
			c.removed = fp_calloc(c.n_removed ? c.n_removed : 1,
					      sizeof(*c.removed));
			if (!c.removed) {
				rc = fp__jerr(jerr, FP_ENOMEM, "delta.removed",
					      "out of memory");
				goto fail;
			}
			for (size_t i = 0; i < c.n_removed; i++) {
				const json_t *o = json_array_get(rm, i);
				struct fp_wpkg_key *k = &c.removed[i];
				const char *eco, *ver;

				fp__path(path, sizeof(path), "delta.removed", NULL, (long)i);
				if (!json_is_object(o)) {
					rc = fp__jerr(jerr, FP_EINVAL, path,
						      "must be an object, not %s",
						      fp__type_name(o));
					goto fail;
				}
				if ((rc = fp__check_keys(o, path, rkeys, jerr)) ||
				    (rc = fp__get_word(o, "name", path, true, MAX_NAME,
						       &k->name, jerr)) ||
				    (rc = fp__get_string(o, "arch", path, false,
							 MAX_NAME, &k->arch, jerr)) ||
				    (rc = fp__get_string(o, "version", path, false,
							 MAX_NAME, &ver, jerr)) ||
				    (rc = fp__get_word(o, "ecosystem", path, true, 16,
						       &eco, jerr)))
					goto fail;
				if (!k->arch)
					k->arch = "";
				if (fp_weco_parse(eco, &k->eco)) {
					char epath[160];
					snprintf(epath, sizeof(epath), "%s.ecosystem", path);
					rc = fp__jerr(jerr, FP_EINVAL, epath,
						      "unknown ecosystem '%.32s'", eco);
					goto fail;
				}
			}
		}
	} else {
		c.kind = FP_CHECKIN_UNCHANGED;
	}
	*ret = c;
	return 0;
fail:
	fp_checkin_release(&c);
	return rc;
}

void fp_checkin_release(struct fp_checkin *c)
{
	if (!c)
		return;
	fp_free(c->pkgs);
	fp_free(c->removed);
	inventory_free(c->inv);
	json_decref(c->ident.details);
	state_release(&c->state);
	json_decref(c->root);
	memset(c, 0, sizeof(*c));
}

int fp_decode_enroll(const void *buf, size_t len,
		     const struct fp_decode_limits *lim, struct fp_enroll *ret,
		     struct fp_jerr *jerr)
{
	static const char *const keys[] = { "secret", "inventory", NULL };
	struct fp_enroll e;
	const json_t *inv;
	int rc;

	memset(&e, 0, sizeof(e));
	state_init(&e.state);
	if ((rc = fp__parse_object(buf, len, &e.root, jerr)))
		return rc;
	if ((rc = fp__check_keys(e.root, "", keys, jerr)) ||
	    (rc = fp__get_word(e.root, "secret", "", true, 256, &e.secret, jerr)))
		goto fail;
	inv = json_object_get(e.root, "inventory");
	if (!inv || json_is_null(inv)) {
		rc = fp__jerr(jerr, FP_EINVAL, "inventory", "missing");
		goto fail;
	}
	if ((rc = decode_inventory(inv, "inventory", lim, &e.inv, &e.ident,
				   &e.pkgs, &e.n_pkgs, &e.state, jerr)))
		goto fail;
	*ret = e;
	return 0;
fail:
	fp_enroll_release(&e);
	return rc;
}

void fp_enroll_release(struct fp_enroll *e)
{
	if (!e)
		return;
	fp_free(e->pkgs);
	inventory_free(e->inv);
	json_decref(e->ident.details);
	state_release(&e->state);
	json_decref(e->root);
	memset(e, 0, sizeof(*e));
}
