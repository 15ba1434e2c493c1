/*
 * password.c — Argon2id password hashes and random secrets, with libsodium.
 *
 * The one file that includes sodium.h (see HACKING.md, owners). Hashes are
 * libsodium's self-describing strings ("$argon2id$v=19$m=65536,t=2,p=1$..."),
 * so the cost can be raised later and old hashes still verify. The
 * interactive limits (64 MiB, 2 passes) take about a tenth of a second here:
 * affordable for a sign-in, ruinous for someone guessing offline. Sign-in
 * attempts are also rate-limited by the caller (api/session.c).
 */
#include "host_error.h"
#include "password.h"

#include <string.h>

#include <sodium.h>

static bool ready(void)
{
    static int state; /* 0 untried, 1 ready, -1 failed */
    if (state == 0) state = sodium_init() >= 0 ? 1 : -1;
    return state == 1;
}

int password_hash(const char *password, char out[PASSWORD_HASH_MAX], yogi_error *err)
{
    size_t n = strlen(password);
    if (n < PASSWORD_MIN)
        return host_fail(err, "PasswordTooShort", "a password has at least %d characters",
                         PASSWORD_MIN);
    if (n > PASSWORD_MAX)
        return host_fail(err, "PasswordTooLong", "a password has at most %d characters",
                         PASSWORD_MAX);
    _Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX, "hash buffer too small");
    if (!ready() || crypto_pwhash_str_alg(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                          crypto_pwhash_MEMLIMIT_INTERACTIVE,
                                          crypto_pwhash_ALG_ARGON2ID13) != 0)
        return host_fail(err, "Auth.Hash", "cannot hash the password (out of memory?)");
    return 0;
}

bool password_verify(const char *stored, const char *password)
{
    if (!ready() || !stored || !password || strncmp(stored, "$argon2id$", 10) != 0) return false;
    return crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
}

int password_random_hex(char *out, size_t n_bytes)
{
    unsigned char buf[64];
    if (!ready() || n_bytes > sizeof buf) return -1;
    randombytes_buf(buf, n_bytes);
    sodium_bin2hex(out, 2 * n_bytes + 1, buf, n_bytes);
    sodium_memzero(buf, sizeof buf);
    return 0;
}

bool password_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}
