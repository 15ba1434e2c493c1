/*
 * worker_http.c — libcurl behind the Activity client (worker_http.h).
 *
 * Every request is built by one function (prepare) so that headers and
 * authentication are the same for polls and for short calls. Polls live
 * on a curl multi handle in a fixed table of slots; a finished poll's
 * response body is kept in its slot until wh_poll_next() hands it over.
 * Bodies are collected in a growable buffer capped at MAX_BODY (a task
 * input is at most 256 KiB; blobs go to files, not to memory).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hash.h"
#include "host_error.h"
#include "worker_http.h"

#define MAX_BODY (4u << 20)
#define MAX_POLLS 256
#define POLL_TIMEOUT_S 70 /* AWS: at least 5 s over its 60 s long poll */

typedef struct buf {
    char *data;
    size_t len;
    bool overflow;
} buf;

typedef struct poll_slot {
    CURL *easy;
    struct curl_slist *headers;
    buf body;
    char *request;   /* the JSON sent; libcurl reads it during the transfer */
    int slot;
    bool done;
    CURLcode result;
} poll_slot;

struct wh_client {
    char endpoint[1024];     /* without a trailing slash */
    char token[512];
    char access_key[256], secret_key[256], session_token[2048], region[64];
    bool aws;
    CURLM *multi;
    poll_slot *polls[MAX_POLLS];
    int n_polls;
};

static size_t on_body(char *ptr, size_t size, size_t n, void *ud)
{
    buf *b = ud;
    size_t add = size * n;
    if (b->overflow || b->len + add > MAX_BODY) {
        b->overflow = true;
        return add;
    }
    char *p = realloc(b->data, b->len + add + 1);
    if (!p) return 0;
    memcpy(p + b->len, ptr, add);
    b->data = p;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

wh_client *wh_new(const char *endpoint, const wh_auth *auth, yogi_error *err)
{
    static bool inited;
    if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        host_fail(err, "Worker.Http", "curl_global_init failed");
        return NULL;
    }
    inited = true;
    if (strncmp(endpoint, "http://", 7) != 0 && strncmp(endpoint, "https://", 8) != 0) {
        host_fail(err, "Worker.Endpoint", "--endpoint must be an http:// or https:// URL");
        return NULL;
    }
    wh_client *c = calloc(1, sizeof *c);
    if (!c || !(c->multi = curl_multi_init())) {
        free(c);
        host_fail(err, "Worker.Http", "out of memory");
        return NULL;
    }
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint);
    for (size_t n = strlen(c->endpoint); n > 0 && c->endpoint[n - 1] == '/'; n--)
        c->endpoint[n - 1] = '\0';
    snprintf(c->token, sizeof c->token, "%s", auth->token ? auth->token : "");
    snprintf(c->access_key, sizeof c->access_key, "%s", auth->access_key ? auth->access_key : "");
    snprintf(c->secret_key, sizeof c->secret_key, "%s", auth->secret_key ? auth->secret_key : "");
    snprintf(c->session_token, sizeof c->session_token, "%s",
             auth->session_token ? auth->session_token : "");
    snprintf(c->region, sizeof c->region, "%s", auth->region ? auth->region : "us-east-1");
    c->aws = strstr(c->endpoint, ".amazonaws.com") != NULL;
    return c;
}

bool wh_is_aws(const wh_client *c)
{
    return c->aws;
}

/* Headers and authentication shared by every request. */
static struct curl_slist *prepare(wh_client *c, CURL *e, const char *url, const char *target)
{
    struct curl_slist *h = NULL;
    char line[2600];
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "yogi-worker/" YOGI_VERSION);
    if (target) {
        h = curl_slist_append(h, "Content-Type: application/x-amz-json-1.0");
        snprintf(line, sizeof line, "X-Amz-Target: AWSStepFunctions.%s", target);
        h = curl_slist_append(h, line);
    }
    if (c->token[0]) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", c->token);
        h = curl_slist_append(h, line);
    } else if (c->access_key[0]) {
        snprintf(line, sizeof line, "aws:amz:%s:states", c->region);
        curl_easy_setopt(e, CURLOPT_AWS_SIGV4, line);
        curl_easy_setopt(e, CURLOPT_USERNAME, c->access_key);
        curl_easy_setopt(e, CURLOPT_PASSWORD, c->secret_key);
        if (c->session_token[0]) {
            snprintf(line, sizeof line, "X-Amz-Security-Token: %s", c->session_token);
            h = curl_slist_append(h, line);
        }
    }
    /* No 100-continue round trip for uploads; left out when signing, as
     * curl would sign the (unsent) empty header. */
    if (!c->access_key[0] || c->token[0]) h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    return h;
}

