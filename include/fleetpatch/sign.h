/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_SIGN_H
#define FLEETPATCH_SIGN_H

#include <stddef.h>

/*
 * ed25519 signing (libsodium).  The server holds a secret key; agents pin
 * its public key at enrollment and verify every job with it.
 *
 * Text forms: keys and signatures travel as standard base64 (with '='
 * padding).  A public key is 32 bytes (44 base64 chars), a signature 64
 * bytes (88 chars).
 */
#define FP_SIGN_PUBLIC_BYTES 32
#define FP_SIGN_SECRET_BYTES 64
#define FP_SIGN_SIG_BYTES 64
#define FP_SIGN_PUBLIC_B64 45 /* with NUL */
#define FP_SIGN_SIG_B64 89    /* with NUL */

struct fp_sign_key {
	unsigned char pk[FP_SIGN_PUBLIC_BYTES];
	unsigned char sk[FP_SIGN_SECRET_BYTES];
};

/* Call once before anything else here (wraps sodium_init). 0 or FP_EINTERNAL. */
int fp_sign_global_init(void);

/* Generate a new key pair. */
int fp_sign_keygen(struct fp_sign_key *ret_key);

/*
 * Save the secret key to 'path' (0600, atomically; the file holds the
 * base64 of the 64-byte secret key, which includes the public key) and load
 * it back.  Loading checks the size and that the public half matches.
 */
int fp_sign_key_save(const struct fp_sign_key *key, const char *path);
int fp_sign_key_load(const char *path, struct fp_sign_key *ret_key);

/* Public key as base64 into out[FP_SIGN_PUBLIC_B64]. */
void fp_sign_public_b64(const struct fp_sign_key *key, char *out);

/* Decode a base64 public key. FP_EINVAL when it is not 32 bytes of base64. */
int fp_sign_public_from_b64(const char *b64,
			    unsigned char ret_pk[FP_SIGN_PUBLIC_BYTES]);

/* Detached signature of msg, base64 into out[FP_SIGN_SIG_B64]. */
int fp_sign(const struct fp_sign_key *key, const void *msg, size_t len,
	    char *out);

/*
 * Verify a base64 detached signature of msg against a public key.
 * Returns 0 when it verifies, FP_ESIG otherwise (bad base64 included).
 */
int fp_sign_verify(const unsigned char pk[FP_SIGN_PUBLIC_BYTES],
		   const void *msg, size_t len, const char *sig_b64);

/*
 * Secrets and tokens: 'n' random bytes as URL-safe base64 without padding
 * into out (size >= 4 * ceil(n / 3) + 1).  Used for host credentials and
 * API tokens (n = 32: 256 bits).
 */
int fp_token_generate(size_t n, char *out, size_t out_size);

/*
 * Hash a token for storage (sha256 hex: tokens are 256-bit random, so a
 * fast hash is right; passwords use fp_password_hash instead).
 */
void fp_token_hash(const char *token, char out[65]);

/* argon2id password hashing (libsodium crypto_pwhash_str), interactive cost. */
int fp_password_hash(const char *password, char *out, size_t out_size);
/* 0 when the password matches the stored hash, FP_EAUTH otherwise. */
int fp_password_verify(const char *stored, const char *password);

#endif
