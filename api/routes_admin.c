/*
 * routes_admin.c — API tokens and backups while the service runs.
 *
 * Tokens can also be made with `yogi token` while the service runs (a
 * short second writer, see store.h); backups are taken here, through the
 * service's one connection. A token made for a user ({"user": NAME})
 * carries that user's role.
 *
 * A backup goes to DATA_DIR/backups/yogi-<UTC time>.db — never to a path
 * the client names, so the API cannot be made to write anywhere else.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

void tokens_list_h(api_request *r)
{
    json_t *list = tokens_list(r->a->s);
    if (!list) {
        reply_error(r, 503, "Engine.Storage", "cannot list tokens");
        return;
    }
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) { /* stored in seconds */
        json_time_to_iso(t, "created", 1000);
        json_time_to_iso(t, "revoked", 1000);
    }
    reply_json(r, 200, json_pack("{s:o}", "tokens", list));
}

/* {"user": NAME} makes a token for that user, carrying the user's role. */
static bool token_owner(api_request *r, json_t *body, const char **role, user *u)
{
    const char *name = json_string_value(json_object_get(body, "user"));
    if (!name) return true;
    if (users_find(r->a->s, name, u) != 0 || u->disabled) {
        reply_error(r, 404, "UserDoesNotExist", "no enabled user '%s'", name);
        return false;
    }
    *role = auth_token_role(u->role);
    return true;
}

void tokens_create_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *label = json_string_value(json_object_get(body, "label"));
    char token[API_TOKEN_MAX], id[TOKEN_ID_MAX];
    yogi_error err = {{0}, {0}};
    user u = {0};
    if (!token_owner(r, body, &role, &u)) {
        /* replied */
    } else if (!role || !tokens_role_valid(role)) {
        reply_error(r, 400, "InvalidRole", "role must be uploader, reviewer, admin or worker");
    } else if (label && strlen(label) > 200) {
        reply_error(r, 400, "InvalidRequest", "label is limited to 200 bytes");
    } else if (api_token_create(r->a->s, role, label, token, id, &err) != 0 ||
               (u.id && tokens_set_user(r->a->s, id, u.id, &err) != 0)) {
        reply_yogi_error(r, &err);
    } else {
        reply_json(r, 201, json_pack("{s:s,s:s,s:s,s:s?,s:s?}", "id", id, "token", token, "role",
                                     u.id ? u.role : role, "label", label, "user",
                                     u.id ? u.name : NULL));
    }
    json_decref(body);
}

void tokens_revoke_h(api_request *r)
{
    yogi_error err = {{0}, {0}};
    if (!strcmp(r->params[0], r->who.token_id)) {
        reply_error(r, 409, "TokenInUse", "a token cannot revoke itself; use another admin token");
        return;
    }
    if (tokens_revoke(r->a->s, r->params[0], &err) != 0) reply_yogi_error(r, &err);
    else reply_json(r, 200, json_pack("{s:s,s:b}", "id", r->params[0], "revoked", 1));
}

void backup_h(api_request *r)
{
    char dir[PATH_MAX], path[PATH_MAX + 64], stamp[32];
    snprintf(dir, sizeof dir, "%s/backups", r->a->opts.data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        reply_error(r, 500, "Backup.Failed", "cannot create %s: %s", dir, strerror(errno));
        return;
    }
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
    snprintf(path, sizeof path, "%s/yogi-%s.db", dir, stamp);
    yogi_error err = {{0}, {0}};
    struct stat st;
    if (stat(path, &st) == 0) {
        reply_error(r, 409, "Backup.Exists", "a backup was taken this second: %s", path);
        return;
    }
    if (engine_backup(r->a->e, path, &err) != 0) {
        reply_yogi_error(r, &err);
        return;
    }
    long long bytes = stat(path, &st) == 0 ? (long long)st.st_size : -1;
    reply_json(r, 201, json_pack("{s:s,s:I}", "path", path, "bytes", (json_int_t)bytes));
}
