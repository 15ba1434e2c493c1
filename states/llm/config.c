/*
 * config.c — the llm.* configuration keys and the API key.
 *
 * Everything comes through one lookup function (yogi_host.config, which
 * lets YOGI_LLM_* environment variables override the config file), so the
 * unit tests feed a table instead. Invariants after a successful load:
 * provider and model are set, base_url is an acceptable URL without a
 * trailing slash (https, or http to a loopback host when
 * llm.allow_http_loopback is true), the numbers are in range, and the API
 * key, when there is one, is a single line of printable characters (it goes
 * into a header, so a stray newline must not become header injection).
 *
 * The key itself is never a configuration value: the config names an
 * environment variable (llm.api_key_env) or a file (llm.api_key_file) that
 * holds it, so config files can be shared and logged without leaking it.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm.h"

#define NOT_CONFIGURED "Llm.NotConfigured"

static int copy_value(char *dst, size_t size, const char *value, const char *key,
                      yogi_error *err)
{
    size_t n = strlen(value);
    if (n >= size) return yogi_fail(err, NOT_CONFIGURED, "%s is too long", key);
    memcpy(dst, value, n + 1);
    return YOGI_OK;
}

static int read_long(llm_config_fn get, const char *key, long lo, long hi, long *out,
                     yogi_error *err)
{
    const char *v = get(key);
    if (!v || !*v) return YOGI_OK; /* keep the default */
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return yogi_fail(err, NOT_CONFIGURED, "%s must be a whole number in %ld..%ld, not '%s'",
                         key, lo, hi, v);
    *out = n;
    return YOGI_OK;
}

static int read_double(llm_config_fn get, const char *key, double lo, double hi, double *out,
                       yogi_error *err)
{
    const char *v = get(key);
    if (!v || !*v) return YOGI_OK;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(d) || d < lo || d > hi)
        return yogi_fail(err, NOT_CONFIGURED, "%s must be a number in %g..%g, not '%s'", key,
                         lo, hi, v);
    *out = d;
    return YOGI_OK;
}

static int read_bool(llm_config_fn get, const char *key, bool *out, yogi_error *err)
{
    const char *v = get(key);
    if (!v || !*v) return YOGI_OK;
    if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) *out = true;
    else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) *out = false;
    else return yogi_fail(err, NOT_CONFIGURED, "%s must be true or false, not '%s'", key, v);
    return YOGI_OK;
}

/* A key goes into a header: one line of printable ASCII, nothing else. */
static int set_key(llm_config *cfg, const char *raw, size_t n, const char *from,
                   yogi_error *err)
{
    while (n > 0 && isspace((unsigned char)raw[n - 1])) n--;
    while (n > 0 && isspace((unsigned char)*raw)) raw++, n--;
    if (n == 0) return yogi_fail(err, NOT_CONFIGURED, "the API key in %s is empty", from);
    if (n >= sizeof cfg->api_key)
        return yogi_fail(err, NOT_CONFIGURED, "the API key in %s is too long", from);
    for (size_t i = 0; i < n; i++)
        if (raw[i] < 0x21 || raw[i] > 0x7e)
            return yogi_fail(err, NOT_CONFIGURED,
                             "the API key in %s holds a space or control character", from);
    memcpy(cfg->api_key, raw, n);
    cfg->api_key[n] = '\0';
    return YOGI_OK;
}

static int load_key_file(llm_config *cfg, const char *path, yogi_error *err)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return yogi_fail(err, NOT_CONFIGURED, "llm.api_key_file %s: %s", path, strerror(errno));
    char buf[sizeof cfg->api_key + 2];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool failed = ferror(f);
    fclose(f);
    if (failed) return yogi_fail(err, NOT_CONFIGURED, "llm.api_key_file %s: read error", path);
    int rc = set_key(cfg, buf, n, "llm.api_key_file", err);
    memset(buf, 0, sizeof buf);
    return rc;
}

/* The key: llm.api_key_file, else the variable llm.api_key_env names, else
 * the provider's usual variable. Anthropic always needs one; a local
 * OpenAI-compatible server usually does not. */
