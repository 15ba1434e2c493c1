/*
 * store_documents.c — uploaded documents and their timetables (documents.h).
 *
 * Schema (module "documents", store_migrate):
 *   documents(id TEXT PK, filename, content_type, bytes, sha256, owner,
 *             path, created, updated, status, execution_id, type,
 *             confidence, route, error, cause, needs_review, llm_tokens,
 *             llm_cost (version 2), purged (version 3: when the retention
 *             period removed the original))
 *   timetables(document_id, version, source, timetable JSON, created,
 *             author (version 3: who saved a correction), save_key (version
 *             4)), one row per version, (document_id, version) unique, and
 *             (document_id, save_key) unique where a key is given: a save
 *             named by its execution and step is applied once, however often
 *             the step runs again.
 * Times are Unix milliseconds in the database and ISO 8601 (UTC, ms) in
 * JSON, as the engine reports executions.
 *
 * Durability invariant: a row never names a file that is not on disk. The
 * original is written to DATA_DIR/documents/<id[0..1]>/<id>.tmp, fsynced,
 * renamed to its name, and the directory fsynced — all before the INSERT
 * commits. A crash in between leaves a file that no row names;
 * documents_sweep_orphans() removes those (called when a data directory is
 * opened, never while another process may be creating documents in it).
 *
 * Ids are 32 random hex digits (getrandom): unguessable, so an id in a URL
 * is not an invitation to enumerate, and evenly spread over the 256
 * two-digit directories. The file name given at upload is kept for display
 * and never used as a path.
 */
#include "documents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "hash.h"
#include "host_error.h"
#include "llm_store.h"
#include "store_internal.h"

static const char schema_v1[] =
    "CREATE TABLE documents("
    " id TEXT PRIMARY KEY, filename TEXT, content_type TEXT, bytes INTEGER NOT NULL,"
    " sha256 TEXT NOT NULL, owner TEXT, path TEXT NOT NULL,"
    " created INTEGER NOT NULL, updated INTEGER NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'received', execution_id TEXT, type TEXT,"
    " confidence REAL, route TEXT, error TEXT, cause TEXT,"
    " needs_review INTEGER NOT NULL DEFAULT 0, llm_tokens INTEGER);"
    "CREATE INDEX documents_by_created ON documents(created DESC, id DESC);"
    "CREATE INDEX documents_by_status ON documents(status, created DESC);"
    "CREATE INDEX documents_by_owner ON documents(owner, created DESC);"
    "CREATE TABLE timetables("
    " document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,"
    " version INTEGER NOT NULL, source TEXT NOT NULL, timetable TEXT NOT NULL,"
    " created INTEGER NOT NULL, PRIMARY KEY (document_id, version));";

static const char *const statuses[] = {"received", "processing", "needs_review", "completed",
                                       "failed", "rejected"};

/* Version 2: the cost of the LLM review, beside its tokens. */
static const char schema_v2[] = "ALTER TABLE documents ADD COLUMN llm_cost REAL;";

/* Version 3: who saved each timetable version (corrections by people), and
 * when the original file was removed by the retention period. */
static const char schema_v3[] = "ALTER TABLE timetables ADD COLUMN author TEXT;"
                                "ALTER TABLE documents ADD COLUMN purged INTEGER;";

/* Version 4: the key that makes a workflow step's save idempotent (the
 * save plugin passes "<execution id>/<state name>"; a task that runs again
 * after a crash between its save and its commit saves nothing new). */
static const char schema_v4[] =
    "ALTER TABLE timetables ADD COLUMN save_key TEXT;"
    "CREATE UNIQUE INDEX timetables_by_save_key ON timetables(document_id, save_key)"
    " WHERE save_key IS NOT NULL;";

int documents_init(store *s, yogi_error *err)
{
    if (store_migrate(s, "documents", 1, schema_v1, err) != 0) return -1;
    if (store_migrate(s, "documents", 2, schema_v2, err) != 0) return -1;
    if (store_migrate(s, "documents", 3, schema_v3, err) != 0) return -1;
    return store_migrate(s, "documents", 4, schema_v4, err);
}

