/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-agent apply --job FILE [--key PUBKEY_B64] [--state-dir DIR]
 *     [--root DIR] [--backend apt|dnf|zypper|pacman] [--json]
 *     [--lock-wait SECONDS] [--reboot-command PATH] [--host-id N]
 * fleetpatch-agent apply --recover [--state-dir DIR] [--root DIR] [--json]
 * fleetpatch-agent apply --offer --job FILE [--state-dir DIR]
 *
 * Apply a signed job file without a server: patch an offline image under
 * --root, or test a job.  The job is verified like one received at
 * check-in (pinned key from the state dir, or --key), then run.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "fleetpatch/job.h"
#include "fleetpatch/util.h"
#include "jobs.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fleetpatch-agent apply --job FILE [--key PUBKEY_B64] [--state-dir DIR]\n"
		"           [--root DIR] [--backend apt|dnf|zypper|pacman] [--json]\n"
		"           [--lock-wait SECONDS] [--reboot-command PATH] [--host-id N]\n"
		"       fleetpatch-agent apply --recover [--state-dir DIR] [--root DIR] [--json]\n"
		"       fleetpatch-agent apply --offer --job FILE [--state-dir DIR] [--json]\n");
}

static void print_result(const json_t *res, bool as_json)
{
	size_t i;
	json_t *p;
	const char *s;

	if (as_json) {
		char *out = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (out)
			printf("%s\n", out);
		free(out);
		return;
	}
	printf("job %lld: %s\n",
	       (long long)json_integer_value(json_object_get(res, "job_id")),
	       json_string_value(json_object_get(res, "status")) ?: "?");
	json_array_foreach(json_object_get(res, "packages"), i, p)
		printf("  %-30s %s -> %s  %s\n",
		       json_string_value(json_object_get(p, "name")),
		       json_string_value(json_object_get(p, "old_version")) ?: "(none)",
		       json_string_value(json_object_get(p, "new_version")) ?: "(none)",
		       json_string_value(json_object_get(p, "result")));
	json_array_foreach(json_object_get(res, "found"), i, p)
		printf("  found: %s\n", json_string_value(p));
	if (json_object_get(res, "repaired"))
		printf("  repaired: %s\n",
		       json_is_true(json_object_get(res, "repaired")) ? "yes" : "no");
	if ((s = json_string_value(json_object_get(res, "message"))))
		printf("  %s\n", s);
	if (json_is_true(json_object_get(res, "rolled_back")))
		printf("  rolled back to the previous versions\n");
	if (json_is_true(json_object_get(res, "reboot_required")))
		printf("  reboot required (%s)\n",
		       json_string_value(json_object_get(res, "reboot_action")));
	if (strcmp(json_string_value(json_object_get(res, "status")) ?: "",
		   "succeeded") &&
	    (s = json_string_value(json_object_get(res, "log_tail"))) && *s)
		printf("  log tail:\n%s\n", s);
}

static bool is_refusal(int r)
{
	return r == FP_ESIG || r == FP_EINVAL || r == FP_ETOOBIG ||
	       r == FP_ETIMEDOUT || r == FP_ECONFLICT || r == FP_EPERM;
}

static void print_error(int r, const struct fp_diag *diag)
{
	char where[300];

	fp_diag_format(diag, where, sizeof(where));
	fprintf(stderr, "fleetpatch-agent apply: %s%s\n",
		is_refusal(r) && !strstr(where, "refused") ? "job refused: " : "",
		where);
}

/* --offer: record the job as pending and tell logged-in users, no more. */
static int offer(const struct fp_buf *doc, const struct agent_apply_opts *o,
		 struct fp_diag *diag, bool as_json)
{
	struct fp_job job;
	char t[32] = "none";
	int r;

