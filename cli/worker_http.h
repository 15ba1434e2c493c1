/*
 * worker_http.h — the Step Functions Activity client of `yogi worker`
 * (cli/worker_http.c, the only file that includes curl/curl.h).
 *
 * Requests are what AWS expects: POST to the endpoint with Content-Type
 * application/x-amz-json-1.0, X-Amz-Target AWSStepFunctions.<operation>
 * and a JSON body, authenticated either by "Authorization: Bearer TOKEN"
 * (a Yogi worker token) or by a SigV4 signature that libcurl computes
 * (CURLOPT_AWS_SIGV4, service "states") from AWS credentials.
 *
 * GetActivityTask long polls run concurrently on one curl multi handle, so
 * the worker's loop can wait on them and on its plugin workers at once;
 * the short calls (answers, heartbeats, file transfers) are blocking with
 * a timeout of their own.
 */
#ifndef YOGI_WORKER_HTTP_H
#define YOGI_WORKER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "host_error.h"
#include "yogi/plugin.h"

typedef struct wh_client wh_client;

typedef struct wh_auth {
    const char *token;         /* bearer token, or NULL */
    const char *access_key;    /* SigV4 when set (and no token) */
    const char *secret_key;
    const char *session_token; /* sent as X-Amz-Security-Token, may be NULL */
    const char *region;        /* SigV4 region, e.g. "eu-west-1" */
} wh_auth;

/* endpoint: "http://host:port" or "https://states.REGION.amazonaws.com". */
wh_client *wh_new(const char *endpoint, const wh_auth *auth, yogi_error *err);
void wh_free(wh_client *c);

/* A blocking call of `op` with `body` (borrowed). *status is the HTTP
 * status (0 when the request did not complete); *reply the parsed JSON
 * body, or NULL. Returns 0 when the server answered 2xx. */
int wh_call(wh_client *c, const char *op, json_t *body, long timeout_s, long *status,
            json_t **reply, yogi_error *err) HOST_MUST_CHECK;

/* Start a GetActivityTask long poll; `slot` comes back with its result. */
int wh_poll_start(wh_client *c, const char *activity_arn, const char *worker_name, int slot,
                  yogi_error *err) HOST_MUST_CHECK;

/* Wait up to timeout_ms for poll traffic or for extra_fd (-1: none) to be
 * readable, and progress the polls. */
void wh_wait(wh_client *c, int extra_fd, int timeout_ms);

/* A finished poll: its slot, HTTP status (0 on a transport error, whose
 * text is in err) and reply (new reference or NULL). Returns false when no
 * poll has finished. */
bool wh_poll_next(wh_client *c, int *slot, long *status, json_t **reply, yogi_error *err)
    HOST_MUST_CHECK;

/* Abandon every poll in flight. Polls in flight for `slot` (-1: all). */
void wh_abort_polls(wh_client *c);
int wh_polls_in_flight(wh_client *c, int slot);

/* Files of a Yogi engine, by task token: fetch the blob with this SHA-256
 * into dest (verified), or store the file at path and write where the
 * engine keeps it. */
int wh_fetch(wh_client *c, const char *task_token, const char *sha256, const char *dest,
             yogi_error *err) HOST_MUST_CHECK;
int wh_store(wh_client *c, const char *task_token, const char *path, char *remote,
             size_t remote_len, yogi_error *err) HOST_MUST_CHECK;

/* True for an AWS endpoint (no file transfer there). */
bool wh_is_aws(const wh_client *c);

#endif
