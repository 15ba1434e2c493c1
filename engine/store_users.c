/*
 * store_users.c — users, sessions, calendar feeds and the audit log
 * (users.h, audit.h).
 *
 *   users(id INTEGER PK, name TEXT UNIQUE NOCASE, role, pwhash, created,
 *         disabled NULL|time, feed NULL|sha256-hex UNIQUE)    module "users" v1
 *   sessions(id sha256-hex PK, user_id, csrf, created, expires) module "sessions" v1
 *   audit(id INTEGER PK, at, actor, action, subject)          module "audit" v1
 *
 * Times are Unix seconds. The roles a person may have are the rows of the
 * small user_roles table (one line each, so a new role is one INSERT in a
 * later migration) and the users.role column references it.
 *
 * A session is found only while it has not expired and its user is not
 * disabled: disabling needs no second step. A new password or a disable
 * deletes the user's sessions in the same transaction.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "host_error.h"
#include "store_internal.h"
#include "users.h"

static const char users_v1[] =
    "CREATE TABLE user_roles(name TEXT PRIMARY KEY, about TEXT NOT NULL);"
    "INSERT INTO user_roles VALUES ('teacher', 'uploads and sees their own documents'),"
    " ('reviewer', 'checks the drafts the extractor was unsure of'),"
    " ('admin', 'everything, and the engineering views');"
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " role TEXT NOT NULL REFERENCES user_roles(name), pwhash TEXT NOT NULL,"
    " created INTEGER NOT NULL, disabled INTEGER, feed TEXT UNIQUE);";

static const char sessions_v1[] =
    "CREATE TABLE sessions(id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
    " csrf TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE INDEX sessions_by_user ON sessions(user_id);";

static const char audit_v1[] =
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
    " action TEXT NOT NULL, subject TEXT NOT NULL);";

int users_init(store *s, yogi_error *err)
{
    if (store_migrate(s, "users", 1, users_v1, err) != 0) return -1;
    if (store_migrate(s, "sessions", 1, sessions_v1, err) != 0) return -1;
    return store_migrate(s, "audit", 1, audit_v1, err);
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static int storage_error(store *s, yogi_error *err)
{
    return host_fail(err, "Engine.Storage", "%s",
                     s->first_error[0] ? s->first_error : sqlite3_errmsg(s->db));
}

bool users_role_valid(const char *role)
{
    return role && (!strcmp(role, "teacher") || !strcmp(role, "reviewer") ||
                    !strcmp(role, "admin"));
}

bool users_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= USER_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Run one bound write statement in a transaction of its own. */
static int write_one(store *s, sqlite3_stmt *q, yogi_error *err)
{
    if (!q) return storage_error(s, err);
    if (store_begin(s, err) != 0) {
        store_reset(q);
        return -1;
    }
    if (store_step_done(s, q) != 0) {
        storage_error(s, err);
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

int users_add(store *s, const char *name, const char *role, const char *pwhash,
              int64_t *id_out, yogi_error *err)
{
    if (!users_name_valid(name))
        return host_fail(err, "InvalidName", "a user name is 1-63 of A-Z a-z 0-9 . _ -");
    if (!users_role_valid(role))
        return host_fail(err, "InvalidRole", "role must be teacher, reviewer or admin, not '%s'",
                         role ? role : "");
    user existing;
    if (users_find(s, name, &existing) == 0)
        return host_fail(err, "UserExists", "there is already a user '%s'", name);
    sqlite3_stmt *q = store_stmt(s, "INSERT INTO users(name, role, pwhash, created)"
                                    " VALUES (?, ?, ?, ?)");
    if (q) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, role, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, pwhash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, now_s());
    }
    if (write_one(s, q, err) != 0) return -1;
    if (id_out) *id_out = (int64_t)sqlite3_last_insert_rowid(s->db);
    return 0;
}

static void copy_col(char *dst, size_t cap, sqlite3_stmt *q, int col)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    snprintf(dst, cap, "%s", t ? t : "");
}

