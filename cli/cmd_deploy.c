/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch deploy [list] [--json]
 * fleetpatch deploy create --rings R1,R2 (--security | --all |
 *     --package NAME[=VERSION]... | --cve CVE-...) [--name TEXT]
 *     [--deadline 14d|TIME] [--pre-hook PATH|JSON-ARGV]
 *     [--post-hook PATH|JSON-ARGV] [--deferrals N] [--json]
 * fleetpatch deploy show ID [--json]        per ring and per host
 * fleetpatch deploy approve|pause|resume ID [--json]
 * fleetpatch deploy cancel ID [--reason TEXT] [--json]
 * fleetpatch deploy retry ID [--host ID]... [--json]
 * fleetpatch deploy rollback ID [--ring R] [--host ID|NAME]... [--json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "opt.h"
#include "rollout_cli.h"

#define DEPLOY_USAGE                                                         \
	"deploy [list] [--json] | create --rings R1,R2 (--security | --all | " \
	"--package NAME[=VERSION]... | --cve ID...) [--name TEXT] "            \
	"[--deadline D|TIME] [--pre-hook PATH|ARGV-JSON] [--post-hook "        \
	"PATH|ARGV-JSON] [--deferrals N] [--json] | show ID [--json] | "       \
	"approve|pause|resume ID [--json] | cancel ID [--reason TEXT] "        \
	"[--json] | retry ID [--host ID]... [--json] | rollback ID [--ring R] " \
	"[--host ID]... [--json]"

static const struct cli_col cols[] = {
	{ "ID", "id" },		   { "NAME", "name" },
	{ "STATE", "state" },	   { "HOSTS", "hosts_total" },
	{ "CREATED_BY", "created_by" }, { "CREATED", "created_at" },
	{ "DEADLINE", "deadline" }, { "REASON", "reason" },
};

/* A hook: a JSON argv array, or one absolute path. */
static json_t *hook_value(const char *s)
{
	json_error_t jerr;

	if (s[0] == '[')
		return json_loads(s, 0, &jerr);
	return json_pack("[s]", s);
}

static json_t *split_list(const char *s)
{
	json_t *a = json_array();
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); a && p;
	     p = strtok_r(NULL, ",", &save))
		json_array_append_new(a, json_string(p));
	return a;
}

static int deploy_create(struct cli_ctx *ctx, int argc, char **argv)
{
	json_t *body = json_object(), *pkgs = json_array(), *cves = json_array();
	json_t *resp = NULL;
	const char *selector = NULL;
	bool json = false;
	int rc = 2;

	if (!body || !pkgs || !cves) {
		rc = cli_fail(1, "out of memory");
		goto out;
	}
	for (int i = 2; i < argc; i++) {
		const char *v = NULL;
		int m = 0;

		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		else if (!strcmp(argv[i], "--security"))
			selector = "security", m = 1;
		else if (!strcmp(argv[i], "--all"))
			selector = "all", m = 1;
		if (!m && (m = fp_opt_value(argc, argv, &i, "--package", &v)) == 1) {
			const char *eq = strchr(v, '=');
			json_t *p = eq ? json_pack("{s:s%, s:s}", "name", v,
						   (size_t)(eq - v), "version", eq + 1)
				       : json_pack("{s:s}", "name", v);
			json_array_append_new(pkgs, p);
			selector = "packages";
		}
		if (!m && (m = fp_opt_value(argc, argv, &i, "--cve", &v)) == 1) {
			json_array_append_new(cves, json_string(v));
			selector = "cves";
		}
		if (!m && (m = fp_opt_value(argc, argv, &i, "--rings", &v)) == 1)
			json_object_set_new(body, "rings", split_list(v));
		if (!m && (m = fp_opt_value(argc, argv, &i, "--name", &v)) == 1)
			json_object_set_new(body, "name", json_string(v));
		if (!m && (m = fp_opt_value(argc, argv, &i, "--deadline", &v)) == 1)
			json_object_set_new(body, "deadline", json_string(v));
		if (!m && (m = fp_opt_value(argc, argv, &i, "--pre-hook", &v)) == 1)
			json_object_set_new(body, "pre_hook", hook_value(v));
		if (!m && (m = fp_opt_value(argc, argv, &i, "--post-hook", &v)) == 1)
			json_object_set_new(body, "post_hook", hook_value(v));
		if (!m && (m = fp_opt_value(argc, argv, &i, "--deferrals", &v)) == 1)
			json_object_set_new(body, "allow_deferrals",
					    json_integer(strtol(v, NULL, 10)));
		if (m <= 0) {
			rc = cli_usage(false, DEPLOY_USAGE);
			goto out;
		}
	}
	if (!selector || !json_object_get(body, "rings")) {
		rc = cli_fail(2, "deploy create needs --rings and one of --security, --all, --package, --cve");
		goto out;
	}
	json_object_set_new(body, "what",
			    json_pack("{s:s, s:O, s:O}", "selector", selector,
				      "packages", pkgs, "cves", cves));
	rc = cli_call(ctx, "POST", "/deployments", body, &resp);
	if (rc == 0) {
		if (json)
			rc = cli_print_json(resp);
		else
			printf("created deployment %lld (%s)\n",
			       (long long)json_integer_value(json_object_get(resp, "id")),
			       json_string_value(json_object_get(resp, "state")));
	}
out:
	json_decref(resp);
	json_decref(pkgs);
	json_decref(cves);
	json_decref(body);
	return rc;
}

