/* SPDX-License-Identifier: MIT */
/*
 * GET/PUT /api/v1/settings (admin): stale_after and checkin_interval.
 * The configuration file gives the defaults; values set here are stored
 * and win over it from then on (also after a restart).
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "server.h"

static const struct setting {
	const char *key;
	size_t off;
} settings[] = {
	{ "stale_after", offsetof(struct fpd_server, stale_after) },
	{ "checkin_interval", offsetof(struct fpd_server, checkin_interval) },
};

static _Atomic int64_t *slot(struct fpd_server *srv, size_t i)
{
	return (_Atomic int64_t *)((char *)srv + settings[i].off);
}

int fpd_settings_load(struct fpd_server *srv)
{
	struct fp_store *st = srv->store;

	atomic_store(&srv->stale_after, srv->cfg.stale_after);
	atomic_store(&srv->checkin_interval, srv->cfg.checkin_interval);
	for (size_t i = 0; i < FP_ARRAY_SIZE(settings); i++) {
		char v[64];
		int64_t secs;
		int rc = st->ops->setting_get(st, settings[i].key, v, sizeof(v));

		if (rc == FP_ENOENT)
			continue;
		if (rc)
			return rc;
		if (fp_duration_parse(v, &secs) || secs <= 0) {
			fpd_warn("setting %s: ignoring invalid stored value '%s'",
				 settings[i].key, v);
			continue;
		}
		atomic_store(slot(srv, i), secs);
	}
	return 0;
}

static json_t *settings_json(struct fpd_server *srv)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < FP_ARRAY_SIZE(settings); i++) {
		char v[32];
		snprintf(v, sizeof(v), "%" PRId64 "s", atomic_load(slot(srv, i)));
		json_object_set_new(o, settings[i].key, json_string(v));
		snprintf(v, sizeof(v), "%s_seconds", settings[i].key);
		json_object_set_new(o, v, json_integer(atomic_load(slot(srv, i))));
	}
	return o;
}

int api_settings_get(struct fpd_req *r)
{
	r->resp = settings_json(r->srv);
	return r->resp ? 0 : FP_ENOMEM;
}

int api_settings_put(struct fpd_req *r)
{
	struct fp_field f[] = {
		{ .name = "stale_after", .type = FP_F_DURATION, .max = 32 },
		{ .name = "checkin_interval", .type = FP_F_DURATION, .max = 32 },
	};
	struct fp_store *st = r->srv->store;
	struct fp_jerr jerr;
	json_t *root = NULL;
	int rc;

	if ((rc = fp_decode_fields(r->body, r->body_len, f, FP_ARRAY_SIZE(f),
				   &root, &jerr)))
		return fpd_decode_failed(r, rc, &jerr);
	for (size_t i = 0; i < FP_ARRAY_SIZE(f); i++) {
		char v[32];
		if (!f[i].present)
			continue;
		snprintf(v, sizeof(v), "%" PRId64, f[i].num);
		if ((rc = st->ops->setting_set(st, f[i].name, v)))
			goto out;
		atomic_store(slot(r->srv, i), f[i].num);
		fpd_audit(r, "settings.set", f[i].name, "%s = %s", f[i].name, f[i].str);
	}
	r->resp = settings_json(r->srv);
	rc = r->resp ? 0 : FP_ENOMEM;
out:
	json_decref(root);
	return rc;
}
