/*
 * routes_activities.c — the Step Functions Activity protocol for remote
 * workers (engine/activities.h), spoken as AWS speaks it so that the same
 * worker serves `yogi serve` and AWS Step Functions:
 *
 *   POST /   Content-Type: application/x-amz-json-1.0
 *            X-Amz-Target: AWSStepFunctions.GetActivityTask | SendTaskSuccess |
 *                          SendTaskFailure | SendTaskHeartbeat
 *            Authorization: Bearer <worker or admin token> | AWS4-HMAC-SHA256 ...
 *
 * Errors leave as AWS's do: status 400 with
 * {"__type": "com.amazonaws.swf.service.v2.model#TaskTimedOut", "message": ...}.
 *
 * GetActivityTask is a long poll: with no task waiting the request is
 * parked (at most activity_poll_s, 60 s as on AWS) and answered as soon as
 * the engine queues a task for that activity ({} when none came). Parked
 * polls are served oldest first. The engine's "ready" call only schedules
 * a wake-up event: the hand-out (which commits) runs from the loop, never
 * inside the engine's own flush. A poll whose client went away is dropped
 * without taking a task; a task handed to a client that vanishes just
 * after is recovered by its heartbeat timeout, as on AWS.
 *
 * Files travel by content: GET/PUT /v1/activity/blobs/{sha256} with the
 * task token in X-Yogi-Task-Token (no other credential: the token is the
 * capability, and is good while its task runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "activities.h"
#include "internal.h"
#include "sigv4.h"

#define AMZ_JSON "application/x-amz-json-1.0"
#define TARGET_PREFIX "AWSStepFunctions."
#define WORKER_NAME_MAX 81
#define MAX_WORKERS_SEEN 256

typedef struct poll_wait {
    struct poll_wait *next;
    activity_hub *hub;
    struct evhttp_request *req;
    struct evhttp_connection *conn;
    struct event *timer;                /* the poll's 60 s */
    char name[ACTIVITY_NAME_MAX];       /* the activity polled */
    char worker[WORKER_NAME_MAX];       /* its workerName */
} poll_wait;

typedef struct worker_seen {
    char name[WORKER_NAME_MAX], activity[ACTIVITY_NAME_MAX];
    int64_t last_poll_ms;
    uint64_t tasks;                     /* tasks handed to it */
} worker_seen;

struct activity_hub {
    api *a;
    poll_wait *waits;                   /* oldest first */
    struct event *wake;                 /* the engine queued a task */
    worker_seen seen[MAX_WORKERS_SEEN]; /* for GET /v1/activities */
    int n_seen;
};

/* ---- replies in AWS's shape ------------------------------------------------ */

static void amz_reply(struct evhttp_request *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", AMZ_JSON);
    struct evbuffer *buf = evbuffer_new();
    if (buf && text) evbuffer_add(buf, text, strlen(text));
    free(text);
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Bad Request", buf);
    if (buf) evbuffer_free(buf);
}