static int load_key(llm_config_fn get, llm_config *cfg, yogi_error *err)
{
    const char *file = get("llm.api_key_file");
    if (file && *file) return load_key_file(cfg, file, err);
    const char *var = get("llm.api_key_env");
    bool named = var && *var;
    if (!named) var = cfg->provider == LLM_ANTHROPIC ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
    const char *key = getenv(var);
    if (key && *key) return set_key(cfg, key, strlen(key), var, err);
    if (named)
        return yogi_fail(err, NOT_CONFIGURED, "llm.api_key_env names %s, which is not set", var);
    if (cfg->provider == LLM_ANTHROPIC)
        return yogi_fail(err, NOT_CONFIGURED,
                         "no API key: set llm.api_key_env or llm.api_key_file");
    cfg->api_key[0] = '\0';
    return YOGI_OK;
}

static int load_provider(llm_config_fn get, llm_config *cfg, yogi_error *err)
{
    const char *p = get("llm.provider");
    if (!p || !*p) return yogi_fail(err, NOT_CONFIGURED, "llm.provider is not set");
    if (!strcmp(p, "anthropic")) cfg->provider = LLM_ANTHROPIC;
    else if (!strcmp(p, "openai")) cfg->provider = LLM_OPENAI;
    else
        return yogi_fail(err, NOT_CONFIGURED, "llm.provider must be anthropic or openai, not '%s'",
                         p);

    const char *model = get("llm.model");
    if (!model || !*model) return yogi_fail(err, NOT_CONFIGURED, "llm.model is not set");
    if (copy_value(cfg->model, sizeof cfg->model, model, "llm.model", err)) return YOGI_FAILED;

    const char *base = get("llm.base_url");
    if (!base || !*base)
        base = cfg->provider == LLM_ANTHROPIC ? "https://api.anthropic.com"
                                              : "https://api.openai.com";
    if (copy_value(cfg->base_url, sizeof cfg->base_url, base, "llm.base_url", err))
        return YOGI_FAILED;
    size_t n = strlen(cfg->base_url);
    while (n > 0 && cfg->base_url[n - 1] == '/') cfg->base_url[--n] = '\0';
    return YOGI_OK;
}

/* llm.budget_tokens_per_day and llm.budget_cost_per_day; a cost budget
 * without prices could never be reached, so it is refused by name. */
static int read_budget(llm_config_fn get, llm_config *cfg, yogi_error *err)
{
    if (read_long(get, "llm.budget_tokens_per_day", 0, 1000000000000L,
                  &cfg->budget_tokens_per_day, err) ||
        read_double(get, "llm.budget_cost_per_day", 0, 1e9, &cfg->budget_cost_per_day, err))
        return YOGI_FAILED;
    if (cfg->budget_cost_per_day >= 0 && cfg->price_input_per_mtok < 0 &&
        cfg->price_output_per_mtok < 0)
        return yogi_fail(err, NOT_CONFIGURED,
                         "llm.budget_cost_per_day needs llm.price_input_per_mtok and "
                         "llm.price_output_per_mtok (without prices no cost is counted)");
    return YOGI_OK;
}

int llm_config_load(llm_config_fn get, llm_config *cfg, yogi_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_seconds = 120;
    cfg->max_image_bytes = 3932160; /* 3.75 MiB: 5 MB once base64-encoded */
    cfg->max_tokens = 8192;
    cfg->max_pages = 2;
    cfg->price_input_per_mtok = -1;
    cfg->price_output_per_mtok = -1;
    cfg->pass_confidence = 0.85;
    cfg->budget_tokens_per_day = -1;
    cfg->budget_cost_per_day = -1;
    long pages = cfg->max_pages;
    bool is_http;

    if (load_provider(get, cfg, err) ||
        read_long(get, "llm.timeout_seconds", 1, 3600, &cfg->timeout_seconds, err) ||
        read_long(get, "llm.max_image_bytes", 65536, 20L << 20, &cfg->max_image_bytes, err) ||
        read_long(get, "llm.max_tokens", 256, 200000, &cfg->max_tokens, err) ||
        read_long(get, "llm.max_pages", 1, 8, &pages, err) ||
        read_bool(get, "llm.allow_http_loopback", &cfg->allow_http_loopback, err) ||
        read_double(get, "llm.price_input_per_mtok", 0, 1e6, &cfg->price_input_per_mtok, err) ||
        read_double(get, "llm.price_output_per_mtok", 0, 1e6, &cfg->price_output_per_mtok, err) ||
        read_double(get, "llm.pass_confidence", 0, 1, &cfg->pass_confidence, err) ||
        read_budget(get, cfg, err) ||
        llm_check_url(cfg, cfg->base_url, &is_http, err) || load_key(get, cfg, err)) {
        memset(cfg->api_key, 0, sizeof cfg->api_key);
        return YOGI_FAILED;
    }
    cfg->max_pages = (int)pages;
    return YOGI_OK;
}

