/*
 * hmac.h — SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104), small and
 * dependency-free, for signing webhook bodies. Tested against the RFC 4231
 * vectors in tests/unit/test_pipeline_plugins.c.
 */
#ifndef YOGI_NOTIFY_HMAC_H
#define YOGI_NOTIFY_HMAC_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;                /* message length so far */
    uint8_t block[SHA256_BLOCK_LEN];
    size_t used;                   /* bytes waiting in block */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);

void hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                 uint8_t out[SHA256_DIGEST_LEN]);

/* Lower-case hex of the MAC into hex (65 bytes with the terminator). */
void hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t msg_len,
                     char hex[2 * SHA256_DIGEST_LEN + 1]);

#endif