static void amz_error(api_request *r, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void amz_error(api_request *r, int status, const char *type, const char *fmt, ...)
{
    char message[1024], full[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "com.amazonaws.swf.service.v2.model#%s", type);
    r->a->stats.responses[status / 100]++;
    amz_reply(r->req, status, json_pack("{s:s, s:s}", "__type", full, "message", message));
}

static void amz_ok(api_request *r, json_t *body)
{
    r->a->stats.responses[2]++;
    amz_reply(r->req, 200, body);
}

/* ---- the hub: parked polls ------------------------------------------------- */

static void wait_free(activity_hub *h, poll_wait *w)
{
    for (poll_wait **pp = &h->waits; *pp; pp = &(*pp)->next) {
        if (*pp != w) continue;
        *pp = w->next;
        break;
    }
    if (w->timer) event_free(w->timer);
    free(w);
}

static worker_seen *seen_slot(activity_hub *h, const char *worker, const char *activity)
{
    int oldest = 0;
    for (int i = 0; i < h->n_seen; i++) {
        if (!strcmp(h->seen[i].name, worker) && !strcmp(h->seen[i].activity, activity))
            return &h->seen[i];
        if (h->seen[i].last_poll_ms < h->seen[oldest].last_poll_ms) oldest = i;
    }
    int i = h->n_seen < MAX_WORKERS_SEEN ? h->n_seen++ : oldest;
    memset(&h->seen[i], 0, sizeof h->seen[i]);
    snprintf(h->seen[i].name, sizeof h->seen[i].name, "%s", worker);
    snprintf(h->seen[i].activity, sizeof h->seen[i].activity, "%s", activity);
    return &h->seen[i];
}

/* Take a task of `name` for worker (not yet committed): the reply body, or
 * NULL when none waits. */
static json_t *take(activity_hub *h, const char *name, const char *worker)
{
    json_t *task = NULL;
    yogi_error err = {{0}, {0}};
    if (engine_activity_take(h->a->e, name, worker, &task, &err) != 1) return NULL;
    /* Extensions AWS clients ignore: the files, and how often to heartbeat. */
    json_t *files = json_incref(json_object_get(task, "files"));
    json_t *hb = json_incref(json_object_get(task, "heartbeatSeconds"));
    json_object_del(task, "files");
    json_object_del(task, "heartbeatSeconds");
    json_object_set_new(task, "yogiFiles", files);
    if (json_integer_value(hb) > 0) json_object_set(task, "yogiHeartbeatSeconds", hb);
    json_decref(hb);
    seen_slot(h, worker, name)->tasks++;
    return task;
}

static void send_task(activity_hub *h, struct evhttp_request *req, json_t *task)
{
    h->a->stats.responses[2]++;
    amz_reply(req, 200, task);
}

/* libevent does not read a connection while its request is being
 * handled, so a client that gave up on its poll is seen only here: its
 * socket reads end-of-file. */
static bool client_gone(struct evhttp_connection *conn)
{
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    int fd = bev ? bufferevent_getfd(bev) : -1;
    char c;
    return fd < 0 || recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Serve the parked polls, oldest first: every task they take is committed
 * in one transaction (group commit) before any of them is sent. */
static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    activity_hub *h = arg;
    (void)fd;
    (void)what;
    struct evhttp_request *reqs[64];
    json_t *tasks[64];
    int n = 0;
    poll_wait *next;
    for (poll_wait *w = h->waits; w && n < 64; w = next) {
        next = w->next;
        if (!evhttp_request_get_connection(w->req)) continue; /* closing; closecb frees it */
        if (client_gone(w->conn)) {
            amz_reply(w->req, 200, json_object()); /* fails, and frees the connection */
            wait_free(h, w);
            continue;
        }
        json_t *task = take(h, w->name, w->worker);
        if (!task) continue;
        reqs[n] = w->req;
        tasks[n++] = task;
        wait_free(h, w);
    }
    if (n > 0) engine_activity_commit(h->a->e);
    for (int i = 0; i < n; i++) send_task(h, reqs[i], tasks[i]);
    if (n == 64) event_active(h->wake, EV_TIMEOUT, 0);
    api_engine_poke(h->a);
}

static void on_poll_timeout(evutil_socket_t fd, short what, void *arg)
{
    poll_wait *w = arg;
    (void)fd;
    (void)what;
    w->hub->a->stats.responses[2]++;
    amz_reply(w->req, 200, json_object());
    wait_free(w->hub, w);
}

static void on_engine_ready(void *ud, const char *name)
{
    activity_hub *h = ud;
    (void)name;
    if (h->waits) event_active(h->wake, EV_TIMEOUT, 0);
}

activity_hub *activity_hub_new(api *a)
{
    activity_hub *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->a = a;
    h->wake = event_new(a->base, -1, 0, on_wake, h);
    if (!h->wake) {
        free(h);
        return NULL;
    }
    engine_activity_on_ready(a->e, on_engine_ready, h);
    return h;
}

void activity_hub_free(activity_hub *h)
{
    if (!h) return;
    engine_activity_on_ready(h->a->e, NULL, NULL);
    while (h->waits) wait_free(h, h->waits); /* evhttp_free frees the requests */
    event_free(h->wake);
    free(h);
}

void activity_connection_closed(activity_hub *h, struct evhttp_connection *conn)
{
    poll_wait *next;
    for (poll_wait *w = h ? h->waits : NULL; w; w = next) {
        next = w->next;
        if (w->conn != conn) continue;
        /* A request libevent detached from its closed connection is ours
         * to end (that frees it); one still attached goes with it. */
        if (!evhttp_request_get_connection(w->req)) evhttp_send_reply(w->req, 200, "OK", NULL);
        wait_free(h, w);
    }
}

/* ---- authentication ------------------------------------------------------- */

static bool configured_secret(void *ud, const char *key, char *secret, size_t len)
{
    const api_options *o = ud;
    if (!o->sigv4_access_key || !o->sigv4_secret_key || strcmp(key, o->sigv4_access_key) != 0)
        return false;
    snprintf(secret, len, "%s", o->sigv4_secret_key);
    return true;
}

/* The request as sigv4.c sees it (header array owned by the caller). */
static void sigv4_view(api_request *r, sigv4_header *hs, size_t cap, sigv4_request *out)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(r->req);
    struct evkeyval *kv;
    size_t n = 0;
    TAILQ_FOREACH(kv, in, next) {
        if (n == cap) break;
        hs[n++] = (sigv4_header){kv->key, kv->value};
    }
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(r->req);
    size_t len = 0;
    const unsigned char *body = request_body(r, &len);
    *out = (sigv4_request){.method = "POST", .path = evhttp_uri_get_path(uri),
                           .query = evhttp_uri_get_query(uri), .headers = hs, .n_headers = n,
                           .body = body, .body_len = len};
}

