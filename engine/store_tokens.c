/*
 * store_tokens.c — the api_tokens table (see tokens.h).
 *
 *   api_tokens(id TEXT PRIMARY KEY, hash TEXT, role TEXT, label TEXT,
 *              created INTEGER, revoked INTEGER NULL)
 *
 * Version 2 adds user_id (NULL for tokens made before users existed): a
 * token made for a user acts as that user, with the user's current role.
 * Version 3 admits the "worker" role (remote workers, docs/scaling.md).
 *
 * Rows are never deleted: a revoked token keeps its row (revoked = the Unix
 * time) so `yogi token list` can say when it stopped working and an id is
 * never reused.
 */
#include <stdio.h>
#include <string.h>

#include "host_error.h"
#include "store_internal.h"
#include "tokens.h"
#include "users.h"

static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS api_tokens("
    " id TEXT PRIMARY KEY,"
    " hash TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('uploader','reviewer','admin')),"
    " label TEXT,"
    " created INTEGER NOT NULL,"
    " revoked INTEGER)";

static const char schema_v2[] = "ALTER TABLE api_tokens ADD COLUMN user_id INTEGER;";

/* v3: the "worker" role (remote workers on the activity endpoint). SQLite
 * cannot alter a CHECK constraint: the table is rebuilt, rows kept. */
static const char schema_v3[] =
    "CREATE TABLE api_tokens_v3("
    " id TEXT PRIMARY KEY,"
    " hash TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('uploader','reviewer','admin','worker')),"
    " label TEXT,"
    " created INTEGER NOT NULL,"
    " revoked INTEGER,"
    " user_id INTEGER);"
    "INSERT INTO api_tokens_v3 SELECT id, hash, role, label, created, revoked, user_id"
    " FROM api_tokens;"
    "DROP TABLE api_tokens;"
    "ALTER TABLE api_tokens_v3 RENAME TO api_tokens";

int tokens_init(store *s, yogi_error *err)
{
    /* Tokens name their users: the users tables come first. */
    if (users_init(s, err) != 0 || store_migrate(s, "tokens", 1, schema_v1, err) != 0 ||
        store_migrate(s, "tokens", 2, schema_v2, err) != 0)
        return -1;
    return store_migrate(s, "tokens", 3, schema_v3, err);
}

bool tokens_role_valid(const char *role)
{
    return role && (!strcmp(role, "uploader") || !strcmp(role, "reviewer") ||
                    !strcmp(role, "admin") || !strcmp(role, "worker"));
}

static int storage_error(store *s, yogi_error *err)
{
    host_fail(err, "Engine.Storage", "%s", s->first_error[0] ? s->first_error : "tokens");
    return -1;
}

int tokens_insert(store *s, const char *id, const char *hash_hex, const char *role,
                  const char *label, yogi_error *err)
{
    if (!tokens_role_valid(role)) {
        host_fail(err, "InvalidRole", "role must be uploader, reviewer, admin or worker");
        return -1;
    }
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO api_tokens(id, hash, role, label, created) "
                                     "VALUES (?, ?, ?, ?, strftime('%s','now'))");
    if (!st) {
        store_rollback(s);
        return storage_error(s, err);
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, hash_hex, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, role, -1, SQLITE_TRANSIENT);
    if (label) sqlite3_bind_text(st, 4, label, -1, SQLITE_TRANSIENT);
    if (store_step_done(s, st) != 0) {
        store_rollback(s);
        return storage_error(s, err);
    }
    return store_commit(s, err);
}

int tokens_find(store *s, const char *id, char hash_out[TOKEN_HASH_MAX],
                char role_out[TOKEN_ROLE_MAX])
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT hash, role FROM api_tokens WHERE id = ? AND revoked IS NULL");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(hash_out, TOKEN_HASH_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(role_out, TOKEN_ROLE_MAX, "%s", (const char *)sqlite3_column_text(st, 1));
        rc = 0;
    }
    store_reset(st);
    return rc;
}

int tokens_set_user(store *s, const char *id, int64_t user_id, yogi_error *err)
{
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *st = store_stmt(s, "UPDATE api_tokens SET user_id = ? WHERE id = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, user_id);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
    }
    if (!st || store_step_done(s, st) != 0) {
        store_rollback(s);
        return storage_error(s, err);
    }
    return store_commit(s, err);
}

int64_t tokens_user(store *s, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT user_id FROM api_tokens WHERE id = ?");
    if (!st) return 0;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int64_t uid = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    store_reset(st);
    return uid;
}

json_t *tokens_list(store *s)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT t.id, t.role, t.label, t.created, t.revoked, u.name"
                                     " FROM api_tokens t LEFT JOIN users u ON u.id = t.user_id"
                                     " ORDER BY t.created, t.id");
    if (!st) return NULL;
    json_t *list = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *row = json_pack("{s:s,s:s,s:I}", "id", (const char *)sqlite3_column_text(st, 0),
                                "role", (const char *)sqlite3_column_text(st, 1), "created",
                                (json_int_t)sqlite3_column_int64(st, 3));
        const char *label = (const char *)sqlite3_column_text(st, 2);
        json_object_set_new(row, "label", label ? json_string(label) : json_null());
        json_object_set_new(row, "revoked", sqlite3_column_type(st, 4) == SQLITE_NULL
                                                ? json_null()
                                                : json_integer(sqlite3_column_int64(st, 4)));
        const char *owner = (const char *)sqlite3_column_text(st, 5);
        json_object_set_new(row, "user", owner ? json_string(owner) : json_null());
        json_array_append_new(list, row);
    }
    store_reset(st);
    return list;
}

int tokens_revoke(store *s, const char *id, yogi_error *err)
{
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *st = store_stmt(s, "UPDATE api_tokens SET revoked = strftime('%s','now') "
                                     "WHERE id = ? AND revoked IS NULL");
    if (!st) {
        store_rollback(s);
        return storage_error(s, err);
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    if (store_step_done(s, st) != 0) {
        store_rollback(s);
        return storage_error(s, err);
    }
    int changed = sqlite3_changes(s->db);
    if (store_commit(s, err) != 0) return -1;
    if (changed == 0) {
        host_fail(err, "TokenDoesNotExist", "no active token with id '%s'", id);
        return -1;
    }
    return 0;
}

int tokens_count(store *s)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM api_tokens");
    if (!st) return -1;
    int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    store_reset(st);
    return n;
}
