/*
 * router.c — the route table: method, path template, roles, handler.
 *
 * Paths are matched segment by segment on the raw (still percent-encoded)
 * path; a {placeholder} segment is decoded into r->params and must then pass
 * api_name_valid(), so "..", "%2e%2e", "a/b" and NUL bytes never reach a
 * handler as an id or a name. A path that matches a template under another
 * method gets 405 with Allow; no template at all, 404. The table is also
 * printed by `yogi serve --routes`, which the OpenAPI test compares with
 * docs/openapi.yaml.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "framing.h"
#include "internal.h"

typedef struct route {
    enum evhttp_cmd_type method;
    const char *path;       /* template; {x} matches one segment */
    int roles;              /* ROLE_ bits allowed, or ROLE_PUBLIC */
    route_handler *handler;
    bool mutates;           /* the engine may have work after it */
} route;

#define GET EVHTTP_REQ_GET
#define POST EVHTTP_REQ_POST
#define PUT EVHTTP_REQ_PUT
#define DEL EVHTTP_REQ_DELETE
#define UPL ROLE_UPLOADER
#define REV ROLE_REVIEWER
#define ADM ROLE_ADMIN

static const route routes[] = {
    {POST, "/v1/documents", UPL | ADM, documents_post, true},
    {GET, "/v1/documents", ROLE_ANY, documents_list_h, false},
    {GET, "/v1/documents/{id}", ROLE_ANY, documents_get_h, false},
    {GET, "/v1/documents/{id}/file", ROLE_ANY, documents_file_h, false},
    {GET, "/v1/documents/{id}/timetable", ROLE_ANY, documents_timetable_h, false},
    {PUT, "/v1/documents/{id}/timetable", ROLE_ANY, documents_correct_h, false},
    {GET, "/v1/documents/{id}/versions", ROLE_ANY, documents_versions_h, false},
    {DEL, "/v1/documents/{id}", UPL | ADM, documents_delete_h, true},
    {GET, "/v1/feed", ROLE_ANY, feed_get_h, false},
    {POST, "/v1/feed", ROLE_ANY, feed_create_h, false},
    {DEL, "/v1/feed", ROLE_ANY, feed_revoke_h, false},
    {GET, "/feeds/{file}", ROLE_PUBLIC, feed_ics_h, false},
    {GET, "/v1/workflows", ADM, workflows_list_h, false},
    {GET, "/v1/workflows/{name}", ADM, workflows_get_h, false},
    {PUT, "/v1/workflows/{name}", ADM, workflows_put_h, true},
    {POST, "/v1/executions", ADM, executions_start_h, true},
    {GET, "/v1/executions", ADM, executions_list_h, false},
    {GET, "/v1/executions/{id}", ADM, executions_get_h, false},
    {GET, "/v1/executions/{id}/history", ADM, executions_history_h, false},
    {POST, "/v1/executions/{id}/stop", ADM, executions_stop_h, true},
    {POST, "/v1/executions/{id}/redrive", ADM, executions_redrive_h, true},
    {GET, "/v1/tasks", REV | ADM, tasks_list_h, false},
    {POST, "/v1/tasks/{token}/success", REV | ADM, tasks_success_h, true},
    {POST, "/v1/tasks/{token}/failure", REV | ADM, tasks_failure_h, true},
    {POST, "/v1/tasks/{token}/heartbeat", REV | ADM, tasks_heartbeat_h, true},
    {GET, "/v1/events", ROLE_ANY, events_stream_h, false},
    {GET, "/v1/whoami", ROLE_ANY | ROLE_WORKER, whoami_h, false},
    {POST, "/v1/session", ROLE_PUBLIC, session_login_h, false},
    {DEL, "/v1/session", ROLE_ANY, session_logout_h, false},
    {POST, "/v1/password", ROLE_ANY, password_change_h, false},
    {GET, "/v1/setup", ROLE_PUBLIC, setup_get_h, false},
    {POST, "/v1/setup", ROLE_PUBLIC, setup_post_h, false},
    {GET, "/v1/users", ADM, users_list_h, false},
    {POST, "/v1/users", ADM, users_create_h, false},
    {PUT, "/v1/users/{name}", ADM, users_update_h, false},
    {GET, "/v1/audit", ADM, audit_list_h, false},
    {POST, "/", ROLE_PUBLIC, activity_endpoint_h, true}, /* authenticates itself */
    {GET, "/v1/activities", ADM, activities_list_h, false},
    {GET, "/v1/activity/blobs/{sha256}", ROLE_PUBLIC, activity_blob_get_h, false},
    {PUT, "/v1/activity/blobs/{sha256}", ROLE_PUBLIC, activity_blob_put_h, false},
    {GET, "/v1/tokens", ADM, tokens_list_h, false},
    {POST, "/v1/tokens", ADM, tokens_create_h, false},
    {DEL, "/v1/tokens/{id}", ADM, tokens_revoke_h, false},
    {POST, "/v1/backup", ADM, backup_h, false},
    {GET, "/healthz", ROLE_PUBLIC, ops_healthz_h, false},
    {GET, "/readyz", ROLE_PUBLIC, ops_readyz_h, false},
    {GET, "/metrics", ADM, ops_metrics_h, false},
};
#define ROUTE_COUNT (sizeof routes / sizeof routes[0])

static const char *method_name(enum evhttp_cmd_type m)
{
    switch (m) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    case EVHTTP_REQ_HEAD: return "HEAD";
    default: return "OTHER";
    }
}

