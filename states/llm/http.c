/*
 * http.c — one POST to the model server over libcurl, and what its failure
 * means.
 *
 * The easy handle lives as long as the worker, so consecutive documents
 * reuse the TLS connection (curl keeps its connection cache across
 * curl_easy_reset). Each request is configured from scratch:
 *
 *   - HTTPS with peer and host verification on, always. Plain HTTP is
 *     allowed only when the configured URL names a loopback host and
 *     llm.allow_http_loopback is true (config.c), and then twice enforced:
 *     no proxy is used (an http_proxy variable must not carry a document
 *     off the machine) and every socket curl opens is checked to connect
 *     to 127.0.0.0/8 or ::1, so a "localhost" that resolves elsewhere is
 *     refused too. Redirects are never followed.
 *   - A deadline for the whole exchange, so a server that accepts the
 *     connection and then says nothing (a stalled model) ends as
 *     Llm.Unavailable instead of holding the worker forever.
 *   - The reply is capped at MAX_REPLY bytes.
 *   - While waiting, yogi_host.heartbeat is called every HEARTBEAT_MS, so
 *     a Task with HeartbeatSeconds survives a local model that thinks
 *     for minutes, and still fails fast if the worker itself hangs.
 *
 * Status mapping (llm_status_error): 429 and Anthropic's 529 "overloaded"
 * are Llm.RateLimited with Retry-After's seconds in the cause ("retry after
 * N seconds"); 408 and other 5xx, connection failures, timeouts and replies
 * cut off mid-body are Llm.Unavailable (worth retrying); 401/403/404 are
 * Llm.NotConfigured (a wrong key, URL or model name does not heal by
 * waiting); other 4xx are Llm.Rejected.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "llm.h"

#define MAX_REPLY (16L << 20)
#define HEARTBEAT_MS 5000

struct llm_http {
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
    /* Per request: */
    char *body;
    size_t len, cap;
    bool too_large;
    bool refused_address;  /* an http:// connection aimed off the machine */
    bool loopback_only;
    long retry_after;
    void (*heartbeat)(void);   /* called every HEARTBEAT_MS while waiting */
    void (*retry_after_hint)(double seconds); /* yogi_host.retry_after, if the host has it */
    struct timespec last_beat;
};

llm_http *llm_http_new(void)
{
    static bool global_done;
    if (!global_done) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
        global_done = true;
    }
    llm_http *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return NULL;
    }
    return h;
}

void llm_http_free(llm_http *h)
{
    if (!h) return;
    curl_easy_cleanup(h->curl);
    free(h->body);
    free(h);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    llm_http *h = ud;
    size_t bytes = size * n;
    if (h->len + bytes > (size_t)MAX_REPLY) {
        h->too_large = true;
        return 0;
    }
    if (h->len + bytes + 1 > h->cap) {
        size_t cap = h->cap ? h->cap : 16384;
        while (cap < h->len + bytes + 1) cap *= 2;
        char *b = realloc(h->body, cap);
        if (!b) return 0;
        h->body = b;
        h->cap = cap;
    }
    memcpy(h->body + h->len, data, bytes);
    h->len += bytes;
    h->body[h->len] = '\0';
    return bytes;
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    llm_http *h = ud;
    size_t bytes = size * n;
    static const char name[] = "retry-after:";
    if (bytes > sizeof name && bytes < 256 && !strncasecmp(line, name, sizeof name - 1)) {
        char value[256];
        memcpy(value, line + sizeof name - 1, bytes - (sizeof name - 1));
        value[bytes - (sizeof name - 1)] = '\0';
        h->retry_after = llm_parse_retry_after(value);
    }
    return bytes;
}

void llm_http_set_retry_after(llm_http *h, void (*hint)(double seconds))
{
    h->retry_after_hint = hint;
}

void llm_http_set_heartbeat(llm_http *h, void (*heartbeat)(void))
{
    h->heartbeat = heartbeat;
}

