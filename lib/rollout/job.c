/* SPDX-License-Identifier: MIT */
/* Signed job documents and job results (include/fleetpatch/job.h). */
#include <ctype.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/job.h"
#include "fleetpatch/util.h"
#include "rjson.h"

#define SIG_DOMAIN "fleetpatch-job-v1\n"
#define HOOK_ARG_MAX 4096
#define MESSAGE_MAX 4096

static const char *const action_names[] = { "install", "rollback", "repair" };
static const char *const reboot_names[] = { "never", "window", "notify" };
static const char *const status_names[] = { "running", "succeeded", "failed",
					    "rolled_back", "skipped",
					    "deferred", "refused" };
static const char *const pkg_result_names[] = { "upgraded", "installed",
						"downgraded", "unchanged",
						"absent", "failed",
						"removed" };

static int name_lookup(const char *const *names, size_t n, const char *s,
		       int *ret)
{
	for (size_t i = 0; s && i < n; i++) {
		if (strcmp(names[i], s) == 0) {
			*ret = (int)i;
			return 0;
		}
	}
	return FP_EINVAL;
}

const char *fp_job_action_name(enum fp_job_action a)
{
	return (unsigned)a < FP_ARRAY_SIZE(action_names) ? action_names[a]
							 : "unknown";
}

int fp_job_action_from_name(const char *s, enum fp_job_action *ret_action)
{
	int v;

	if (name_lookup(action_names, FP_ARRAY_SIZE(action_names), s, &v))
		return FP_EINVAL;
	*ret_action = (enum fp_job_action)v;
	return 0;
}

const char *fp_reboot_policy_name(enum fp_reboot_policy p)
{
	return (unsigned)p < FP_ARRAY_SIZE(reboot_names) ? reboot_names[p]
							 : "unknown";
}

int fp_reboot_policy_from_name(const char *s, enum fp_reboot_policy *ret_policy)
{
	int v;

	if (name_lookup(reboot_names, FP_ARRAY_SIZE(reboot_names), s, &v))
		return FP_EINVAL;
	*ret_policy = (enum fp_reboot_policy)v;
	return 0;
}

const char *fp_job_status_name(enum fp_job_status s)
{
	return (unsigned)s < FP_ARRAY_SIZE(status_names) ? status_names[s]
							 : "unknown";
}

int fp_job_status_from_name(const char *s, enum fp_job_status *ret_status)
{
	int v;

	if (name_lookup(status_names, FP_ARRAY_SIZE(status_names), s, &v))
		return FP_EINVAL;
	*ret_status = (enum fp_job_status)v;
	return 0;
}

void fp_job_init(struct fp_job *job)
{
	memset(job, 0, sizeof(*job));
	fp_arena_init(&job->arena, 4096, FP_JOB_MAX_BYTES * 4);
}

void fp_job_release(struct fp_job *job)
{
	if (!job)
		return;
	fp_arena_release(&job->arena);
	fp_job_init(job);
}

int fp_job_new_nonce(struct fp_job *job)
{
	unsigned char raw[16];
	int rc = fp_random_bytes(raw, sizeof(raw));

	if (rc)
		return rc;
	fp_hex_encode(raw, sizeof(raw), job->nonce);
	return 0;
}

static bool charset_ok(const char *s, const char *extra, bool alnum_first)
{
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len == 0 || len > 255)
		return false;
	if (alnum_first && !isalnum((unsigned char)s[0]))
		return false;
	if (s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80 || (!isalnum(c) && !strchr(extra, c)))
			return false;
	}
	return true;
}

bool fp_job_name_is_valid(const char *s)
{
	return charset_ok(s, "._+:@~-", true);
}

bool fp_job_version_is_valid(const char *s)
{
	return charset_ok(s, "._+:~^-", false);
}

static bool nonce_ok(const char *n)
{
	size_t i;

	for (i = 0; n[i]; i++)
		if (!isxdigit((unsigned char)n[i]) ||
		    isupper((unsigned char)n[i]))
			return false;
	return i == FP_JOB_NONCE_HEX - 1;
}

