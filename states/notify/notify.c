/*
 * notify.c — tell the school's system that a document is done
 * (plugin:notify): an HTTP POST of the result to a webhook, with libcurl.
 *
 * Input: the JSON to send (the workflow passes the document id, status and
 * the timetable, or the error and cause). Output {"delivered": bool,
 * "status": http_status} — or {"delivered": false, "reason": ...} when no
 * webhook is configured (a log line, not a failure: notification is
 * optional).
 *
 * Configuration (yogi_host.config): notify.webhook_url, notify.secret,
 * notify.allow_private ("true" to allow loopback/private addresses),
 * notify.timeout_seconds (default 10).
 *
 * The body is signed with a timestamp, so a captured request cannot be
 * replayed later: X-Yogi-Signature: t=<unix seconds>,v1=<hex
 * HMAC-SHA256(secret, "<t>.<body>")>. A receiver recomputes the HMAC over
 * the t it was sent, a dot and the raw body, compares in constant time, and
 * refuses a t more than 300 s from its clock (docs/operations.md).
 *
 * Errors, chosen for the workflow's Retry: a connection failure, a timeout,
 * 408, 429 or a 5xx answer is Notify.Unavailable (transient: retried with
 * back-off); any other non-2xx answer — another 4xx, or a redirect, which is
 * never followed — is Notify.Rejected (retrying will not help).
 *
 * SSRF: a webhook URL is configuration, but a URL that resolves to loopback,
 * a private, link-local or CGNAT range would let whoever sets it probe the
 * server's own network. Those are refused (Notify.Rejected) unless
 * notify.allow_private is true. The address checked is the address used:
 * the resolved address is pinned with CURLOPT_RESOLVE, so a DNS answer that
 * changes between the check and the connection cannot slip through.
 * Redirects are not followed, for the same reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "hash.h"
#include "yogi/plugin.h"

#define DEFAULT_TIMEOUT_SECONDS 10

typedef struct notify_state {
    const yogi_host *host;
    CURL *curl; /* kept across tasks: connection reuse */
} notify_state;

static const char *config_str(const yogi_host *host, const char *key)
{
    const char *v = host && host->config ? host->config(key) : NULL;
    return v && *v ? v : NULL;
}

static long config_timeout(const yogi_host *host)
{
    const char *v = config_str(host, "notify.timeout_seconds");
    if (!v) return DEFAULT_TIMEOUT_SECONDS;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return errno || *end || n < 1 || n > 300 ? DEFAULT_TIMEOUT_SECONDS : n;
}

static void log_line(const notify_state *st, int level, const char *msg, const char *detail)
{
    if (st->host && st->host->log) st->host->log(level, "%s%s", msg, detail ? detail : "");
}

static int notify_init(const yogi_host *host, void **state, yogi_error *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return yogi_fail(err, "States.Runtime", "libcurl could not be initialised");
    notify_state *st = calloc(1, sizeof *st);
    if (!st) return yogi_fail(err, "States.Runtime", "out of memory");
    st->host = host;
    st->curl = curl_easy_init();
    if (!st->curl) {
        free(st);
        return yogi_fail(err, "States.Runtime", "libcurl could not create a handle");
    }
    *state = st;
    return YOGI_OK;
}

static void notify_destroy(void *state)
{
    notify_state *st = state;
    if (!st) return;
    curl_easy_cleanup(st->curl);
    free(st);
}

/* ---- where the request may go ------------------------------------------ */

static bool private_v4(uint32_t a) /* host byte order */
{
    return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 24) == 0 ||
           (a >> 20) == (172u << 4 | 1) || (a >> 16) == (192u << 8 | 168) ||
           (a >> 16) == (169u << 8 | 254) || (a >> 22) == (100u << 2 | 1) || (a >> 28) >= 14;
}

static bool private_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return private_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family != AF_INET6) return true;
    const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(b, v4_mapped, 12))
        return private_v4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
    bool zero_prefix = true; /* :: and ::1 */
    for (int i = 0; i < 15; i++) zero_prefix &= b[i] == 0;
    return zero_prefix || (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||
           b[0] == 0xff;
}

/* Resolve the URL's host, refuse private targets unless allowed, and pin the
 * address for curl: "host:port:address". */
