/*
 * auth.c — bearer tokens.
 *
 * A token reads "ygt_<id>_<secret>": id is 8 random bytes in hex (public,
 * the row's key), secret 32 random bytes in hex. The database keeps only
 * SHA-256(token) and the role, so a stolen database yields no usable token.
 * A token made for a user (tokens.user_id) acts as that user with the
 * user's current role; older tokens keep the role they were made with.
 * Browsers sign in instead (api/session.c) and carry a session cookie;
 * their state-changing requests must also carry the session's CSRF secret.
 *
 * Verification looks the row up by id and compares the hashes with a
 * constant-time comparison, so the time taken says nothing about how much of
 * a guess was right. Revocation takes effect on the next request: nothing is
 * cached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "hash.h"
#include "host_error.h"
#include "internal.h"

#define TOKEN_PREFIX "ygt_"
#define ID_BYTES 8
#define SECRET_BYTES 32

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int random_bytes(unsigned char *buf, size_t n, yogi_error *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            host_fail(err, "Auth.Random", "getrandom failed");
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

int api_token_create(struct store *s, const char *role, const char *label, char *token_out,
                     char *id_out, yogi_error *err)
{
    if (!tokens_role_valid(role))
        return host_fail(err, "InvalidRole",
                         "role must be uploader, reviewer, admin or worker, not '%s'", role);
    unsigned char id_raw[ID_BYTES], secret_raw[SECRET_BYTES];
    if (random_bytes(id_raw, sizeof id_raw, err) != 0 ||
        random_bytes(secret_raw, sizeof secret_raw, err) != 0)
        return -1;
    char id[2 * ID_BYTES + 1], secret[2 * SECRET_BYTES + 1];
    to_hex(id_raw, ID_BYTES, id);
    to_hex(secret_raw, SECRET_BYTES, secret);
    snprintf(token_out, API_TOKEN_MAX, TOKEN_PREFIX "%s_%s", id, secret);
    char hash[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", token_out, strlen(token_out), hash);
    if (tokens_insert(s, id, hash, role, label, err) != 0) return -1;
    snprintf(id_out, TOKEN_ID_MAX, "%s", id);
    return 0;
}

static bool equal_constant_time(const char *a, const char *b, size_t n)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static bool equal_length_and_content(const char *a, const char *b)
{
    size_t n = strlen(b);
    return n > 0 && strlen(a) == n && equal_constant_time(a, b, n);
}

static bool all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* The roles, token and user alike, and what each may do. A user's tokens
 * carry the user's role: a teacher's token is an uploader's. */
static const struct role_def {
    const char *name;
    int bit;
    const char *token_role; /* the api_tokens role that carries it */
} role_defs[] = {
    {"admin", ROLE_ADMIN, "admin"},
    {"reviewer", ROLE_REVIEWER, "reviewer"},
    {"uploader", ROLE_UPLOADER, "uploader"},
    {"teacher", ROLE_UPLOADER, "uploader"},
    {"worker", ROLE_WORKER, "worker"}, /* tokens only: remote workers */
};

static const struct role_def *find_role(const char *role)
{
    for (size_t i = 0; role && i < sizeof role_defs / sizeof role_defs[0]; i++)
        if (!strcmp(role, role_defs[i].name)) return &role_defs[i];
    return NULL;
}

int auth_role_bit(const char *role)
{
    const struct role_def *d = find_role(role);
    return d ? d->bit : 0;
}

const char *auth_token_role(const char *user_role)
{
    const struct role_def *d = find_role(user_role);
    return d ? d->token_role : NULL;
}

/* The token's id when it has the right shape, else false. */
static bool parse_token(const char *token, char id[TOKEN_ID_MAX])
{
    const size_t plen = strlen(TOKEN_PREFIX), idlen = 2 * ID_BYTES, slen = 2 * SECRET_BYTES;
    if (strlen(token) != plen + idlen + 1 + slen) return false;
    if (strncmp(token, TOKEN_PREFIX, plen) != 0 || token[plen + idlen] != '_') return false;
    if (!all_hex(token + plen, idlen) || !all_hex(token + plen + idlen + 1, slen)) return false;
    memcpy(id, token + plen, idlen);
    id[idlen] = '\0';
    return true;
}

static bool unauthorized(api_request *r, const char *message)
{
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "WWW-Authenticate",
                      "Bearer realm=\"yogi\"");
    reply_error(r, 401, "Unauthorized", "%s", message);
    return false;
}

static void set_role(principal *who, const char *role)
{
    who->role = auth_role_bit(role);
    snprintf(who->role_name, sizeof who->role_name, "%s", role);
}

/* A token that belongs to a user acts as that user, with the user's role
 * as it is now; a disabled user's tokens stop working. */
static bool token_user(api_request *r, const char *token_role)
{
    principal *who = &r->who;
    int64_t uid = tokens_user(r->a->s, who->token_id);
    user u;
    if (uid == 0) {
        set_role(who, token_role);
        snprintf(who->owner, sizeof who->owner, "%s", who->token_id);
        return who->role != 0;
    }
    if (users_find_id(r->a->s, uid, &u) != 0 || u.disabled) return false;
    set_role(who, u.role);
    who->user_id = u.id;
    snprintf(who->user, sizeof who->user, "%s", u.name);
    snprintf(who->owner, sizeof who->owner, "user:%s", u.name);
    return who->role != 0;
}

static bool bearer(api_request *r, const char *h)
{
    if (strncasecmp(h, "Bearer ", 7) != 0) return unauthorized(r, "use Authorization: Bearer");
    const char *token = h + 7;
    char id[TOKEN_ID_MAX], stored[TOKEN_HASH_MAX], role[TOKEN_ROLE_MAX];
    if (!parse_token(token, id)) return unauthorized(r, "the token is malformed");
    char hash[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", token, strlen(token), hash);
    if (tokens_find(r->a->s, id, stored, role) != 0 || strlen(stored) != 64 ||
        !equal_constant_time(hash, stored, 64))
        return unauthorized(r, "the token is unknown or revoked");
    snprintf(r->who.token_id, sizeof r->who.token_id, "%s", id);
    if (!token_user(r, role)) return unauthorized(r, "the token is unknown or revoked");
    return true;
}

static bool changes_state(api_request *r)
{
    enum evhttp_cmd_type m = evhttp_request_get_command(r->req);
    return m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD;
}

bool auth_authenticate(api_request *r)
{
    if (!r->a->opts.auth) {
        set_role(&r->who, "admin");
        r->who.token_id[0] = '\0';
        return true;
    }
    const char *h = request_header(r, "Authorization");
    if (h) return bearer(r, h);
    if (!session_from_cookie(r))
        return unauthorized(r, "sign in, or send an Authorization: Bearer token");
    /* SameSite=Strict already keeps the cookie off other sites' requests;
     * the CSRF secret, which only our own pages can read, is the second lock. */
    const char *csrf = request_header(r, "X-CSRF-Token");
    if (changes_state(r) && (!csrf || !equal_length_and_content(csrf, r->who.csrf))) {
        reply_error(r, 403, "CsrfFailed", "this form is stale: reload the page and try again");
        return false;
    }
    return true;
}