static int hook_ok(const char *const *argv, size_t n, const char *key,
		   struct fp_diag *d)
{
	if (n == 0)
		return 0;
	if (n > FP_JOB_MAX_HOOK_ARGS)
		return fp__rj_fail(d, FP_ETOOBIG, NULL, key,
				   "more than %d arguments",
				   FP_JOB_MAX_HOOK_ARGS);
	if (!argv[0] || argv[0][0] != '/')
		return fp__rj_fail(d, FP_EINVAL, NULL, key,
				   "argv[0] must be an absolute path");
	for (size_t i = 0; i < n; i++) {
		if (!argv[i] || strlen(argv[i]) > HOOK_ARG_MAX)
			return fp__rj_fail(d, FP_EINVAL, NULL, key,
					   "argument %zu missing or too long",
					   i);
	}
	return 0;
}

int fp_job_validate(const struct fp_job *job, struct fp_diag *d)
{
	char where[64];
	int rc;

	if (job->job_id <= 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "job_id",
				   "must be positive");
	if (job->host_id <= 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "host_id",
				   "must be positive");
	if (job->deployment_id < 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "deployment_id",
				   "must not be negative");
	if (job->issued_at <= 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "issued_at", "missing");
	if (job->expires_at <= job->issued_at)
		return fp__rj_fail(d, FP_EINVAL, NULL, "expires_at",
				   "must be after issued_at");
	if ((int64_t)job->expires_at - (int64_t)job->issued_at >
	    FP_JOB_MAX_LIFETIME)
		return fp__rj_fail(d, FP_EINVAL, NULL, "expires_at",
				   "job lifetime over 31 days");
	if (!nonce_ok(job->nonce))
		return fp__rj_fail(d, FP_EINVAL, NULL, "nonce",
				   "must be 32 lowercase hex characters");
	if ((unsigned)job->action >= FP_ARRAY_SIZE(action_names))
		return fp__rj_fail(d, FP_EINVAL, NULL, "action", "unknown");
	if ((unsigned)job->reboot >= FP_ARRAY_SIZE(reboot_names))
		return fp__rj_fail(d, FP_EINVAL, NULL, "reboot", "unknown");
	if (job->n_packages > FP_JOB_MAX_PACKAGES)
		return fp__rj_fail(d, FP_ETOOBIG, NULL, "packages",
				   "more than %d packages",
				   FP_JOB_MAX_PACKAGES);
	if (job->action != FP_JOB_REPAIR && job->n_packages == 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "packages",
				   "%s needs at least one package",
				   fp_job_action_name(job->action));
	for (size_t i = 0; i < job->n_packages; i++) {
		const struct fp_job_package *p = &job->packages[i];
		fp__rj_path(where, sizeof(where), NULL, "packages", (long)i);
		if (!fp_job_name_is_valid(p->name))
			return fp__rj_fail(d, FP_EINVAL, where, "name",
					   "invalid package name");
		if (p->version && !fp_job_version_is_valid(p->version))
			return fp__rj_fail(d, FP_EINVAL, where, "version",
					   "invalid version");
	}
	rc = hook_ok(job->pre_hook, job->n_pre_hook, "pre_hook", d);
	if (!rc)
		rc = hook_ok(job->post_hook, job->n_post_hook, "post_hook", d);
	if (rc)
		return rc;
	if (job->deadline < 0 || job->window_end < 0)
		return fp__rj_fail(d, FP_EINVAL, NULL, "deadline",
				   "must not be negative");
	if (job->window_start < 0 ||
	    (job->window_start && job->window_end &&
	     job->window_end <= job->window_start))
		return fp__rj_fail(d, FP_EINVAL, NULL, "window_end",
				   "must be after window_start");
	if (job->defer_seconds < 0 || job->defer_seconds > 7 * 86400)
		return fp__rj_fail(d, FP_EINVAL, NULL, "defer_seconds",
				   "must be between 0 and 7 days");
	if (job->hook_timeout < 0 || job->hook_timeout > 86400)
		return fp__rj_fail(d, FP_EINVAL, NULL, "hook_timeout",
				   "must be between 0 and 1 day");
	if (job->allow_deferrals < 0 || job->allow_deferrals > 100)
		return fp__rj_fail(d, FP_EINVAL, NULL, "allow_deferrals",
				   "must be between 0 and 100");
	return 0;
}

