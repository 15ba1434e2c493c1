/*
 * password.h — password hashing (Argon2id through libsodium, in
 * api/password.c, the only file that includes sodium.h) and the random
 * secrets that sessions, CSRF and feeds use.
 */
#ifndef YOGI_PASSWORD_H
#define YOGI_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "host_error.h"
#include "yogi/plugin.h"

#define PASSWORD_HASH_MAX 256
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

/* An Argon2id string ("$argon2id$v=19$m=...") for the password, with
 * libsodium's interactive limits. PasswordTooShort, PasswordTooLong. */
int password_hash(const char *password, char out[PASSWORD_HASH_MAX], yogi_error *err)
    HOST_MUST_CHECK;
/* True when password matches the stored string (constant time). */
bool password_verify(const char *stored, const char *password);
/* n random bytes as 2n hex digits, NUL-terminated (out holds 2n+1). */
int password_random_hex(char *out, size_t n_bytes);
/* Constant-time equality of two NUL-terminated strings of the same length. */
bool password_equal(const char *a, const char *b);

#endif