static json_t *iso_time(int64_t ms)
{
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    char buf[40];
    if (!gmtime_r(&sec, &tm)) return json_null();
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

static int storage_error(store *s, yogi_error *err, const char *what)
{
    return host_fail(err, "Engine.Storage", "%s: %s", what,
                     s->first_error[0] ? s->first_error : sqlite3_errmsg(s->db));
}

/* ---- the file ---------------------------------------------------------- */

static int new_id(char id[DOCUMENT_ID_MAX], yogi_error *err)
{
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        return host_fail(err, "Engine.Storage", "getrandom: %s", strerror(errno));
    for (size_t i = 0; i < sizeof r; i++) snprintf(id + 2 * i, 3, "%02x", r[i]);
    return 0;
}

static int mkdir_exists_ok(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n, len -= (size_t)n;
    }
    return 0;
}

/* Write bytes to dir/name durably: temporary file, fsync, rename, fsync dir. */
static int write_durably(const char *dir, const char *name, const void *bytes, size_t len,
                         char *path_out, size_t path_len, yogi_error *err)
{
    char tmp[PATH_MAX];
    if ((size_t)snprintf(path_out, path_len, "%s/%s", dir, name) >= path_len ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/%s.tmp", dir, name) >= sizeof tmp)
        return host_fail(err, "Engine.Storage", "document path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return host_fail(err, "Engine.Storage", "create %s: %s", tmp, strerror(errno));
    int rc = write_all(fd, bytes, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0) rc = -1, saved = errno;
    if (rc == 0 && rename(tmp, path_out) != 0) rc = -1, saved = errno;
    if (rc == 0 && fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0) rc = -1, saved = errno;
    if (rc != 0) {
        unlink(tmp);
        return host_fail(err, "Engine.Storage", "write %s: %s", path_out, strerror(saved));
    }
    return 0;
}

static int store_file(const char *data_dir, const char *id, const document_new *doc,
                      char *path_out, size_t path_len, yogi_error *err)
{
    char top[PATH_MAX], dir[PATH_MAX], abs[PATH_MAX];
    /* The row keeps an absolute path: documents_file_path has no data_dir. */
    if (mkdir_exists_ok(data_dir) != 0 || !realpath(data_dir, abs))
        return host_fail(err, "Engine.Storage", "data directory %s: %s", data_dir,
                         strerror(errno));
    data_dir = abs;
    if ((size_t)snprintf(top, sizeof top, "%s/documents", data_dir) >= sizeof top ||
        (size_t)snprintf(dir, sizeof dir, "%s/%.2s", top, id) >= sizeof dir)
        return host_fail(err, "Engine.Storage", "data directory path too long");
    if (mkdir_exists_ok(top) != 0 || mkdir_exists_ok(dir) != 0)
        return host_fail(err, "Engine.Storage", "mkdir %s: %s", dir, strerror(errno));
    /* A new shard directory must itself survive a crash before the file in it. */
    if (fsync_path(top, O_RDONLY | O_DIRECTORY) != 0)
        return host_fail(err, "Engine.Storage", "fsync %s: %s", top, strerror(errno));
    return write_durably(dir, id, doc->bytes, doc->len, path_out, path_len, err);
}

/* ---- rows ---------------------------------------------------------------- */

static void bind_text_or_null(sqlite3_stmt *q, int idx, const char *v)
{
    if (v) sqlite3_bind_text(q, idx, v, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(q, idx);
}

static int insert_row(store *s, const char *id, const document_new *doc, const char *path,
                      yogi_error *err)
{
    char sha[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", doc->bytes, doc->len, sha);
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *q = store_stmt(s,
        "INSERT INTO documents(id, filename, content_type, bytes, sha256, owner, path,"
        " created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int64_t now = wall_clock_ms();
    if (q) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        bind_text_or_null(q, 2, doc->filename);
        bind_text_or_null(q, 3, doc->content_type);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)doc->len);
        sqlite3_bind_text(q, 5, sha, -1, SQLITE_TRANSIENT);
        bind_text_or_null(q, 6, doc->owner);
        sqlite3_bind_text(q, 7, path, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 8, now);
        sqlite3_bind_int64(q, 9, now);
    }
    if (!q || store_step_done(s, q) != 0) {
        storage_error(s, err, "insert document");
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

int documents_create(store *s, const char *data_dir, const document_new *doc, char *id_out,
                     char *path_out, size_t path_len, yogi_error *err)
{
    if (!doc || (!doc->bytes && doc->len > 0))
        return host_fail(err, "InvalidInput", "no document bytes");
    char id[DOCUMENT_ID_MAX];
    if (new_id(id, err) != 0) return -1;
    if (store_file(data_dir, id, doc, path_out, path_len, err) != 0) return -1;
    if (insert_row(s, id, doc, path_out, err) != 0) {
        unlink(path_out); /* nothing names it */
        return -1;
    }
    memcpy(id_out, id, strlen(id) + 1);
    return 0;
}

/* ---- updates -------------------------------------------------------------- */

typedef enum { FIELD_TEXT, FIELD_REAL, FIELD_INT, FIELD_BOOL } field_kind;

static const struct updatable {
    const char *key;
    field_kind kind;
} updatable[] = {
    {"status", FIELD_TEXT}, {"execution_id", FIELD_TEXT}, {"type", FIELD_TEXT},
    {"confidence", FIELD_REAL}, {"route", FIELD_TEXT}, {"error", FIELD_TEXT},
    {"cause", FIELD_TEXT}, {"needs_review", FIELD_BOOL}, {"llm_tokens", FIELD_INT},
    {"llm_cost", FIELD_REAL},
};

static const struct updatable *find_updatable(const char *key)
{
    for (size_t i = 0; i < sizeof updatable / sizeof *updatable; i++)
        if (!strcmp(updatable[i].key, key)) return &updatable[i];
    return NULL;
}

static bool known_status(const char *v)
{
    for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
        if (!strcmp(statuses[i], v)) return true;
    return false;
}

static int check_field(const struct updatable *f, const char *key, json_t *v, yogi_error *err)
{
    bool ok = json_is_null(v) ||
              (f->kind == FIELD_TEXT && json_is_string(v)) ||
              (f->kind == FIELD_REAL && json_is_number(v)) ||
              (f->kind == FIELD_INT && json_is_integer(v)) ||
              (f->kind == FIELD_BOOL && json_is_boolean(v));
    if (!ok) return host_fail(err, "InvalidInput", "\"%s\" has the wrong type", key);
    if (!strcmp(key, "status") && (!json_is_string(v) || !known_status(json_string_value(v))))
        return host_fail(err, "InvalidInput", "unknown status");
    return 0;
}

/* One UPDATE per field: a handful of cached statements instead of SQL built
 * from keys, all in one transaction. */
static int update_field(store *s, const char *id, const char *key, field_kind kind, json_t *v)
{
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE documents SET %s = ?, updated = ? WHERE id = ?", key);
    sqlite3_stmt *q = store_stmt(s, sql);
    if (!q) return -1;
    if (json_is_null(v)) sqlite3_bind_null(q, 1);
    else if (kind == FIELD_TEXT) sqlite3_bind_text(q, 1, json_string_value(v), -1, SQLITE_TRANSIENT);
    else if (kind == FIELD_REAL) sqlite3_bind_double(q, 1, json_number_value(v));
    else if (kind == FIELD_INT) sqlite3_bind_int64(q, 1, json_integer_value(v));
    else sqlite3_bind_int(q, 1, json_is_true(v));
    sqlite3_bind_int64(q, 2, wall_clock_ms());
    sqlite3_bind_text(q, 3, id, -1, SQLITE_TRANSIENT);
    return store_step_done(s, q);
}

/* 1 when a row has this id, 0 when none does, -1 when the database cannot tell. */
static int document_row(store *s, const char *id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT 1 FROM documents WHERE id = ?");
    if (!q) return -1;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    store_reset(q);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static bool document_exists(store *s, const char *id)
{
    return document_row(s, id) == 1;
}

json_t *documents_llm_usage(store *s)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT COUNT(llm_tokens), COALESCE(SUM(llm_tokens), 0),"
                                    " COALESCE(SUM(llm_cost), 0)"
                                    " FROM documents WHERE llm_tokens IS NOT NULL");
    if (!q) return NULL;
    json_t *usage = NULL;
    if (sqlite3_step(q) == SQLITE_ROW)
        usage = json_pack("{s:I, s:I, s:f}", "documents", (json_int_t)sqlite3_column_int64(q, 0),
                          "tokens", (json_int_t)sqlite3_column_int64(q, 1), "cost",
                          sqlite3_column_double(q, 2));
    store_reset(q);
    return usage;
}

int documents_update(store *s, const char *id, json_t *fields, yogi_error *err)
{
    if (!id || !json_is_object(fields)) return host_fail(err, "InvalidInput", "bad update");
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v) {
        const struct updatable *f = find_updatable(key);
        if (!f) return host_fail(err, "InvalidInput", "\"%s\" cannot be updated", key);
        if (check_field(f, key, v, err) != 0) return -1;
    }
    if (!document_exists(s, id))
        return host_fail(err, "DocumentDoesNotExist", "no document %s", id);
    if (store_begin(s, err) != 0) return -1;
    json_object_foreach(fields, key, v) {
        const struct updatable *f = find_updatable(key); /* the SQL names f->key, never key */
        if (update_field(s, id, f->key, f->kind, v) != 0) {
            storage_error(s, err, "update document");
            store_rollback(s);
            return -1;
        }
    }
    return store_commit(s, err);
}

static int save_timetable(store *s, const char *id, json_t *timetable, const char *source,
                          const char *author, const char *key, yogi_error *err);

int documents_save_timetable(store *s, const char *id, json_t *timetable, const char *source,
                             yogi_error *err)
{
    return save_timetable(s, id, timetable, source, NULL, NULL, err);
}

int documents_save_timetable_by(store *s, const char *id, json_t *timetable, const char *source,
                                const char *author, yogi_error *err)
{
    return save_timetable(s, id, timetable, source, author, NULL, err);
}

int documents_save_timetable_once(store *s, const char *id, json_t *timetable,
                                  const char *source, const char *key, yogi_error *err)
{
    return save_timetable(s, id, timetable, source, NULL, key, err);
}

/* A new version, by `author` (NULL: the workflow), applied once per `key`
 * (NULL: always a new version). */
static int save_timetable(store *s, const char *id, json_t *timetable, const char *source,
                          const char *author, const char *key, yogi_error *err)
{
    if (!json_is_object(timetable)) return host_fail(err, "InvalidInput", "not a timetable");
    if (!source || (strcmp(source, "extracted") && strcmp(source, "llm") &&
                    strcmp(source, "reviewed") && strcmp(source, "corrected")))
        return host_fail(err, "InvalidInput", "source must be extracted, llm, reviewed or corrected");
    if (!document_exists(s, id))
        return host_fail(err, "DocumentDoesNotExist", "no document %s", id);
    if (store_begin(s, err) != 0) return -1;
    /* OR IGNORE: a key already saved is the same save, run again. */
    sqlite3_stmt *q = store_stmt(s,
        "INSERT OR IGNORE INTO timetables(document_id, version, source, timetable, created,"
        " author, save_key) SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3, ?4, ?5, ?6"
        " FROM timetables"
        " WHERE document_id = ?1");
    if (q) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, source, -1, SQLITE_TRANSIENT);
        store_bind_json(q, 3, timetable);
        sqlite3_bind_int64(q, 4, wall_clock_ms());
        bind_text_or_null(q, 5, author);
        bind_text_or_null(q, 6, key);
    }
    if (!q || store_step_done(s, q) != 0) {
        storage_error(s, err, "save timetable");
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

int documents_timetable_versions(store *s, const char *id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT COUNT(*) FROM timetables WHERE document_id = ?");
    if (!q || !id) return -1;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    store_reset(q);
    return n;
}

/* ---- reads ------------------------------------------------------------------ */

#define DOCUMENT_COLUMNS                                                               \
    "id, filename, content_type, bytes, sha256, owner, created, updated, status,"      \
    " execution_id, type, confidence, route, error, cause, needs_review, llm_tokens,"  \
    " llm_cost, purged"

static json_t *column_text(sqlite3_stmt *q, int col)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    return t ? json_string((const char *)t) : json_null();
}

static json_t *row_to_json(sqlite3_stmt *q)
{
    json_t *d = json_object();
    static const char *const text_cols[] = {"id", "filename", "content_type"};
    for (int i = 0; i < 3; i++) json_object_set_new(d, text_cols[i], column_text(q, i));
    json_object_set_new(d, "bytes", json_integer(sqlite3_column_int64(q, 3)));
    json_object_set_new(d, "sha256", column_text(q, 4));
    json_object_set_new(d, "owner", column_text(q, 5));
    json_object_set_new(d, "created", iso_time(sqlite3_column_int64(q, 6)));
    json_object_set_new(d, "updated", iso_time(sqlite3_column_int64(q, 7)));
    static const char *const state_cols[] = {"status", "execution_id", "type"};
    for (int i = 0; i < 3; i++) json_object_set_new(d, state_cols[i], column_text(q, 8 + i));
    json_object_set_new(d, "confidence", sqlite3_column_type(q, 11) == SQLITE_NULL
                                             ? json_null()
                                             : json_real(sqlite3_column_double(q, 11)));
    json_object_set_new(d, "route", column_text(q, 12));
    json_object_set_new(d, "error", column_text(q, 13));
    json_object_set_new(d, "cause", column_text(q, 14));
    json_object_set_new(d, "needs_review", json_boolean(sqlite3_column_int(q, 15)));
    json_object_set_new(d, "llm_tokens", sqlite3_column_type(q, 16) == SQLITE_NULL
                                             ? json_null()
                                             : json_integer(sqlite3_column_int64(q, 16)));
    json_object_set_new(d, "llm_cost", sqlite3_column_type(q, 17) == SQLITE_NULL
                                           ? json_null()
                                           : json_real(sqlite3_column_double(q, 17)));
    json_object_set_new(d, "original_removed", sqlite3_column_type(q, 18) == SQLITE_NULL
                                                   ? json_null()
                                                   : iso_time(sqlite3_column_int64(q, 18)));
    return d;
}

json_t *documents_get(store *s, const char *id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT " DOCUMENT_COLUMNS " FROM documents WHERE id = ?");
    if (!q || !id) return NULL;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    json_t *d = sqlite3_step(q) == SQLITE_ROW ? row_to_json(q) : NULL;
    store_reset(q);
    return d;
}

int documents_file_path(store *s, const char *id, char *buf, size_t len)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT path FROM documents WHERE id = ?");
    if (!q || !id) return -1;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(q, 0);
        if (p && (size_t)snprintf(buf, len, "%s", p) < len) rc = 0;
    }
    store_reset(q);
    return rc;
}

