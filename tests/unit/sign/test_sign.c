/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetpatch/err.h"
#include "fleetpatch/sign.h"

static void test_sign_roundtrip(void **state)
{
	struct fp_sign_key k, k2;
	char sig[FP_SIGN_SIG_B64], pub[FP_SIGN_PUBLIC_B64];
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	char dir[] = "/tmp/fp-sign-XXXXXX", path[256];
	struct stat st;
	const char msg[] = "{\"job\":1}";

	assert_int_equal(fp_sign_global_init(), 0);
	assert_int_equal(fp_sign_keygen(&k), 0);
	assert_int_equal(fp_sign(&k, msg, strlen(msg), sig), 0);
	assert_int_equal(fp_sign_verify(k.pk, msg, strlen(msg), sig), 0);
	/* Tampered message, tampered signature, garbage. */
	assert_int_equal(fp_sign_verify(k.pk, "{\"job\":2}", 9, sig), FP_ESIG);
	sig[5] = sig[5] == 'A' ? 'B' : 'A';
	assert_int_equal(fp_sign_verify(k.pk, msg, strlen(msg), sig), FP_ESIG);
	assert_int_equal(fp_sign_verify(k.pk, msg, strlen(msg), "!!"), FP_ESIG);
	assert_int_equal(fp_sign_verify(k.pk, msg, strlen(msg), NULL), FP_ESIG);

	fp_sign_public_b64(&k, pub);
	assert_int_equal(strlen(pub), 44);
	assert_int_equal(fp_sign_public_from_b64(pub, pk), 0);
	assert_memory_equal(pk, k.pk, sizeof(pk));
	assert_int_equal(fp_sign_public_from_b64("abcd", pk), FP_EINVAL);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key", dir);
	assert_int_equal(fp_sign_key_save(&k, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fp_sign_key_load(path, &k2), 0);
	assert_memory_equal(k.pk, k2.pk, sizeof(k.pk));
	unlink(path);
	rmdir(dir);
}

static void test_tokens_passwords(void **state)
{
	char t1[64], t2[64], h[65], ph[128];

	assert_int_equal(fp_token_generate(32, t1, sizeof(t1)), 0);
	assert_int_equal(fp_token_generate(32, t2, sizeof(t2)), 0);
	assert_int_equal(strlen(t1), 43);
	assert_string_not_equal(t1, t2);
	fp_token_hash(t1, h);
	assert_int_equal(strlen(h), 64);
	assert_int_equal(fp_password_hash("s3cret", ph, sizeof(ph)), 0);
	assert_non_null(strstr(ph, "$argon2id$"));
	assert_int_equal(fp_password_verify(ph, "s3cret"), 0);
	assert_int_equal(fp_password_verify(ph, "wrong"), FP_EAUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_roundtrip),
		cmocka_unit_test(test_tokens_passwords),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
