/*
 * sigv4.c — AWS Signature Version 4 verification (sigv4.h).
 *
 * Verification recomputes the signature the client should have sent and
 * compares the two in constant time:
 *
 *   canonical request  = METHOD \n PATH \n QUERY \n HEADERS \n \n SIGNED \n SHA256(body)
 *   string to sign     = "AWS4-HMAC-SHA256" \n DATE \n SCOPE \n SHA256(canonical request)
 *   signing key        = HMAC(HMAC(HMAC(HMAC("AWS4" secret, day), region), service),
 *                        "aws4_request")
 *   signature          = hex(HMAC(signing key, string to sign))
 *
 * Every string is built in a growable buffer (sb_*) that fails closed: on
 * allocation failure the result is NULL and verification fails.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hash.h"
#include "host_error.h"
#include "sigv4.h"

typedef struct sb {
    char *s;
    size_t len, cap;
    bool failed;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->failed = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_puts(sb *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static char *sb_take(sb *b)
{
    if (b->failed) {
        free(b->s);
        return NULL;
    }
    if (!b->s) sb_add(b, "", 0);
    return b->failed ? NULL : b->s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decode n bytes into a new string. */
static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

static void encode(sb *b, const char *s, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (unreserved(*p) || (keep_slash && *p == '/')) {
            sb_add(b, (const char *)p, 1);
        } else {
            char esc[3] = {'%', digits[*p >> 4], digits[*p & 15]};
            sb_add(b, esc, 3);
        }
    }
}

/* ---- canonical parts ---------------------------------------------------------- */

/* Decoded path → normalised segments, each encoded; "/" for an empty path. */
static void canonical_path(sb *b, const char *raw)
{
    char *path = decode(raw, strlen(raw));
    if (!path) {
        b->failed = true;
        return;
    }
    size_t nseg = 0, cap = 16;
    char **segs = malloc(cap * sizeof *segs);
    bool trailing = strlen(path) > 1 && path[strlen(path) - 1] == '/';
    for (char *save = NULL, *seg = strtok_r(path, "/", &save); seg && segs;
         seg = strtok_r(NULL, "/", &save)) {
        if (!strcmp(seg, ".")) continue;
        if (!strcmp(seg, "..")) {
            if (nseg) nseg--;
            continue;
        }
        if (nseg == cap) {
            char **n = realloc(segs, 2 * cap * sizeof *segs);
            if (!n) break;
            segs = n;
            cap *= 2;
        }
        segs[nseg++] = seg;
    }
    if (!segs) b->failed = true;
    for (size_t i = 0; segs && i < nseg; i++) {
        sb_puts(b, "/");
        encode(b, segs[i], false);
    }
    if (!segs || nseg == 0 || trailing) sb_puts(b, "/");
    free(segs);
    free(path);
}

typedef struct qparam {
    char *key, *value; /* encoded */
} qparam;

static int qparam_cmp(const void *a, const void *b)
{
    const qparam *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

static char *encoded(const char *s, size_t n)
{
    char *d = decode(s, n);
    sb b = {0};
    if (d) encode(&b, d, false);
    free(d);
    return d ? sb_take(&b) : NULL;
}

static void canonical_query(sb *b, const char *query)
{
    size_t n = 0, cap = 0;
    qparam *ps = NULL;
    for (const char *p = query; p && *p;) {
        size_t len = strcspn(p, "&");
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                qparam *np = realloc(ps, cap * sizeof *ps);
                if (!np) break;
                ps = np;
            }
            ps[n].key = encoded(p, klen);
            ps[n].value = eq ? encoded(eq + 1, len - klen - 1) : strdup("");
            n++;
        }
        p += len;
        if (*p == '&') p++;
    }
    for (size_t i = 0; i < n; i++)
        if (!ps[i].key || !ps[i].value) b->failed = true;
    if (!b->failed && n) qsort(ps, n, sizeof *ps, qparam_cmp);
    for (size_t i = 0; i < n; i++) {
        if (!b->failed) {
            if (i) sb_puts(b, "&");
            sb_puts(b, ps[i].key);
            sb_puts(b, "=");
            sb_puts(b, ps[i].value);
        }
        free(ps[i].key);
        free(ps[i].value);
    }
    free(ps);
}

