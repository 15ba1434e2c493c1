/*
 * api.h — the HTTP service of `yogi serve`, as cli/cmd_serve.c sees it.
 *
 * api_serve() owns the event loop: it registers the engine's descriptor and
 * timer with libevent, serves the REST API, Server-Sent Events and the web
 * app, and returns when SIGTERM or SIGINT asks it to (after closing the
 * listener and the event streams; the engine is the caller's to close).
 * Nothing outside api/ sees libevent.
 */
#ifndef YOGI_API_H
#define YOGI_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "engine.h"
#include "host_error.h"
#include "yogi/plugin.h"

typedef struct api_options {
    const char *listen;           /* "HOST:PORT"; port 0 picks a free one */
    const char *data_dir;         /* where documents are stored */
    const char *upload_workflow;  /* workflow started per upload */
    bool auth;                    /* false: every caller is admin (loopback only) */
    size_t max_upload_bytes;      /* body limit of POST /v1/documents */
    size_t max_header_bytes;      /* request line and headers */
    int max_connections;          /* open connections before 503 */
    int request_timeout_s;        /* idle read/write timeout of a connection */
    int max_connections_per_ip;   /* open connections from one address (0: no cap) */
    int header_timeout_s;         /* the first request complete within this... */
    double min_body_rate;         /* ...or at least this many bytes/s since connecting */
    const char *tls_cert;         /* PEM certificate chain: serve HTTPS (with tls_key) */
    const char *tls_key;          /* PEM private key */
    double rate_limit_rps;        /* requests per second before 429 (0: none) */
    int max_pending_documents;    /* tasks queued for workers before uploads get 429 */
    bool access_log;              /* one stderr line per request */
    int retention_days;           /* remove finished documents' originals after N days (0: keep) */
    const char *term_end;         /* "YYYY-MM-DD": calendar feeds' weekly events end here */
    bool secure_cookies;          /* mark the session cookie Secure even without X-Forwarded-Proto */
    int activity_poll_s;          /* longest GetActivityTask long poll (default 60) */
    const char *sigv4_access_key; /* SigV4 credentials workers may sign with, or NULL */
    const char *sigv4_secret_key;
} api_options;

/* Defaults: 127.0.0.1:8080, 25 MB uploads, 16 KiB headers, 512 connections
 * (64 from one address), 30 s idle timeout, 10 s header deadline, 1 KiB/s
 * body rate floor, 2000 req/s, 200 pending documents, auth on. */
void api_options_default(api_options *o);

/* True when host (an address or "localhost") is a loopback address. */
bool api_listen_is_loopback(const char *listen);

/* Serve until SIGTERM/SIGINT. Prints "yogi: listening on http://HOST:PORT"
 * to stderr once the socket is bound. Returns 0, or -1 with err (the address
 * cannot be bound, auth off on a non-loopback address). */
int api_serve(engine *e, const api_options *opts, yogi_error *err) HOST_MUST_CHECK;

/* "METHOD PATH-TEMPLATE" lines, one per route (for the OpenAPI test). */
void api_print_routes(FILE *out);

/* A new token: writes "ygt_<id>_<secret>" (API_TOKEN_MAX bytes) and its id
 * (TOKEN_ID_MAX bytes), and stores its hash with `role`. */
#define API_TOKEN_MAX 96
struct store;
int api_token_create(struct store *s, const char *role, const char *label, char *token_out,
                     char *id_out, yogi_error *err) HOST_MUST_CHECK;

#endif
