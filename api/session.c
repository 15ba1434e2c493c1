/*
 * session.c — signing in and out of the web app, and the first admin.
 *
 * POST /v1/session checks a name and password (Argon2id, api/password.c)
 * and answers with a cookie "yogi_session=<64 hex>" — HttpOnly, SameSite=
 * Strict, Path=/, a week long, and Secure when the request came over TLS
 * (X-Forwarded-Proto: https from the proxy in front, or --secure-cookies).
 * The database keeps only SHA-256(cookie), beside a CSRF secret that the
 * page reads from /v1/whoami and sends back as X-CSRF-Token on every
 * request that changes something (auth.c refuses those without it).
 *
 * Failed sign-ins are counted per name and per client address in a small
 * table (api.logins): 5 per name or 20 per address within 15 minutes, and
 * further attempts get 429 with Retry-After until the window ends, before
 * any password is hashed. The table is fixed in size; when full, the
 * oldest window is reused, so a flood of names cannot grow memory.
 *
 * First start: while no user exists and auth is on, a random one-time code
 * is printed (with the `yogi user add` command that does the same); POST
 * /v1/setup with that code creates the first admin and signs them in.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/http.h>

#include "hash.h"
#include "internal.h"
#include "password.h"

#define COOKIE_NAME "yogi_session"
#define SESSION_SECONDS (7 * 24 * 3600)
#define LOGIN_WINDOW 900
#define LOGIN_MAX_PER_NAME 5
#define LOGIN_MAX_PER_ADDRESS 20

static void sha256_hex(const char *text, char out[SESSION_HASH_MAX])
{
    char hex[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", text, strlen(text), hex);
    memcpy(out, hex, SESSION_HASH_MAX - 1); /* SHA-256: exactly 64 hex digits */
    out[SESSION_HASH_MAX - 1] = '\0';
}

/* The value of the named cookie, into out; false when absent. */
static bool cookie_value(api_request *r, const char *name, char *out, size_t cap)
{
    const char *h = request_header(r, "Cookie");
    size_t n = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';') h++;
        size_t len = strcspn(h, ";");
        if (len > n && !strncmp(h, name, n) && h[n] == '=' && len - n - 1 < cap) {
            memcpy(out, h + n + 1, len - n - 1);
            out[len - n - 1] = '\0';
            return true;
        }
        h += len;
    }
    return false;
}

bool session_from_cookie(api_request *r)
{
    char cookie[80], hash[SESSION_HASH_MAX];
    if (!cookie_value(r, COOKIE_NAME, cookie, sizeof cookie) || strlen(cookie) != 64) return false;
    sha256_hex(cookie, hash);
    user u;
    principal *who = &r->who;
    if (sessions_find(r->a->s, hash, (int64_t)time(NULL), &u, who->csrf) != 0) return false;
    who->role = auth_role_bit(u.role);
    snprintf(who->role_name, sizeof who->role_name, "%s", u.role);
    who->user_id = u.id;
    snprintf(who->user, sizeof who->user, "%s", u.name);
    snprintf(who->owner, sizeof who->owner, "user:%s", u.name);
    who->session = true;
    return who->role != 0;
}

/* ---- rate limit ---------------------------------------------------------- */

static login_slot *slot_for(api *a, const char *key, bool create, int64_t now)
{
    login_slot *oldest = &a->logins[0];
    for (int i = 0; i < LOGIN_SLOTS; i++) {
        login_slot *s = &a->logins[i];
        if (s->key[0] && now - s->first >= LOGIN_WINDOW) s->key[0] = '\0'; /* expired */
        if (s->key[0] && !strcmp(s->key, key)) return s;
        if (!s->key[0] || s->first < oldest->first) oldest = s;
    }
    if (!create) return NULL;
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->failures = 0;
    oldest->first = now;
    return oldest;
}

static void login_keys(api_request *r, const char *name, char *by_name, char *by_addr, size_t cap)
{
    char *peer = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *c = evhttp_request_get_connection(r->req);
    if (c) evhttp_connection_get_peer(c, &peer, &port);
    snprintf(by_name, cap, "n:%.60s", name);
    for (char *p = by_name; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32); /* names are case-insensitive */
    snprintf(by_addr, cap, "a:%.60s", peer ? peer : "-");
}

