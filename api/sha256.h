/*
 * sha256.h — SHA-256 (FIPS 180-4), for hashing API tokens.
 *
 * Small and dependency-free on purpose: the API needs exactly one hash and
 * pulling in a TLS library for it would be the tail wagging the dog.
 */
#ifndef YOGI_SHA256_H
#define YOGI_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 65 /* 64 hex digits and a NUL */

typedef struct sha256_ctx {
    uint32_t state[8];   /* the running hash */
    uint64_t bit_count;  /* message length so far, in bits */
    uint8_t block[64];   /* a partial block awaiting more input */
    size_t block_len;    /* bytes used in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t digest[SHA256_DIGEST_LEN]);

/* One-shot hash of data, written as lower-case hex. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN]);

#endif