void api_print_routes(FILE *out)
{
    for (size_t i = 0; i < ROUTE_COUNT; i++)
        fprintf(out, "%s %s\n", method_name(routes[i].method), routes[i].path);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode one segment of n bytes; false on bad escapes, NUL or overflow. */
static bool decode_segment(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return false;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = (char)(hi * 16 + lo);
            if (c == '\0') return false;
            i += 2;
        }
        if (o + 1 >= cap) return false;
        out[o++] = c;
    }
    out[o] = '\0';
    return true;
}

/* Match path against a template. Returns 1 on a match (params filled), 0 on
 * none, -1 when it matched but a parameter is not a valid name. */
static int match(const char *tmpl, const char *path, api_request *r)
{
    int np = 0;
    bool invalid = false;
    while (*tmpl && *path) {
        if (*tmpl != '/' || *path != '/') return 0;
        tmpl++, path++;
        size_t tl = strcspn(tmpl, "/"), pl = strcspn(path, "/");
        if (tmpl[0] == '{') {
            if (pl == 0 || np >= API_PARAMS_MAX) return 0;
            if (!decode_segment(path, pl, r->params[np], API_PARAM_LEN) ||
                !api_name_valid(r->params[np]))
                invalid = true; /* keep matching the shape, then report it */
            np++;
        } else if (tl != pl || memcmp(tmpl, path, tl) != 0) {
            return 0;
        }
        tmpl += tl, path += pl;
    }
    if (*tmpl || *path) return 0;
    if (invalid) return -1;
    r->nparams = np;
    return 1;
}

static void allowed_methods(const char *path, api_request *scratch, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        if (match(routes[i].path, path, scratch) == 0) continue;
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", used ? ", " : "", method_name(routes[i].method));
    }
}

static bool is_api_path(const char *path)
{
    return !strncmp(path, "/v1/", 4) || !strcmp(path, "/v1") || !strncmp(path, "/feeds/", 7) ||
           !strcmp(path, "/healthz") ||
           !strcmp(path, "/readyz") || !strcmp(path, "/metrics");
}

static void route_request(api_request *r, const char *path)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(r->req);
    if (!is_api_path(path) && (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD)) {
        snprintf(r->params[0], API_PARAM_LEN, "%s", path);
        web_asset_h(r);
        return;
    }
    for (size_t i = 0; i < ROUTE_COUNT; i++) {
        const route *rt = &routes[i];
        int hit = match(rt->path, path, r);
        if (hit == 0 || rt->method != m) continue;
        if (hit < 0) {
            reply_error(r, 400, "InvalidName",
                        "an id or name in the path is not of the form [A-Za-z0-9_.-]{1,128}");
            return;
        }
        if (!(rt->roles & ROLE_PUBLIC)) {
            if (!auth_authenticate(r)) return;
            if (!(rt->roles & r->who.role)) {
                reply_error(r, 403, "Forbidden", "this token's role may not %s %s",
                            method_name(m), rt->path);
                return;
            }
        }
        rt->handler(r);
        if (rt->mutates) api_engine_poke(r->a);
        return;
    }
    char allow[64];
    allowed_methods(path, r, allow, sizeof allow);
    if (allow[0]) {
        evhttp_add_header(evhttp_request_get_output_headers(r->req), "Allow", allow);
        reply_error(r, 405, "MethodNotAllowed", "%s is not allowed here; use %s", method_name(m),
                    allow);
    } else {
        reply_error(r, 404, "NotFound", "no such resource");
    }
}

/* With auth off, a web page elsewhere could still reach a loopback server
 * through DNS rebinding (its own name resolving to 127.0.0.1): the browser
 * then sends that name as Host. Only loopback names are accepted. */
static bool host_allowed(api_request *r)
{
    if (r->a->opts.auth) return true;
    const char *host = request_header(r, "Host");
    if (!host) return true; /* HTTP/1.0 clients; no browser omits it */
    size_t n = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
    static const char *const loopback[] = {"localhost", "127.0.0.1", "[::1]"};
    for (size_t i = 0; i < sizeof loopback / sizeof loopback[0]; i++)
        if (strlen(loopback[i]) == n && !strncasecmp(host, loopback[i], n)) return true;
    return false;
}

/* One line per request: peer, method, path, status, time, token id. The
 * query string is left out (it may carry names a log need not keep), and
 * task tokens are redacted. */
static void log_access(api_request *r, const char *path, const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
    char *peer = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *c = evhttp_request_get_connection(r->req);
    if (c) evhttp_connection_get_peer(c, &peer, &port);
    char shown[512];
    http_redact_path(path, shown, sizeof shown);
    fprintf(stderr, "yogi: %s %s %s %d %.1fms %s\n", peer ? peer : "-",
            method_name(evhttp_request_get_command(r->req)), shown,
            evhttp_request_get_response_code(r->req), ms,
            r->who.token_id[0] ? r->who.token_id : "-");
}

void router_dispatch(api *a, struct evhttp_request *req)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    api_request r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.req = req;
    TAILQ_INIT(&r.query);
    a->stats.requests++;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    if (!path || path[0] != '/') {
        reply_error(&r, 400, "InvalidRequest", "the request target is not a path");
        return;
    }
    if (query && evhttp_parse_query_str(query, &r.query) != 0) {
        reply_error(&r, 400, "InvalidRequest", "the query string is malformed");
        evhttp_clear_headers(&r.query);
        return;
    }
    const char *framing = http_framing_problem(evhttp_request_get_input_headers(req));
    if (framing) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        reply_error(&r, 400, "AmbiguousFraming", "%s", framing);
    } else if (!host_allowed(&r))
        reply_error(&r, 403, "HostNotAllowed", "without auth only loopback host names are served");
    else
        route_request(&r, path);
    if (a->opts.access_log) log_access(&r, path, &t0);
    evhttp_clear_headers(&r.query);
}
