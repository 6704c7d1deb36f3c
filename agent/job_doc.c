/* SPDX-License-Identifier: MIT */
/* Decoder of signed job documents (see job_doc.h). */
#include <jansson.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "job_doc.h"

static bool chars_ok(const char *s, size_t max, const char *extra)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c && strchr(extra, c)))
			continue;
		return false;
	}
	return true;
}

bool agent_pkg_name_is_valid(const char *name)
{
	return chars_ok(name, AGENT_JOB_MAX_NAME, "@._+-");
}

bool agent_pkg_version_is_valid(const char *version)
{
	return chars_ok(version, AGENT_JOB_MAX_VERSION, ".+~^:_-");
}

bool agent_job_id_is_valid(const char *id)
{
	return chars_ok(id, AGENT_JOB_MAX_ID, "._:-");
}

const char *agent_reboot_policy_name(enum agent_reboot_policy p)
{
	switch (p) {
	case AGENT_REBOOT_WINDOW:
		return "window";
	case AGENT_REBOOT_NOTIFY:
		return "notify";
	default:
		return "never";
	}
}

static void free_argv(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		fp_free(argv[i]);
	fp_free(argv);
}

void agent_job_release(struct agent_job *job)
{
	if (!job)
		return;
	for (size_t i = 0; i < job->n_packages; i++) {
		fp_free(job->packages[i].name);
		fp_free(job->packages[i].version);
	}
	fp_free(job->packages);
	fp_free(job->host);
	free_argv(job->pre_hook);
	free_argv(job->post_hook);
	memset(job, 0, sizeof(*job));
}

static int get_time(const json_t *p, const char *key, bool required,
		    time_t *ret, struct fp_diag *diag)
{
	const json_t *v = json_object_get(p, key);

	if (!v) {
		if (required)
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.%s: missing", key);
		*ret = 0;
		return 0;
	}
	if (!json_is_string(v) || fp_time_parse_rfc3339(json_string_value(v), ret))
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.%s: not an RFC 3339 time", key);
	return 0;
}

static int get_uint(const json_t *p, const char *key, long long max,
		    long long def, long long *ret, struct fp_diag *diag)
{
	const json_t *v = json_object_get(p, key);

	if (!v) {
		*ret = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.%s: not an integer in 0..%lld", key,
				   max);
	*ret = json_integer_value(v);
	return 0;
}

/* A hook: an argv array whose first element is an absolute path. */
static int get_hook(const json_t *p, const char *key, char ***ret,
		    struct fp_diag *diag)
{
	const json_t *a = json_object_get(p, key);
	char **argv;
	size_t n;

	*ret = NULL;
	if (!a || json_is_null(a))
		return 0;
	n = json_is_array(a) ? json_array_size(a) : 0;
	if (n == 0 || n > AGENT_JOB_MAX_HOOK_ARGS)
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.%s: not an argv array of 1..%d strings",
				   key, AGENT_JOB_MAX_HOOK_ARGS);
	argv = fp_calloc(n + 1, sizeof(*argv));
	if (!argv)
		return FP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *s = json_array_get(a, i);
		const char *v = json_string_value(s);
		if (!v || json_string_length(s) > AGENT_JOB_MAX_ARG ||
		    strlen(v) != json_string_length(s) ||
		    (i == 0 && (v[0] != '/' || strstr(v, "/../")))) {
			free_argv(argv);
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.%s[%zu]: %s", key, i,
					   i == 0 ? "must be an absolute path"
						  : "not a string (max 1024 bytes, no NUL)");
		}
		argv[i] = fp_strdup(v);
		if (!argv[i]) {
			free_argv(argv);
			return FP_ENOMEM;
		}
	}
	*ret = argv;
	return 0;
}

static int get_packages(const json_t *p, struct agent_job *job,
			struct fp_diag *diag)
{
	const json_t *a = json_object_get(p, "packages");
	size_t n = json_is_array(a) ? json_array_size(a) : 0;

	if (!json_is_array(a))
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.packages: missing or not an array");
	if (n > AGENT_JOB_MAX_PACKAGES)
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0,
				   "payload.packages: more than %d entries",
				   AGENT_JOB_MAX_PACKAGES);
	if (n == 0 && job->action == AGENT_JOB_INSTALL)
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.packages: empty");
	job->packages = fp_calloc(n ? n : 1, sizeof(*job->packages));
	if (!job->packages)
		return FP_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		const char *name = json_string_value(json_object_get(e, "name"));
		const json_t *jv = json_object_get(e, "version");
		const char *ver = json_string_value(jv);

		if (!agent_pkg_name_is_valid(name))
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.packages[%zu].name: missing or invalid package name",
					   i);
		if (jv && !json_is_null(jv) && !agent_pkg_version_is_valid(ver))
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.packages[%zu].version: invalid version",
					   i);
		for (size_t k = 0; k < job->n_packages; k++)
			if (!strcmp(job->packages[k].name, name))
				return fp_diag_set(diag, FP_EINVAL, 0, 0,
						   "payload.packages[%zu].name: '%s' listed twice",
						   i, name);
		job->packages[i].name = fp_strdup(name);
		job->packages[i].version = ver ? fp_strdup(ver) : NULL;
		job->n_packages++;
		if (!job->packages[i].name || (ver && !job->packages[i].version))
			return FP_ENOMEM;
	}
	return 0;
}

