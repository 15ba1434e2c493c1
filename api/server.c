/*
 * server.c — the listener, its limits, and the event loop shared with the
 * engine.
 *
 * One libevent loop runs everything. The engine's descriptor is watched
 * (EV_READ|EV_PERSIST) and a timer is re-armed from engine_timeout_ms() after
 * every engine_run_once() and after every request that gave the engine work,
 * so the engine never waits on the network nor the network on the engine.
 *
 * Admission, cheapest first, so that overload is answered instead of queued:
 *   - every accepted socket is counted at once (connections.c): beyond
 *     max_connections or max_connections_per_ip it gets 503 and is closed;
 *     its first request must arrive within header_timeout_s (or keep up
 *     min_body_rate); running out of descriptors pauses accept();
 *   - evhttp refuses headers over max_header_bytes (400) and bodies over the
 *     upload limit (413) before reading them, and drops idle connections
 *     after request_timeout_s;
 *   - a token bucket (rate_limit_rps, burst of one second) answers 429 with
 *     Retry-After before any database work;
 *   - an upload while max_pending_documents tasks wait for a worker gets 429
 *     (routes_documents.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/http.h>

#include "host_error.h"
#include "internal.h"

void api_options_default(api_options *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:8080";
    o->upload_workflow = "document_processing";
    o->auth = true;
    o->max_upload_bytes = 25u << 20;
    o->max_header_bytes = 16u << 10;
    o->max_connections = 512;
    o->request_timeout_s = 30;
    o->max_connections_per_ip = 64;
    o->header_timeout_s = 10;
    o->min_body_rate = 1024;
    o->rate_limit_rps = 2000;
    o->max_pending_documents = 200;
    o->activity_poll_s = 60;
}

/* Split "host:port" or "[v6]:port" into host and port. */
static int split_listen(const char *listen, char *host, size_t hlen, int *port)
{
    const char *colon;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':') return -1;
        snprintf(host, hlen, "%.*s", (int)(close - listen - 1), listen + 1);
        colon = close + 1;
    } else {
        colon = strrchr(listen, ':');
        if (!colon) return -1;
        snprintf(host, hlen, "%.*s", (int)(colon - listen), listen);
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || p < 0 || p > 65535 || !host[0]) return -1;
    *port = (int)p;
    return 0;
}

