/*
 * framing.c — what a request head must not be (framing.h): the framings a
 * proxy and evhttp could read differently, and the path as it may be
 * logged. Pure functions over parsed headers, so fuzz/fuzz_http_head.c can
 * drive them without a server.
 */
#include "framing.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sys/queue.h>

#include <event2/keyvalq_struct.h>

/* Request smuggling: a proxy in front and evhttp must agree on where a
 * request ends, so every framing a proxy could read differently is refused
 * (400, and the connection is closed, so nothing after it is read as a
 * request): more than one Content-Length, one that is not plain digits, a
 * Transfer-Encoding other than a single "chunked", both framings at once,
 * more than one Host. */
const char *http_framing_problem(const struct evkeyvalq *headers)
{
    int lengths = 0, encodings = 0, hosts = 0;
    struct evkeyval *h;
    TAILQ_FOREACH(h, headers, next) {
        if (!strcasecmp(h->key, "Content-Length")) {
            lengths++;
            if (!h->value[0] || strspn(h->value, "0123456789") != strlen(h->value))
                return "Content-Length is not a number";
        } else if (!strcasecmp(h->key, "Transfer-Encoding")) {
            encodings++;
            if (strcasecmp(h->value, "chunked") != 0)
                return "only Transfer-Encoding: chunked is accepted";
        } else if (!strcasecmp(h->key, "Host")) {
            hosts++;
        }
    }
    if (lengths > 1) return "more than one Content-Length";
    if (encodings > 1) return "more than one Transfer-Encoding";
    if (lengths && encodings) return "both Content-Length and Transfer-Encoding";
    if (hosts > 1) return "more than one Host";
    return NULL;
}

/* The path as logged: a task token is a bearer capability (it answers a
 * review), so the segment after /v1/tasks/ is replaced. */
void http_redact_path(const char *path, char *out, size_t len)
{
    static const char prefix[] = "/v1/tasks/";
    size_t n = sizeof prefix - 1;
    if (strncmp(path, prefix, n) != 0 || !path[n]) {
        snprintf(out, len, "%s", path);
        return;
    }
    const char *rest = path + n + strcspn(path + n, "/");
    snprintf(out, len, "%s<token>%s", prefix, rest);
}

