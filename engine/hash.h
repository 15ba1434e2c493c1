/*
 * hash.h — the message digests States.Hash offers: MD5, SHA-1, SHA-256,
 * SHA-384 and SHA-512, as small one-shot functions (no streaming: the
 * inputs are intrinsic arguments of at most 10,000 characters).
 */
#ifndef YOGI_HASH_H
#define YOGI_HASH_H

#include <stdbool.h>
#include <stddef.h>

#define HASH_MAX_DIGEST 64 /* bytes, SHA-512 */

/* Digest `len` bytes of `data` with the algorithm named as States.Hash
 * names it ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512") and write the
 * lower-case hex digest, NUL-terminated, into hex (at least
 * 2 * HASH_MAX_DIGEST + 1 bytes). False for an unknown algorithm. */
bool hash_hex(const char *algorithm, const void *data, size_t len, char *hex);

#endif