/* Version `version` of the document's timetable, or its latest when 0. */
static json_t *timetable_at(store *s, const char *id, int version)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT timetable FROM timetables WHERE document_id = ?1"
                                    " AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1");
    if (!q || !id) return NULL;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, version);
    json_t *t = sqlite3_step(q) == SQLITE_ROW ? store_column_json(q, 0) : NULL;
    store_reset(q);
    return t;
}

json_t *documents_timetable(store *s, const char *id)
{
    return timetable_at(s, id, 0);
}

json_t *documents_timetable_version(store *s, const char *id, int version)
{
    return version > 0 ? timetable_at(s, id, version) : NULL;
}

json_t *documents_versions(store *s, const char *id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT version, source, author, created FROM timetables"
                                    " WHERE document_id = ? ORDER BY version DESC");
    if (!q || !id) return NULL;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        json_t *v = json_pack("{s:i,s:o,s:o,s:o}", "version", sqlite3_column_int(q, 0), "source",
                              column_text(q, 1), "author", column_text(q, 2), "created",
                              iso_time(sqlite3_column_int64(q, 3)));
        json_array_append_new(list, v);
    }
    store_reset(q);
    return list;
}

int documents_delete(store *s, const char *id, char *path_out, size_t path_len, yogi_error *err)
{
    if (documents_file_path(s, id, path_out, path_len) != 0)
        return host_fail(err, "DocumentDoesNotExist", "no document %s", id);
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *t = store_stmt(s, "DELETE FROM timetables WHERE document_id = ?");
    sqlite3_stmt *d = store_stmt(s, "DELETE FROM documents WHERE id = ?");
    if (t) sqlite3_bind_text(t, 1, id, -1, SQLITE_TRANSIENT);
    if (d) sqlite3_bind_text(d, 1, id, -1, SQLITE_TRANSIENT);
    if (!t || !d || store_step_done(s, t) != 0 || store_step_done(s, d) != 0) {
        if (t) store_reset(t);
        if (d) store_reset(d);
        storage_error(s, err, "delete document");
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

/* Only a committed mark lets the caller remove the file: a row that names
 * a file no longer on disk always says it was purged. */
static int mark_purged(store *s, const char *id, yogi_error *err)
{
    sqlite3_stmt *u = store_stmt(s, "UPDATE documents SET purged = ? WHERE id = ?");
    if (!u) return storage_error(s, err, "mark purged");
    if (store_begin(s, err) != 0) return -1;
    sqlite3_bind_int64(u, 1, wall_clock_ms());
    sqlite3_bind_text(u, 2, id, -1, SQLITE_TRANSIENT);
    if (store_step_done(s, u) != 0) {
        storage_error(s, err, "mark purged");
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

json_t *documents_purge_originals(store *s, int64_t before_ms)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT id, path FROM documents WHERE purged IS NULL"
                                    " AND created < ? AND status IN ('completed','failed','rejected')");
    if (!q) return NULL;
    sqlite3_bind_int64(q, 1, before_ms);
    json_t *list = json_array();
    while (sqlite3_step(q) == SQLITE_ROW)
        json_array_append_new(list, json_pack("{s:o,s:o}", "id", column_text(q, 0), "path",
                                              column_text(q, 1)));
    store_reset(q);
    json_t *marked = json_array();
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row) {
        const char *id = json_string_value(json_object_get(row, "id"));
        yogi_error err = {{0}, {0}};
        if (mark_purged(s, id, &err) != 0) { /* the next sweep tries again */
            fprintf(stderr, "yogi: retention: the original of %s kept: %s: %s\n", id, err.name,
                    err.cause);
            break;
        }
        json_array_append(marked, row);
    }
    json_decref(list);
    return marked;
}

/* Cursor: "<created ms>.<id>" of the last row of the previous page. */
static bool parse_cursor(const char *cursor, int64_t *created, char id[DOCUMENT_ID_MAX])
{
    char *end;
    errno = 0;
    long long ms = strtoll(cursor, &end, 10);
    if (errno || *end != '.' || strlen(end + 1) >= DOCUMENT_ID_MAX) return false;
    *created = ms;
    memcpy(id, end + 1, strlen(end + 1) + 1);
    return true;
}

json_t *documents_list(store *s, const char *status, const char *owner, int limit,
                       const char *cursor)
{
    if (limit <= 0 || limit > 1000) limit = 100;
    int64_t after_created = INT64_MAX;
    char after_id[DOCUMENT_ID_MAX] = "~"; /* sorts after every hex id */
    if (cursor && *cursor && !parse_cursor(cursor, &after_created, after_id)) return NULL;
    sqlite3_stmt *q = store_stmt(s,
        "SELECT " DOCUMENT_COLUMNS " FROM documents"
        " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR owner = ?2)"
        " AND (created < ?3 OR (created = ?3 AND id < ?4))"
        " ORDER BY created DESC, id DESC LIMIT ?5");
    if (!q) return NULL;
    bind_text_or_null(q, 1, status);
    bind_text_or_null(q, 2, owner);
    sqlite3_bind_int64(q, 3, after_created);
    sqlite3_bind_text(q, 4, after_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 5, limit + 1); /* one more tells whether a next page exists */
    json_t *docs = json_array(), *next = json_null();
    int64_t last_created = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if ((int)json_array_size(docs) == limit) {
            json_t *last = json_array_get(docs, json_array_size(docs) - 1);
            char buf[64];
            snprintf(buf, sizeof buf, "%lld.%s", (long long)last_created,
                     json_string_value(json_object_get(last, "id")));
            json_decref(next);
            next = json_string(buf);
            break;
        }
        last_created = sqlite3_column_int64(q, 6);
        json_array_append_new(docs, row_to_json(q));
    }
    store_reset(q);
    return json_pack("{s:o, s:o}", "documents", docs, "next", next);
}