json_t *fp_job_to_json(const struct fp_job *job)
{
	json_t *o = json_object(), *pkgs = json_array();
	int bad = !o || !pkgs;

	for (size_t i = 0; !bad && i < job->n_packages; i++) {
		json_t *p = json_object();
		bad |= !p || json_array_append_new(pkgs, p);
		if (bad)
			break;
		bad |= json_object_set_new(p, "name",
					   json_string(job->packages[i].name));
		if (job->packages[i].version)
			bad |= json_object_set_new(
				p, "version",
				json_string(job->packages[i].version));
	}
	if (bad) {
		json_decref(pkgs);
		json_decref(o);
		return NULL;
	}
	bad |= json_object_set_new(o, "job_id", json_integer(job->job_id));
	bad |= json_object_set_new(o, "host_id", json_integer(job->host_id));
	bad |= json_object_set_new(o, "deployment_id",
				   json_integer(job->deployment_id));
	bad |= fp__rj_set_time(o, "issued_at", job->issued_at);
	bad |= fp__rj_set_time(o, "expires_at", job->expires_at);
	bad |= json_object_set_new(o, "nonce", json_string(job->nonce));
	bad |= json_object_set_new(o, "action",
				   json_string(fp_job_action_name(job->action)));
	bad |= json_object_set_new(o, "packages", pkgs);
	if (job->n_pre_hook)
		bad |= json_object_set_new(o, "pre_hook",
					   fp__rj_strv_json(job->pre_hook,
						     job->n_pre_hook));
	if (job->n_post_hook)
		bad |= json_object_set_new(o, "post_hook",
					   fp__rj_strv_json(job->post_hook,
						     job->n_post_hook));
	bad |= json_object_set_new(
		o, "reboot", json_string(fp_reboot_policy_name(job->reboot)));
	if (job->deadline)
		bad |= fp__rj_set_time(o, "deadline", job->deadline);
	if (job->window_start)
		bad |= fp__rj_set_time(o, "window_start", job->window_start);
	if (job->window_end)
		bad |= fp__rj_set_time(o, "window_end", job->window_end);
	bad |= json_object_set_new(o, "allow_deferrals",
				   json_integer(job->allow_deferrals));
	if (job->defer_seconds)
		bad |= json_object_set_new(o, "defer_seconds",
					   json_integer(job->defer_seconds));
	if (job->hook_timeout)
		bad |= json_object_set_new(o, "hook_timeout",
					   json_integer(job->hook_timeout));
	if (job->rollback_on_failure)
		bad |= json_object_set_new(o, "rollback_on_failure",
					   json_true());
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int packages_from_json(const json_t *o, struct fp_job *job,
			      struct fp_diag *d)
{
	const json_t *a = NULL;
	char where[64];
	int rc;

	rc = fp__rj_array(o, "packages", NULL, true, FP_JOB_MAX_PACKAGES, d,
			  &a);
	if (rc)
		return rc;
	job->n_packages = json_array_size(a);
	if (!job->n_packages)
		return 0;
	job->packages = fp_arena_calloc(&job->arena, job->n_packages,
					sizeof(*job->packages));
	if (!job->packages)
		return fp__rj_fail(d, FP_ENOMEM, NULL, "packages",
				   "out of memory");
	for (size_t i = 0; i < job->n_packages; i++) {
		const json_t *p = json_array_get(a, i);
		fp__rj_path(where, sizeof(where), NULL, "packages", (long)i);
		if ((rc = fp__rj_object(p, where, d)) ||
		    (rc = fp__rj_str(p, "name", where, true, 255, &job->arena,
				     d, &job->packages[i].name)) ||
		    (rc = fp__rj_str(p, "version", where, false, 255,
				     &job->arena, d,
				     &job->packages[i].version)))
			return rc;
	}
	return 0;
}

int fp_job_from_json(const json_t *j, struct fp_job *job, struct fp_diag *d)
{
	const char *nonce = NULL;
	int64_t allow = 0;
	int action = 0, reboot = 0;
	int rc;

	if ((rc = fp__rj_object(j, "", d)) ||
	    (rc = fp__rj_int(j, "job_id", NULL, true, 1, INT64_MAX, d,
			     &job->job_id)) ||
	    (rc = fp__rj_int(j, "host_id", NULL, true, 1, INT64_MAX, d,
			     &job->host_id)) ||
	    (rc = fp__rj_int(j, "deployment_id", NULL, true, 0, INT64_MAX, d,
			     &job->deployment_id)) ||
	    (rc = fp__rj_time(j, "issued_at", NULL, true, d,
			      &job->issued_at)) ||
	    (rc = fp__rj_time(j, "expires_at", NULL, true, d,
			      &job->expires_at)) ||
	    (rc = fp__rj_str(j, "nonce", NULL, true, FP_JOB_NONCE_HEX - 1,
			     NULL, d, &nonce)) ||
	    (rc = fp__rj_enum(j, "action", NULL, true, action_names,
			      FP_ARRAY_SIZE(action_names), d, &action)) ||
	    (rc = fp__rj_enum(j, "reboot", NULL, true, reboot_names,
			      FP_ARRAY_SIZE(reboot_names), d, &reboot)) ||
	    (rc = fp__rj_time(j, "deadline", NULL, false, d,
			      &job->deadline)) ||
	    (rc = fp__rj_time(j, "window_start", NULL, false, d,
			      &job->window_start)) ||
	    (rc = fp__rj_time(j, "window_end", NULL, false, d,
			      &job->window_end)) ||
	    (rc = fp__rj_int(j, "defer_seconds", NULL, false, 0, 7 * 86400,
			     d, &job->defer_seconds)) ||
	    (rc = fp__rj_int(j, "hook_timeout", NULL, false, 0, 86400, d,
			     &job->hook_timeout)) ||
	    (rc = fp__rj_bool(j, "rollback_on_failure", NULL, false, d,
			      &job->rollback_on_failure)) ||
	    (rc = fp__rj_int(j, "allow_deferrals", NULL, false, 0, 100, d,
			     &allow)) ||
	    (rc = packages_from_json(j, job, d)) ||
	    (rc = fp__rj_strv(j, "pre_hook", FP_JOB_MAX_HOOK_ARGS,
			      HOOK_ARG_MAX, &job->arena, d, &job->pre_hook,
			      &job->n_pre_hook)) ||
	    (rc = fp__rj_strv(j, "post_hook", FP_JOB_MAX_HOOK_ARGS,
			      HOOK_ARG_MAX, &job->arena, d, &job->post_hook,
			      &job->n_post_hook)))
		return rc;
	memcpy(job->nonce, nonce, strlen(nonce) + 1);
	job->action = (enum fp_job_action)action;
	job->reboot = (enum fp_reboot_policy)reboot;
	job->allow_deferrals = (int)allow;
	return fp_job_validate(job, d);
}

/* The signed message: domain prefix + payload bytes. */
static char *signed_message(const char *payload, size_t len, size_t *ret_len)
{
	size_t plen = sizeof(SIG_DOMAIN) - 1;
	char *m = fp_malloc(plen + len + 1);

	if (!m)
		return NULL;
	memcpy(m, SIG_DOMAIN, plen);
	memcpy(m + plen, payload, len);
	m[plen + len] = '\0';
	*ret_len = plen + len;
	return m;
}

int fp_job_sign(const struct fp_job *job, const struct fp_sign_key *key,
		struct fp_diag *d, json_t **ret_envelope)
{
	char sig[FP_SIGN_SIG_B64];
	json_t *payload = NULL, *env = NULL;
	char *text = NULL, *msg = NULL;
	size_t msg_len;
	int rc;

	rc = fp_job_validate(job, d);
	if (rc)
		return rc;
	rc = FP_ENOMEM;
	payload = fp_job_to_json(job);
	if (!payload)
		goto out;
	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		goto out;
	if (strlen(text) > FP_JOB_MAX_BYTES) {
		rc = fp__rj_fail(d, FP_ETOOBIG, NULL, "payload",
				 "job larger than %zu bytes", FP_JOB_MAX_BYTES);
		goto out;
	}
	msg = signed_message(text, strlen(text), &msg_len);
	if (!msg)
		goto out;
	rc = fp_sign(key, msg, msg_len, sig);
	if (rc)
		goto out;
	rc = FP_ENOMEM;
	env = json_pack("{s:s, s:s}", "payload", text, "signature", sig);
	if (!env)
		goto out;
	*ret_envelope = env;
	rc = 0;
out:
	fp_free(msg);
	free(text); /* jansson's allocator */
	json_decref(payload);
	return rc;
}

void fp_job_seen_init(struct fp_job_seen *s)
{
	memset(s, 0, sizeof(*s));
}

void fp_job_seen_release(struct fp_job_seen *s)
{
	if (!s)
		return;
	fp_free(s->v);
	fp_job_seen_init(s);
}

void fp_job_seen_prune(struct fp_job_seen *s, time_t now)
{
	size_t w = 0;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].expires_at > now)
			s->v[w++] = s->v[i];
	s->n = w;
}

