/* SPDX-License-Identifier: MIT */
/*
 * The inventory's wire form (see fleetpatch/inventory.h): a jansson tree
 * for the server, a streamed writer for the agent (no tree, a few KiB),
 * the strict decoder, and the content hash of the package set.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define INV_MAX_IFS 256
#define INV_MAX_ADDRS 64
#define INV_MAX_DISKS 256
#define INV_MAX_REASONS 256
#define INV_MAX_RESTARTS 4096

static const char *const kinds[] = { "snap", "flatpak", NULL };

/* ---- encoding: tree ---------------------------------------------------- */

static int set_str(json_t *o, const char *k, const char *v)
{
	json_t *s;

	if (!v)
		return 0;
	s = json_string(v);
	return s ? json_object_set_new(o, k, s) : -1;
}

static int set_new(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *str_array(const char *const *a, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(a[i]))) {
			json_decref(arr);
			return NULL;
		}
	return arr;
}

static json_t *package_json(const struct fp_package *p)
{
	json_t *o = json_object();

	if (!o || set_str(o, "name", p->name) || set_str(o, "version", p->version) ||
	    set_str(o, "arch", p->arch) || set_str(o, "source", p->source) ||
	    set_str(o, "source_version", p->source_version) ||
	    set_str(o, "ecosystem", fp_ecosystem_name(p->eco)) ||
	    set_str(o, "kind", p->kind)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *update_json(const struct fp_update *u)
{
	json_t *o = json_object();

	if (!o || set_str(o, "name", u->name) || set_str(o, "arch", u->arch) ||
	    set_str(o, "installed_version", u->installed_version) ||
	    set_str(o, "candidate_version", u->candidate_version) ||
	    set_str(o, "origin", u->origin) ||
	    set_new(o, "security", json_boolean(u->security))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *hardware_json(const struct fp_hardware *h)
{
	json_t *o = json_object(), *disks = json_array();

	if (!o || !disks)
		goto out_fail;
	for (size_t i = 0; i < h->n_disks; i++) {
		json_t *d = json_object();
		if (!d || set_str(d, "name", h->disks[i].name) ||
		    set_new(d, "size_bytes", json_integer((json_int_t)h->disks[i].size_bytes)) ||
		    json_array_append_new(disks, d))
			goto out_fail;
	}
	if (set_str(o, "cpu_model", h->cpu_model) ||
	    set_new(o, "cpu_count", json_integer(h->cpu_count)) ||
	    set_new(o, "memory_bytes", json_integer((json_int_t)h->memory_bytes)) ||
	    set_new(o, "disks", disks))
		goto out_fail_o;
	if (set_str(o, "vendor", h->vendor) || set_str(o, "model", h->model) ||
	    set_str(o, "serial", h->serial))
		goto out_fail_o;
	return o;
out_fail:
	json_decref(disks);
out_fail_o:
	json_decref(o);
	return NULL;
}

json_t *fp_inventory_to_json(const struct fp_inventory *inv)
{
	json_t *o = json_object(), *os = json_object(), *a;

	if (!o || !os)
		goto out_fail;
	if (set_str(o, "machine_id", inv->machine_id) ||
	    set_str(o, "hostname", inv->hostname) || set_str(o, "fqdn", inv->fqdn) ||
	    set_str(os, "id", inv->os.id) ||
	    set_str(os, "version_id", inv->os.version_id) ||
	    set_str(os, "codename", inv->os.codename) ||
	    set_str(os, "pretty_name", inv->os.pretty_name))
		goto out_fail;
	if (json_object_set_new(o, "os", os)) {
		os = NULL;
		goto out_fail;
	}
	os = NULL;
	if (set_str(o, "kernel", inv->kernel) || set_str(o, "arch", inv->arch) ||
	    set_new(o, "hardware", hardware_json(&inv->hw)))
		goto out_fail;
	if (!(a = json_array()) || set_new(o, "interfaces", a))
		goto out_fail;
	for (size_t i = 0; i < inv->n_interfaces; i++) {
		const struct fp_netif *n = &inv->interfaces[i];
		json_t *io = json_object();
		if (!io || json_array_append_new(a, io) || set_str(io, "name", n->name) ||
		    set_str(io, "mac", n->mac) ||
		    set_new(io, "addresses", str_array(n->addresses, n->n_addresses)))
			goto out_fail;
	}
	if (set_new(o, "uptime_seconds", json_integer(inv->uptime_seconds)) ||
	    set_new(o, "reboot_required", json_boolean(inv->reboot_required)) ||
	    set_new(o, "reboot_reasons", str_array(inv->reboot_reasons, inv->n_reboot_reasons)))
		goto out_fail;
	if (!(a = json_array()) || set_new(o, "restart_services", a))
		goto out_fail;
	for (size_t i = 0; i < inv->n_restarts; i++) {
		const struct fp_restart *r = &inv->restarts[i];
		json_t *ro = json_object();
		if (!ro || json_array_append_new(a, ro) ||
		    set_new(ro, "pid", json_integer(r->pid)) || set_str(ro, "name", r->name) ||
		    set_str(ro, "unit", r->unit))
			goto out_fail;
	}
	if (!(a = json_array()) || set_new(o, "packages", a))
		goto out_fail;
	for (size_t i = 0; i < inv->n_packages; i++)
		if (json_array_append_new(a, package_json(&inv->packages[i])))
			goto out_fail;
	if (!(a = json_array()) || set_new(o, "updates", a))
		goto out_fail;
	for (size_t i = 0; i < inv->n_updates; i++)
		if (json_array_append_new(a, update_json(&inv->updates[i])))
			goto out_fail;
	if (set_new(o, "updates_checked", json_boolean(inv->updates_checked)) ||
	    set_str(o, "package_manager", inv->package_manager) ||
	    set_new(o, "metadata_age_seconds", json_integer(inv->metadata_age_seconds)) ||
	    set_str(o, "os_error", inv->os_error))
		goto out_fail;
	return o;
out_fail:
	json_decref(os);
	json_decref(o);
	return NULL;
}

/* ---- encoding: stream -------------------------------------------------- */

struct w {
	struct fp_buf *b;
	int err;
	bool first; /* no comma before the next member */
	int fd;     /* >= 0: flush to it whenever the buffer fills */
};

#define W_FLUSH_AT ((size_t)32 << 10)

static void flush(struct w *w)
{
	size_t off = 0;

	while (!w->err && off < w->b->len) {
		ssize_t k = write(w->fd, w->b->data + off, w->b->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			w->err = FP_EIO;
		else
			off += (size_t)k;
	}
	fp_buf_reset(w->b);
}

static void raw(struct w *w, const char *s, size_t n)
{
	if (!w->err)
		w->err = fp_buf_add(w->b, s, n);
	if (w->fd >= 0 && w->b->len >= W_FLUSH_AT)
		flush(w);
}

static void lit(struct w *w, const char *s)
{
	raw(w, s, strlen(s));
}

static void jstr(struct w *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	lit(w, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		raw(w, run, (size_t)(s - run));
		run = s + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			raw(w, esc, 2);
		} else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f';
			raw(w, esc, 2);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			raw(w, esc, 6);
		}
	}
	raw(w, run, (size_t)(s - run));
	lit(w, "\"");
}

static void key(struct w *w, const char *k)
{
	if (!w->first)
		lit(w, ",");
	w->first = false;
	jstr(w, k);
	lit(w, ":");
}

static void kstr(struct w *w, const char *k, const char *v)
{
	if (!v)
		return;
	key(w, k);
	jstr(w, v);
}

static void kint(struct w *w, const char *k, long long v)
{
	char num[32];

	key(w, k);
	snprintf(num, sizeof(num), "%lld", v);
	lit(w, num);
}

static void kbool(struct w *w, const char *k, bool v)
{
	key(w, k);
	lit(w, v ? "true" : "false");
}

static void open_(struct w *w, const char *k, const char *brace)
{
	if (k)
		key(w, k);
	else if (!w->first)
		lit(w, ",");
	lit(w, brace);
	w->first = true;
}

static void close_(struct w *w, const char *brace)
{
	lit(w, brace);
	w->first = false;
}

static void kstrs(struct w *w, const char *k, const char *const *a, size_t n)
{
	open_(w, k, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			lit(w, ",");
		jstr(w, a[i]);
	}
	close_(w, "]");
}

static int write_json(const struct fp_inventory *inv, struct w *wp)
{
#define w (*wp)
	const struct fp_hardware *h = &inv->hw;

	open_(&w, NULL, "{");
	kstr(&w, "machine_id", inv->machine_id);
	kstr(&w, "hostname", inv->hostname);
	kstr(&w, "fqdn", inv->fqdn);
	open_(&w, "os", "{");
	kstr(&w, "id", inv->os.id);
	kstr(&w, "version_id", inv->os.version_id);
	kstr(&w, "codename", inv->os.codename);
	kstr(&w, "pretty_name", inv->os.pretty_name);
	close_(&w, "}");
	kstr(&w, "kernel", inv->kernel);
	kstr(&w, "arch", inv->arch);
	open_(&w, "hardware", "{");
	kstr(&w, "cpu_model", h->cpu_model);
	kint(&w, "cpu_count", h->cpu_count);
	kint(&w, "memory_bytes", (long long)h->memory_bytes);
	open_(&w, "disks", "[");
	for (size_t i = 0; i < h->n_disks; i++) {
		open_(&w, NULL, "{");
		kstr(&w, "name", h->disks[i].name);
		kint(&w, "size_bytes", (long long)h->disks[i].size_bytes);
		close_(&w, "}");
	}
	close_(&w, "]");
	kstr(&w, "vendor", h->vendor);
	kstr(&w, "model", h->model);
	kstr(&w, "serial", h->serial);
	close_(&w, "}");
	open_(&w, "interfaces", "[");
	for (size_t i = 0; i < inv->n_interfaces; i++) {
		const struct fp_netif *n = &inv->interfaces[i];
		open_(&w, NULL, "{");
		kstr(&w, "name", n->name);
		kstr(&w, "mac", n->mac);
		kstrs(&w, "addresses", n->addresses, n->n_addresses);
		close_(&w, "}");
	}
	close_(&w, "]");
	kint(&w, "uptime_seconds", inv->uptime_seconds);
	kbool(&w, "reboot_required", inv->reboot_required);
	kstrs(&w, "reboot_reasons", inv->reboot_reasons, inv->n_reboot_reasons);
	open_(&w, "restart_services", "[");
	for (size_t i = 0; i < inv->n_restarts; i++) {
		open_(&w, NULL, "{");
		kint(&w, "pid", inv->restarts[i].pid);
		kstr(&w, "name", inv->restarts[i].name);
		kstr(&w, "unit", inv->restarts[i].unit);
		close_(&w, "}");
	}
	close_(&w, "]");
	open_(&w, "packages", "[");
	for (size_t i = 0; i < inv->n_packages && !w.err; i++) {
		const struct fp_package *p = &inv->packages[i];
		open_(&w, NULL, "{");
		kstr(&w, "name", p->name);
		kstr(&w, "version", p->version);
		kstr(&w, "arch", p->arch);
		kstr(&w, "source", p->source);
		kstr(&w, "source_version", p->source_version);
		kstr(&w, "ecosystem", fp_ecosystem_name(p->eco));
		kstr(&w, "kind", p->kind);
		close_(&w, "}");
	}
	close_(&w, "]");
	open_(&w, "updates", "[");
	for (size_t i = 0; i < inv->n_updates && !w.err; i++) {
		const struct fp_update *u = &inv->updates[i];
		open_(&w, NULL, "{");
		kstr(&w, "name", u->name);
		kstr(&w, "arch", u->arch);
		kstr(&w, "installed_version", u->installed_version);
		kstr(&w, "candidate_version", u->candidate_version);
		kstr(&w, "origin", u->origin);
		kbool(&w, "security", u->security);
		close_(&w, "}");
	}
	close_(&w, "]");
	kbool(&w, "updates_checked", inv->updates_checked);
	kstr(&w, "package_manager", inv->package_manager);
	kint(&w, "metadata_age_seconds", inv->metadata_age_seconds);
	kstr(&w, "os_error", inv->os_error);
	close_(&w, "}");
	lit(&w, "\n");
	return w.err;
#undef w
}

int fp_inventory_write_json(const struct fp_inventory *inv, struct fp_buf *out)
{
	struct w w = { out, 0, true, -1 };

	return write_json(inv, &w);
}

int fp_inventory_write_json_fd(const struct fp_inventory *inv, int fd)
{
	struct fp_buf b;
	struct w w = { &b, 0, true, fd };
	int r;

	fp_buf_init(&b, 0);
	r = write_json(inv, &w);
	if (!r)
		flush(&w);
	r = w.err;
	fp_buf_release(&b);
	return r;
}

/* ---- decoding ---------------------------------------------------------- */

struct dec {
	struct fp_inventory *inv;
	struct fp_diag *diag;
	char path[160];
};

static int fail(struct dec *d, int err, const char *what)
{
	return fp_diag_set(d->diag, err, 0, 0, "%s: %s", d->path, what);
}

static void at(struct dec *d, const char *parent, size_t idx, const char *field)
{
	const char *f = field ? field : "";

	if (parent && idx != (size_t)-1)
		snprintf(d->path, sizeof(d->path), "%s[%zu]%s%s", parent, idx,
			 *f ? "." : "", f);
	else if (parent)
		snprintf(d->path, sizeof(d->path), "%s.%s", parent, f);
	else
		snprintf(d->path, sizeof(d->path), "%s", f);
}

/* A string member: absent is fine unless 'required'; checked for size,
 * control characters and (when 'token') spaces. */
static int get_str(struct dec *d, const json_t *o, const char *k, bool required,
		   bool token, const char **ret)
{
	const json_t *v = json_object_get(o, k);
	struct fp_str s;

	if (!v || json_is_null(v)) {
		if (required)
			return fail(d, FP_EINVAL, "missing");
		*ret = NULL;
		return 0;
	}
	if (!json_is_string(v))
		return fail(d, FP_EINVAL, "expected a string");
	s = fp_str_make(json_string_value(v), json_string_length(v));
	if (s.len > FP_INV_MAX_FIELD)
		return fail(d, FP_ETOOBIG, "string too long");
	if (memchr(s.p, '\0', s.len) || !fp__is_text(s, FP_INV_MAX_FIELD))
		return fail(d, FP_EINVAL, "control characters in string");
	if (token && !fp__is_token(s, FP_INV_MAX_FIELD))
		return fail(d, FP_EINVAL, required || s.len ? "must be one word" : "empty");
	*ret = fp__inv_strdup(d->inv, s);
	return *ret ? 0 : fail(d, FP_ENOMEM, "out of memory");
}

static int get_int(struct dec *d, const json_t *o, const char *k, long long lo,
		   long long hi, long long dflt, long long *ret)
{
	const json_t *v = json_object_get(o, k);

	if (!v) {
		*ret = dflt;
		return 0;
	}
	if (!json_is_integer(v))
		return fail(d, FP_EINVAL, "expected an integer");
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(d, FP_EINVAL, "out of range");
	*ret = json_integer_value(v);
	return 0;
}

static int get_bool(struct dec *d, const json_t *o, const char *k, bool *ret)
{
	const json_t *v = json_object_get(o, k);

	if (!v) {
		*ret = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return fail(d, FP_EINVAL, "expected true or false");
	*ret = json_is_true(v);
	return 0;
}

/* An array member (absent = empty) of at most 'max' elements. */
static int get_array(struct dec *d, const json_t *o, const char *k, size_t max,
		     const json_t **ret, size_t *ret_n)
{
	const json_t *v = json_object_get(o, k);

	*ret = NULL;
	*ret_n = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail(d, FP_EINVAL, "expected an array");
	if (json_array_size(v) > max)
		return fail(d, FP_ETOOBIG, "too many elements");
	*ret = v;
	*ret_n = json_array_size(v);
	return 0;
}

static int get_strs(struct dec *d, const json_t *o, const char *parent,
		    const char *k, size_t max, const char ***ret, size_t *ret_n)
{
	const json_t *a;
	const char **out;
	size_t n;
	char base[96];
	int r;

	if (parent)
		snprintf(base, sizeof(base), "%s.%s", parent, k);
	else
		snprintf(base, sizeof(base), "%s", k);
	snprintf(d->path, sizeof(d->path), "%s", base);
	if ((r = get_array(d, o, k, max, &a, &n)))
		return r;
	out = fp_arena_calloc(&d->inv->arena, n ? n : 1, sizeof(*out));
	if (!out)
		return fail(d, FP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *v = json_array_get(a, i);
		struct fp_str s;
		snprintf(d->path, sizeof(d->path), "%s[%zu]", base, i);
		if (!json_is_string(v))
			return fail(d, FP_EINVAL, "expected a string");
		s = fp_str_make(json_string_value(v), json_string_length(v));
		if (!fp__is_token(s, FP_INV_MAX_FIELD))
			return fail(d, FP_EINVAL, "expected one non-empty word");
		if (!(out[i] = fp__inv_strdup(d->inv, s)))
			return fail(d, FP_ENOMEM, "out of memory");
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

static int check_ver(struct dec *d, enum fp_ecosystem eco, const char *v)
{
	struct fp_diag vd;

	fp_diag_init(&vd, NULL);
	if (fp_version_check(eco, v, strlen(v), &vd) == 0)
		return 0;
	return fp_diag_set(d->diag, FP_EINVAL, 0, 0, "%s: invalid %s version: %s",
			   d->path, fp_ecosystem_name(eco),
			   vd.msg[0] ? vd.msg : "rejected");
}

static int dec_package(struct dec *d, const json_t *o, size_t i,
		       struct fp_package *p)
{
	const char *eco = NULL, *kind = NULL;
	int r;

	at(d, "packages", i, NULL);
	if (!json_is_object(o))
		return fail(d, FP_EINVAL, "expected an object");
	at(d, "packages", i, "name");
	if ((r = get_str(d, o, "name", true, true, &p->name)))
		return r;
	at(d, "packages", i, "ecosystem");
	if ((r = get_str(d, o, "ecosystem", true, true, &eco)))
		return r;
	if (fp_ecosystem_from_name(eco, &p->eco))
		return fail(d, FP_EINVAL, "unknown ecosystem");
	at(d, "packages", i, "kind");
	if ((r = get_str(d, o, "kind", false, true, &kind)))
		return r;
	if (kind) {
		size_t k;
		for (k = 0; kinds[k] && strcmp(kinds[k], kind); k++)
			;
		if (!kinds[k])
			return fail(d, FP_EINVAL, "kind must be \"snap\" or \"flatpak\"");
		p->kind = kinds[k];
	}
	at(d, "packages", i, "version");
	if ((r = get_str(d, o, "version", true, false, &p->version)))
		return r;
	if (kind && !*p->version)
		return fail(d, FP_EINVAL, "empty");
	if (!kind && (r = check_ver(d, p->eco, p->version)))
		return r;
	at(d, "packages", i, "arch");
	if ((r = get_str(d, o, "arch", false, false, &p->arch)))
		return r;
	if (!p->arch)
		p->arch = "";
	else if (*p->arch && !fp__is_token(fp_str_c(p->arch), 256))
		return fail(d, FP_EINVAL, "must be one word");
	at(d, "packages", i, "source");
	if ((r = get_str(d, o, "source", false, true, &p->source)))
		return r;
	if (!p->source)
		p->source = p->name;
	at(d, "packages", i, "source_version");
	if ((r = get_str(d, o, "source_version", false, false, &p->source_version)))
		return r;
	if (!p->source_version)
		p->source_version = p->version;
	else if (!kind && (r = check_ver(d, p->eco, p->source_version)))
		return r;
	return 0;
}

static int manager_eco(const char *pm, enum fp_ecosystem *ret)
{
	static const struct {
		const char *pm;
		enum fp_ecosystem eco;
	} map[] = { { "apt", FP_ECO_DEB },       { "dnf", FP_ECO_RPM },
		    { "yum", FP_ECO_RPM },       { "zypper", FP_ECO_RPM },
		    { "pacman", FP_ECO_PACMAN }, { "apk", FP_ECO_APK } };

	for (size_t i = 0; pm && i < FP_ARRAY_SIZE(map); i++)
		if (!strcmp(pm, map[i].pm)) {
			*ret = map[i].eco;
			return 0;
		}
	return FP_EINVAL;
}

static int dec_update(struct dec *d, const json_t *o, size_t i, bool have_eco,
		      enum fp_ecosystem eco, struct fp_update *u)
{
	int r;

	at(d, "updates", i, NULL);
	if (!json_is_object(o))
		return fail(d, FP_EINVAL, "expected an object");
	at(d, "updates", i, "name");
	if ((r = get_str(d, o, "name", true, true, &u->name)))
		return r;
	at(d, "updates", i, "arch");
	if ((r = get_str(d, o, "arch", false, false, &u->arch)))
		return r;
	at(d, "updates", i, "installed_version");
	if ((r = get_str(d, o, "installed_version", false, false, &u->installed_version)))
		return r;
	if (have_eco && u->installed_version && (r = check_ver(d, eco, u->installed_version)))
		return r;
	at(d, "updates", i, "candidate_version");
	if ((r = get_str(d, o, "candidate_version", true, false, &u->candidate_version)))
		return r;
	if (have_eco && (r = check_ver(d, eco, u->candidate_version)))
		return r;
	at(d, "updates", i, "origin");
	if ((r = get_str(d, o, "origin", false, false, &u->origin)))
		return r;
	at(d, "updates", i, "security");
	return get_bool(d, o, "security", &u->security);
}

static int dec_hardware(struct dec *d, const json_t *o)
{
	struct fp_hardware *h = &d->inv->hw;
	const json_t *a;
	long long v;
	size_t n;
	int r;

	snprintf(d->path, sizeof(d->path), "hardware");
	if (!o)
		return 0;
	if (!json_is_object(o))
		return fail(d, FP_EINVAL, "expected an object");
	at(d, "hardware", (size_t)-1, "cpu_model");
	if ((r = get_str(d, o, "cpu_model", false, false, &h->cpu_model)))
		return r;
	at(d, "hardware", (size_t)-1, "cpu_count");
	if ((r = get_int(d, o, "cpu_count", 0, 1 << 20, 0, &v)))
		return r;
	h->cpu_count = (int)v;
	at(d, "hardware", (size_t)-1, "memory_bytes");
	if ((r = get_int(d, o, "memory_bytes", 0, INT64_MAX, 0, &v)))
		return r;
	h->memory_bytes = (uint64_t)v;
	at(d, "hardware", (size_t)-1, "vendor");
	if ((r = get_str(d, o, "vendor", false, false, &h->vendor)))
		return r;
	at(d, "hardware", (size_t)-1, "model");
	if ((r = get_str(d, o, "model", false, false, &h->model)))
		return r;
	at(d, "hardware", (size_t)-1, "serial");
	if ((r = get_str(d, o, "serial", false, false, &h->serial)))
		return r;
	at(d, "hardware", (size_t)-1, "disks");
	if ((r = get_array(d, o, "disks", INV_MAX_DISKS, &a, &n)))
		return r;
	h->disks = fp_arena_calloc(&d->inv->arena, n ? n : 1, sizeof(*h->disks));
	if (!h->disks)
		return fail(d, FP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		at(d, "hardware.disks", i, NULL);
		if (!json_is_object(e))
			return fail(d, FP_EINVAL, "expected an object");
		at(d, "hardware.disks", i, "name");
		if ((r = get_str(d, e, "name", true, true, &h->disks[i].name)))
			return r;
		at(d, "hardware.disks", i, "size_bytes");
		if ((r = get_int(d, e, "size_bytes", 0, INT64_MAX, 0, &v)))
			return r;
		h->disks[i].size_bytes = (uint64_t)v;
	}
	h->n_disks = n;
	return 0;
}

static int dec_interfaces(struct dec *d, const json_t *o)
{
	struct fp_inventory *inv = d->inv;
	const json_t *a;
	size_t n;
	int r;

	snprintf(d->path, sizeof(d->path), "interfaces");
	if ((r = get_array(d, o, "interfaces", INV_MAX_IFS, &a, &n)))
		return r;
	inv->interfaces = fp_arena_calloc(&inv->arena, n ? n : 1, sizeof(*inv->interfaces));
	if (!inv->interfaces)
		return fail(d, FP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		struct fp_netif *f = &inv->interfaces[i];
		char base[48];
		at(d, "interfaces", i, NULL);
		if (!json_is_object(e))
			return fail(d, FP_EINVAL, "expected an object");
		at(d, "interfaces", i, "name");
		if ((r = get_str(d, e, "name", true, true, &f->name)))
			return r;
		at(d, "interfaces", i, "mac");
		if ((r = get_str(d, e, "mac", false, true, &f->mac)))
			return r;
		snprintf(base, sizeof(base), "interfaces[%zu]", i);
		if ((r = get_strs(d, e, base, "addresses", INV_MAX_ADDRS,
				  &f->addresses, &f->n_addresses)))
			return r;
	}
	inv->n_interfaces = n;
	return 0;
}

static int dec_restarts(struct dec *d, const json_t *o)
{
	struct fp_inventory *inv = d->inv;
	const json_t *a;
	long long v;
	size_t n;
	int r;

	snprintf(d->path, sizeof(d->path), "restart_services");
	if ((r = get_array(d, o, "restart_services", INV_MAX_RESTARTS, &a, &n)))
		return r;
	inv->restarts = fp_arena_calloc(&inv->arena, n ? n : 1, sizeof(*inv->restarts));
	if (!inv->restarts)
		return fail(d, FP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		struct fp_restart *s = &inv->restarts[i];
		at(d, "restart_services", i, NULL);
		if (!json_is_object(e))
			return fail(d, FP_EINVAL, "expected an object");
		at(d, "restart_services", i, "pid");
		if ((r = get_int(d, e, "pid", 1, INT32_MAX, -1, &v)))
			return r;
		if (v < 0)
			return fail(d, FP_EINVAL, "missing");
		s->pid = (int)v;
		at(d, "restart_services", i, "name");
		if ((r = get_str(d, e, "name", true, false, &s->name)))
			return r;
		at(d, "restart_services", i, "unit");
		if ((r = get_str(d, e, "unit", false, true, &s->unit)))
			return r;
	}
	inv->n_restarts = n;
	return 0;
}

int fp_inventory_from_json(const json_t *j, struct fp_inventory *inv,
			   struct fp_diag *diag)
{
	struct dec d = { inv, diag, "" };
	struct fp_inventory *v = inv;
	const json_t *a, *os;
	enum fp_ecosystem ueco = FP_ECO_DEB;
	bool have_ueco;
	long long num;
	size_t n;
	int r;

	fp_diag_init(diag, NULL);
	if (!json_is_object(j))
		return fp_diag_set(diag, FP_EINVAL, 0, 0, "inventory: expected an object");
#define STR(field, key, req, tok)                                               \
	do {                                                                    \
		at(&d, NULL, (size_t)-1, key);                                  \
		if ((r = get_str(&d, j, key, req, tok, &v->field)))             \
			return r;                                               \
	} while (0)
	STR(machine_id, "machine_id", false, true);
	STR(hostname, "hostname", false, true);
	STR(fqdn, "fqdn", false, true);
	STR(kernel, "kernel", false, true);
	STR(arch, "arch", false, true);
	STR(package_manager, "package_manager", false, true);
	STR(os_error, "os_error", false, false);
#undef STR
	os = json_object_get(j, "os");
	snprintf(d.path, sizeof(d.path), "os");
	if (os && !json_is_object(os))
		return fail(&d, FP_EINVAL, "expected an object");
	if (os) {
		at(&d, "os", (size_t)-1, "id");
		if ((r = get_str(&d, os, "id", false, true, &v->os.id)))
			return r;
		at(&d, "os", (size_t)-1, "version_id");
		if ((r = get_str(&d, os, "version_id", false, true, &v->os.version_id)))
			return r;
		at(&d, "os", (size_t)-1, "codename");
		if ((r = get_str(&d, os, "codename", false, true, &v->os.codename)))
			return r;
		at(&d, "os", (size_t)-1, "pretty_name");
		if ((r = get_str(&d, os, "pretty_name", false, false, &v->os.pretty_name)))
			return r;
	}
	if ((r = dec_hardware(&d, json_object_get(j, "hardware"))) ||
	    (r = dec_interfaces(&d, j)) || (r = dec_restarts(&d, j)))
		return r;
	snprintf(d.path, sizeof(d.path), "uptime_seconds");
	if ((r = get_int(&d, j, "uptime_seconds", -1, INT64_MAX, -1, &num)))
		return r;
	v->uptime_seconds = num;
	snprintf(d.path, sizeof(d.path), "metadata_age_seconds");
	if ((r = get_int(&d, j, "metadata_age_seconds", -1, INT64_MAX, -1, &num)))
		return r;
	v->metadata_age_seconds = num;
	snprintf(d.path, sizeof(d.path), "reboot_required");
	if ((r = get_bool(&d, j, "reboot_required", &v->reboot_required)))
		return r;
	snprintf(d.path, sizeof(d.path), "updates_checked");
	if ((r = get_bool(&d, j, "updates_checked", &v->updates_checked)))
		return r;
	if ((r = get_strs(&d, j, NULL, "reboot_reasons", INV_MAX_REASONS,
			  &v->reboot_reasons, &v->n_reboot_reasons)))
		return r;

	snprintf(d.path, sizeof(d.path), "packages");
	if ((r = get_array(&d, j, "packages", FP_INV_MAX_PACKAGES, &a, &n)))
		return r;
	v->packages = fp_arena_calloc(&inv->arena, n ? n : 1, sizeof(*v->packages));
	if (!v->packages)
		return fail(&d, FP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if ((r = dec_package(&d, json_array_get(a, i), i, &v->packages[i])))
			return r;
	v->n_packages = v->packages_cap = n;

	have_ueco = manager_eco(v->package_manager, &ueco) == 0;
	snprintf(d.path, sizeof(d.path), "updates");
	if ((r = get_array(&d, j, "updates", FP_INV_MAX_UPDATES, &a, &n)))
		return r;
	v->updates = fp_arena_calloc(&inv->arena, n ? n : 1, sizeof(*v->updates));
	if (!v->updates)
		return fail(&d, FP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if ((r = dec_update(&d, json_array_get(a, i), i, have_ueco, ueco,
				    &v->updates[i])))
			return r;
	v->n_updates = n;
	return 0;
}

/* ---- sort and hash ----------------------------------------------------- */

static int cmp_pkg(const void *x, const void *y)
{
	const struct fp_package *a = x, *b = y;
	int c;

	if (a->eco != b->eco)
		return a->eco < b->eco ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) || (c = strcmp(a->arch, b->arch)) ||
	    (c = strcmp(a->version, b->version)))
		return c;
	/* Ties (same package twice) still sort the same everywhere. */
	if ((c = strcmp(a->kind ? a->kind : "", b->kind ? b->kind : "")) ||
	    (c = strcmp(a->source, b->source)))
		return c;
	return strcmp(a->source_version, b->source_version);
}

void fp_inventory_sort(struct fp_inventory *inv)
{
	size_t i;

	/* Databases mostly come sorted (dpkg writes its status in order):
	 * then there is nothing to do. */
	for (i = 1; i < inv->n_packages; i++)
		if (cmp_pkg(&inv->packages[i - 1], &inv->packages[i]) > 0)
			break;
	if (i < inv->n_packages)
		qsort(inv->packages, inv->n_packages, sizeof(*inv->packages), cmp_pkg);
}

void fp_inventory_hash(const struct fp_inventory *inv, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char md[crypto_hash_sha256_BYTES];

	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < inv->n_packages; i++) {
		const struct fp_package *p = &inv->packages[i];
		const char *eco = fp_ecosystem_name(p->eco);
		const char *parts[4] = { eco ? eco : "", p->name, p->arch, p->version };
		for (int k = 0; k < 4; k++) {
			crypto_hash_sha256_update(&st, (const unsigned char *)parts[k],
						  strlen(parts[k]));
			crypto_hash_sha256_update(&st, (const unsigned char *)(k < 3 ? "\t" : "\n"), 1);
		}
	}
	crypto_hash_sha256_final(&st, md);
	fp_hex_encode(md, sizeof(md), out);
}
