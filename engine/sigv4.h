/*
 * sigv4.h — verifying AWS Signature Version 4 (AWS4-HMAC-SHA256) on a
 * request, so that a worker built for Step Functions (an AWS SDK, or
 * `yogi worker` signing through libcurl) can talk to `yogi serve` with the
 * credentials it already has. Pure functions over a parsed request; the
 * HTTP server (api/) fills sigv4_request from what libevent parsed.
 *
 * The canonical request follows AWS's published test suite: the path is
 * normalised (dot segments and repeated slashes removed) and each segment
 * percent-encoded once; query parameters are decoded, re-encoded with only
 * the unreserved characters left bare, and sorted; each signed header is
 * lower-cased, its values trimmed, inner runs of spaces collapsed, repeated
 * headers joined with ',' in the order they came.
 */
#ifndef YOGI_SIGV4_H
#define YOGI_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host_error.h"
#include "yogi/plugin.h"

typedef struct sigv4_header {
    const char *name;  /* as received; compared case-insensitively */
    const char *value; /* as received (folded lines joined by spaces) */
} sigv4_header;

typedef struct sigv4_request {
    const char *method;       /* "POST" */
    const char *path;         /* raw path, may be percent-encoded */
    const char *query;        /* raw query string without '?', or NULL */
    const sigv4_header *headers;
    size_t n_headers;
    const void *body;
    size_t body_len;
} sigv4_request;

/* Looks up the secret of an access key id; false when unknown. */
typedef bool (*sigv4_secret_fn)(void *ud, const char *access_key, char *secret, size_t len);

/* The canonical request for these signed headers ("host;x-amz-date"), as a
 * new malloc'd string; NULL when out of memory. */
char *sigv4_canonical_request(const sigv4_request *r, const char *signed_headers);

/* Verify the Authorization header. now_s: the current Unix time, to refuse
 * a signature dated more than 15 minutes away (0: do not check, for test
 * vectors). On success writes the access key id (at least 128 bytes) and
 * returns 0; else -1 with err: MissingAuthenticationToken (no AWS4
 * Authorization), IncompleteSignature (malformed), UnrecognizedClient (an
 * unknown key), InvalidSignatureException (does not match, or too old). */
int sigv4_verify(const sigv4_request *r, sigv4_secret_fn secret, void *ud, int64_t now_s,
                 char *access_key, yogi_error *err) HOST_MUST_CHECK;

/* The string to sign for a canonical request, date "20150830T123600Z" and
 * scope "20150830/us-east-1/service/aws4_request" (new malloc'd string). */
char *sigv4_string_to_sign(const char *canonical_request, const char *amz_date,
                           const char *scope);

#endif
