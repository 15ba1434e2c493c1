/*
 * internal.h — what the files of api/ share: the server, a request being
 * handled, the route handlers and the reply helpers.
 *
 * One thread: libevent's loop runs the engine and every request, so handlers
 * call the engine directly and finish their reply before returning (except
 * the event streams, which stay open and are fed by the engine's listener).
 */
#ifndef YOGI_API_INTERNAL_H
#define YOGI_API_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api.h"
#include "engine.h"
#include "store.h"
#include "tokens.h"
#include "users.h"
#include "audit.h"

/* Roles as bits, so a route can name the set allowed to call it. */
enum {
    ROLE_UPLOADER = 1,
    ROLE_REVIEWER = 2,
    ROLE_ADMIN = 4,
    ROLE_ANY = ROLE_UPLOADER | ROLE_REVIEWER | ROLE_ADMIN,
    ROLE_PUBLIC = 8, /* no token needed */
    ROLE_WORKER = 16, /* remote workers: the activity endpoint only */
};

/* Who is calling, as established by auth.c. */
typedef struct principal {
    char token_id[TOKEN_ID_MAX]; /* "" when auth is off or for a session */
    int role;                    /* one ROLE_ bit */
    char role_name[USER_ROLE_MAX]; /* "teacher", "uploader", "reviewer", "admin" */
    int64_t user_id;             /* 0: a token that belongs to nobody, or auth off */
    char user[USER_NAME_MAX];    /* the user's name, or "" */
    char owner[USER_NAME_MAX + 8]; /* documents.owner of its uploads: "user:NAME" or token id */
    bool session;                /* signed in with the cookie, not a token */
    char csrf[SESSION_CSRF_MAX]; /* the session's CSRF secret */
} principal;

/* A small table of failed sign-ins (api/session.c). */
#define LOGIN_SLOTS 128
typedef struct login_slot {
    char key[USER_NAME_MAX + 8]; /* "n:NAME" or "a:ADDRESS" */
    int failures;
    int64_t first;               /* start of the window, Unix seconds */
} login_slot;

typedef struct events_hub events_hub;
typedef struct activity_hub activity_hub;

/* Counters the server keeps for /metrics beside the engine's own. */
typedef struct api_stats {
    uint64_t requests;           /* requests routed */
    uint64_t responses[6];       /* by status class: [2] 2xx ... [5] 5xx */
    uint64_t rejected_rate;      /* 429 from the rate limiter or backlog */
    uint64_t rejected_overload;  /* 503 for too many connections */
    uint64_t uploads;            /* documents accepted */
} api_stats;

typedef struct api {
    engine *e;                   /* the engine this server drives */
    store *s;                    /* its store, for documents and tokens */
    api_options opts;            /* as given to api_serve() */
    struct event_base *base;     /* the one loop */
    struct evhttp *http;         /* the listener and its connections */
    struct event *engine_ev;     /* engine_fd() readable */
    struct event *engine_timer;  /* engine_timeout_ms() expired */
    events_hub *events;          /* the Server-Sent Event streams */
    activity_hub *activities;    /* parked GetActivityTask polls (routes_activities.c) */
    api_stats stats;             /* the server's own counters */
    struct {
        struct conn **list;      /* every accepted socket (connections.c) */
        int count, capacity;
        struct event *tick_ev;   /* once a second: deadlines, release */
        struct event *admit_ev;  /* admission of new sockets, next loop turn */
        struct event *resume_ev; /* accept again after running out of fds */
        struct evconnlistener *listener;
        uint64_t accept_errors;
        double last_error_log;   /* monotonic seconds */
    } conns;
    struct ssl_ctx_st *tls;      /* OpenSSL context when serving TLS (tls.c) */
    char store_lost[640];        /* why the database can no longer be trusted, or "" */
    double bucket;               /* rate limiter: tokens available */
    struct timeval bucket_time;  /* when the bucket was last filled */
    login_slot logins[LOGIN_SLOTS]; /* recent failed sign-ins */
    char setup_code[SESSION_CSRF_MAX]; /* one-time first-admin code, "" when none */
    struct event *retention_timer; /* hourly documents_retention_sweep() */
} api;

#define API_PARAMS_MAX 3
#define API_PARAM_LEN 256

/* A request being handled. */
typedef struct api_request {
    api *a;
    struct evhttp_request *req;
    char params[API_PARAMS_MAX][API_PARAM_LEN]; /* decoded {placeholders}, in order */
    int nparams;
    struct evkeyvalq query;                     /* decoded query string */
    principal who;
} api_request;

typedef void route_handler(api_request *r);

/* ---- connections.c --------------------------------------------------- */

/* Count and time every accepted socket (see connections.c). */
int connections_setup(api *a, struct evhttp_bound_socket *bound);
void connections_teardown(api *a);
/* A request arrived: false when its connection is over a limit (503). */
bool connections_on_request(api *a, struct evhttp_request *req);
/* Connections open now (not being closed). */
int connections_open(api *a);

/* ---- tls.c ------------------------------------------------------------- */

/* Load --tls-cert/--tls-key into a->tls (nothing when neither is given). */
int tls_setup(api *a, yogi_error *err);
void tls_teardown(api *a);
/* The OpenSSL bufferevent of a new TLS connection (fd set by evhttp). */
struct bufferevent *tls_bufferevent_new(api *a, struct event_base *base);

/* ---- server.c -------------------------------------------------------- */

/* Let the engine run soon (after a call that gave it work). */
void api_engine_poke(api *a);