bool api_listen_is_loopback(const char *listen)
{
    char host[256];
    int port;
    if (split_listen(listen, host, sizeof host, &port) != 0) return false;
    if (!strcmp(host, "localhost")) return true;
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, host, &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

/* ---- the engine in the loop ------------------------------------------ */

static void arm_engine_timer(api *a)
{
    int ms = engine_timeout_ms(a->e);
    if (ms < 0) {
        evtimer_del(a->engine_timer);
        return;
    }
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(a->engine_timer, &tv);
}

static void on_engine(evutil_socket_t fd, short what, void *arg)
{
    api *a = arg;
    engine_run_once(a->e);
    arm_engine_timer(a);
}

void api_engine_poke(api *a)
{
    arm_engine_timer(a);
}

/* The engine keeps its listeners until it closes, which may be after the
 * loop and the hub are gone: it is given this slot, emptied at teardown. */
static struct {
    events_hub *hub;
    bool subscribed;
} listener_slot;

static void on_engine_notice(void *ud, json_t *event)
{
    (void)ud;
    if (listener_slot.hub) events_on_engine(listener_slot.hub, event);
}

/* ---- admission ------------------------------------------------------- */

static bool rate_admit(api *a)
{
    if (a->opts.rate_limit_rps <= 0) return true;
    struct timeval now;
    event_base_gettimeofday_cached(a->base, &now);
    double elapsed = (double)(now.tv_sec - a->bucket_time.tv_sec) +
                     (double)(now.tv_usec - a->bucket_time.tv_usec) / 1e6;
    a->bucket_time = now;
    if (elapsed > 0) a->bucket += elapsed * a->opts.rate_limit_rps;
    if (a->bucket > a->opts.rate_limit_rps) a->bucket = a->opts.rate_limit_rps;
    if (a->bucket < 1) return false;
    a->bucket -= 1;
    return true;
}

static void on_connection_closed(struct evhttp_connection *c, void *arg)
{
    api *a = arg;
    if (a->events) events_connection_closed(a->events, c);
    if (a->activities) activity_connection_closed(a->activities, c);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    api *a = arg;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (evcon) evhttp_connection_set_closecb(evcon, on_connection_closed, a);
    if (!connections_on_request(a, req)) {
        a->stats.rejected_overload++;
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        reply_raw_error(req, 503, "ServiceUnavailable", "too many connections; retry later");
        return;
    }
    if (!rate_admit(a)) {
        a->stats.rejected_rate++;
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        reply_raw_error(req, 429, "TooManyRequests", "request rate limit reached; retry later");
        return;
    }
    router_dispatch(a, req);
}

/* ---- fail closed ------------------------------------------------------ */

/* Once a second: a database file or data directory deleted or replaced
 * under us stops the server, as a failed commit stops the engine; writing
 * on into an unlinked file would lose everything accepted from then on. */
static void on_store_check(evutil_socket_t fd, short what, void *arg)
{
    api *a = arg;
    if (store_intact(a->s, a->store_lost, sizeof a->store_lost)) return;
    fprintf(stderr, "yogi: %s; stopping: nothing more can be stored safely\n", a->store_lost);
    event_base_loopexit(a->base, NULL);
}

/* ---- setup and teardown ---------------------------------------------- */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    api *a = arg;
    fprintf(stderr, "yogi: %s received, shutting down\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    event_base_loopexit(a->base, NULL);
}

static int bind_listener(api *a, yogi_error *err, struct evhttp_bound_socket **out)
{
    char host[256];
    int port;
    if (split_listen(a->opts.listen, host, sizeof host, &port) != 0) {
        host_fail(err, "InvalidListen", "--listen wants HOST:PORT, not '%s'", a->opts.listen);
        return -1;
    }
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(a->http, host,
                                                                       (ev_uint16_t)port);
    *out = bound;
    if (!bound) {
        host_fail(err, "Listen.Failed", "cannot listen on %s: %s", a->opts.listen,
                  strerror(errno));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = evhttp_bound_socket_get_fd(bound);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        char addr[INET6_ADDRSTRLEN] = "?";
        int bound_port = 0;
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof addr);
            bound_port = ntohs(s6->sin6_port);
            fprintf(stderr, "yogi: listening on %s://[%s]:%d\n", a->tls ? "https" : "http", addr,
                    bound_port);
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof addr);
            bound_port = ntohs(s4->sin_port);
            fprintf(stderr, "yogi: listening on %s://%s:%d\n", a->tls ? "https" : "http", addr,
                    bound_port);
        }
        if (a->setup_code[0])
            fprintf(stderr,
                    "yogi: first start: no user yet. Create the first admin at\n"
                    "yogi: setup link: http://%s%s%s:%d/#/setup/%s\n"
                    "yogi: (one-time link) or run: yogi user add NAME --role admin --data %s\n",
                    ss.ss_family == AF_INET6 ? "[" : "", addr, ss.ss_family == AF_INET6 ? "]" : "",
                    bound_port, a->setup_code, a->opts.data_dir ? a->opts.data_dir : "DIR");
    }
    return 0;
}

static int setup_http(api *a, yogi_error *err)
{
    a->http = evhttp_new(a->base);
    if (!a->http) {
        host_fail(err, "Internal", "evhttp_new failed");
        return -1;
    }
    evhttp_set_max_headers_size(a->http, (ev_ssize_t)a->opts.max_header_bytes);
    /* Multipart framing adds a little to the file itself. */
    evhttp_set_max_body_size(a->http, (ev_ssize_t)(a->opts.max_upload_bytes + (64u << 10)));
    evhttp_set_timeout(a->http, a->opts.request_timeout_s);
    evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
                                            EVHTTP_REQ_PATCH | EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(a->http, on_request, a);
    struct evhttp_bound_socket *bound = NULL;
    if (bind_listener(a, err, &bound) != 0) return -1;
    if (connections_setup(a, bound) != 0) {
        host_fail(err, "Internal", "cannot set up connection tracking");
        return -1;
    }
    return 0;
}

