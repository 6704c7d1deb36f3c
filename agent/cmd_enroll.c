/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-agent enroll --server URL --secret S [--state-dir DIR]
 *                         [--root DIR] [--ca-cert FILE]
 *
 * Sends this machine's identity and inventory with the enrollment secret,
 * stores the per-host credential (0600) and pins the server's public
 * signing key in the state directory (0700).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "fleetpatch/err.h"
#include "fleetpatch/sign.h"
#include "http.h"
#include "opt.h"
#include "state.h"

#define ENROLL_MAX_CREDENTIAL 256

static void usage(FILE *f)
{
	fprintf(f, "usage: fleetpatch-agent enroll --server URL --secret S "
		   "[--state-dir DIR] [--root DIR] [--ca-cert FILE]\n");
}

/* Paths are stored absolute: the daemon may run from another cwd. */
static int absolute(const char *in, char *out, size_t n, bool must_exist)
{
	char tmp[PATH_MAX];

	if (realpath(in, tmp)) {
		if (strlen(tmp) >= n)
			return FP_ETOOBIG;
		memcpy(out, tmp, strlen(tmp) + 1);
		return 0;
	}
	if (must_exist)
		return FP_ENOENT;
	if (strlen(in) >= n)
		return FP_ETOOBIG;
	memcpy(out, in, strlen(in) + 1);
	return 0;
}

static bool credential_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > ENROLL_MAX_CREDENTIAL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-_.~+/=", s[i])))
			return false;
	return true;
}

int cmd_enroll(int argc, char **argv)
{
	const char *server = NULL, *secret = NULL, *root = NULL, *ca = NULL;
	const char *state_dir = AGENT_DEFAULT_STATE_DIR;
	struct agent_config cfg;
	struct fp_http_client c;
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	char hash[65], err[512], old_pk[128], acked[4096];
	json_t *inv = NULL, *req = NULL, *resp = NULL;
	const char *cred, *pub;
	long status = 0;
	int rc = 1, r;

	for (int i = 1; i < argc; i++) {
		int m = 0;
		static const char *const names[] = { "--server", "--secret",
			"--state-dir", "--root", "--ca-cert" };
		const char **dsts[] = { &server, &secret, &state_dir, &root, &ca };

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		for (size_t k = 0; k < 5 && !m; k++)
			m = fp_opt_value(argc, argv, &i, names[k], dsts[k]);
		if (m <= 0) {
			fprintf(stderr, "fleetpatch-agent: enroll: %s '%s'\n",
				m < 0 ? "missing value for" : "unknown argument",
				argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!server || !secret || !*secret) {
		fprintf(stderr, "fleetpatch-agent: enroll: --server and --secret "
				"are required\n");
		usage(stderr);
		return 2;
	}

	memset(&cfg, 0, sizeof(cfg));
	if (strlen(server) >= sizeof(cfg.server) ||
	    (root && absolute(root, cfg.root, sizeof(cfg.root), true)) ||
	    (ca && absolute(ca, cfg.ca_cert, sizeof(cfg.ca_cert), true))) {
		fprintf(stderr, "fleetpatch-agent: enroll: %s not found or too "
				"long\n", root && !cfg.root[0] ? "--root" : "--ca-cert");
		return 2;
	}
	memcpy(cfg.server, server, strlen(server) + 1);
	if (fp_http_client_init(&c, server, cfg.ca_cert[0] ? cfg.ca_cert : NULL)) {
		fprintf(stderr, "fleetpatch-agent: enroll: --server must be an "
				"http:// or https:// URL: %s\n", server);
		return 2;
	}
	r = agent_state_prepare(state_dir);
	if (r) {
		fprintf(stderr, "fleetpatch-agent: enroll: cannot create state "
				"directory %s: %s\n", state_dir, fp_strerror(r));
		goto out;
	}
	r = agent_collect(cfg.root[0] ? cfg.root : NULL, false, &inv, hash, NULL,
			  err, sizeof(err));
	if (r) {
		fprintf(stderr, "fleetpatch-agent: enroll: inventory: %s\n", err);
		goto out;
	}
	req = json_pack("{s:s, s:O}", "secret", secret, "inventory", inv);
	if (!req) {
		fprintf(stderr, "fleetpatch-agent: enroll: out of memory\n");
		goto out;
	}
	r = fp_http_json(&c, "POST", "/api/v1/enroll", NULL, req, &status, &resp,
			 err, sizeof(err));
	if (r) {
		fprintf(stderr, "fleetpatch-agent: enroll: %s\n", err);
		goto out;
	}
	if (status != 201 && status != 200) {
		fp_http_error_text(status, resp, err, sizeof(err));
		fprintf(stderr, "fleetpatch-agent: enroll: %s%s\n",
			status == 401 ? "enrollment secret refused: " : "", err);
		rc = status == 400 || status == 413 ? 2 : 1;
		goto out;
	}
	cred = json_string_value(json_object_get(resp, "credential"));
	pub = json_string_value(json_object_get(resp, "server_public_key"));
	if (!cred || !credential_ok(cred) || !pub ||
	    fp_sign_public_from_b64(pub, pk) != 0) {
		fprintf(stderr, "fleetpatch-agent: enroll: the server's answer "
				"lacks a valid credential or public key\n");
		goto out;
	}
	cfg.host_id = json_integer_value(json_object_get(resp, "host_id"));
	cfg.checkin_interval =
		json_integer_value(json_object_get(resp, "checkin_interval"));
	if (agent_text_load(state_dir, "server.pub", old_pk, sizeof(old_pk)) == 0 &&
	    strcmp(old_pk, pub) != 0)
		agent_log("warning", "the server's public key changed (was %s, "
			  "now %s): pinning the new one", old_pk, pub);
	if (agent_text_save(state_dir, "credential", cred) ||
	    agent_text_save(state_dir, "server.pub", pub) ||
	    agent_config_save(state_dir, &cfg)) {
		fprintf(stderr, "fleetpatch-agent: enroll: cannot write to %s\n",
			state_dir);
		goto out;
	}
	/* The first check-in after enrolling sends the full inventory. */
	if (agent_path(acked, sizeof(acked), state_dir, "acked.json") == 0)
		unlink(acked);
	printf("enrolled as host %lld with %s (state in %s)\n", cfg.host_id,
	       server, state_dir);
	rc = 0;
out:
	json_decref(inv);
	json_decref(req);
	json_decref(resp);
	fp_http_client_release(&c);
	return rc;
}
