/*
 * api_loadgen.c — an open-loop HTTP load generator for bench/api_load.sh.
 *
 *   api_loadgen HOST PORT PATH [options]     (bench/tools/api_loadgen.c)
 *     --rate N         requests per second (open loop: sent on schedule,
 *                      whether or not earlier ones have answered)
 *     --duration S     seconds to send for (or --count N requests)
 *     --conns N        client connections (requests queue on each)
 *     --token T        Authorization: Bearer T
 *     --method M       GET (default) or POST
 *     --body FILE      request body; --type CONTENT-TYPE for it
 *
 * Latency runs from a request's scheduled time to its reply, so a server
 * that stalls is charged for the requests that waited behind the stall
 * (no coordinated omission); it therefore also includes the generator's
 * own lateness on a busy machine, which service_* (from the moment the
 * request was handed over) leaves out. Prints one line of key=value figures. Bounded:
 * it stops sending at the end of the duration and waits at most 10 s more.
 * Loopback only: HOST must be 127.0.0.1 or ::1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

typedef struct load {
    struct event_base *base;
    struct evhttp_connection **conns;
    int nconns, next_conn;
    const char *host, *path, *token, *type;
    enum evhttp_cmd_type method;
    char *body;
    size_t body_len;
    double rate, duration;
    long count, sent, done, errors, codes[6];
    double start, *lat;  /* from the scheduled time */
    double *svc;         /* from the moment the request was handed to the socket layer */
    struct event *tick;
} load;

typedef struct pending {
    load *l;
    double scheduled, sent;
} pending;

static double now_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void on_reply(struct evhttp_request *req, void *arg)
{
    pending *p = arg;
    load *l = p->l;
    if (!req || evhttp_request_get_response_code(req) == 0) {
        l->errors++;
    } else {
        int code = evhttp_request_get_response_code(req);
        if (code / 100 >= 1 && code / 100 <= 5) l->codes[code / 100]++;
        if (code != 429 && code != 503 && code >= 400) l->errors++;
    }
    double t = now_s();
    l->svc[l->done] = t - p->sent;
    l->lat[l->done++] = t - p->scheduled;
    free(p);
    if (l->done == l->count) event_base_loopexit(l->base, NULL);
}

static void send_one(load *l, double scheduled)
{
    pending *p = malloc(sizeof *p);
    if (!p) return;
    p->l = l;
    p->scheduled = scheduled;
    p->sent = now_s();
    struct evhttp_request *req = evhttp_request_new(on_reply, p);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", l->host);
    if (l->token) {
        char auth[256];
        snprintf(auth, sizeof auth, "Bearer %s", l->token);
        evhttp_add_header(h, "Authorization", auth);
    }
    if (l->body) {
        evhttp_add_header(h, "Content-Type", l->type ? l->type : "application/octet-stream");
        evbuffer_add(evhttp_request_get_output_buffer(req), l->body, l->body_len);
    }
    struct evhttp_connection *c = l->conns[l->next_conn++ % l->nconns];
    if (evhttp_make_request(c, req, l->method, l->path) != 0) {
        l->errors++;
        l->svc[l->done] = 0;
        l->lat[l->done++] = 0;
        free(p);
    }
    l->sent++;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    load *l = arg;
    double elapsed = now_s() - l->start;
    long due = (long)(elapsed * l->rate);
    if (due > l->count) due = l->count;
    while (l->sent < due) send_one(l, l->start + (double)l->sent / l->rate);
    if (l->sent >= l->count) event_del(l->tick);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, long n, double q)
{
    if (n == 0) return 0;
    long i = (long)(q * (double)(n - 1) + 0.5);
    return v[i];
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int parse_args(load *l, int argc, char **argv)
{
    for (int i = 4; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--rate")) l->rate = strtod(v, NULL);
        else if (!strcmp(k, "--duration")) l->duration = strtod(v, NULL);
        else if (!strcmp(k, "--count")) l->count = strtol(v, NULL, 10);
        else if (!strcmp(k, "--conns")) l->nconns = (int)strtol(v, NULL, 10);
        else if (!strcmp(k, "--token")) l->token = v;
        else if (!strcmp(k, "--type")) l->type = v;
        else if (!strcmp(k, "--method")) l->method = strcmp(v, "POST") ? EVHTTP_REQ_GET : EVHTTP_REQ_POST;
        else if (!strcmp(k, "--body") && !(l->body = read_file(v, &l->body_len))) return -1;
        else if (strcmp(k, "--body") != 0) return -1;
    }
    if (!l->count) l->count = (long)(l->rate * l->duration);
    return l->rate > 0 && l->count > 0 && l->nconns > 0 && l->count <= 10000000 ? 0 : -1;
}

int main(int argc, char **argv)
{
    load l = {.rate = 100, .duration = 1, .nconns = 8, .method = EVHTTP_REQ_GET};
    if (argc < 4 || parse_args(&l, argc, argv) != 0 ||
        (strcmp(argv[1], "127.0.0.1") && strcmp(argv[1], "::1"))) {
        fprintf(stderr, "usage: api_loadgen 127.0.0.1 PORT PATH [--rate N] [--duration S|--count N]"
                        " [--conns N] [--token T] [--method M] [--body FILE --type T]\n");
        return 2;
    }
    l.host = argv[1];
    l.path = argv[3];
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER); /* a 1 ms tick that is 1 ms */
    l.base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    l.lat = calloc((size_t)l.count, sizeof *l.lat);
    l.svc = calloc((size_t)l.count, sizeof *l.svc);
    l.conns = calloc((size_t)l.nconns, sizeof *l.conns);
    for (int i = 0; i < l.nconns; i++) {
        l.conns[i] = evhttp_connection_base_new(l.base, NULL, argv[1], (ev_uint16_t)atoi(argv[2]));
        evhttp_connection_set_timeout(l.conns[i], 10);
    }
    l.tick = event_new(l.base, -1, EV_PERSIST, on_tick, &l);
    struct timeval ms = {0, 1000}, limit = {(long)(l.count / l.rate) + 10, 0};
    l.start = now_s();
    event_add(l.tick, &ms);
    event_base_loopexit(l.base, &limit);
    event_base_dispatch(l.base);
    double wall = now_s() - l.start;
    qsort(l.lat, (size_t)l.done, sizeof *l.lat, by_value);
    qsort(l.svc, (size_t)l.done, sizeof *l.svc, by_value);
    printf("sent=%ld done=%ld lost=%ld errors=%ld 2xx=%ld 4xx=%ld 5xx=%ld wall_s=%.2f "
           "achieved_rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
           "service_p50_ms=%.2f service_p99_ms=%.2f\n",
           l.sent, l.done, l.count - l.done, l.errors, l.codes[2], l.codes[4], l.codes[5], wall,
           (double)l.done / wall, 1e3 * pct(l.lat, l.done, .5), 1e3 * pct(l.lat, l.done, .9),
           1e3 * pct(l.lat, l.done, .99), 1e3 * pct(l.lat, l.done, 1), 1e3 * pct(l.svc, l.done, .5),
           1e3 * pct(l.svc, l.done, .99));
    return 0;
}