/* Seconds until another attempt is allowed, 0 when it is allowed now. */
static int login_wait(api *a, const char *by_name, const char *by_addr, int64_t now)
{
    login_slot *n = slot_for(a, by_name, false, now), *ad = slot_for(a, by_addr, false, now);
    int64_t until = 0;
    if (n && n->failures >= LOGIN_MAX_PER_NAME) until = n->first + LOGIN_WINDOW;
    if (ad && ad->failures >= LOGIN_MAX_PER_ADDRESS && ad->first + LOGIN_WINDOW > until)
        until = ad->first + LOGIN_WINDOW;
    return until > now ? (int)(until - now) : 0;
}

static void login_failed(api *a, const char *by_name, const char *by_addr, int64_t now)
{
    slot_for(a, by_name, true, now)->failures++;
    slot_for(a, by_addr, true, now)->failures++;
}

/* ---- sign in and out ------------------------------------------------------- */

static bool over_tls(api_request *r)
{
    const char *proto = request_header(r, "X-Forwarded-Proto");
    return r->a->opts.secure_cookies || (proto && !strcasecmp(proto, "https"));
}

static void set_cookie(api_request *r, const char *value, int max_age)
{
    char header[256];
    snprintf(header, sizeof header, COOKIE_NAME "=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             value, max_age, over_tls(r) ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Set-Cookie", header);
}

/* Open a session for u: cookie out, {"user","role","csrf"} back. */
static void start_session(api_request *r, const user *u, int status)
{
    char cookie[65], hash[SESSION_HASH_MAX], csrf[SESSION_CSRF_MAX];
    yogi_error err = {{0}, {0}};
    if (password_random_hex(cookie, 32) != 0 || password_random_hex(csrf, 32) != 0) {
        reply_error(r, 500, "Auth.Random", "no randomness for a session");
        return;
    }
    sha256_hex(cookie, hash);
    int64_t expires = (int64_t)time(NULL) + SESSION_SECONDS;
    if (sessions_create(r->a->s, hash, u->id, csrf, expires, &err) != 0) {
        reply_yogi_error(r, &err);
        return;
    }
    set_cookie(r, cookie, SESSION_SECONDS);
    reply_json(r, status, json_pack("{s:s,s:s,s:s}", "user", u->name, "role", u->role, "csrf",
                                    csrf));
}

/* A name that does not exist costs the same Argon2id work as a wrong
 * password, so the time taken does not tell which names exist. */
static bool check_password(api *a, const char *name, const char *password, user *u)
{
    static char dummy[PASSWORD_HASH_MAX];
    bool found = users_find(a->s, name, u) == 0 && !u->disabled;
    if (!found && !dummy[0]) {
        yogi_error err;
        if (password_hash("not-a-real-password", dummy, &err) != 0) dummy[0] = '\0';
    }
    bool match = password_verify(found ? u->pwhash : dummy, password);
    return found && match;
}

/* Browsers send Origin on a POST; one from elsewhere is never ours. */
static bool same_origin(api_request *r)
{
    const char *origin = request_header(r, "Origin"), *host = request_header(r, "Host");
    if (!origin || !host) return true;
    const char *p = strstr(origin, "://");
    return p && !strcmp(p + 3, host);
}

void session_login_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *password = json_string_value(json_object_get(body, "password"));
    int64_t now = (int64_t)time(NULL);
    char by_name[USER_NAME_MAX + 8], by_addr[USER_NAME_MAX + 8];
    user u;
    if (!name || !password) {
        reply_error(r, 400, "InvalidRequest", "send {\"name\": ..., \"password\": ...}");
    } else if (!same_origin(r)) {
        reply_error(r, 403, "CsrfFailed", "sign in from this site's own page");
    } else {
        login_keys(r, name, by_name, by_addr, sizeof by_name);
        int wait = login_wait(r->a, by_name, by_addr, now);
        if (wait > 0) {
            char retry[16];
            snprintf(retry, sizeof retry, "%d", wait);
            evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", retry);
            reply_error(r, 429, "TooManyAttempts",
                        "too many wrong passwords: try again in %d minutes", (wait + 59) / 60);
        } else if (!check_password(r->a, name, password, &u)) {
            login_failed(r->a, by_name, by_addr, now);
            reply_error(r, 401, "WrongPassword", "that name and password do not match");
        } else {
            slot_for(r->a, by_name, true, now)->failures = 0;
            start_session(r, &u, 200);
        }
    }
    json_decref(body);
}