bool fp_job_seen_contains(const struct fp_job_seen *s, const char *nonce,
			  int64_t job_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].job_id == job_id || strcmp(s->v[i].nonce, nonce) == 0)
			return true;
	return false;
}

static int seen_push(struct fp_job_seen *s, const char *nonce, int64_t job_id,
		     time_t expires_at)
{
	if (s->n >= FP_JOB_SEEN_MAX)
		return FP_ETOOBIG;
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 16;
		void *nv = fp_reallocarray(s->v, na, sizeof(*s->v));
		if (!nv)
			return FP_ENOMEM;
		s->v = nv;
		s->alloc = na;
	}
	memcpy(s->v[s->n].nonce, nonce, FP_JOB_NONCE_HEX);
	s->v[s->n].nonce[FP_JOB_NONCE_HEX - 1] = '\0';
	s->v[s->n].job_id = job_id;
	s->v[s->n].expires_at = expires_at;
	s->n++;
	return 0;
}

int fp_job_seen_add(struct fp_job_seen *s, const struct fp_job *job)
{
	return seen_push(s, job->nonce, job->job_id, job->expires_at);
}

json_t *fp_job_seen_to_json(const struct fp_job_seen *s)
{
	json_t *a = json_array(), *o;

	for (size_t i = 0; a && i < s->n; i++) {
		o = json_object();
		if (!o || json_array_append_new(a, o) ||
		    json_object_set_new(o, "nonce", json_string(s->v[i].nonce)) ||
		    json_object_set_new(o, "job_id",
					json_integer(s->v[i].job_id)) ||
		    fp__rj_set_time(o, "expires_at", s->v[i].expires_at)) {
			json_decref(a);
			return NULL;
		}
	}
	return a ? json_pack("{s:o}", "seen", a) : NULL;
}