/* A local model may think for minutes: tell the engine the task is alive
 * (HeartbeatSeconds) while the request is in flight. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    llm_http *h = ud;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - h->last_beat.tv_sec) * 1000 +
              (now.tv_nsec - h->last_beat.tv_nsec) / 1000000;
    if (h->heartbeat && ms >= HEARTBEAT_MS) {
        h->heartbeat();
        h->last_beat = now;
    }
    return 0;
}

static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    llm_http *h = ud;
    bool loopback = false;
    if (a->family == AF_INET) {
        const struct sockaddr_in *in = (const void *)&a->addr;
        loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    } else if (a->family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)&a->addr;
        loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    }
    if (h->loopback_only && !loopback) {
        h->refused_address = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

long llm_parse_retry_after(const char *value)
{
    while (*value == ' ' || *value == '\t') value++;
    char *end;
    long s = strtol(value, &end, 10);
    if (end != value && s >= 0) {
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
        if (*end == '\0') return s > 86400 ? 86400 : s;
    }
    time_t when = curl_getdate(value, NULL);
    if (when == (time_t)-1) return -1;
    double delta = difftime(when, time(NULL));
    return delta <= 0 ? 0 : delta > 86400 ? 86400 : (long)delta;
}

int llm_status_error(long status, long retry_after, const char *body, size_t len,
                     yogi_error *err)
{
    char msg[320];
    llm_reply_error_message(body, len, msg, sizeof msg);
    const char *sep = msg[0] ? ": " : "";
    if (status == 429 || status == 529) {
        if (retry_after >= 0)
            return yogi_fail(err, "Llm.RateLimited", "retry after %ld seconds (HTTP %ld%s%s)",
                             retry_after, status, sep, msg);
        return yogi_fail(err, "Llm.RateLimited", "HTTP %ld%s%s", status, sep, msg);
    }
    if (status == 401 || status == 403)
        return yogi_fail(err, "Llm.NotConfigured", "the server refused the API key (HTTP %ld%s%s)",
                         status, sep, msg);
    if (status == 404)
        return yogi_fail(err, "Llm.NotConfigured",
                         "HTTP 404%s%s: check llm.base_url and llm.model", sep, msg);
    if ((status == 408 || status >= 500) && retry_after >= 0)
        return yogi_fail(err, "Llm.Unavailable", "retry after %ld seconds (HTTP %ld%s%s)",
                         retry_after, status, sep, msg);
    if (status == 408 || status >= 500)
        return yogi_fail(err, "Llm.Unavailable", "HTTP %ld%s%s", status, sep, msg);
    if (status >= 300 && status < 400)
        return yogi_fail(err, "Llm.NotConfigured",
                         "HTTP %ld: redirects are not followed; set llm.base_url to the final "
                         "address", status);
    if (status >= 400)
        return yogi_fail(err, "Llm.Rejected", "HTTP %ld%s%s", status, sep, msg);
    return yogi_fail(err, "Llm.Unavailable", "unexpected HTTP status %ld", status);
}

static struct curl_slist *auth_headers(const llm_config *cfg)
{
    char line[sizeof cfg->api_key + 64];
    struct curl_slist *list = curl_slist_append(NULL, "Content-Type: application/json");
    list = curl_slist_append(list, "Expect:"); /* large bodies: no 100-continue round trip */
    line[0] = '\0';
    if (cfg->provider == LLM_ANTHROPIC) {
        list = curl_slist_append(list, "anthropic-version: " LLM_ANTHROPIC_VERSION);
        snprintf(line, sizeof line, "x-api-key: %s", cfg->api_key);
    } else if (cfg->api_key[0]) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", cfg->api_key);
    }
    if (line[0]) list = curl_slist_append(list, line);
    memset(line, 0, sizeof line);
    return list;
}

static void set_options(llm_http *h, const char *url, const char *body, long timeout_ms,
                        struct curl_slist *headers, bool is_http)
{
    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "yogi-llm/1");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 15000 ? timeout_ms : 15000L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, is_http ? "http" : "https");
#else
    curl_easy_setopt(c, CURLOPT_PROTOCOLS, is_http ? CURLPROTO_HTTP : CURLPROTO_HTTPS);
#endif
    if (is_http) curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
}

static int transport_error(llm_http *h, CURLcode rc, long timeout_ms, yogi_error *err)
{
    const char *detail = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
    if (h->refused_address)
        return yogi_fail(err, "Llm.NotConfigured",
                         "plain http:// is allowed only to a loopback address, and the server's "
                         "address is not one");
    if (h->too_large)
        return yogi_fail(err, "Llm.BadResponse", "the reply exceeds %ld bytes", MAX_REPLY);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return yogi_fail(err, "Llm.Unavailable", "no complete answer within %ld s (%s)",
                         timeout_ms / 1000, detail);
    if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING)
        return yogi_fail(err, "Llm.Unavailable", "the connection broke during the reply (%s)",
                         detail);
    return yogi_fail(err, "Llm.Unavailable", "%s", detail);
}

int llm_http_post(llm_http *h, const llm_config *cfg, const char *url, const char *body,
                  long timeout_ms, char **reply, size_t *reply_len, yogi_error *err)
{
    bool is_http;
    if (llm_check_url(cfg, url, &is_http, err)) return YOGI_FAILED;
    h->len = 0;
    h->too_large = h->refused_address = false;
    h->loopback_only = is_http;
    h->retry_after = -1;
    h->errbuf[0] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &h->last_beat);
    struct curl_slist *headers = auth_headers(cfg);
    if (!headers) return yogi_fail(err, "Llm.Unavailable", "out of memory");
    set_options(h, url, body, timeout_ms, headers, is_http);
    CURLcode rc = curl_easy_perform(h->curl);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) return transport_error(h, rc, timeout_ms, err);

    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    const char *text = h->body ? h->body : "";
    if (status != 200) {
        /* Tell the engine how long the server asked us to wait: the
         * workflow's Retry then waits at least that long. */
        if (h->retry_after >= 0 && h->retry_after_hint) h->retry_after_hint((double)h->retry_after);
        return llm_status_error(status, h->retry_after, text, h->len, err);
    }
    if (!h->body) return yogi_fail(err, "Llm.BadResponse", "the reply is empty");
    *reply = h->body; /* handed over; the next request grows a new buffer */
    *reply_len = h->len;
    h->body = NULL;
    h->len = h->cap = 0;
    return YOGI_OK;
}
