/*
 * json_reply.c — replies and request reading shared by every route.
 *
 * Every error leaves as {"error": {"code": "...", "message": "..."}} where
 * code is stable (clients branch on it) and message is for people. Engine
 * errors keep their own names (ExecutionDoesNotExist, InvalidDefinition...)
 * and take the status of their kind: a new engine error only needs a line in
 * engine/errors.def, and a new kind a case in http_status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "errors.h"
#include "internal.h"

/* JSON bodies other than uploads are small; bigger ones are refused early. */
#define JSON_BODY_MAX (4u << 20)

static void count_status(api_request *r, int status)
{
    int cls = status / 100;
    if (cls >= 1 && cls <= 5) r->a->stats.responses[cls]++;
}

static void free_dumped(const void *data, size_t len, void *extra)
{
    (void)len;
    (void)extra;
    free((void *)data);
}

static void send_with_body(struct evhttp_request *req, int status, const char *content_type,
                           char *owned, size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", content_type);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Cache-Control", "no-store");
    struct evbuffer *buf = evbuffer_new();
    if (buf && owned) evbuffer_add_reference(buf, owned, len, free_dumped, NULL);
    else free(owned);
    evhttp_send_reply(req, status, NULL, buf);
    if (buf) evbuffer_free(buf);
}

void reply_json(api_request *r, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!text) {
        reply_raw_error(r->req, 500, "Internal", "could not encode the reply");
        r->a->stats.responses[5]++;
        return;
    }
    count_status(r, status);
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room: strlen+1 is the NUL we overwrite */
    send_with_body(r->req, status, "application/json", text, len + 1);
}

static json_t *error_body(const char *code, const char *message)
{
    return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
}

void reply_raw_error(struct evhttp_request *req, int status, const char *code,
                     const char *message)
{
    json_t *body = error_body(code, message);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    send_with_body(req, status, "application/json", text, text ? strlen(text) : 0);
}

/* A server error's detail may name files (a database or upload path): the
 * whole message goes to the log, the client gets it with every absolute
 * path replaced by "…". */
static void scrub_paths(char *m)
{
    char *o = m;
    for (const char *p = m; *p;) {
        bool starts = *p == '/' && (p == m || strchr(" '\"(=:", p[-1]));
        if (!starts) {
            *o++ = *p++;
            continue;
        }
        while (*p && !strchr(" '\":,)", *p)) p++;
        memcpy(o, "\xe2\x80\xa6", 3); /* never longer: a path is at least "/x" */
        o += 3;
    }
    *o = '\0';
}

void reply_error(api_request *r, int status, const char *code, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (status >= 500 && strchr(message, '/')) {
        fprintf(stderr, "yogi: %d %s: %s\n", status, code, message);
        scrub_paths(message);
    }
    count_status(r, status);
    reply_raw_error(r->req, status, code, message);
}

/* One status per kind of error (engine/errors.h); the names and their kinds
 * are engine/errors.def. */
static int http_status(error_kind kind)
{
    switch (kind) {
    case ERROR_BAD_REQUEST: return 400;
    case ERROR_UNAUTHORISED: return 401;
    case ERROR_FORBIDDEN: return 403;
    case ERROR_NOT_FOUND: return 404;
    case ERROR_CONFLICT: return 409;
    case ERROR_GONE: return 410;
    case ERROR_UNAVAILABLE: return 503;
    case ERROR_INTERNAL: break;
    }
    return 500;
}

void reply_yogi_error(api_request *r, const yogi_error *err)
{
    const char *name = err->name[0] ? err->name : "Internal";
    reply_error(r, http_status(error_kind_of(name)), name, "%s",
                err->cause[0] ? err->cause : name);
}

void reply_bytes(api_request *r, int status, const char *content_type, const void *data,
                 size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        reply_error(r, 500, "Internal", "out of memory");
        return;
    }
    memcpy(copy, data, len);
    count_status(r, status);
    send_with_body(r->req, status, content_type, copy, len);
}

const char *request_header(api_request *r, const char *name)
{
    return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

const char *request_query(api_request *r, const char *name)
{
    return evhttp_find_header(&r->query, name);
}

bool request_query_int(api_request *r, const char *name, long min, long max, long def,
                       long *out)
{
    const char *v = request_query(r, name);
    *out = def;
    if (!v) return true;
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < min || n > max) {
        reply_error(r, 400, "InvalidParameter", "%s must be an integer from %ld to %ld", name,
                    min, max);
        return false;
    }
    *out = n;
    return true;
}

const unsigned char *request_body(api_request *r, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
    *len = evbuffer_get_length(in);
    if (*len == 0) return NULL;
    return evbuffer_pullup(in, -1);
}

static bool content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int request_json(api_request *r, bool empty_ok, json_t **out)
{
    size_t len;
    const unsigned char *body = request_body(r, &len);
    *out = NULL;
    if (!body) {
        if (empty_ok) {
            *out = json_object();
            return 0;
        }
        reply_error(r, 400, "InvalidRequest", "a JSON body is required");
        return -1;
    }
    if (!content_type_is(request_header(r, "Content-Type"), "application/json")) {
        reply_error(r, 415, "UnsupportedMediaType", "the body must be application/json");
        return -1;
    }
    if (len > JSON_BODY_MAX) {
        reply_error(r, 413, "PayloadTooLarge", "JSON bodies are limited to %u bytes",
                    JSON_BODY_MAX);
        return -1;
    }
    json_error_t jerr;
    json_t *v = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!v || !json_is_object(v)) {
        json_decref(v);
        reply_error(r, 400, "InvalidJson", "%s",
                    v ? "the body must be a JSON object" : jerr.text);
        return -1;
    }
    *out = v;
    return 0;
}

bool api_name_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128 || s[0] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

void json_time_to_iso(json_t *obj, const char *key, int64_t unit_ms)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v)) return;
    int64_t ms = (int64_t)json_integer_value(v) * unit_ms;
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    char buf[40];
    if (!gmtime_r(&sec, &tm)) return;
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    json_object_set_new(obj, key, json_string(buf));
}
