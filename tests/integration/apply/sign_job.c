/* SPDX-License-Identifier: MIT */
/*
 * Test helper: signs job payloads the way fleetpatchd does, so the agent's
 * verification runs against real ed25519 signatures.
 *   sign_job keygen KEYFILE        writes a key, prints the public key
 *   sign_job sign KEYFILE PAYLOAD  prints {"payload": ..., "signature": ...}
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/buf.h"
#include "fleetpatch/sign.h"
#include "fleetpatch/util.h"

int main(int argc, char **argv)
{
	struct fp_sign_key key;
	char pub[FP_SIGN_PUBLIC_B64], sig[FP_SIGN_SIG_B64];

	if (fp_sign_global_init())
		return 1;
	if (argc == 3 && !strcmp(argv[1], "keygen")) {
		if (fp_sign_keygen(&key) || fp_sign_key_save(&key, argv[2]))
			return 1;
		fp_sign_public_b64(&key, pub);
		printf("%s\n", pub);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "sign")) {
		struct fp_buf b;
		json_t *doc;
		char *s;

		fp_buf_init(&b, 1 << 20);
		if (fp_sign_key_load(argv[2], &key) || fp_read_file(argv[3], &b) ||
		    fp_sign(&key, b.data, b.len, sig))
			return 1;
		doc = json_pack("{s:s%, s:s}", "payload", b.data, b.len,
				"signature", sig);
		s = doc ? json_dumps(doc, 0) : NULL;
		if (!s)
			return 1;
		printf("%s\n", s);
		free(s);
		json_decref(doc);
		fp_buf_release(&b);
		return 0;
	}
	fprintf(stderr, "usage: sign_job keygen KEYFILE | sign KEYFILE PAYLOAD\n");
	return 2;
}