/* Value trimmed, inner whitespace runs (folded lines too) collapsed to one space. */
static void header_value(sb *b, const char *v)
{
    bool space = false, any = false;
    for (; *v; v++) {
        if (isspace((unsigned char)*v)) {
            space = any;
            continue;
        }
        if (space) sb_puts(b, " ");
        space = false;
        any = true;
        sb_add(b, v, 1);
    }
}

static void canonical_headers(sb *b, const sigv4_request *r, const char *signed_headers)
{
    for (const char *p = signed_headers; *p;) {
        size_t n = strcspn(p, ";");
        bool first = true;
        sb_add(b, p, n);
        sb_puts(b, ":");
        for (size_t i = 0; i < r->n_headers; i++) {
            if (strlen(r->headers[i].name) != n || strncasecmp(r->headers[i].name, p, n) != 0)
                continue;
            if (!first) sb_puts(b, ",");
            header_value(b, r->headers[i].value);
            first = false;
        }
        sb_puts(b, "\n");
        p += n;
        if (*p == ';') p++;
    }
}

char *sigv4_canonical_request(const sigv4_request *r, const char *signed_headers)
{
    sb b = {0};
    char body_hash[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", r->body ? r->body : "", r->body ? r->body_len : 0, body_hash);
    sb_puts(&b, r->method);
    sb_puts(&b, "\n");
    canonical_path(&b, r->path && *r->path ? r->path : "/");
    sb_puts(&b, "\n");
    canonical_query(&b, r->query);
    sb_puts(&b, "\n");
    canonical_headers(&b, r, signed_headers);
    sb_puts(&b, "\n");
    sb_puts(&b, signed_headers);
    sb_puts(&b, "\n");
    sb_puts(&b, body_hash);
    return sb_take(&b);
}

char *sigv4_string_to_sign(const char *canonical_request, const char *amz_date,
                           const char *scope)
{
    char h[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", canonical_request, strlen(canonical_request), h);
    sb b = {0};
    sb_puts(&b, "AWS4-HMAC-SHA256\n");
    sb_puts(&b, amz_date);
    sb_puts(&b, "\n");
    sb_puts(&b, scope);
    sb_puts(&b, "\n");
    sb_puts(&b, h);
    return sb_take(&b);
}

/* ---- verification ---------------------------------------------------------------- */

static size_t hmac_raw(const void *key, size_t key_len, const char *msg, uint8_t *out)
{
    char hex[2 * HASH_MAX_DIGEST + 1];
    hmac_hex("SHA-256", key, key_len, msg, strlen(msg), hex);
    for (size_t i = 0; i < 32; i++)
        out[i] = (uint8_t)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
    return 32;
}

typedef struct authz {
    char key[128], day[16], region[64], service[64];
    char signed_headers[1024], signature[128];
} authz;

/* "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=a;b, Signature=hex" */
static bool parse_authz(const char *h, authz *a)
{
    const char *c = strstr(h, "Credential="), *s = strstr(h, "SignedHeaders="),
               *g = strstr(h, "Signature=");
    if (strncmp(h, "AWS4-HMAC-SHA256 ", 17) != 0 || !c || !s || !g) return false;
    char cred[512];
    snprintf(cred, sizeof cred, "%.*s", (int)strcspn(c + 11, ", "), c + 11);
    snprintf(a->signed_headers, sizeof a->signed_headers, "%.*s", (int)strcspn(s + 14, ", "),
             s + 14);
    snprintf(a->signature, sizeof a->signature, "%.*s", (int)strcspn(g + 10, ", "), g + 10);
    char *parts[5], *save = NULL;
    int n = 0;
    for (char *p = strtok_r(cred, "/", &save); p && n < 5; p = strtok_r(NULL, "/", &save))
        parts[n++] = p;
    if (n != 5 || strcmp(parts[4], "aws4_request") != 0 || strlen(a->signature) != 64) return false;
    snprintf(a->key, sizeof a->key, "%s", parts[0]);
    snprintf(a->day, sizeof a->day, "%s", parts[1]);
    snprintf(a->region, sizeof a->region, "%s", parts[2]);
    snprintf(a->service, sizeof a->service, "%s", parts[3]);
    return true;
}

static const char *header(const sigv4_request *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (!strcasecmp(r->headers[i].name, name)) return r->headers[i].value;
    return NULL;
}

static bool signs_host(const char *signed_headers)
{
    for (const char *p = signed_headers; *p;) {
        size_t n = strcspn(p, ";");
        if (n == 4 && !strncmp(p, "host", 4)) return true;
        p += n + (p[n] == ';');
    }
    return false;
}

/* Seconds between the request's X-Amz-Date (20150830T123600Z) and now. */
static bool date_fresh(const char *amz_date, int64_t now_s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(amz_date, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end) return false;
    int64_t t = (int64_t)timegm(&tm);
    return t - now_s < 15 * 60 && now_s - t < 15 * 60;
}

static char *expected_signature(const sigv4_request *r, const authz *a, const char *amz_date,
                                const char *secret)
{
    char *creq = sigv4_canonical_request(r, a->signed_headers);
    char scope[256], k0[256];
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", a->day, a->region, a->service);
    char *sts = creq ? sigv4_string_to_sign(creq, amz_date, scope) : NULL;
    free(creq);
    if (!sts) return NULL;
    uint8_t k[32];
    int n = snprintf(k0, sizeof k0, "AWS4%s", secret);
    hmac_raw(k0, (size_t)n, a->day, k);
    hmac_raw(k, 32, a->region, k);
    hmac_raw(k, 32, a->service, k);
    hmac_raw(k, 32, "aws4_request", k);
    char *sig = malloc(2 * HASH_MAX_DIGEST + 1);
    if (sig) hmac_hex("SHA-256", k, 32, sts, strlen(sts), sig);
    free(sts);
    return sig;
}

int sigv4_verify(const sigv4_request *r, sigv4_secret_fn secret_of, void *ud, int64_t now_s,
                 char *access_key, yogi_error *err)
{
    const char *h = header(r, "Authorization");
    const char *amz_date = header(r, "X-Amz-Date");
    authz a;
    char secret[256];
    while (h && (*h == ' ' || *h == '\t')) h++;
    while (amz_date && (*amz_date == ' ' || *amz_date == '\t')) amz_date++;
    if (!h || strncmp(h, "AWS4-", 5) != 0)
        return host_fail(err, "MissingAuthenticationToken", "the request is not signed");
    if (!parse_authz(h, &a) || !amz_date || strncmp(amz_date, a.day, 8) != 0 ||
        !signs_host(a.signed_headers))
        return host_fail(err, "IncompleteSignature", "the Authorization header is malformed, "
                         "or the date or the signed host is missing");
    if (!secret_of(ud, a.key, secret, sizeof secret))
        return host_fail(err, "UnrecognizedClient", "the access key id is not known here");
    if (now_s && !date_fresh(amz_date, now_s))
        return host_fail(err, "InvalidSignatureException",
                         "the signature is dated more than 15 minutes from now");
    char *want = expected_signature(r, &a, amz_date, secret);
    unsigned char diff = want ? 0 : 1;
    for (size_t i = 0; want && i < 64; i++) diff |= (unsigned char)(want[i] ^ a.signature[i]);
    free(want);
    if (diff)
        return host_fail(err, "InvalidSignatureException", "the request signature does not "
                         "match the one computed with the secret of %s", a.key);
    snprintf(access_key, 128, "%s", a.key);
    return 0;
}