static int check_target(const notify_state *st, const char *url, struct curl_slist **pin,
                        yogi_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    int rc = YOGI_FAILED;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        yogi_fail(err, "Notify.Rejected", "notify.webhook_url is not a valid URL");
        goto out_free;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        yogi_fail(err, "Notify.Rejected", "notify.webhook_url must be http or https");
        goto out_free;
    }
    char bare[256]; /* curl keeps IPv6 literals in brackets */
    size_t hl = strlen(host);
    bool bracketed = hl >= 2 && host[0] == '[' && host[hl - 1] == ']';
    snprintf(bare, sizeof bare, "%.*s", (int)(bracketed ? hl - 2 : hl), host + bracketed);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(bare, port, &hints, &res);
    if (gai != 0 || !res) {
        yogi_fail(err, "Notify.Unavailable", "cannot resolve %s: %s", bare, gai_strerror(gai));
        goto out_free;
    }
    bool allow = config_str(st->host, "notify.allow_private") &&
                 !strcmp(config_str(st->host, "notify.allow_private"), "true");
    if (!allow && private_address(res->ai_addr)) {
        yogi_fail(err, "Notify.Rejected",
                  "%s resolves to a loopback or private address; set notify.allow_private "
                  "= true to allow it", bare);
        freeaddrinfo(res);
        goto out_free;
    }
    unsigned char literal[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, bare, literal) == 1 || inet_pton(AF_INET6, bare, literal) == 1) {
        freeaddrinfo(res); /* an address literal: no DNS answer to pin */
        rc = YOGI_OK;
        goto out_free;
    }
    char addr[INET6_ADDRSTRLEN] = "", entry[512];
    bool v6 = res->ai_family == AF_INET6;
    const void *a = v6 ? (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr
                       : (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
    inet_ntop(res->ai_family, a, addr, sizeof addr);
    freeaddrinfo(res);
    snprintf(entry, sizeof entry, "%s:%s:%s%s%s", bare, port, v6 ? "[" : "", addr, v6 ? "]" : "");
    *pin = curl_slist_append(NULL, entry);
    rc = YOGI_OK;
out_free:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return rc;
}

/* ---- the request -------------------------------------------------------- */

static size_t discard_body(char *ptr, size_t size, size_t n, void *ud)
{
    (void)ptr, (void)ud;
    return size * n;
}

static int post(notify_state *st, const char *url, struct curl_slist *pin, const char *body,
                long *status, yogi_error *err)
{
    const char *secret = config_str(st->host, "notify.secret");
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    char sig[2 * HASH_MAX_DIGEST + 64];
    if (secret) {
        char hex[2 * HASH_MAX_DIGEST + 1], stamp[32];
        int sn = snprintf(stamp, sizeof stamp, "%lld.", (long long)time(NULL));
        size_t blen = strlen(body);
        char *signed_text = malloc((size_t)sn + blen + 1);
        if (!signed_text) {
            curl_slist_free_all(headers);
            return yogi_fail(err, "States.Runtime", "out of memory");
        }
        memcpy(signed_text, stamp, (size_t)sn);
        memcpy(signed_text + sn, body, blen + 1);
        hmac_hex("SHA-256", secret, strlen(secret), signed_text, (size_t)sn + blen, hex);
        free(signed_text);
        snprintf(sig, sizeof sig, "X-Yogi-Signature: t=%.*s,v1=%s", sn - 1, stamp, hex);
        headers = curl_slist_append(headers, sig);
    }
    CURL *c = st->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, config_timeout(st->host));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "yogi-notify/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK)
        return yogi_fail(err, "Notify.Unavailable", "%s: %s", url, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    if (*status >= 500 || *status == 429 || *status == 408)
        return yogi_fail(err, "Notify.Unavailable", "%s answered HTTP %ld", url, *status);
    if (*status < 200 || *status >= 300)
        return yogi_fail(err, "Notify.Rejected", "%s answered HTTP %ld", url, *status);
    return YOGI_OK;
}

static int notify_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                         yogi_error *err)
{
    notify_state *st = state;
    const char *url = config_str(st->host, "notify.webhook_url");
    if (!url) {
        log_line(st, YOGI_LOG_INFO, "no notify.webhook_url configured; not notifying", NULL);
        *output = json_pack("{s:b, s:s}", "delivered", 0, "reason", "no webhook configured");
        return YOGI_OK;
    }
    struct curl_slist *pin = NULL;
    if (check_target(st, url, &pin, err) != YOGI_OK) return YOGI_FAILED;
    char *body = json_dumps(input ? input : json_null(), JSON_COMPACT | JSON_SORT_KEYS |
                                                            JSON_ENCODE_ANY);
    long status = 0;
    int rc = body ? post(st, url, pin, body, &status, err)
                  : yogi_fail(err, "States.Runtime", "the notification cannot be encoded");
    free(body);
    curl_slist_free_all(pin);
    if (rc == YOGI_OK) *output = json_pack("{s:b, s:i}", "delivered", 1, "status", (int)status);
    return rc;
}

YOGI_PLUGIN(notify, notify_init, notify_invoke, notify_destroy)
