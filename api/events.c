/*
 * events.c — Server-Sent Events at GET /v1/events.
 *
 * Each stream is an open chunked reply; the engine's listener (called after
 * every commit) and the document routes publish into the hub, which writes
 * one "id/event/data" record to every stream whose filters and role admit
 * it. Filters: types=execution,document; workflow=, execution=, document=.
 * Admins see everything; reviewers see the events of documents sent to
 * review (route "review": entering the queue, and leaving it completed or
 * rejected), as GET /v1/documents lists them the queue; uploaders see the
 * events of their own documents only.
 *
 * Document events come from two places: the routes publish the changes
 * they make (upload, review), and the engine publishes a {"type":"document"}
 * notice after the batch in which a plugin's host call moved a document on
 * (documents.update, documents.save_timetable); either way the hub re-reads
 * the document and sends its current state.
 *
 * A slow reader is not allowed to grow our memory: a stream whose unsent
 * output passes STREAM_BACKLOG_MAX is closed (EventSource reconnects). A
 * comment line every KEEPALIVE_S keeps proxies from closing idle streams and
 * lets us notice departed clients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "documents.h"
#include "internal.h"

#define STREAM_BACKLOG_MAX (1u << 20)
#define KEEPALIVE_S 15
#define STREAM_IDLE_TIMEOUT_S (24 * 3600)

enum { TYPE_EXECUTION = 1, TYPE_DOCUMENT = 2 };

typedef struct stream {
    struct evhttp_request *req;      /* the open chunked reply */
    struct evhttp_connection *conn;  /* its connection, to match close callbacks */
    principal who;                   /* decides what it may see */
    unsigned types;                  /* TYPE_ bits asked for */
    char workflow[API_PARAM_LEN];    /* filters; "" matches everything */
    char execution[API_PARAM_LEN];
    char document[API_PARAM_LEN];
    struct stream *next;
} stream;

struct events_hub {
    api *a;
    stream *streams;
    int count;
    uint64_t seq;            /* the id: of the last record sent */
    struct event *keepalive;
};

static void stream_free(events_hub *h, stream *s, bool end_reply)
{
    for (stream **pp = &h->streams; *pp; pp = &(*pp)->next) {
        if (*pp != s) continue;
        *pp = s->next;
        h->count--;
        break;
    }
    if (end_reply) evhttp_send_reply_end(s->req);
    free(s);
}

static void send_text(events_hub *h, stream *s, const char *text, size_t len)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(s->conn);
    if (bev && evbuffer_get_length(bufferevent_get_output(bev)) > STREAM_BACKLOG_MAX) {
        stream_free(h, s, true);
        return;
    }
    struct evbuffer *buf = evbuffer_new();
    if (!buf) return;
    evbuffer_add(buf, text, len);
    evhttp_send_reply_chunk(s->req, buf);
    evbuffer_free(buf);
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
    events_hub *h = arg;
    stream *next;
    for (stream *s = h->streams; s; s = next) {
        next = s->next;
        send_text(h, s, ": keepalive\n\n", 13);
    }
}

events_hub *events_hub_new(api *a)
{
    events_hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->a = a;
    h->keepalive = event_new(a->base, -1, EV_PERSIST, on_keepalive, h);
    struct timeval tv = {KEEPALIVE_S, 0};
    if (!h->keepalive || event_add(h->keepalive, &tv) != 0) {
        events_hub_free(h);
        return NULL;
    }
    return h;
}

void events_hub_free(events_hub *h)
{
    /* No reply_end here: evhttp_free() right after closes the connections
     * and frees their requests, and a request whose end is still being
     * written when its connection goes would be leaked. */
    while (h->streams) stream_free(h, h->streams, false);
    if (h->keepalive) event_free(h->keepalive);
    free(h);
}

int events_client_count(events_hub *h)
{
    return h->count;
}

void events_connection_closed(events_hub *h, struct evhttp_connection *conn)
{
    stream *next;
    for (stream *s = h->streams; s; s = next) {
        next = s->next;
        if (s->conn != conn) continue;
        /* When the client left mid-stream libevent detaches the request
         * from its connection and leaves it to us: ending it frees it. A
         * request still attached is freed with the connection. */
        bool orphaned = evhttp_request_get_connection(s->req) == NULL;
        stream_free(h, s, orphaned);
    }
}

static bool filter_ok(const char *want, const char *have)
{
    return !want[0] || (have && !strcmp(want, have));
}

