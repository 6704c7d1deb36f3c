/* SPDX-License-Identifier: MIT */
#include <sodium.h>
#include <string.h>

#include "fleetpatch/buf.h"
#include "fleetpatch/err.h"
#include "fleetpatch/sign.h"
#include "fleetpatch/util.h"

#define B64_STD sodium_base64_VARIANT_ORIGINAL
#define B64_URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

int fp_sign_global_init(void)
{
	return sodium_init() < 0 ? FP_EINTERNAL : 0;
}

int fp_sign_keygen(struct fp_sign_key *ret_key)
{
	if (crypto_sign_keypair(ret_key->pk, ret_key->sk) != 0)
		return FP_EINTERNAL;
	return 0;
}

int fp_sign_key_save(const struct fp_sign_key *key, const char *path)
{
	char b64[sodium_base64_ENCODED_LEN(FP_SIGN_SECRET_BYTES, B64_STD) + 1];
	size_t n;
	int r;

	sodium_bin2base64(b64, sizeof(b64), key->sk, sizeof(key->sk), B64_STD);
	n = strlen(b64);
	b64[n++] = '\n';
	r = fp_write_file_atomic(path, b64, n, 0600);
	sodium_memzero(b64, sizeof(b64));
	return r;
}

int fp_sign_key_load(const char *path, struct fp_sign_key *ret_key)
{
	struct fp_buf b;
	struct fp_sign_key k;
	size_t bin_len = 0;
	int r;

	fp_buf_init(&b, 4096);
	r = fp_read_file(path, &b);
	if (r)
		goto out;
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	r = FP_EINVAL;
	if (sodium_base642bin(k.sk, sizeof(k.sk), b.data, b.len, NULL, &bin_len,
			      NULL, B64_STD) != 0 ||
	    bin_len != sizeof(k.sk))
		goto out;
	if (crypto_sign_ed25519_sk_to_pk(k.pk, k.sk) != 0)
		goto out;
	*ret_key = k;
	r = 0;
out:
	sodium_memzero(&k, sizeof(k));
	sodium_memzero(b.data, b.len);
	fp_buf_release(&b);
	return r;
}

void fp_sign_public_b64(const struct fp_sign_key *key, char *out)
{
	sodium_bin2base64(out, FP_SIGN_PUBLIC_B64, key->pk, sizeof(key->pk),
			  B64_STD);
}

int fp_sign_public_from_b64(const char *b64,
			    unsigned char ret_pk[FP_SIGN_PUBLIC_BYTES])
{
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	size_t n = 0;

	if (sodium_base642bin(pk, sizeof(pk), b64, strlen(b64), NULL, &n, NULL,
			      B64_STD) != 0 ||
	    n != sizeof(pk))
		return FP_EINVAL;
	memcpy(ret_pk, pk, sizeof(pk));
	return 0;
}

int fp_sign(const struct fp_sign_key *key, const void *msg, size_t len,
	    char *out)
{
	unsigned char sig[FP_SIGN_SIG_BYTES];

	if (crypto_sign_detached(sig, NULL, msg, len, key->sk) != 0)
		return FP_EINTERNAL;
	sodium_bin2base64(out, FP_SIGN_SIG_B64, sig, sizeof(sig), B64_STD);
	return 0;
}

int fp_sign_verify(const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		   const void *msg, size_t len, const char *sig_b64)
{
	unsigned char sig[FP_SIGN_SIG_BYTES];
	size_t n = 0;

	if (!sig_b64 ||
	    sodium_base642bin(sig, sizeof(sig), sig_b64, strlen(sig_b64), NULL,
			      &n, NULL, B64_STD) != 0 ||
	    n != sizeof(sig))
		return FP_ESIG;
	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		return FP_ESIG;
	return 0;
}

int fp_token_generate(size_t n, char *out, size_t out_size)
{
	unsigned char raw[64];

	if (n == 0 || n > sizeof(raw) ||
	    out_size < sodium_base64_ENCODED_LEN(n, B64_URL))
		return FP_EINVAL;
	randombytes_buf(raw, n);
	sodium_bin2base64(out, out_size, raw, n, B64_URL);
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void fp_token_hash(const char *token, char out[65])
{
	fp_sha256_hex(token, strlen(token), out);
}

int fp_password_hash(const char *password, char *out, size_t out_size)
{
	if (out_size < crypto_pwhash_STRBYTES)
		return FP_EINVAL;
	if (crypto_pwhash_str_alg(out, password, strlen(password),
				  crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return FP_ENOMEM;
	return 0;
}

int fp_password_verify(const char *stored, const char *password)
{
	if (crypto_pwhash_str_verify(stored, password, strlen(password)) != 0)
		return FP_EAUTH;
	return 0;
}