static int decode_payload(const json_t *p, struct agent_job *job,
			  struct fp_diag *diag)
{
	const char *id = json_string_value(json_object_get(p, "job_id"));
	const char *action = json_string_value(json_object_get(p, "action"));
	const json_t *host = json_object_get(p, "host");
	const json_t *rb = json_object_get(p, "rollback_on_failure");
	const json_t *win = json_object_get(p, "reboot_window");
	const char *reboot;
	long long v;
	int r;

	if (!json_is_object(p))
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload: not a JSON object");
	if (!agent_job_id_is_valid(id))
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.job_id: missing or invalid (1..64 of A-Za-z0-9._:-)");
	memcpy(job->job_id, id, strlen(id) + 1);
	if (!action || !strcmp(action, "install"))
		job->action = AGENT_JOB_INSTALL;
	else if (!strcmp(action, "rollback"))
		job->action = AGENT_JOB_ROLLBACK;
	else
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.action: must be install or rollback");
	if ((r = get_time(p, "created_at", true, &job->created_at, diag)) ||
	    (r = get_time(p, "expires_at", true, &job->expires_at, diag)) ||
	    (r = get_time(p, "deadline", false, &job->deadline, diag)))
		return r;
	if (host && !json_is_null(host)) {
		if (!json_is_string(host) || json_string_length(host) == 0 ||
		    json_string_length(host) > 256)
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.host: not a string of 1..256 bytes");
		job->host = fp_strdup(json_string_value(host));
		if (!job->host)
			return FP_ENOMEM;
	}
	if ((r = get_packages(p, job, diag)) ||
	    (r = get_hook(p, "pre_hook", &job->pre_hook, diag)) ||
	    (r = get_hook(p, "post_hook", &job->post_hook, diag)))
		return r;
	if ((r = get_uint(p, "hook_timeout", 86400, 300, &v, diag)))
		return r;
	job->hook_timeout = (unsigned)v;
	if (rb && !json_is_boolean(rb))
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.rollback_on_failure: not a boolean");
	job->rollback_on_failure = rb && json_is_true(rb);
	reboot = json_string_value(json_object_get(p, "reboot"));
	if (json_object_get(p, "reboot") && !reboot)
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.reboot: not a string");
	if (!reboot || !strcmp(reboot, "never"))
		job->reboot = AGENT_REBOOT_NEVER;
	else if (!strcmp(reboot, "window"))
		job->reboot = AGENT_REBOOT_WINDOW;
	else if (!strcmp(reboot, "notify"))
		job->reboot = AGENT_REBOOT_NOTIFY;
	else
		return fp_diag_set(diag, FP_EINVAL, 0, 0,
				   "payload.reboot: must be never, window or notify");
	if (win && !json_is_null(win)) {
		if (!json_is_object(win))
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.reboot_window: not an object");
		if ((r = get_time(win, "start", true, &job->reboot_window_start,
				  diag)) ||
		    (r = get_time(win, "end", true, &job->reboot_window_end,
				  diag)))
			return r;
		if (job->reboot_window_end <= job->reboot_window_start)
			return fp_diag_set(diag, FP_EINVAL, 0, 0,
					   "payload.reboot_window: end is not after start");
	}
	if ((r = get_uint(p, "max_deferrals", 1000, 0, &v, diag)))
		return r;
	job->max_deferrals = (int)v;
	if ((r = get_uint(p, "defer_seconds", 30LL * 86400, 3600, &v, diag)))
		return r;
	job->defer_seconds = (unsigned)v;
	return 0;
}

int agent_job_decode(const void *doc, size_t len,
		     const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		     struct agent_job *job, struct fp_diag *diag)
{
	json_t *env = NULL, *payload = NULL;
	json_error_t jerr;
	const json_t *jp, *js;
	struct agent_job tmp;
	int r;

	memset(&tmp, 0, sizeof(tmp));
	if (len > AGENT_JOB_MAX_DOC)
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0,
				   "job document larger than %zu bytes",
				   AGENT_JOB_MAX_DOC);
	env = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!env)
		return fp_diag_set(diag, FP_EINVAL, (unsigned long)jerr.line,
				   (unsigned long)jerr.column,
				   "job document is not JSON: %s", jerr.text);
	jp = json_object_get(env, "payload");
	js = json_object_get(env, "signature");
	if (!json_is_object(env) || !json_is_string(jp)) {
		r = fp_diag_set(diag, FP_EINVAL, 0, 0,
				"job document: expected {\"payload\": string, \"signature\": string}");
		goto out;
	}
	if (pk) {
		if (!json_is_string(js)) {
			r = fp_diag_set(diag, FP_ESIG, 0, 0,
					"job document is not signed");
			goto out;
		}
		if (fp_sign_verify(pk, json_string_value(jp),
				   json_string_length(jp),
				   json_string_value(js)) != 0) {
			r = fp_diag_set(diag, FP_ESIG, 0, 0,
					"job signature does not verify against the pinned server key");
			goto out;
		}
	}
	payload = json_loadb(json_string_value(jp), json_string_length(jp),
			     JSON_REJECT_DUPLICATES, &jerr);
	if (!payload) {
		r = fp_diag_set(diag, FP_EINVAL, 0, 0,
				"payload is not JSON: %s", jerr.text);
		goto out;
	}
	r = decode_payload(payload, &tmp, diag);
	if (r == 0 && tmp.expires_at <= tmp.created_at)
		r = fp_diag_set(diag, FP_EINVAL, 0, 0,
				"payload.expires_at: not after created_at");
	if (r) {
		agent_job_release(&tmp);
		goto out;
	}
	*job = tmp;
out:
	json_decref(payload);
	json_decref(env);
	return r;
}