bool llm_is_loopback_host(const char *host)
{
    if (!strcmp(host, "localhost") || !strcmp(host, "::1") || !strcmp(host, "[::1]"))
        return true;
    /* 127.a.b.c written as a dotted quad, nothing else. */
    unsigned parts[4];
    int used = 0;
    if (sscanf(host, "%3u.%3u.%3u.%3u%n", &parts[0], &parts[1], &parts[2], &parts[3], &used) != 4)
        return false;
    if (host[used] != '\0') return false;
    for (int i = 0; i < 4; i++)
        if (parts[i] > 255) return false;
    return parts[0] == 127;
}

/* Split "scheme://host[:port][/path]" far enough to see the scheme and host. */
static int url_host(const char *url, char *scheme, size_t slen, char *host, size_t hlen)
{
    const char *sep = strstr(url, "://");
    if (!sep || (size_t)(sep - url) >= slen) return -1;
    memcpy(scheme, url, (size_t)(sep - url));
    scheme[sep - url] = '\0';
    for (char *c = scheme; *c; c++) *c = (char)tolower((unsigned char)*c);
    const char *h = sep + 3, *end;
    if (strchr(h, '@')) return -1; /* no credentials in URLs */
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end) return -1;
        end++;
    } else {
        end = h + strcspn(h, ":/?#");
    }
    if (end == h || (size_t)(end - h) >= hlen) return -1;
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    for (char *c = host; *c; c++) *c = (char)tolower((unsigned char)*c);
    return 0;
}

int llm_check_url(const llm_config *cfg, const char *url, bool *is_http, yogi_error *err)
{
    char scheme[16], host[256];
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return yogi_fail(err, NOT_CONFIGURED,
                             "llm.base_url holds a space or control character");
    if (url_host(url, scheme, sizeof scheme, host, sizeof host) != 0)
        return yogi_fail(err, NOT_CONFIGURED, "llm.base_url '%s' is not a URL", url);
    *is_http = false;
    if (!strcmp(scheme, "https")) return YOGI_OK;
    if (strcmp(scheme, "http") != 0)
        return yogi_fail(err, NOT_CONFIGURED, "llm.base_url must be https://, not %s://", scheme);
    if (!llm_is_loopback_host(host))
        return yogi_fail(err, NOT_CONFIGURED,
                         "plain http:// is refused except to a loopback address (%s is not one)",
                         host);
    if (!cfg->allow_http_loopback)
        return yogi_fail(err, NOT_CONFIGURED,
                         "plain http:// to %s needs llm.allow_http_loopback = true", host);
    *is_http = true;
    return YOGI_OK;
}

void llm_redact(char *s, size_t size, const char *secret)
{
    static const char mark[] = "[redacted]";
    size_t slen = strlen(secret), mlen = sizeof mark - 1;
    if (slen < 4) return; /* too short to be a key; redacting would mangle text */
    char *from = s, *p;
    while ((p = strstr(from, secret)) != NULL) {
        size_t room = size - (size_t)(p - s) - 1; /* bytes from p to the last one */
        size_t tail = strlen(p + slen);
        if (mlen > room) {
            memcpy(p, mark, room);
            p[room] = '\0';
            return;
        }
        size_t keep = mlen + tail <= room ? tail : room - mlen;
        memmove(p + mlen, p + slen, keep);
        memcpy(p, mark, mlen);
        p[mlen + keep] = '\0';
        from = p + mlen; /* the mark itself may contain the secret */
    }
}