static void print_show(const json_t *d)
{
	static const struct cli_col ring_cols[] = {
		{ "RING", "name" },	   { "STATE", "state" },
		{ "STARTED", "started_at" }, { "SOAK_FROM", "soak_started_at" },
		{ "THRESHOLD", "success_threshold" }, { "WINDOW", "window" },
	};
	static const struct cli_col host_cols[] = {
		{ "HOST", "host_id" },	{ "RING", "ring_name" },
		{ "STATE", "state" },	{ "JOB", "job_id" },
		{ "ATTEMPTS", "attempts" }, { "UPDATED", "updated_at" },
		{ "ROLLBACK", "rollback_state" },
	};
	const json_t *rings = json_object_get(d, "rings");
	json_t *rrows = json_array(), *hrows = json_array();
	size_t i;
	json_t *v;

	printf("deployment %lld: %s  state %s%s%s\n",
	       (long long)json_integer_value(json_object_get(d, "id")),
	       json_string_value(json_object_get(d, "name")),
	       json_string_value(json_object_get(d, "state")),
	       json_string_length(json_object_get(d, "reason")) ? "  reason: " : "",
	       json_string_value(json_object_get(d, "reason")));
	json_array_foreach(rings, i, v) {
		json_t *r = json_deep_copy(v), *c = json_object_get(v, "counts");
		/* per-ring counts as columns */
		const char *k;
		json_t *n;
		json_object_foreach(c, k, n)
			json_object_set(r, k, n);
		json_array_append_new(rrows, r);
	}
	{
		static const struct cli_col count_cols[] = {
			{ "PENDING", "pending" },   { "SENT", "sent" },
			{ "RUNNING", "running" },   { "OK", "succeeded" },
			{ "FAILED", "failed" },	    { "ROLLED_BACK", "rolled_back" },
			{ "SKIPPED", "skipped" },   { "DEFERRED", "deferred" },
		};
		struct cli_col all[FP_ARRAY_SIZE(ring_cols) + FP_ARRAY_SIZE(count_cols)];
		memcpy(all, ring_cols, sizeof(ring_cols));
		memcpy(all + FP_ARRAY_SIZE(ring_cols), count_cols, sizeof(count_cols));
		cli_print_table(rrows, all, FP_ARRAY_SIZE(all));
	}
	json_array_foreach(json_object_get(d, "hosts"), i, v) {
		json_t *h = json_deep_copy(v);
		json_t *r = json_array_get(rings, (size_t)json_integer_value(
							  json_object_get(v, "ring")));
		json_object_set(h, "ring_name", json_object_get(r, "name"));
		json_object_set(h, "rollback_state",
				json_object_get(json_object_get(v, "rollback"), "state"));
		json_array_append_new(hrows, h);
	}
	if (json_array_size(hrows)) {
		printf("\n");
		cli_print_table(hrows, host_cols, FP_ARRAY_SIZE(host_cols));
	}
	/* Why a job or a rollback did not succeed, in the agent's words. */
	json_array_foreach(json_object_get(d, "hosts"), i, v) {
		const json_t *rb = json_object_get(v, "rollback");
		const char *st = json_string_value(json_object_get(v, "state"));
		const char *m = json_string_value(json_object_get(
			json_object_get(v, "result"), "message"));
		if (m && st && strcmp(st, "succeeded"))
			printf("host %lld: %s: %s\n",
			       (long long)json_integer_value(json_object_get(v, "host_id")),
			       st, m);
		m = json_string_value(json_object_get(rb, "message"));
		st = json_string_value(json_object_get(rb, "state"));
		/* when the agent's message names the outcome, it alone is shown */
		if (m && st && strcmp(st, "rolled_back")) {
			long long id = json_integer_value(json_object_get(v, "host_id"));
			if (strncmp(m, "rollback ", 9))
				printf("host %lld: rollback %s: %s\n", id, st, m);
			else
				printf("host %lld: %s\n", id, m);
		}
	}
	json_decref(rrows);
	json_decref(hrows);
}