int fp_job_seen_from_json(const json_t *j, struct fp_job_seen *s,
			  struct fp_diag *d)
{
	struct fp_job_seen tmp;
	const json_t *a = NULL;
	char where[64];
	int rc;

	fp_job_seen_init(&tmp);
	if ((rc = fp__rj_object(j, "", d)) ||
	    (rc = fp__rj_array(j, "seen", NULL, true, FP_JOB_SEEN_MAX, d, &a)))
		return rc;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		const char *nonce = NULL;
		int64_t id = 0;
		time_t exp = 0;

		fp__rj_path(where, sizeof(where), NULL, "seen", (long)i);
		if ((rc = fp__rj_object(e, where, d)) ||
		    (rc = fp__rj_str(e, "nonce", where, true,
				     FP_JOB_NONCE_HEX - 1, NULL, d, &nonce)) ||
		    (rc = fp__rj_int(e, "job_id", where, true, 1, INT64_MAX, d,
				     &id)) ||
		    (rc = fp__rj_time(e, "expires_at", where, true, d, &exp)))
			goto fail;
		if (!nonce_ok(nonce)) {
			rc = fp__rj_fail(d, FP_EINVAL, where, "nonce",
					 "must be 32 lowercase hex characters");
			goto fail;
		}
		rc = seen_push(&tmp, nonce, id, exp);
		if (rc)
			goto fail;
	}
	fp_job_seen_release(s);
	*s = tmp;
	return 0;
fail:
	fp_job_seen_release(&tmp);
	return rc;
}

int fp_job_verify(const json_t *env, const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		  int64_t host_id, time_t now, struct fp_job_seen *seen,
		  struct fp_diag *d, struct fp_job *job)
{
	const json_t *payload, *sig;
	json_t *obj = NULL;
	json_error_t jerr;
	char *msg = NULL;
	size_t msg_len;
	int rc;

