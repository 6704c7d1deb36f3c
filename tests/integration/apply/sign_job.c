/* SPDX-License-Identifier: MIT */
/*
 * Test helper: signs job payloads the way fleetpatchd does (fp_job_sign),
 * so the agent's verification runs against real ed25519 signatures.
 *   sign_job keygen KEYFILE        writes a key, prints the public key
 *   sign_job sign KEYFILE PAYLOAD  prints the envelope {"payload","signature"}
 *   sign_job result FILE           checks a job result the way the server
 *                                  decodes it (fp_job_result_from_json)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/buf.h"
#include "fleetpatch/job.h"
#include "fleetpatch/sign.h"
#include "fleetpatch/util.h"

static int sign(const char *keyfile, const char *payload_file)
{
	struct fp_sign_key key;
	char err[300];
	struct fp_buf b;
	struct fp_diag d;
	struct fp_job job;
	json_t *in, *env = NULL;
	char *out;

	fp_buf_init(&b, 1 << 20);
	fp_diag_init(&d, payload_file);
	if (fp_sign_key_load(keyfile, &key) || fp_read_file(payload_file, &b))
		return 1;
	in = json_loadb(b.data, b.len, 0, NULL);
	fp_job_init(&job);
	if (!in || fp_job_from_json(in, &job, &d) ||
	    fp_job_sign(&job, &key, &d, &env)) {
		fp_diag_format(&d, err, sizeof(err));
		fprintf(stderr, "sign_job: %s\n", err);
		return 1;
	}
	out = json_dumps(env, JSON_COMPACT);
	printf("%s\n", out);
	free(out);
	json_decref(env);
	json_decref(in);
	fp_job_release(&job);
	fp_buf_release(&b);
	return 0;
}

static int check_result(const char *file)
{
	struct fp_job_result r;
	struct fp_diag d;
	char err[300];
	json_t *j = json_load_file(file, 0, NULL);
	int rc;

	fp_job_result_init(&r);
	fp_diag_init(&d, file);
	rc = j ? fp_job_result_from_json(j, &r, &d) : FP_EINVAL;
	if (rc) {
		fp_diag_format(&d, err, sizeof(err));
		fprintf(stderr, "sign_job: %s: %s\n", file, err);
	}
	fp_job_result_release(&r);
	json_decref(j);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct fp_sign_key key;
	char pub[FP_SIGN_PUBLIC_B64];

	if (fp_sign_global_init())
		return 1;
	if (argc == 3 && !strcmp(argv[1], "keygen")) {
		if (fp_sign_keygen(&key) || fp_sign_key_save(&key, argv[2]))
			return 1;
		fp_sign_public_b64(&key, pub);
		printf("%s\n", pub);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "sign"))
		return sign(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "result"))
		return check_result(argv[2]);
	fprintf(stderr, "usage: sign_job keygen KEYFILE | sign KEYFILE PAYLOAD | result FILE\n");
	return 2;
}