static bool admits(const stream *s, unsigned type, json_t *ev)
{
    if (!(s->types & type)) return false;
    if (type == TYPE_EXECUTION) {
        return s->who.role == ROLE_ADMIN &&
               filter_ok(s->workflow, json_string_value(json_object_get(ev, "workflow"))) &&
               filter_ok(s->execution, json_string_value(json_object_get(ev, "id")));
    }
    if (s->who.role == ROLE_REVIEWER) { /* the documents sent to review */
        const char *route = json_string_value(json_object_get(ev, "route"));
        if (!route || strcmp(route, "review") != 0) return false;
    }
    if (s->who.role == ROLE_UPLOADER && s->who.owner[0]) {
        const char *owner = json_string_value(json_object_get(ev, "owner"));
        if (!owner || strcmp(owner, s->who.owner) != 0) return false;
    }
    return filter_ok(s->document, json_string_value(json_object_get(ev, "id"))) &&
           filter_ok(s->execution, json_string_value(json_object_get(ev, "execution_id")));
}

static void publish(events_hub *h, unsigned type, const char *name, json_t *ev)
{
    char *data = json_dumps(ev, JSON_COMPACT);
    if (!data) return;
    h->seq++;
    char head[96];
    int hn = snprintf(head, sizeof head, "id: %llu\nevent: %s\ndata: ",
                      (unsigned long long)h->seq, name);
    size_t dn = strlen(data);
    char *record = malloc((size_t)hn + dn + 3);
    if (record) {
        memcpy(record, head, (size_t)hn);
        memcpy(record + hn, data, dn);
        memcpy(record + hn + dn, "\n\n", 3);
        stream *next;
        for (stream *s = h->streams; s; s = next) {
            next = s->next;
            if (admits(s, type, ev)) send_text(h, s, record, (size_t)hn + dn + 2);
        }
    }
    free(record);
    free(data);
}

void events_on_engine(void *hub, json_t *event)
{
    events_hub *h = hub;
    if (!h || !event) return;
    const char *type = json_string_value(json_object_get(event, "type"));
    if (type && strcmp(type, "document") == 0) {
        events_publish_document(h, json_string_value(json_object_get(event, "id")));
        return;
    }
    publish(h, TYPE_EXECUTION, "execution", event);
    documents_on_execution(h->a, event);
}

void events_publish_document(events_hub *h, const char *document_id)
{
    if (!h || !h->streams) return;
    json_t *doc = documents_get(h->a->s, document_id);
    if (!doc) return;
    /* The SSE "event: document" line says what it is; the record's own
     * "type" (the classification) is left as it is. */
    publish(h, TYPE_DOCUMENT, "document", doc);
    json_decref(doc);
}

static bool parse_types(const char *v, unsigned *out)
{
    *out = 0;
    while (v && *v) {
        size_t n = strcspn(v, ",");
        if (n == 9 && !strncmp(v, "execution", 9)) *out |= TYPE_EXECUTION;
        else if (n == 8 && !strncmp(v, "document", 8)) *out |= TYPE_DOCUMENT;
        else return false;
        v += n + (v[n] == ',');
    }
    if (!*out) *out = TYPE_EXECUTION | TYPE_DOCUMENT;
    return true;
}

static bool copy_filter(api_request *r, const char *key, char *out)
{
    const char *v = request_query(r, key);
    out[0] = '\0';
    if (!v) return true;
    if (!api_name_valid(v)) {
        reply_error(r, 400, "InvalidName", "%s is not a valid name", key);
        return false;
    }
    snprintf(out, API_PARAM_LEN, "%s", v);
    return true;
}

void events_stream_h(api_request *r)
{
    stream *s = calloc(1, sizeof *s);
    if (!s) {
        reply_error(r, 503, "ServiceUnavailable", "out of memory");
        return;
    }
    if (!parse_types(request_query(r, "types"), &s->types)) {
        free(s);
        reply_error(r, 400, "InvalidParameter", "types is a list of execution, document");
        return;
    }
    if (!copy_filter(r, "workflow", s->workflow) || !copy_filter(r, "execution", s->execution) ||
        !copy_filter(r, "document", s->document)) {
        free(s);
        return;
    }
    s->req = r->req;
    s->conn = evhttp_request_get_connection(r->req);
    s->who = r->who;
    events_hub *h = r->a->events;
    s->next = h->streams;
    h->streams = s;
    h->count++;
    evhttp_connection_set_timeout(s->conn, STREAM_IDLE_TIMEOUT_S);
    struct evkeyvalq *hd = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(hd, "Content-Type", "text/event-stream");
    evhttp_add_header(hd, "Cache-Control", "no-store");
    evhttp_add_header(hd, "X-Accel-Buffering", "no");
    r->a->stats.responses[2]++;
    evhttp_send_reply_start(r->req, 200, "OK");
    send_text(h, s, "retry: 2000\n: connected\n\n", 25);
}