static bool authenticate(api_request *r)
{
    if (!r->a->opts.auth) return true;
    const char *h = request_header(r, "Authorization");
    if (h && !strncmp(h, "AWS4-", 5)) {
        sigv4_header hs[64];
        sigv4_request sr;
        char key[128];
        yogi_error err = {{0}, {0}};
        sigv4_view(r, hs, 64, &sr);
        if (sigv4_verify(&sr, configured_secret, &r->a->opts, (int64_t)time(NULL), key, &err) ==
            0)
            return true;
        amz_error(r, 403, err.name, "%s", err.cause);
        return false;
    }
    if (!h) {
        amz_error(r, 403, "MissingAuthenticationTokenException",
                  "a worker token (Authorization: Bearer) or a SigV4 signature is required");
        return false;
    }
    if (!auth_authenticate(r)) return false; /* replied 401 */
    if (r->who.role & (ROLE_WORKER | ROLE_ADMIN)) return true;
    amz_error(r, 400, "AccessDeniedException", "only worker and admin tokens may call activities");
    return false;
}

/* ---- operations --------------------------------------------------------------- */

static void get_activity_task(api_request *r, json_t *body)
{
    const char *arn = json_string_value(json_object_get(body, "activityArn"));
    const char *worker = json_string_value(json_object_get(body, "workerName"));
    char name[ACTIVITY_NAME_MAX];
    if (!arn || !activity_name_from(arn, name)) {
        amz_error(r, 400, "InvalidArn", "activityArn must be an activity ARN "
                  "(arn:aws:states:REGION:ACCOUNT:activity:NAME) or activity:NAME");
        return;
    }
    if (worker && strlen(worker) >= WORKER_NAME_MAX) {
        amz_error(r, 400, "ValidationException", "workerName is at most 80 characters");
        return;
    }
    activity_hub *h = r->a->activities;
    worker_seen *s = seen_slot(h, worker ? worker : "", name);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->last_poll_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    json_t *task = take(h, name, worker ? worker : "");
    if (task) {
        engine_activity_commit(r->a->e);
        send_task(h, r->req, task);
        return;
    }
    poll_wait *w = calloc(1, sizeof *w);
    if (!w) {
        amz_error(r, 500, "ServiceUnavailable", "out of memory");
        return;
    }
    w->hub = h;
    w->req = r->req;
    w->conn = evhttp_request_get_connection(r->req);
    snprintf(w->name, sizeof w->name, "%s", name);
    snprintf(w->worker, sizeof w->worker, "%s", worker ? worker : "");
    w->timer = evtimer_new(r->a->base, on_poll_timeout, w);
    struct timeval tv = {r->a->opts.activity_poll_s > 0 ? r->a->opts.activity_poll_s : 60, 0};
    poll_wait **tail = &h->waits;
    while (*tail) tail = &(*tail)->next;
    *tail = w;
    if (!w->timer || evtimer_add(w->timer, &tv) != 0) on_poll_timeout(-1, 0, w);
}

/* Engine error names as AWS names them. */
static void answer_error(api_request *r, const yogi_error *err)
{
    if (!strcmp(err->name, "TaskDoesNotExist") || !strcmp(err->name, "TaskTimedOut"))
        amz_error(r, 400, err->name, "%s", err->cause);
    else
        amz_error(r, 500, "ServiceUnavailable", "%s: %s", err->name, err->cause);
}

static void send_task_answer(api_request *r, const char *op, json_t *body)
{
    const char *token = json_string_value(json_object_get(body, "taskToken"));
    yogi_error err = {{0}, {0}};
    int rc;
    if (!token || !*token || strlen(token) > 1024) {
        amz_error(r, 400, "InvalidToken", "taskToken is required (1-1024 characters)");
        return;
    }
    if (!strcmp(op, "SendTaskSuccess")) {
        const char *text = json_string_value(json_object_get(body, "output"));
        json_t *output = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
        if (!output) {
            amz_error(r, 400, "InvalidOutput", "output must be a string holding JSON text");
            return;
        }
        rc = engine_task_success(r->a->e, token, output, &err);
        json_decref(output);
    } else if (!strcmp(op, "SendTaskFailure")) {
        const char *error = json_string_value(json_object_get(body, "error"));
        const char *cause = json_string_value(json_object_get(body, "cause"));
        rc = engine_task_failure(r->a->e, token, error && *error ? error : "States.TaskFailed",
                                 cause ? cause : "", &err);
    } else {
        rc = engine_task_heartbeat(r->a->e, token, &err);
    }
    if (rc != 0) answer_error(r, &err);
    else amz_ok(r, json_object());
}

