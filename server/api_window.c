/* SPDX-License-Identifier: MIT */
/* /api/v1/windows: maintenance windows (lib/rollout window.h). */
#include <string.h>

#include "fleetpatch/util.h"
#include "scheduler.h"
#include "server.h"

static int window_check(struct fpd_req *r, const json_t *body,
			struct fp_diag *d, json_t **ret_norm)
{
	struct fp_window w;
	int rc;

	fp_window_init(&w);
	if ((rc = fp_window_from_json(body, NULL, d, &w)))
		return rc;
	if (!w.name[0] || !fp_rollout_name_is_valid(w.name)) {
		fp_window_release(&w);
		return fpd_fail(r, FP_EINVAL, "name",
				"a window needs a name (1-64 of A-Z a-z 0-9 . _ -)");
	}
	*ret_norm = fp_window_to_json(&w);
	fp_window_release(&w);
	return *ret_norm ? 0 : FP_ENOMEM;
}

int api_windows_list(struct fpd_req *r)
{
	return fpd_obj_list(r, "window");
}

int api_windows_put(struct fpd_req *r)
{
	return fpd_obj_put(r, "window", window_check);
}

int api_windows_delete(struct fpd_req *r)
{
	return fpd_obj_delete(r, "window");
}

/* GET /windows/{name}?at=TIME: the window and its opening at/after then. */
int api_windows_get(struct fpd_req *r)
{
	struct fp_store *st = r->srv->store;
	const char *at = fpd_query(r, "at");
	json_t *all = NULL, *found = NULL;
	struct fp_window w;
	struct fp_diag d;
	time_t t = (time_t)r->now;
	int64_t open, close;
	char buf[32];
	int rc;

	if (at && fp_time_parse_rfc3339(at, &t))
		return fpd_fail(r, FP_EINVAL, "at", "not an RFC 3339 time");
	if ((rc = st->ops->rollout_list(st, "window", &all)))
		return rc;
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *o = json_array_get(all, i);
		const char *n = json_string_value(json_object_get(o, "name"));
		if (n && !strcmp(n, r->params[0]))
			found = o;
	}
	if (!found) {
		json_decref(all);
		return fpd_fail(r, FP_ENOENT, NULL, "no window '%.64s'",
				r->params[0]);
	}
	fp_window_init(&w);
	fp_diag_init(&d, NULL);
	rc = fp_window_from_json(found, NULL, &d, &w);
	if (!rc) {
		r->resp = json_deep_copy(found);
		if (!r->resp) {
			rc = FP_ENOMEM;
		} else if (fp_window_next(&w, t, &open, &close) == 0) {
			json_object_set_new(r->resp, "open_now",
					    json_boolean(open <= t && t < close));
			json_object_set_new(r->resp, "next_open",
					    json_string(fp_time_rfc3339((time_t)open, buf)));
			json_object_set_new(r->resp, "next_close",
					    json_string(fp_time_rfc3339((time_t)close, buf)));
		} else {
			json_object_set_new(r->resp, "open_now", json_false());
			json_object_set_new(r->resp, "next_open", json_null());
		}
	} else {
		rc = fpd_fail_diag(r, rc, &d);
	}
	fp_window_release(&w);
	json_decref(all);
	return rc;
}
