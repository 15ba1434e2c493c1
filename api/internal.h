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
    char token_id[TOKEN_ID_MAX]; /* "" when auth is off */
    int role;                    /* one ROLE_ bit */
} principal;

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
    struct evhttp_connection **conns; /* open client connections, from first request */
    int connections;             /* entries used in conns */
    int conns_capacity;          /* entries allocated */
    double bucket;               /* rate limiter: tokens available */
    struct timeval bucket_time;  /* when the bucket was last filled */
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

/* ---- server.c -------------------------------------------------------- */

/* Let the engine run soon (after a call that gave it work). */
void api_engine_poke(api *a);

/* ---- router.c -------------------------------------------------------- */

/* Route the request: auth, the route table, 404/405. */
void router_dispatch(api *a, struct evhttp_request *req);

/* ---- auth.c ---------------------------------------------------------- */

/* Establish r->who from the Authorization header. Returns false after
 * replying 401 when the token is missing, malformed, unknown or revoked. */
bool auth_authenticate(api_request *r);

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

/* ---- documents (routes_documents.c) ---------------------------------- */

/* Called for every execution event: a document whose execution failed is
 * marked failed; every status change is published as a document event. */
void documents_on_execution(api *a, json_t *event);

#endif