static json_t *parse_body(const buf *b)
{
    return b->data && !b->overflow ? json_loadb(b->data, b->len, 0, NULL) : NULL;
}

int wh_call(wh_client *c, const char *op, json_t *body, long timeout_s, long *status,
            json_t **reply, yogi_error *err)
{
    *status = 0;
    *reply = NULL;
    CURL *e = curl_easy_init();
    char *text = json_dumps(body, JSON_COMPACT);
    char url[1100];
    buf b = {0};
    if (!e || !text) {
        curl_easy_cleanup(e);
        free(text);
        return host_fail(err, "Worker.Http", "out of memory");
    }
    snprintf(url, sizeof url, "%s/", c->endpoint);
    struct curl_slist *h = prepare(c, e, url, op);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout_s);
    CURLcode rc = curl_easy_perform(e);
    if (rc == CURLE_OK) curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
    else host_fail(err, "Worker.Unreachable", "%s: %s", op, curl_easy_strerror(rc));
    *reply = parse_body(&b);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    free(text);
    free(b.data);
    if (rc == CURLE_OK && (*status < 200 || *status > 299)) {
        const char *type = json_string_value(json_object_get(*reply, "__type"));
        const char *msg = json_string_value(json_object_get(*reply, "message"));
        const char *name = type && strchr(type, '#') ? strchr(type, '#') + 1 : type;
        host_fail(err, name ? name : "Worker.Http", "%s: HTTP %ld: %s", op, *status,
                  msg ? msg : "");
    }
    return rc == CURLE_OK && *status >= 200 && *status <= 299 ? 0 : -1;
}

/* ---- long polls ---------------------------------------------------------------- */

int wh_poll_start(wh_client *c, const char *activity_arn, const char *worker_name, int slot,
                  yogi_error *err)
{
    if (c->n_polls == MAX_POLLS) return host_fail(err, "Worker.Http", "too many polls");
    poll_slot *p = calloc(1, sizeof *p);
    json_t *body = json_pack("{s:s, s:s}", "activityArn", activity_arn, "workerName", worker_name);
    char url[1100];
    if (!p || !body || !(p->easy = curl_easy_init()) ||
        !(p->request = json_dumps(body, JSON_COMPACT))) {
        json_decref(body);
        if (p) curl_easy_cleanup(p->easy);
        free(p);
        return host_fail(err, "Worker.Http", "out of memory");
    }
    json_decref(body);
    snprintf(url, sizeof url, "%s/", c->endpoint);
    p->slot = slot;
    p->headers = prepare(c, p->easy, url, "GetActivityTask");
    curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->request);
    curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, &p->body);
    curl_easy_setopt(p->easy, CURLOPT_TIMEOUT, (long)POLL_TIMEOUT_S);
    curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
    curl_multi_add_handle(c->multi, p->easy);
    c->polls[c->n_polls++] = p;
    return 0;
}

static void poll_free(wh_client *c, poll_slot *p)
{
    for (int i = 0; i < c->n_polls; i++) {
        if (c->polls[i] != p) continue;
        c->polls[i] = c->polls[--c->n_polls];
        break;
    }
    curl_multi_remove_handle(c->multi, p->easy);
    curl_easy_cleanup(p->easy);
    curl_slist_free_all(p->headers);
    free(p->request);
    free(p->body.data);
    free(p);
}

/* Mark the polls libcurl has finished; how many. */
static int collect_done(wh_client *c)
{
    CURLMsg *m;
    int left, n = 0;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        poll_slot *p = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&p);
        if (!p) continue;
        p->done = true;
        p->result = m->data.result;
        n++;
    }
    return n;
}

void wh_wait(wh_client *c, int extra_fd, int timeout_ms)
{
    struct curl_waitfd extra = {.fd = extra_fd, .events = CURL_WAIT_POLLIN};
    int running = 0, numfds = 0;
    curl_multi_perform(c->multi, &running);
    /* A poll that finished in that call (its answer came while the worker
     * was busy) is handled now, not after the wait. */
    if (collect_done(c) > 0) return;
    curl_multi_poll(c->multi, extra_fd >= 0 ? &extra : NULL, extra_fd >= 0 ? 1 : 0, timeout_ms,
                    &numfds);
    curl_multi_perform(c->multi, &running);
    collect_done(c);
}