static int fill_user(sqlite3_stmt *q, user *out)
{
    int rc = -1;
    if (sqlite3_step(q) == SQLITE_ROW) {
        out->id = sqlite3_column_int64(q, 0);
        copy_col(out->name, sizeof out->name, q, 1);
        copy_col(out->role, sizeof out->role, q, 2);
        copy_col(out->pwhash, sizeof out->pwhash, q, 3);
        out->disabled = sqlite3_column_type(q, 4) != SQLITE_NULL;
        rc = 0;
    }
    store_reset(q);
    return rc;
}

#define USER_COLUMNS "id, name, role, pwhash, disabled"

int users_find(store *s, const char *name, user *out)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT " USER_COLUMNS " FROM users WHERE name = ?");
    if (!q || !name) return -1;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    return fill_user(q, out);
}

int users_find_id(store *s, int64_t id, user *out)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT " USER_COLUMNS " FROM users WHERE id = ?");
    if (!q) return -1;
    sqlite3_bind_int64(q, 1, id);
    return fill_user(q, out);
}

static int step_bound(store *s, sqlite3_stmt *q)
{
    return q ? store_step_done(s, q) : -1;
}

static int end_sessions(store *s, int64_t user_id)
{
    sqlite3_stmt *q = store_stmt(s, "DELETE FROM sessions WHERE user_id = ?");
    if (q) sqlite3_bind_int64(q, 1, user_id);
    return step_bound(s, q);
}

static int update_column(store *s, const char *sql, int64_t id, const char *text, int value)
{
    sqlite3_stmt *q = store_stmt(s, sql);
    if (!q) return -1;
    if (text) sqlite3_bind_text(q, 1, text, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_int64(q, 1, value ? now_s() : 0);
    if (!text && !value) sqlite3_bind_null(q, 1);
    sqlite3_bind_int64(q, 2, id);
    return step_bound(s, q);
}

int users_update(store *s, const char *name, const char *pwhash, const char *role,
                 int disabled, yogi_error *err)
{
    if (role && !users_role_valid(role))
        return host_fail(err, "InvalidRole", "role must be teacher, reviewer or admin");
    user u;
    if (users_find(s, name, &u) != 0)
        return host_fail(err, "UserDoesNotExist", "no user '%s'", name);
    if (store_begin(s, err) != 0) return -1;
    int rc = 0;
    if (pwhash)
        rc |= update_column(s, "UPDATE users SET pwhash = ? WHERE id = ?", u.id, pwhash, 0);
    if (role) rc |= update_column(s, "UPDATE users SET role = ? WHERE id = ?", u.id, role, 0);
    if (disabled >= 0)
        rc |= update_column(s, "UPDATE users SET disabled = ? WHERE id = ?", u.id, NULL,
                            disabled);
    if (pwhash || disabled == 1) rc |= end_sessions(s, u.id);
    if (rc != 0) {
        storage_error(s, err);
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

json_t *users_list(store *s)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT id, name, role, created, disabled FROM users"
                                    " ORDER BY name");
    if (!q) return NULL;
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        json_t *row = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)sqlite3_column_int64(q, 0),
                                "name", (const char *)sqlite3_column_text(q, 1), "role",
                                (const char *)sqlite3_column_text(q, 2), "created",
                                (json_int_t)sqlite3_column_int64(q, 3));
        json_object_set_new(row, "disabled", json_boolean(sqlite3_column_type(q, 4) != SQLITE_NULL));
        json_array_append_new(list, row);
    }
    store_reset(q);
    return list;
}

int users_count(store *s)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT count(*) FROM users");
    if (!q) return -1;
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    store_reset(q);
    return n;
}

/* ---- sessions ---------------------------------------------------------- */

int sessions_create(store *s, const char *id_hash, int64_t user_id, const char *csrf,
                    int64_t expires, yogi_error *err)
{
    sqlite3_stmt *q = store_stmt(s, "INSERT INTO sessions(id, user_id, csrf, created, expires)"
                                    " VALUES (?, ?, ?, ?, ?)");
    if (q) {
        sqlite3_bind_text(q, 1, id_hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, user_id);
        sqlite3_bind_text(q, 3, csrf, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 4, now_s());
        sqlite3_bind_int64(q, 5, expires);
    }
    return write_one(s, q, err);
}