/* ---- host operations --------------------------------------------------------- */

static int op_update(void *ud, json_t *args, json_t **result, yogi_error *err)
{
    store *s = engine_store(ud);
    const char *id = json_string_value(json_object_get(args, "id"));
    if (!id) return host_fail(err, "InvalidInput", "documents.update needs \"id\"");
    json_t *fields = json_deep_copy(args);
    json_object_del(fields, "id");
    int rc = documents_update(s, id, fields, err);
    json_decref(fields);
    if (rc == 0) {
        *result = json_pack("{s:s}", "id", id);
        engine_publish(ud, json_pack("{s:s, s:s}", "type", "document", "id", id));
    }
    return rc;
}

static int op_save_timetable(void *ud, json_t *args, json_t **result, yogi_error *err)
{
    store *s = engine_store(ud);
    const char *id = json_string_value(json_object_get(args, "id"));
    const char *source = json_string_value(json_object_get(args, "source"));
    if (!id) return host_fail(err, "InvalidInput", "documents.save_timetable needs \"id\"");
    int rc = documents_save_timetable_once(s, id, json_object_get(args, "timetable"),
                                           source ? source : "extracted",
                                           json_string_value(json_object_get(args, "key")), err);
    if (rc == 0) {
        *result = json_pack("{s:s}", "id", id);
        engine_publish(ud, json_pack("{s:s, s:s}", "type", "document", "id", id));
    }
    return rc;
}

