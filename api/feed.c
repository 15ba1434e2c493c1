/*
 * feed.c — each person's calendar feed: a secret, revocable URL
 * (/feeds/<64 hex>.ics) that a calendar app subscribes to without any
 * header, with the timetables of the documents that person uploaded.
 *
 * The secret is shown when it is made (POST /v1/feed) and kept only as its
 * SHA-256 (users.feed); making a new one or DELETE /v1/feed ends the old
 * URL at once. The feed is read-only and names nothing but the timetables.
 *
 * Events repeat weekly from the week the document was uploaded (a fixed
 * date, so the series does not move from one fetch to the next) until the
 * configured term end (`yogi serve --term-end YYYY-MM-DD`); breaks and lunch
 * are left out unless the URL asks for them (?breaks=1). UIDs name the
 * document, day and start time, so a correction updates events in place.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "documents.h"
#include "export.h"
#include "hash.h"
#include "internal.h"
#include "password.h"

#define FEED_DOCUMENTS_MAX 200

static void feed_hash(const char *secret, char out[2 * HASH_MAX_DIGEST + 1])
{
    hash_hex("SHA-256", secret, strlen(secret), out);
}

void feed_get_h(api_request *r)
{
    bool active = r->who.user_id && users_has_feed(r->a->s, r->who.user_id);
    reply_json(r, 200, json_pack("{s:b}", "active", active));
}

void feed_create_h(api_request *r)
{
    if (!r->who.user_id) {
        reply_error(r, 409, "NoUser", "feeds belong to people: sign in, or use a user's token");
        return;
    }
    char secret[65], hash[2 * HASH_MAX_DIGEST + 1], url[128];
    yogi_error err = {{0}, {0}};
    if (password_random_hex(secret, 32) != 0) {
        reply_error(r, 500, "Auth.Random", "no randomness for a feed");
        return;
    }
    feed_hash(secret, hash);
    if (users_set_feed(r->a->s, r->who.user_id, hash, &err) != 0) {
        reply_yogi_error(r, &err);
        return;
    }
    snprintf(url, sizeof url, "/feeds/%s.ics", secret);
    audit_record(r->a->s, r->who.user, "feed.create", r->who.user);
    reply_json(r, 201, json_pack("{s:s,s:b}", "url", url, "active", 1));
}

void feed_revoke_h(api_request *r)
{
    yogi_error err = {{0}, {0}};
    if (!r->who.user_id || users_set_feed(r->a->s, r->who.user_id, NULL, &err) != 0) {
        reply_error(r, 409, "NoUser", "feeds belong to people");
        return;
    }
    audit_record(r->a->s, r->who.user, "feed.revoke", r->who.user);
    reply_json(r, 200, json_pack("{s:b}", "active", 0));
}

/* [{"id","version","timetable"}...] of the user's finished documents. */
static json_t *feed_calendars(api *a, const char *owner, int *from)
{
    json_t *list = documents_list(a->s, "completed", owner, FEED_DOCUMENTS_MAX, NULL);
    json_t *cals = json_array();
    size_t i;
    json_t *doc;
    json_array_foreach(json_object_get(list, "documents"), i, doc) {
        const char *id = json_string_value(json_object_get(doc, "id"));
        json_t *tt = documents_timetable(a->s, id);
        json_t *versions = documents_versions(a->s, id);
        if (!tt) {
            json_decref(versions);
            continue;
        }
        json_array_append_new(cals, json_pack("{s:s,s:O,s:o}", "id", id, "version",
            json_object_get(json_array_get(versions, 0), "version"), "timetable", tt));
        json_decref(versions);
        /* The earliest upload's date starts every series (a fixed date). */
        const char *created = json_string_value(json_object_get(doc, "created"));
        int y, m, d;
        if (created && sscanf(created, "%4d-%2d-%2d", &y, &m, &d) == 3 &&
            y * 10000 + m * 100 + d < *from)
            *from = y * 10000 + m * 100 + d;
    }
    json_decref(list);
    return cals;
}

static bool feed_secret(const char *file, char secret[65])
{
    size_t n = strlen(file);
    if (n != 68 || strcmp(file + 64, ".ics") != 0) return false;
    for (size_t i = 0; i < 64; i++)
        if (!((file[i] >= '0' && file[i] <= '9') || (file[i] >= 'a' && file[i] <= 'f')))
            return false;
    memcpy(secret, file, 64);
    secret[64] = '\0';
    return true;
}

void feed_ics_h(api_request *r)
{
    char secret[65], hash[2 * HASH_MAX_DIGEST + 1], owner[USER_NAME_MAX + 8], why[128];
    user u;
    if (!feed_secret(r->params[0], secret) || (feed_hash(secret, hash), 0) ||
        users_find_feed(r->a->s, hash, &u) != 0) {
        reply_error(r, 404, "FeedDoesNotExist", "no such feed (it may have been revoked)");
        return;
    }
    snprintf(owner, sizeof owner, "user:%s", u.name);
    int from = 99991231;
    json_t *cals = feed_calendars(r->a, owner, &from);
    const char *breaks = request_query(r, "breaks");
    ics_feed_options o = {.from_year = from / 10000, .from_month = from / 100 % 100,
                          .from_day = from % 100, .breaks = breaks && !strcmp(breaks, "1"),
                          .title = "Timetable"};
    if (from == 99991231) o.from_year = 2000, o.from_month = 1, o.from_day = 3;
    const char *te = r->a->opts.term_end;
    unsigned ty, tm, td;
    if (te && sscanf(te, "%4u-%2u-%2u", &ty, &tm, &td) == 3 && ty <= 9999 && tm <= 12 && td <= 31)
        snprintf(o.until, sizeof o.until, "%04u%02u%02u", ty % 10000u, tm % 100u, td % 100u);
    size_t len = 0;
    char *text = ics_render_feed(cals, &o, time(NULL), &len, why, sizeof why);
    json_decref(cals);
    if (!text) {
        reply_error(r, 500, "Internal", "%s", why);
        return;
    }
    reply_bytes(r, 200, "text/calendar; charset=utf-8", text, len);
    free(text);
}
