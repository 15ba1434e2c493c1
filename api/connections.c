/*
 * connections.c — every accepted socket, counted and held to deadlines.
 *
 * evhttp makes each connection's bufferevent through our callback
 * (evhttp_set_bevcb), so a socket is counted the moment it is accepted, not
 * after its first complete request: sockets that trickle header bytes are
 * counted, capped and timed like any other. Each connection gets a record:
 *
 *   - admission, on the next loop turn (the descriptor is set by then):
 *     beyond --max-connections, or beyond --max-connections-per-ip from one
 *     address, it is marked "over": its request (if it sends one at once)
 *     is answered 503 by server.c, and it is closed after OVER_GRACE_S;
 *   - the header deadline: the first request must be complete within
 *     --header-timeout seconds, unless the client keeps sending at least
 *     --min-body-rate bytes a second on average since it connected (a large
 *     upload on a slow line); checked once a second with TCP_INFO's byte
 *     count. A connection that has had a request answered is left to
 *     evhttp's idle timeout (event streams, keep-alive).
 *   - "closing" is shutdown(2): evhttp sees the end of the stream and frees
 *     the connection itself, so nothing is freed under its feet.
 *
 * The record holds a reference on the bufferevent, so it can tell that
 * evhttp let the connection go (bufferevent_free clears its event callback) and
 * release it — which closes the socket — on the next sweep or admission.
 *
 * Out of descriptors: accept() failing with EMFILE/ENFILE would make
 * libevent's listener retry at once, forever (and log each time). The
 * listener's error callback disables it, says so at most once a second, and
 * enables it again after ACCEPT_PAUSE_MS, when the sweep may have freed some.
 */
#include <errno.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received */
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "internal.h"

#define OVER_GRACE_S 1
#define ACCEPT_PAUSE_MS 250

struct conn {
    struct bufferevent *bev;  /* our reference */
    struct sockaddr_storage peer;
    bool admitted_checked;    /* admission ran (the descriptor was set) */
    bool over;                /* beyond a limit: 503, then closed */
    bool served;              /* a request was dispatched on it */
    bool closing;             /* shut down, waiting for evhttp to let go */
    double accepted;          /* monotonic seconds */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool same_host(const struct sockaddr_storage *x, const struct sockaddr_storage *y)
{
    if (x->ss_family != y->ss_family) return false;
    if (x->ss_family == AF_INET)
        return ((const struct sockaddr_in *)x)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)y)->sin_addr.s_addr;
    if (x->ss_family == AF_INET6)
        return !memcmp(&((const struct sockaddr_in6 *)x)->sin6_addr,
                       &((const struct sockaddr_in6 *)y)->sin6_addr, sizeof(struct in6_addr));
    return false;
}

/* evhttp has freed the connection: only our reference keeps the bufferevent. */
static bool let_go(const struct conn *c)
{
    /* evhttp drops the read callback while it writes a reply, never the
     * event callback: only bufferevent_free clears that. */
    bufferevent_event_cb eventcb = NULL;
    bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
    return eventcb == NULL;
}

static void shut(struct conn *c)
{
    int fd = bufferevent_getfd(c->bev);
    if (fd >= 0 && !c->closing) shutdown(fd, SHUT_RDWR);
    c->closing = true;
}

/* Admission of one connection whose descriptor is set. */
static void admit(api *a, struct conn *c)
{
    c->admitted_checked = true;
    socklen_t len = sizeof c->peer;
    if (getpeername(bufferevent_getfd(c->bev), (struct sockaddr *)&c->peer, &len) != 0)
        c->peer.ss_family = AF_UNSPEC;
    int live = 0, from_host = 0;
    for (int i = 0; i < a->conns.count; i++) {
        struct conn *o = a->conns.list[i];
        if (o == c || !o->admitted_checked || o->over || o->closing || let_go(o)) continue;
        live++;
        if (same_host(&o->peer, &c->peer)) from_host++;
    }
    int per_ip = a->opts.max_connections_per_ip;
    if (live >= a->opts.max_connections || (per_ip > 0 && from_host >= per_ip)) {
        c->over = true;
        a->stats.rejected_overload++;
    }
}

static void release(api *a, int i)
{
    struct conn *c = a->conns.list[i];
    bufferevent_decref(c->bev);
    free(c);
    a->conns.list[i] = a->conns.list[--a->conns.count];
}

/* Bytes the kernel has received on fd, or -1 when it cannot say. */
static long long bytes_received(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        len < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
        return -1;
    return (long long)ti.tcpi_bytes_received;
}

static bool too_slow(api *a, struct conn *c, double now)
{
    double age = now - c->accepted;
    if (c->over) return age >= OVER_GRACE_S;
    if (c->served || age < a->opts.header_timeout_s) return false;
    long long got = bytes_received(bufferevent_getfd(c->bev));
    return got < 0 || (double)got < a->opts.min_body_rate * age;
}