void activity_endpoint_h(api_request *r)
{
    const char *target = request_header(r, "X-Amz-Target");
    const char *ct = request_header(r, "Content-Type");
    if (!authenticate(r)) return;
    if (!target || strncmp(target, TARGET_PREFIX, strlen(TARGET_PREFIX)) != 0) {
        amz_error(r, 400, "UnknownOperationException", "X-Amz-Target must be "
                  "AWSStepFunctions.<operation>");
        return;
    }
    const char *op = target + strlen(TARGET_PREFIX);
    if (!ct || (strncasecmp(ct, AMZ_JSON, strlen(AMZ_JSON)) != 0 &&
                strncasecmp(ct, "application/x-amz-json-1.1", 26) != 0)) {
        amz_error(r, 400, "SerializationException", "Content-Type must be " AMZ_JSON);
        return;
    }
    size_t len = 0;
    const unsigned char *raw = request_body(r, &len);
    json_t *body = raw && len <= (1u << 20) ? json_loadb((const char *)raw, len, 0, NULL) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        amz_error(r, 400, "SerializationException", "the body must be a JSON object");
        return;
    }
    if (!strcmp(op, "GetActivityTask")) get_activity_task(r, body);
    else if (!strcmp(op, "SendTaskSuccess") || !strcmp(op, "SendTaskFailure") ||
             !strcmp(op, "SendTaskHeartbeat"))
        send_task_answer(r, op, body);
    else
        amz_error(r, 400, "UnknownOperationException", "this endpoint serves GetActivityTask, "
                  "SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, not %s", op);
    json_decref(body);
}

/* ---- files by task token --------------------------------------------------------- */

static const char *task_token(api_request *r)
{
    const char *t = request_header(r, "X-Yogi-Task-Token");
    if (!t || !*t) reply_error(r, 401, "InvalidToken", "X-Yogi-Task-Token is required");
    return t && *t ? t : NULL;
}

static void reply_file(api_request *r, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        reply_error(r, 404, "FileDoesNotExist", "the file is gone: %s", strerror(errno));
        return;
    }
    struct evbuffer *buf = evbuffer_new();
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type",
                      "application/octet-stream");
    if (buf && evbuffer_add_file(buf, fd, 0, st.st_size) == 0) {
        r->a->stats.responses[2]++;
        evhttp_send_reply(r->req, 200, "OK", buf);
    } else {
        if (!buf) close(fd);
        reply_error(r, 500, "Internal", "cannot send the file");
    }
    if (buf) evbuffer_free(buf);
}

void activity_blob_get_h(api_request *r)
{
    const char *token = task_token(r);
    char path[4096];
    yogi_error err = {{0}, {0}};
    if (!token) return;
    if (engine_activity_file(r->a->e, token, r->params[0], path, sizeof path, &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_file(r, path);
}

void activity_blob_put_h(api_request *r)
{
    const char *token = task_token(r), *name = request_query(r, "name");
    char path[4096];
    yogi_error err = {{0}, {0}};
    size_t len = 0;
    if (!token) return;
    const unsigned char *body = request_body(r, &len);
    if (!body) body = (const unsigned char *)"";
    if (engine_activity_store(r->a->e, token, r->params[0], name ? name : "blob", body, len, path,
                              sizeof path, &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_json(r, 200, json_pack("{s:s, s:s, s:I}", "path", path, "sha256", r->params[0],
                                     "size", (json_int_t)len));
}

/* Queues and the workers seen polling, for operators. */
void activities_list_h(api_request *r)
{
    activity_hub *h = r->a->activities;
    json_t *workers = json_array(), *parked = json_object();
    for (int i = 0; i < h->n_seen; i++)
        json_array_append_new(workers, json_pack("{s:s, s:s, s:I, s:I}", "name", h->seen[i].name,
                                                 "activity", h->seen[i].activity, "last_poll_ms",
                                                 (json_int_t)h->seen[i].last_poll_ms, "tasks",
                                                 (json_int_t)h->seen[i].tasks));
    for (poll_wait *w = h->waits; w; w = w->next) {
        json_int_t n = json_integer_value(json_object_get(parked, w->name));
        json_object_set_new(parked, w->name, json_integer(n + 1));
    }
    reply_json(r, 200, json_pack("{s:o, s:o, s:o}", "queued", engine_activity_queued(r->a->e),
                                 "polling", parked, "workers", workers));
}