/* ---- router.c -------------------------------------------------------- */

/* Route the request: auth, the route table, 404/405. */
void router_dispatch(api *a, struct evhttp_request *req);

/* ---- auth.c ---------------------------------------------------------- */

/* Establish r->who from the Authorization header or the session cookie.
 * Returns false after replying 401 when neither names a live token or
 * session, or 403 when a cookie-authenticated request that changes state
 * lacks the session's X-CSRF-Token. */
bool auth_authenticate(api_request *r);
/* The ROLE_ bit of a role name (token or user role), 0 for none. */
int auth_role_bit(const char *role);
/* The token role that carries a user role ("teacher" -> "uploader"). */
const char *auth_token_role(const char *user_role);

/* ---- session.c ------------------------------------------------------- */

/* The live session named by the request's cookie, into r->who. */
bool session_from_cookie(api_request *r);
/* The one-time first-admin code, when no user exists yet (server.c). */
void session_setup_code(api *a);

/* ---- json_reply.c ---------------------------------------------------- */

void reply_json(api_request *r, int status, json_t *body); /* steals body */
void reply_error(api_request *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An engine or store error, with the HTTP status its name implies. */
void reply_yogi_error(api_request *r, const yogi_error *err);
/* Raw bytes with a content type (copied). */
void reply_bytes(api_request *r, int status, const char *content_type, const void *data,
                 size_t len);
/* An error reply on a request that has no api_request yet. */
void reply_raw_error(struct evhttp_request *req, int status, const char *code,
                     const char *message);

/* The request body parsed as a JSON object. An empty body gives {} when
 * empty_ok. Replies (415, 400, 413) and returns -1 on failure. */
int request_json(api_request *r, bool empty_ok, json_t **out);
/* The body, flattened; *len its length. NULL when empty. */
const unsigned char *request_body(api_request *r, size_t *len);
const char *request_header(api_request *r, const char *name);
const char *request_query(api_request *r, const char *name);
/* Integer query parameter in [min,max], else def; replies 400 and returns
 * false when present but not a number in range. */
bool request_query_int(api_request *r, const char *name, long min, long max, long def,
                       long *out);
/* Every time the API shows is ISO 8601 UTC with milliseconds: obj[key], an
 * integer in units of unit_ms (1000 for seconds, 1 for ms), becomes one. */
void json_time_to_iso(json_t *obj, const char *key, int64_t unit_ms);
/* True for an id or name safe as a key: [A-Za-z0-9_.-]{1,128}, not "." or
 * "..", no leading dot. */
bool api_name_valid(const char *s);

/* ---- routes_*.c ------------------------------------------------------ */

route_handler documents_post, documents_list_h, documents_get_h, documents_file_h,
    documents_timetable_h;
route_handler workflows_list_h, workflows_get_h, workflows_put_h;
route_handler executions_start_h, executions_list_h, executions_get_h, executions_history_h,
    executions_stop_h, executions_redrive_h;
route_handler tasks_list_h, tasks_success_h, tasks_failure_h, tasks_heartbeat_h;
route_handler events_stream_h;
route_handler ops_healthz_h, ops_readyz_h, ops_metrics_h;
route_handler tokens_list_h, tokens_create_h, tokens_revoke_h, backup_h;
route_handler web_asset_h;
route_handler session_login_h, session_logout_h, setup_get_h, setup_post_h, whoami_h,
    password_change_h;
route_handler users_list_h, users_create_h, users_update_h, audit_list_h;
route_handler documents_correct_h, documents_versions_h, documents_delete_h;
route_handler feed_get_h, feed_create_h, feed_revoke_h, feed_ics_h;
route_handler activity_endpoint_h, activity_blob_get_h, activity_blob_put_h, activities_list_h;

/* ---- routes_activities.c --------------------------------------------- */

activity_hub *activity_hub_new(api *a);
void activity_hub_free(activity_hub *h);
/* A client connection closed: forget its parked polls. */
void activity_connection_closed(activity_hub *h, struct evhttp_connection *conn);

/* ---- events.c -------------------------------------------------------- */

events_hub *events_hub_new(api *a);
void events_hub_free(events_hub *h);
/* The engine's listener (engine_subscribe). */
void events_on_engine(void *hub, json_t *event);
/* Publish a document's current record to the streams that watch it. */
void events_publish_document(events_hub *h, const char *document_id);
int events_client_count(events_hub *h);
/* A client connection closed: forget its streams. */
void events_connection_closed(events_hub *h, struct evhttp_connection *conn);

/* ---- documents (routes_documents.c, routes_timetables.c) ------------- */

/* The document named by the path, if the caller may see it; else replies
 * 404 and returns NULL. */
json_t *documents_visible(api_request *r);
/* Check a timetable entry by entry, normalising its times in place:
 * [{"field": "entries[i].name", "message"}...], empty when it is valid. */
json_t *timetable_check(json_t *timetable);
/* 422 Timetable.Invalid with error.fields (steals fields). */
void reply_invalid_timetable(api_request *r, json_t *fields);
/* Remove DATA_DIR/work/<execution> (page images and other work files). */
void documents_remove_workdir(api *a, const char *execution_id);
/* Remove the originals of finished documents older than the retention
 * period (opts.retention_days; 0 keeps them). Returns the count removed. */
int documents_retention_sweep(api *a);

/* Called for every execution event: a document whose execution failed is
 * marked failed; every status change is published as a document event. */
void documents_on_execution(api *a, json_t *event);

#endif
