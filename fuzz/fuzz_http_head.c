/*
 * fuzz_http_head.c — libFuzzer harness for a request head as the router
 * sees it: the request target parsed by libevent (evhttp_uri_parse and
 * evhttp_parse_query_str, as router.c does), header lines "Name: value"
 * into a header list, then api/framing.c's smuggling check and the path
 * redaction of the access log.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void header_line(struct evkeyvalq *h, char *line)
{
    char *colon = strchr(line, ':');
    if (!colon) return;
    *colon = '\0';
    const char *value = colon + 1;
    while (*value == ' ') value++;
    evhttp_add_header(h, line, value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct evkeyvalq headers, query;
    TAILQ_INIT(&headers);
    TAILQ_INIT(&query);
    char *save = NULL, *line = strtok_r(text, "\r\n", &save);
    if (line) { /* "METHOD TARGET VERSION" */
        char *target = strchr(line, ' ');
        if (target) {
            target++;
            char *sp = strchr(target, ' ');
            if (sp) *sp = '\0';
            struct evhttp_uri *uri = evhttp_uri_parse(target);
            const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
            const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
            char shown[512];
            if (path) http_redact_path(path, shown, sizeof shown);
            if (q && evhttp_parse_query_str(q, &query) == 0) evhttp_clear_headers(&query);
            if (uri) evhttp_uri_free(uri);
        }
        while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) header_line(&headers, line);
    }
    const char *problem = http_framing_problem(&headers);
    (void)problem;
    evhttp_clear_headers(&headers);
    free(text);
    return 0;
}
