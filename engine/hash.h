/*
 * hash.h — the message digests States.Hash offers: MD5, SHA-1, SHA-256,
 * SHA-384 and SHA-512, as small one-shot functions (no streaming: the
 * inputs are intrinsic arguments, API tokens, document files and webhook
 * bodies), and HMAC over them. The one implementation in the tree: the
 * engine, the API and the notify plugin (which compiles this file in) all
 * use it.
 */
#ifndef YOGI_HASH_H
#define YOGI_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASH_MAX_DIGEST 64 /* bytes, SHA-512 */

/* Digest `len` bytes of `data` with the algorithm named as States.Hash
 * names it ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512") and write the
 * lower-case hex digest, NUL-terminated, into hex (at least
 * 2 * HASH_MAX_DIGEST + 1 bytes). False for an unknown algorithm. */
bool hash_hex(const char *algorithm, const void *data, size_t len, char *hex);

/* The raw digest into out (at least HASH_MAX_DIGEST bytes); returns its
 * length, 0 for an unknown algorithm. */
size_t hash_digest(const char *algorithm, const void *data, size_t len, uint8_t *out);

/* HMAC (RFC 2104) with the named digest, as lower-case hex (at least
 * 2 * HASH_MAX_DIGEST + 1 bytes): webhook signatures. */
bool hmac_hex(const char *algorithm, const void *key, size_t key_len, const void *msg,
              size_t msg_len, char *hex);

#endif