static void print_rollback(const json_t *resp)
{
	const json_t *e, *p;
	size_t i, k;

	json_array_foreach(json_object_get(resp, "rollbacks"), i, e) {
		printf("host %lld: rollback job %lld:",
		       (long long)json_integer_value(json_object_get(e, "host_id")),
		       (long long)json_integer_value(json_object_get(e, "job_id")));
		json_array_foreach(json_object_get(e, "packages"), k, p)
			printf("%s %s -> %s", k ? "," : "",
			       json_string_value(json_object_get(p, "name")),
			       json_string_value(json_object_get(p, "version")));
		printf("\n");
	}
	json_array_foreach(json_object_get(resp, "nothing_to_roll_back"), i, e)
		printf("host %lld: nothing to roll back: %s\n",
		       (long long)json_integer_value(json_object_get(e, "host_id")),
		       json_string_value(json_object_get(e, "reason")));
}

/* show ID, and the actions: POST /deployments/ID/ACTION */
static int deploy_one(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *sub = argv[1], *v;
	json_t *body = json_object(), *hosts = json_array(), *resp = NULL;
	bool json = false, show = !strcmp(sub, "show");
	struct fp_buf path;
	char suffix[32];
	int rc = 2;

	fp_buf_init(&path, 4096);
	for (int i = 3; i < argc; i++) {
		int m = 0;
		if (!strcmp(argv[i], "--json"))
			json = true, m = 1;
		if (!m && !strcmp(sub, "cancel") &&
		    (m = fp_opt_value(argc, argv, &i, "--reason", &v)) == 1)
			json_object_set_new(body, "reason", json_string(v));
		if (!m && !strcmp(sub, "rollback") &&
		    (m = fp_opt_value(argc, argv, &i, "--ring", &v)) == 1)
			json_object_set_new(body, "ring", json_string(v));
		if (!m && (!strcmp(sub, "retry") || !strcmp(sub, "rollback")) &&
		    (m = fp_opt_value(argc, argv, &i, "--host", &v)) == 1) {
			long long id;
			if ((rc = cli_host_id(ctx, v, &id)))
				goto out;
			json_array_append_new(hosts, json_integer(id));
		}
		if (m <= 0) {
			rc = cli_usage(false, DEPLOY_USAGE);
			goto out;
		}
	}
	if (json_array_size(hosts))
		json_object_set(body, "hosts", hosts);
	snprintf(suffix, sizeof(suffix), "/%s", show ? "" : sub);
	if (cli_path(&path, "/deployments/", argv[2], show ? "" : suffix)) {
		rc = cli_fail(2, "deployment id too long");
		goto out;
	}
	rc = cli_call(ctx, show ? "GET" : "POST", path.data, show ? NULL : body,
		      &resp);
	if (rc)
		goto out;
	if (json)
		rc = cli_print_json(resp);
	else if (show)
		print_show(resp);
	else if (!strcmp(sub, "rollback"))
		print_rollback(resp);
	else
		printf("deployment %s: %s\n", argv[2],
		       json_string_value(json_object_get(resp, "state")));
out:
	fp_buf_release(&path);
	json_decref(resp);
	json_decref(hosts);
	json_decref(body);
	return rc;
}

int cmd_deploy(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const one[] = { "show", "approve", "pause",
					   "resume", "cancel", "retry",
					   "rollback" };
	const char *sub = argc >= 2 ? argv[1] : "list";
	int rc;

	if (cli_list_or_help(ctx, argc, argv, "/deployments", cols, FP_ARRAY_SIZE(cols),
			     DEPLOY_USAGE, &rc))
		return rc;
	if (!strcmp(sub, "create"))
		return deploy_create(ctx, argc, argv);
	for (size_t i = 0; i < FP_ARRAY_SIZE(one); i++)
		if (!strcmp(sub, one[i]) && argc >= 3)
			return deploy_one(ctx, argc, argv);
	return cli_usage(false, DEPLOY_USAGE);
}