static void on_retention(evutil_socket_t fd, short what, void *arg)
{
    documents_retention_sweep(arg);
}

/* The retention sweep at start and every hour after (when configured). */
static int setup_retention(api *a, yogi_error *err)
{
    if (a->opts.retention_days <= 0) return 0;
    documents_retention_sweep(a);
    a->retention_timer = event_new(a->base, -1, EV_PERSIST, on_retention, a);
    struct timeval hour = {3600, 0};
    if (!a->retention_timer || event_add(a->retention_timer, &hour) != 0) {
        host_fail(err, "Internal", "cannot start the retention timer");
        return -1;
    }
    return 0;
}

static int setup_engine_events(api *a, yogi_error *err)
{
    int fd = engine_fd(a->e);
    if (fd >= 0) {
        a->engine_ev = event_new(a->base, fd, EV_READ | EV_PERSIST, on_engine, a);
        if (!a->engine_ev || event_add(a->engine_ev, NULL) != 0) {
            host_fail(err, "Internal", "cannot watch the engine's descriptor");
            return -1;
        }
    }
    a->engine_timer = evtimer_new(a->base, on_engine, a);
    if (!a->engine_timer) {
        host_fail(err, "Internal", "cannot create the engine timer");
        return -1;
    }
    arm_engine_timer(a);
    return 0;
}

static void teardown(api *a)
{
    listener_slot.hub = NULL;
    activity_hub_free(a->activities);
    a->activities = NULL;
    if (a->events) events_hub_free(a->events);
    a->events = NULL; /* evhttp_free below closes connections, which tell the hub */
    if (a->http) evhttp_free(a->http);
    if (a->engine_ev) event_free(a->engine_ev);
    if (a->engine_timer) event_free(a->engine_timer);
    if (a->retention_timer) event_free(a->retention_timer);
    connections_teardown(a);
    tls_teardown(a);
    if (a->base) event_base_free(a->base);
}

int api_serve(engine *e, const api_options *opts, yogi_error *err)
{
    if (!opts->auth && !api_listen_is_loopback(opts->listen)) {
        host_fail(err, "InsecureListen",
                  "refusing to serve %s without authentication: only loopback addresses may "
                  "run with auth off", opts->listen);
        return -1;
    }
    api a;
    memset(&a, 0, sizeof a);
    a.e = e;
    a.s = engine_store(e);
    a.opts = *opts;
    a.bucket = opts->rate_limit_rps;
    signal(SIGPIPE, SIG_IGN);
    int rc = -1;
    a.base = event_base_new();
    if (!a.base) {
        host_fail(err, "Internal", "event_base_new failed");
        goto out;
    }
    event_base_gettimeofday_cached(a.base, &a.bucket_time);
    session_setup_code(&a);
    a.events = events_hub_new(&a);
    a.activities = activity_hub_new(&a);
    /* The first retention sweep is done before the listener opens. */
    if (!a.events || !a.activities || setup_retention(&a, err) != 0 || tls_setup(&a, err) != 0 ||
        setup_http(&a, err) != 0 || setup_engine_events(&a, err) != 0)
        goto out;
    listener_slot.hub = a.events;
    if (!listener_slot.subscribed) engine_subscribe(e, on_engine_notice, &listener_slot);
    listener_slot.subscribed = true;
    struct event *check = event_new(a.base, -1, EV_PERSIST, on_store_check, &a);
    struct timeval second = {1, 0};
    if (check) event_add(check, &second);
    struct event *term = evsignal_new(a.base, SIGTERM, on_signal, &a);
    struct event *intr = evsignal_new(a.base, SIGINT, on_signal, &a);
    event_add(term, NULL);
    event_add(intr, NULL);
    event_base_dispatch(a.base);
    event_free(term);
    event_free(intr);
    if (check) event_free(check);
    rc = 0;
    if (a.store_lost[0]) rc = host_fail(err, "Engine.Storage", "%s", a.store_lost);
out:
    teardown(&a);
    return rc;
}