	fp_job_init(&job);
	r = agent_job_verify(doc->data, doc->len, o, &job, diag);
	if (r == 0)
		r = agent_job_offer(o->state_dir, &job, time(NULL), -1);
	if (r) {
		if (!diag->msg[0])
			fp_diag_set(diag, r, 0, 0, "%s", fp_strerror(r));
		print_error(r, diag);
		fp_job_release(&job);
		return is_refusal(r) ? 2 : 1;
	}
	if (job.deadline)
		fp_time_rfc3339(job.deadline, t);
	if (as_json)
		printf("{\"job_id\": %lld, \"deadline\": %s%s%s, \"allow_deferrals\": %d}\n",
		       (long long)job.job_id, job.deadline ? "\"" : "", job.deadline ? t : "null",
		       job.deadline ? "\"" : "", job.allow_deferrals);
	else
		printf("job %lld offered: deadline %s, %d deferral%s allowed\n",
		       (long long)job.job_id, t, job.allow_deferrals,
		       job.allow_deferrals == 1 ? "" : "s");
	fp_job_release(&job);
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "job", required_argument, NULL, 'j' },
		{ "key", required_argument, NULL, 'k' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "backend", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'J' },
		{ "lock-wait", required_argument, NULL, 'l' },
		{ "reboot-command", required_argument, NULL, 'R' },
		{ "recover", no_argument, NULL, 'c' },
		{ "host-id", required_argument, NULL, 'H' },
		{ "offer", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent_apply_opts o = { 0 };
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	const char *job_file = NULL, *key = NULL;
	const char *reboot_argv[2] = { NULL, NULL };
	bool as_json = false, recover_only = false, offer_only = false;
	struct fp_diag diag;
	struct fp_buf doc;
	json_t *res = NULL, *rep = NULL;
	const char *s;
	int c, r, rc = 1;

	o.state_dir = AGENT_DEFAULT_STATE_DIR;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': job_file = optarg; break;
		case 'k': key = optarg; break;
		case 's': o.state_dir = optarg; break;
		case 'r': o.root = optarg; break;
		case 'b': o.backend = optarg; break;
		case 'J': as_json = true; break;
		case 'c': recover_only = true; break;
		case 'O': offer_only = true; break;
		case 'H': {
			char *end;
			long long v = strtoll(optarg, &end, 10);
			if (*end || end == optarg || v <= 0) {
				fprintf(stderr, "fleetpatch-agent apply: --host-id: not a positive integer: %s\n",
					optarg);
				return 2;
			}
			o.host_id = v;
			break;
		}
		case 'l': {
			int64_t secs;
			if (fp_duration_parse(optarg, &secs) || secs < 0 ||
			    secs > 86400) {
				fprintf(stderr, "fleetpatch-agent apply: --lock-wait: not a duration up to 1d: %s\n",
					optarg);
				return 2;
			}
			o.lock_wait_s = (unsigned)secs;
			break;
		}
		case 'R':
			if (optarg[0] != '/') {
				fprintf(stderr, "fleetpatch-agent apply: --reboot-command must be an absolute path\n");
				return 2;
			}
			reboot_argv[0] = optarg;
			o.reboot_argv = reboot_argv;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (!job_file && !recover_only)) {
		usage(stderr);
		return 2;
	}
	if (o.root && o.root[0] != '/') {
		fprintf(stderr, "fleetpatch-agent apply: --root must be an absolute path\n");
		return 2;
	}
	if (o.backend && strcmp(o.backend, "apt") && strcmp(o.backend, "dnf") &&
	    strcmp(o.backend, "zypper") && strcmp(o.backend, "pacman")) {
		fprintf(stderr, "fleetpatch-agent apply: unknown backend '%s'\n",
			o.backend);
		return 2;
	}
	if (key) {
		if (fp_sign_public_from_b64(key, pk)) {
			fprintf(stderr, "fleetpatch-agent apply: --key: not a base64 ed25519 public key\n");
			return 2;
		}
		o.pk = pk;
	}
	if (fp_sign_global_init()) {
		fprintf(stderr, "fleetpatch-agent apply: cannot initialise libsodium\n");
		return 1;
	}
	if ((r = fp_mkdir_p(o.state_dir, 0700))) {
		fprintf(stderr, "fleetpatch-agent apply: %s: cannot create: %s\n",
			o.state_dir, fp_strerror(r));
		return 1;
	}

	/* An earlier run that was killed is found and repaired first. */
	r = agent_jobs_recover(&o, &rep);
	if (r == FP_EBUSY) {
		fprintf(stderr, "fleetpatch-agent apply: another job is running on this host\n");
		return 1;
	}
	if (r && r != FP_EUNSUPPORTED)
		fprintf(stderr, "fleetpatch-agent apply: checking for an interrupted run: %s\n",
			fp_strerror(r));
	if (rep) {
		if (!as_json || recover_only)
			print_result(rep, as_json);
		if (!as_json)
			fprintf(stderr, "fleetpatch-agent apply: an interrupted run was found%s\n",
				json_is_true(json_object_get(rep, "repaired"))
					? " and repaired" : "");
	}
	if (recover_only) {
		if (!rep && as_json)
			printf("null\n");
		else if (!rep)
			printf("no interrupted run found\n");
		rc = rep && !json_is_true(json_object_get(rep, "repaired")) ? 1 : 0;
		json_decref(rep);
		return rc;
	}

	fp_buf_init(&doc, FP_JOB_MAX_BYTES + 4096);
	r = fp_read_file(job_file, &doc);
	if (r) {
		fprintf(stderr, "fleetpatch-agent apply: %s: %s\n", job_file,
			fp_strerror(r == FP_ETOOBIG ? r : r));
		rc = r == FP_ETOOBIG ? 2 : 1;
		goto out;
	}
	fp_diag_init(&diag, job_file);
	if (offer_only) {
		rc = offer(&doc, &o, &diag, as_json);
		goto out;
	}
	r = agent_job_apply_doc(doc.data, doc.len, &o, &res, &diag);
	if (r) {
		print_error(r, &diag);
		rc = is_refusal(r) ? 2 : 1;
		goto out;
	}
	print_result(res, as_json);
	s = json_string_value(json_object_get(res, "status"));
	rc = s && (!strcmp(s, "succeeded") || !strcmp(s, "skipped") ||
		   !strcmp(s, "deferred")) ? 0 : 1;
out:
	json_decref(res);
	json_decref(rep);
	fp_buf_release(&doc);
	return rc;
}