	payload = json_object_get(env, "payload");
	sig = json_object_get(env, "signature");
	if (!json_is_object(env) || !json_is_string(payload))
		return fp_diag_set(d, FP_ESIG, 0, 0,
				   "job refused: not a signed job envelope");
	if (!json_is_string(sig))
		return fp_diag_set(d, FP_ESIG, 0, 0,
				   "job refused: unsigned");
	if (json_string_length(payload) > FP_JOB_MAX_BYTES)
		return fp_diag_set(d, FP_ETOOBIG, 0, 0,
				   "job refused: payload larger than %zu bytes",
				   FP_JOB_MAX_BYTES);
	msg = signed_message(json_string_value(payload),
			     json_string_length(payload), &msg_len);
	if (!msg)
		return FP_ENOMEM;
	rc = fp_sign_verify(pk, msg, msg_len, json_string_value(sig));
	fp_free(msg);
	if (rc)
		return fp_diag_set(d, FP_ESIG, 0, 0,
				   "job refused: signature does not verify (tampered or not from this server)");
	obj = json_loadb(json_string_value(payload),
			 json_string_length(payload),
			 JSON_REJECT_DUPLICATES, &jerr);
	if (!obj)
		return fp_diag_set(d, FP_EINVAL, 0, 0,
				   "job refused: signed payload is not JSON: %s",
				   jerr.text);
	rc = fp_job_from_json(obj, job, d);
	json_decref(obj);
	if (rc)
		goto fail;
	if (job->host_id != host_id) {
		rc = fp_diag_set(d, FP_EPERM, 0, 0,
				 "job refused: job %lld is for host %lld, not this host (%lld)",
				 (long long)job->job_id,
				 (long long)job->host_id, (long long)host_id);
		goto fail;
	}
	if (now >= job->expires_at) {
		rc = fp_diag_set(d, FP_ETIMEDOUT, 0, 0,
				 "job refused: job %lld expired",
				 (long long)job->job_id);
		goto fail;
	}
	if ((int64_t)job->issued_at - (int64_t)now > FP_JOB_MAX_SKEW) {
		rc = fp_diag_set(d, FP_ETIMEDOUT, 0, 0,
				 "job refused: job %lld issued in the future (clock skew?)",
				 (long long)job->job_id);
		goto fail;
	}
	if (seen) {
		fp_job_seen_prune(seen, now);
		if (fp_job_seen_contains(seen, job->nonce, job->job_id)) {
			rc = fp_diag_set(d, FP_ECONFLICT, 0, 0,
					 "job refused: job %lld replayed",
					 (long long)job->job_id);
			goto fail;
		}
		rc = fp_job_seen_add(seen, job);
		if (rc) {
			fp_diag_set(d, rc, 0, 0,
				    "job refused: replay store full");
			goto fail;
		}
	}
	return 0;
fail:
	fp_job_release(job);
	return rc;
}

int fp_job_verify_text(const char *text, size_t len,
		       const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		       int64_t host_id, time_t now, struct fp_job_seen *seen,
		       struct fp_diag *d, struct fp_job *job)
{
	json_error_t jerr;
	json_t *env;
	int rc;

	if (len > FP_JOB_MAX_BYTES * 2 + 4096)
		return fp_diag_set(d, FP_ETOOBIG, 0, 0,
				   "job refused: envelope too large");
	env = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!env)
		return fp_diag_set(d, FP_ESIG, 0, 0,
				   "job refused: envelope is not JSON: %s",
				   jerr.text);
	rc = fp_job_verify(env, pk, host_id, now, seen, d, job);
	json_decref(env);
	return rc;
}

void fp_job_result_init(struct fp_job_result *r)
{
	memset(r, 0, sizeof(*r));
	fp_arena_init(&r->arena, 4096, (size_t)16 << 20);
}

void fp_job_result_release(struct fp_job_result *r)
{
	if (!r)
		return;
	fp_arena_release(&r->arena);
	fp_job_result_init(r);
}

static int set_opt_str(json_t *o, const char *key, const char *v)
{
	return v ? json_object_set_new(o, key, json_string(v)) : 0;
}