void session_logout_h(api_request *r)
{
    char cookie[80], hash[SESSION_HASH_MAX];
    if (cookie_value(r, COOKIE_NAME, cookie, sizeof cookie)) {
        sha256_hex(cookie, hash);
        sessions_delete(r->a->s, hash);
    }
    set_cookie(r, "", 0);
    reply_json(r, 200, json_pack("{s:b}", "signed_out", 1));
}

void whoami_h(api_request *r)
{
    json_t *body = json_pack("{s:s,s:s?,s:b}", "role",
                             r->who.role_name[0] ? r->who.role_name : "admin", "token_id",
                             r->who.token_id[0] ? r->who.token_id : NULL, "auth",
                             r->a->opts.auth);
    json_object_set_new(body, "user", r->who.user[0] ? json_string(r->who.user) : json_null());
    if (r->who.session) json_object_set_new(body, "csrf", json_string(r->who.csrf));
    reply_json(r, 200, body);
}

/* A person changes their own password: the current one is checked (and
 * counted like a sign-in), every session of theirs ends, and this browser
 * gets a new one. */
void password_change_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *current = json_string_value(json_object_get(body, "current"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char hash[PASSWORD_HASH_MAX], by_name[USER_NAME_MAX + 8], by_addr[USER_NAME_MAX + 8];
    int64_t now = (int64_t)time(NULL);
    yogi_error err = {{0}, {0}};
    user u;
    if (!r->who.user_id) {
        reply_error(r, 409, "NoUser", "a token of nobody's has no password");
    } else if (!current || !password) {
        reply_error(r, 400, "InvalidRequest", "send {\"current\": ..., \"password\": ...}");
    } else if (login_keys(r, r->who.user, by_name, by_addr, sizeof by_name),
               login_wait(r->a, by_name, by_addr, now) > 0) {
        reply_error(r, 429, "TooManyAttempts", "too many wrong passwords: try again later");
    } else if (!check_password(r->a, r->who.user, current, &u)) {
        login_failed(r->a, by_name, by_addr, now);
        reply_error(r, 403, "WrongPassword", "That is not your current password.");
    } else if (password_hash(password, hash, &err) != 0 ||
               users_update(r->a->s, u.name, hash, NULL, -1, &err) != 0) {
        reply_yogi_error(r, &err);
    } else {
        audit_record(r->a->s, u.name, "user.password", u.name);
        start_session(r, &u, 200);
    }
    json_decref(body);
}

/* ---- the first admin ------------------------------------------------------- */

void session_setup_code(api *a)
{
    a->setup_code[0] = '\0';
    if (!a->opts.auth || users_count(a->s) != 0) return;
    if (password_random_hex(a->setup_code, 16) != 0) a->setup_code[0] = '\0';
}

void setup_get_h(api_request *r)
{
    bool needed = r->a->opts.auth && users_count(r->a->s) == 0;
    reply_json(r, 200, json_pack("{s:b}", "needed", needed));
}

void setup_post_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *code = json_string_value(json_object_get(body, "code"));
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char hash[PASSWORD_HASH_MAX];
    yogi_error err = {{0}, {0}};
    user u;
    if (!r->a->setup_code[0] || users_count(r->a->s) != 0) {
        reply_error(r, 409, "SetupDone", "the first admin exists: sign in instead");
    } else if (!code || !password_equal(code, r->a->setup_code)) {
        reply_error(r, 403, "WrongSetupCode", "this setup link is not the one the server printed");
    } else if (!name || !password) {
        reply_error(r, 400, "InvalidRequest", "send {\"code\", \"name\", \"password\"}");
    } else if (password_hash(password, hash, &err) != 0 ||
               users_add(r->a->s, name, "admin", hash, NULL, &err) != 0 ||
               users_find(r->a->s, name, &u) != 0) {
        reply_yogi_error(r, &err);
    } else {
        r->a->setup_code[0] = '\0';
        audit_record(r->a->s, name, "user.create", name);
        start_session(r, &u, 201);
    }
    json_decref(body);
}