int documents_register_host_ops(struct engine *e, yogi_error *err)
{
    if (documents_init(engine_store(e), err) != 0) return -1;
    if (engine_register_host_op(e, "documents.update", op_update, e, err) != 0) return -1;
    if (llm_store_register_host_ops(e, err) != 0) return -1; /* the llm step's spend and changes */
    return engine_register_host_op(e, "documents.save_timetable", op_save_timetable, e, err);
}

/* ---- orphans ------------------------------------------------------------------ */

static int sweep_shard(store *s, const char *dir, int *removed, yogi_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return host_fail(err, "Engine.Storage", "%s: %s", dir, strerror(errno));
    struct dirent *ent;
    int rc = 0;
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.') continue;
        char path[PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, ent->d_name) >= sizeof path)
            continue;
        size_t n = strlen(ent->d_name);
        bool tmp = n > 4 && !strcmp(ent->d_name + n - 4, ".tmp");
        int row = tmp ? 0 : document_row(s, ent->d_name);
        if (row < 0) rc = storage_error(s, err, "sweep orphans"); /* never remove on a guess */
        else if (row == 0 && unlink(path) == 0) (*removed)++;
    }
    closedir(d);
    return rc;
}

int documents_sweep_orphans(store *s, const char *data_dir, int *removed, yogi_error *err)
{
    *removed = 0;
    char top[PATH_MAX];
    if ((size_t)snprintf(top, sizeof top, "%s/documents", data_dir) >= sizeof top)
        return host_fail(err, "Engine.Storage", "the data directory's path is too long");
    DIR *d = opendir(top);
    if (!d && errno == ENOENT) return 0; /* no document yet */
    if (!d) return host_fail(err, "Engine.Storage", "%s: %s", top, strerror(errno));
    struct dirent *ent;
    int rc = 0;
    while (rc == 0 && (ent = readdir(d)) != NULL) {
        if (strlen(ent->d_name) != 2 || ent->d_name[0] == '.') continue;
        char shard[PATH_MAX];
        if ((size_t)snprintf(shard, sizeof shard, "%s/%s", top, ent->d_name) < sizeof shard)
            rc = sweep_shard(s, shard, removed, err);
    }
    closedir(d);
    return rc;
}
