/*
 * routes_admin.c — API tokens and backups while the service runs.
 *
 * Both exist because the service owns the database: a second process
 * writing to it (or checkpointing it) beside the service risks the SQLite
 * WAL corruption documented in store.h, so `yogi token` and `yogi backup`
 * refuse a directory in use, and these routes do the same work inside the
 * service, through its one connection.
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
    reply_json(r, 200, json_pack("{s:o}", "tokens", list));
}

void tokens_create_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *label = json_string_value(json_object_get(body, "label"));
    char token[API_TOKEN_MAX], id[TOKEN_ID_MAX];
    yogi_error err = {{0}, {0}};
    if (!role || !tokens_role_valid(role)) {
        reply_error(r, 400, "InvalidRole", "role must be uploader, reviewer, admin or worker");
    } else if (label && strlen(label) > 200) {
        reply_error(r, 400, "InvalidRequest", "label is limited to 200 bytes");
    } else if (api_token_create(r->a->s, role, label, token, id, &err) != 0) {
        reply_yogi_error(r, &err);
    } else {
        reply_json(r, 201, json_pack("{s:s,s:s,s:s,s:s?}", "id", id, "token", token, "role", role,
                                     "label", label));
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