int sessions_find(store *s, const char *id_hash, int64_t now, user *u,
                  char csrf_out[SESSION_CSRF_MAX])
{
    sqlite3_stmt *q = store_stmt(s, "SELECT u.id, u.name, u.role, u.pwhash, u.disabled, s.csrf"
                                    " FROM sessions s JOIN users u ON u.id = s.user_id"
                                    " WHERE s.id = ? AND s.expires > ? AND u.disabled IS NULL");
    if (!q) return -1;
    sqlite3_bind_text(q, 1, id_hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, now);
    int rc = -1;
    if (sqlite3_step(q) == SQLITE_ROW) {
        u->id = sqlite3_column_int64(q, 0);
        copy_col(u->name, sizeof u->name, q, 1);
        copy_col(u->role, sizeof u->role, q, 2);
        u->pwhash[0] = '\0'; /* a session has no business with it */
        u->disabled = false;
        copy_col(csrf_out, SESSION_CSRF_MAX, q, 5);
        rc = 0;
    }
    store_reset(q);
    return rc;
}

int sessions_delete(store *s, const char *id_hash)
{
    yogi_error err;
    sqlite3_stmt *q = store_stmt(s, "DELETE FROM sessions WHERE id = ? OR expires < ?");
    if (q) {
        sqlite3_bind_text(q, 1, id_hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, now_s());
    }
    return write_one(s, q, &err);
}

/* ---- feeds --------------------------------------------------------------- */

int users_set_feed(store *s, int64_t user_id, const char *feed_hash, yogi_error *err)
{
    sqlite3_stmt *q = store_stmt(s, "UPDATE users SET feed = ? WHERE id = ?");
    if (q) {
        if (feed_hash) sqlite3_bind_text(q, 1, feed_hash, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(q, 1);
        sqlite3_bind_int64(q, 2, user_id);
    }
    return write_one(s, q, err);
}

int users_find_feed(store *s, const char *feed_hash, user *out)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT " USER_COLUMNS " FROM users"
                                    " WHERE feed = ? AND disabled IS NULL");
    if (!q || !feed_hash) return -1;
    sqlite3_bind_text(q, 1, feed_hash, -1, SQLITE_TRANSIENT);
    return fill_user(q, out);
}

bool users_has_feed(store *s, int64_t user_id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT feed IS NOT NULL FROM users WHERE id = ?");
    if (!q) return false;
    sqlite3_bind_int64(q, 1, user_id);
    bool has = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0);
    store_reset(q);
    return has;
}

/* ---- audit ------------------------------------------------------------------ */

int audit_record(store *s, const char *actor, const char *action, const char *subject)
{
    yogi_error err = {{0}, {0}};
    sqlite3_stmt *q = store_stmt(s, "INSERT INTO audit(at, actor, action, subject)"
                                    " VALUES (?, ?, ?, ?)");
    if (q) {
        sqlite3_bind_int64(q, 1, now_s());
        sqlite3_bind_text(q, 2, actor, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 3, action, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, subject, -1, SQLITE_TRANSIENT);
    }
    if (write_one(s, q, &err) == 0) return 0;
    fprintf(stderr, "yogi: audit line lost (%s %s by %s): %s: %s\n", action, subject, actor,
            err.name, err.cause);
    return -1;
}

json_t *audit_list(store *s, int limit)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT id, at, actor, action, subject FROM audit"
                                    " ORDER BY id DESC LIMIT ?");
    if (!q) return NULL;
    sqlite3_bind_int(q, 1, limit);
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW)
        json_array_append_new(list, json_pack("{s:I,s:I,s:s,s:s,s:s}", "id",
            (json_int_t)sqlite3_column_int64(q, 0), "at", (json_int_t)sqlite3_column_int64(q, 1),
            "actor", (const char *)sqlite3_column_text(q, 2), "action",
            (const char *)sqlite3_column_text(q, 3), "subject",
            (const char *)sqlite3_column_text(q, 4)));
    store_reset(q);
    return list;
}