json_t *fp_job_result_to_json(const struct fp_job_result *r)
{
	json_t *o = json_object(), *a = json_array();
	int bad = !o || !a;

	for (size_t i = 0; !bad && i < r->n_packages; i++) {
		const struct fp_job_pkg_result *p = &r->packages[i];
		json_t *e = json_object();
		bad |= !e || json_array_append_new(a, e);
		if (bad)
			break;
		bad |= set_opt_str(e, "name", p->name);
		bad |= set_opt_str(e, "old_version", p->old_version);
		bad |= set_opt_str(e, "new_version", p->new_version);
		bad |= set_opt_str(e, "result", p->result);
		bad |= set_opt_str(e, "log_tail", p->log_tail);
	}
	if (bad) {
		json_decref(a);
		json_decref(o);
		return NULL;
	}
	bad |= json_object_set_new(o, "job_id", json_integer(r->job_id));
	bad |= json_object_set_new(o, "status",
				   json_string(fp_job_status_name(r->status)));
	if (r->started_at)
		bad |= fp__rj_set_time(o, "started_at", r->started_at);
	if (r->finished_at)
		bad |= fp__rj_set_time(o, "finished_at", r->finished_at);
	bad |= set_opt_str(o, "message", r->message);
	bad |= json_object_set_new(o, "reboot_required",
				   json_boolean(r->reboot_required));
	bad |= json_object_set_new(o, "deferrals_used",
				   json_integer(r->deferrals_used));
	bad |= json_object_set_new(o, "packages", a);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int fp_job_result_from_json(const json_t *j, struct fp_job_result *r,
			    struct fp_diag *d)
{
	const json_t *a = NULL;
	int64_t defer = 0;
	int status = 0, dummy;
	char where[64];
	int rc;

	if ((rc = fp__rj_object(j, "", d)) ||
	    (rc = fp__rj_int(j, "job_id", NULL, true, 1, INT64_MAX, d,
			     &r->job_id)) ||
	    (rc = fp__rj_enum(j, "status", NULL, true, status_names,
			      FP_ARRAY_SIZE(status_names), d, &status)) ||
	    (rc = fp__rj_time(j, "started_at", NULL, false, d,
			      &r->started_at)) ||
	    (rc = fp__rj_time(j, "finished_at", NULL, false, d,
			      &r->finished_at)) ||
	    (rc = fp__rj_str(j, "message", NULL, false, MESSAGE_MAX,
			     &r->arena, d, &r->message)) ||
	    (rc = fp__rj_bool(j, "reboot_required", NULL, false, d,
			      &r->reboot_required)) ||
	    (rc = fp__rj_int(j, "deferrals_used", NULL, false, 0, 100, d,
			     &defer)) ||
	    (rc = fp__rj_array(j, "packages", NULL, false,
			       FP_JOB_MAX_PACKAGES, d, &a)))
		return rc;
	r->status = (enum fp_job_status)status;
	r->deferrals_used = (int)defer;
	r->n_packages = a ? json_array_size(a) : 0;
	if (r->n_packages) {
		r->packages = fp_arena_calloc(&r->arena, r->n_packages,
					      sizeof(*r->packages));
		if (!r->packages)
			return fp_diag_set(d, FP_ENOMEM, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < r->n_packages; i++) {
		struct fp_job_pkg_result *p = &r->packages[i];
		const json_t *e = json_array_get(a, i);
		fp__rj_path(where, sizeof(where), NULL, "packages", (long)i);
		if ((rc = fp__rj_object(e, where, d)) ||
		    (rc = fp__rj_str(e, "name", where, true, 255, &r->arena, d,
				     &p->name)) ||
		    (rc = fp__rj_str(e, "old_version", where, false, 255,
				     &r->arena, d, &p->old_version)) ||
		    (rc = fp__rj_str(e, "new_version", where, false, 255,
				     &r->arena, d, &p->new_version)) ||
		    (rc = fp__rj_enum(e, "result", where, true,
				      pkg_result_names,
				      FP_ARRAY_SIZE(pkg_result_names), d,
				      &dummy)) ||
		    (rc = fp__rj_str(e, "log_tail", where, false,
				     FP_JOB_LOG_TAIL, &r->arena, d,
				     &p->log_tail)))
			return rc;
		p->result = pkg_result_names[dummy];
		if (!fp_job_name_is_valid(p->name))
			return fp__rj_fail(d, FP_EINVAL, where, "name",
					   "invalid package name");
	}
	return 0;
}