/* Release what evhttp let go, admit the new, and (with deadlines) close
 * the slow. */
static void sweep(api *a, bool deadlines)
{
    double now = now_s();
    for (int i = 0; i < a->conns.count;) {
        struct conn *c = a->conns.list[i];
        if (let_go(c)) {
            release(a, i);
            continue;
        }
        if (!c->admitted_checked && bufferevent_getfd(c->bev) >= 0) admit(a, c);
        if (deadlines && !c->closing && c->admitted_checked && too_slow(a, c, now)) shut(c);
        i++;
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    sweep(arg, true);
}

static void on_admit_soon(evutil_socket_t fd, short what, void *arg)
{
    sweep(arg, false);
}

static struct bufferevent *on_new_bev(struct event_base *base, void *arg)
{
    api *a = arg;
    struct bufferevent *bev = a->tls ? tls_bufferevent_new(a, base)
                                     : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) return NULL;
    struct conn *c = calloc(1, sizeof *c);
    if (c && a->conns.count == a->conns.capacity) {
        int cap = a->conns.capacity ? 2 * a->conns.capacity : 256;
        void *p = realloc(a->conns.list, (size_t)cap * sizeof *a->conns.list);
        if (p) a->conns.list = p, a->conns.capacity = cap;
    }
    if (!c || a->conns.count == a->conns.capacity) {
        free(c); /* untracked: still served, evhttp owns it */
        return bev;
    }
    bufferevent_incref(bev);
    c->bev = bev;
    c->accepted = now_s();
    a->conns.list[a->conns.count++] = c;
    event_active(a->conns.admit_ev, EV_TIMEOUT, 0);
    return bev;
}

static struct conn *find(api *a, struct evhttp_connection *evcon)
{
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    for (int i = 0; bev && i < a->conns.count; i++)
        if (a->conns.list[i]->bev == bev) return a->conns.list[i];
    return NULL;
}

bool connections_on_request(api *a, struct evhttp_request *req)
{
    struct conn *c = find(a, evhttp_request_get_connection(req));
    if (!c) return true;
    if (!c->admitted_checked) admit(a, c);
    if (c->over) return false;
    c->served = true;
    return true;
}

int connections_open(api *a)
{
    int n = 0;
    for (int i = 0; i < a->conns.count; i++)
        n += !a->conns.list[i]->closing && !let_go(a->conns.list[i]);
    return n;
}

/* ---- out of descriptors ---------------------------------------------- */

static void on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
    api *a = arg;
    sweep(a, false);
    if (a->conns.listener) evconnlistener_enable(a->conns.listener);
}

/* The listener's callbacks carry evhttp's pointer, not ours: one server
 * per process, so the error callback finds it here. */
static api *accept_owner;

static void on_accept_error(struct evconnlistener *l, void *arg)
{
    api *a = accept_owner;
    if (!a) return;
    int err = errno;
    evconnlistener_disable(l);
    a->conns.accept_errors++;
    double now = now_s();
    if (now - a->conns.last_error_log >= 1.0) {
        fprintf(stderr, "yogi: accept: %s; not accepting for %d ms (%llu such errors)\n",
                strerror(err), ACCEPT_PAUSE_MS, (unsigned long long)a->conns.accept_errors);
        a->conns.last_error_log = now;
    }
    struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
    evtimer_add(a->conns.resume_ev, &tv);
}

int connections_setup(api *a, struct evhttp_bound_socket *bound)
{
    evhttp_set_bevcb(a->http, on_new_bev, a);
    a->conns.tick_ev = event_new(a->base, -1, EV_PERSIST, on_tick, a);
    a->conns.admit_ev = event_new(a->base, -1, 0, on_admit_soon, a);
    a->conns.resume_ev = evtimer_new(a->base, on_resume_accept, a);
    struct timeval second = {1, 0};
    if (!a->conns.tick_ev || !a->conns.admit_ev || !a->conns.resume_ev ||
        event_add(a->conns.tick_ev, &second) != 0)
        return -1;
    a->conns.listener = evhttp_bound_socket_get_listener(bound);
    accept_owner = a;
    evconnlistener_set_error_cb(a->conns.listener, on_accept_error);
    return 0;
}

void connections_teardown(api *a)
{
    accept_owner = NULL;
    if (a->conns.tick_ev) event_free(a->conns.tick_ev);
    if (a->conns.admit_ev) event_free(a->conns.admit_ev);
    if (a->conns.resume_ev) event_free(a->conns.resume_ev);
    /* After evhttp_free: our references are the last ones. */
    while (a->conns.count > 0) release(a, a->conns.count - 1);
    free(a->conns.list);
}