bool wh_poll_next(wh_client *c, int *slot, long *status, json_t **reply, yogi_error *err)
{
    for (int i = 0; i < c->n_polls; i++) {
        poll_slot *p = c->polls[i];
        if (!p->done) continue;
        *slot = p->slot;
        *status = 0;
        *reply = NULL;
        if (p->result == CURLE_OK) {
            curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, status);
            *reply = parse_body(&p->body);
        } else {
            host_fail(err, "Worker.Unreachable", "GetActivityTask: %s",
                      curl_easy_strerror(p->result));
        }
        poll_free(c, p);
        return true;
    }
    return false;
}

void wh_abort_polls(wh_client *c)
{
    while (c->n_polls > 0) poll_free(c, c->polls[0]);
}

int wh_polls_in_flight(wh_client *c, int slot)
{
    int n = 0;
    for (int i = 0; i < c->n_polls; i++) n += slot < 0 || c->polls[i]->slot == slot;
    return n;
}

void wh_free(wh_client *c)
{
    if (!c) return;
    wh_abort_polls(c);
    curl_multi_cleanup(c->multi);
    free(c);
}

/* ---- files ------------------------------------------------------------------------- */

static bool file_sha256(const char *path, char hex[2 * HASH_MAX_DIGEST + 1])
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = n >= 0 ? malloc((size_t)n + 1) : NULL;
    bool ok = data && fread(data, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (ok) hash_hex("SHA-256", data, (size_t)n, hex);
    free(data);
    return ok;
}

int wh_fetch(wh_client *c, const char *task_token, const char *sha256, const char *dest,
             yogi_error *err)
{
    char url[1200], line[1400], tmp[PATH_MAX];
    snprintf(url, sizeof url, "%s/v1/activity/blobs/%s", c->endpoint, sha256);
    snprintf(tmp, sizeof tmp, "%s.part", dest);
    FILE *out = fopen(tmp, "wb");
    CURL *e = curl_easy_init();
    if (!out || !e) {
        if (out) fclose(out);
        curl_easy_cleanup(e);
        return host_fail(err, "Worker.Files", "cannot write %s: %s", tmp, strerror(errno));
    }
    struct curl_slist *h = prepare(c, e, url, NULL);
    snprintf(line, sizeof line, "X-Yogi-Task-Token: %s", task_token);
    h = curl_slist_append(h, line);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 300L);
    curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
    CURLcode rc = curl_easy_perform(e);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    bool closed = fclose(out) == 0;
    char got[2 * HASH_MAX_DIGEST + 1];
    if (rc != CURLE_OK || !closed || !file_sha256(tmp, got) || strcmp(got, sha256) != 0 ||
        rename(tmp, dest) != 0) {
        unlink(tmp);
        return host_fail(err, "Worker.Files", "cannot fetch the input file %.16s…: %s", sha256,
                         rc != CURLE_OK ? curl_easy_strerror(rc) : "its SHA-256 does not match");
    }
    return 0;
}

int wh_store(wh_client *c, const char *task_token, const char *path, char *remote,
             size_t remote_len, yogi_error *err)
{
    char sha[2 * HASH_MAX_DIGEST + 1], url[1400], line[1400];
    FILE *in = fopen(path, "rb");
    struct stat st;
    if (!in || fstat(fileno(in), &st) != 0 || !file_sha256(path, sha)) {
        if (in) fclose(in);
        return host_fail(err, "Worker.Files", "cannot read %s", path);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    CURL *e = curl_easy_init();
    char *name = e ? curl_easy_escape(e, base, 0) : NULL;
    snprintf(url, sizeof url, "%s/v1/activity/blobs/%s?name=%s", c->endpoint, sha,
             name ? name : "blob");
    curl_free(name);
    buf b = {0};
    struct curl_slist *h = e ? prepare(c, e, url, NULL) : NULL;
    snprintf(line, sizeof line, "X-Yogi-Task-Token: %s", task_token);
    h = curl_slist_append(h, line);
    h = curl_slist_append(h, "Content-Type: application/octet-stream");
    CURLcode rc = CURLE_FAILED_INIT;
    long status = 0;
    if (e) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READDATA, in);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(e, CURLOPT_TIMEOUT, 300L);
        rc = curl_easy_perform(e);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    fclose(in);
    json_t *reply = parse_body(&b);
    const char *stored = json_string_value(json_object_get(reply, "path"));
    int result = 0;
    if (rc != CURLE_OK || status != 200 || !stored) {
        host_fail(err, "Worker.Files", "cannot store %s: %s", base,
                  rc != CURLE_OK ? curl_easy_strerror(rc) : b.data ? b.data : "?");
        result = -1;
    } else
        snprintf(remote, remote_len, "%s", stored);
    json_decref(reply);
    free(b.data);
    return result;
}
