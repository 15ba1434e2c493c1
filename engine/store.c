/*
 * store.c — the SQLite database: connection, pragmas, transactions, migrations.
 *
 * One connection per process, and it is the writer: every write in Yogi goes
 * through it, so SQLite's WAL never sees two writers or two checkpointers
 * (SQLite up to 3.51.2 can corrupt a WAL database when several connections
 * write or checkpoint at once). Readers in the same process use the same
 * connection; the engine is single-threaded.
 *
 * Pragmas at open: journal_mode=WAL, synchronous=FULL (NORMAL on request),
 * foreign_keys=ON, busy_timeout (a second `yogi serve` on the same
 * directory is refused by an exclusive lock file in engine.c; the short
 * administrative writers — `yogi user`, `yogi token` — open with
 * no_checkpoint and wait here for the service's write lock).
 *
 * Transactions nest by count (see store.h). A failed statement inside a
 * transaction poisons it: the outermost store_commit() then rolls back and
 * reports the first error, so a caller can never commit half a transition.
 *
 * Fail closed: the database file is held open by one more descriptor, and
 * its identity (device, inode) and its directory's are kept from the open.
 * Before every outermost COMMIT, and whenever store_intact() is asked, a
 * file whose link count fell to 0, or a path that now names another file
 * or is gone, or a directory that was replaced, fails the commit: SQLite
 * would otherwise go on writing happily into an unlinked inode, and a
 * second instance could build a new database in its place.
 *
 * Prepared statements are cached by SQL text (the pointer of a string
 * literal is not a safe key across translation units, so the text is
 * compared) and reset after each use by the store_*_done helpers.
 */
#include "host_error.h"
#include "store_internal.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_db_error(store *s, yogi_error *err, const char *what)
{
    if (err)
        snprintf(err->cause, sizeof err->cause, "%s: %s", what, sqlite3_errmsg(s->db));
    if (err) snprintf(err->name, sizeof err->name, "Engine.Storage");
}

int store_exec(store *s, const char *sql, yogi_error *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err) host_fail(err, "Engine.Storage", "%s", msg ? msg : "sqlite3_exec failed");
        sqlite3_free(msg);
        if (s->depth > 0) s->poisoned = true;
        return -1;
    }
    return 0;
}

static int apply_pragmas(store *s, const store_options *opts, yogi_error *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;"
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;",
             opts->ephemeral ? "OFF" : opts->synchronous_normal ? "NORMAL" : "FULL");
    if (store_exec(s, sql, err) != 0) return -1;
    sqlite3_busy_timeout(s->db, 5000);
    /* A second process (yogi user/token while the service runs) writes a
     * row or two and leaves: it never checkpoints, so the WAL only ever has
     * one checkpointer, the service (see store.h on WAL-reset races). */
    if (opts->no_checkpoint &&
        (store_exec(s, "PRAGMA wal_autocheckpoint=0;", err) != 0 ||
         sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL) != SQLITE_OK))
        return -1;
    return 0;
}

/* Remember the file and its directory, to notice them deleted or replaced. */
static void watch_file(store *s, const char *path)
{
    struct stat st, dst;
    if (!path || !*path || !strcmp(path, ":memory:") || strlen(path) >= sizeof s->path) return;
    s->watch_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->watch_fd < 0 || fstat(s->watch_fd, &st) != 0) return;
    char copy[sizeof s->path];
    snprintf(copy, sizeof copy, "%s", path);
    snprintf(s->dir, sizeof s->dir, "%s", dirname(copy));
    if (stat(s->dir, &dst) != 0) return;
    snprintf(s->path, sizeof s->path, "%s", path);
    s->dev = st.st_dev, s->ino = st.st_ino;
    s->dir_dev = dst.st_dev, s->dir_ino = dst.st_ino;
}

bool store_intact(store *s, char *why, size_t why_len)
{
    if (!s->path[0]) return true;
    struct stat st;
    const char *problem = NULL;
    if (stat(s->path, &st) != 0)
        problem = "the database file was deleted";
    else if (st.st_dev != s->dev || st.st_ino != s->ino)
        problem = "the database file was replaced by another";
    else if (fstat(s->watch_fd, &st) == 0 && st.st_nlink == 0)
        problem = "the database file was deleted";
    else if (stat(s->dir, &st) != 0 || st.st_dev != s->dir_dev || st.st_ino != s->dir_ino)
        problem = "the data directory was deleted or replaced";
    if (problem && why) snprintf(why, why_len, "%s (%s)", problem, s->path);
    return problem == NULL;
}

store *store_open(const store_options *opts, yogi_error *err)
{
    store *s = calloc(1, sizeof *s);
    if (!s) {
        host_fail(err, "Engine.Storage", "out of memory");
        return NULL;
    }
    s->watch_fd = -1;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(opts->path, &s->db, flags, NULL) != SQLITE_OK) {
        host_fail(err, "Engine.Storage", "cannot open %s: %s", opts->path,
                  s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto out_free;
    }
    sqlite3_extended_result_codes(s->db, 1);
    if (apply_pragmas(s, opts, err) != 0) goto out_free;
    if (store_exec(s,
                   "CREATE TABLE IF NOT EXISTS schema_migrations("
                   " module TEXT NOT NULL, version INTEGER NOT NULL,"
                   " applied INTEGER NOT NULL, PRIMARY KEY (module, version))",
                   err) != 0)
        goto out_free;
    watch_file(s, opts->path);
    return s;
out_free:
    store_close(s);
    return NULL;
}

void store_close(store *s)
{
    if (!s) return;
    for (int i = 0; i < s->n_cached; i++) {
        sqlite3_finalize(s->cache[i].stmt);
        free(s->cache[i].sql);
    }
    if (s->db) sqlite3_close(s->db);
    if (s->watch_fd >= 0) close(s->watch_fd);
    free(s);
}

int store_begin(store *s, yogi_error *err)
{
    if (s->depth++ > 0) return 0;
    s->poisoned = false;
    s->first_error[0] = '\0';
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        set_db_error(s, err, "BEGIN IMMEDIATE");
        s->depth = 0;
        return -1;
    }
    return 0;
}

void store_rollback(store *s)
{
    if (s->depth == 0) return;
    s->poisoned = true;
    if (--s->depth > 0) return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_commit(store *s, yogi_error *err)
{
    if (s->depth == 0) return host_fail(err, "Engine.Storage", "commit without begin");
    if (--s->depth > 0) return s->poisoned ? -1 : 0;
    if (s->poisoned) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        host_fail(err, "Engine.Storage", "transaction rolled back: %s",
                  s->first_error[0] ? s->first_error : "an earlier statement failed");
        return -1;
    }
    char why[600];
    if (!store_intact(s, why, sizeof why)) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        host_fail(err, "Engine.Storage", "not committed: %s", why);
        return -1;
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        set_db_error(s, err, "COMMIT");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    s->commits++;
    return 0;
}

sqlite3_stmt *store_stmt(store *s, const char *sql)
{
    for (int i = 0; i < s->n_cached; i++)
        if (strcmp(s->cache[i].sql, sql) == 0) return s->cache[i].stmt;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK) {
        store_note_error(s, "prepare");
        return NULL;
    }
    if (s->n_cached == STORE_STMT_CACHE) return stmt; /* uncached: caller finalizes via done */
    s->cache[s->n_cached].sql = strdup(sql);
    s->cache[s->n_cached].stmt = stmt;
    s->n_cached++;
    return stmt;
}

void store_note_error(store *s, const char *what)
{
    if (s->depth > 0) s->poisoned = true;
    if (!s->first_error[0])
        snprintf(s->first_error, sizeof s->first_error, "%s: %s", what, sqlite3_errmsg(s->db));
}

/* Run a prepared, bound statement that returns no rows; reset it. */
int store_step_done(store *s, sqlite3_stmt *stmt)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        store_note_error(s, sqlite3_sql(stmt));
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return -1;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return 0;
}

void store_reset(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

int store_bind_json(sqlite3_stmt *stmt, int idx, const json_t *v)
{
    if (!v) return sqlite3_bind_null(stmt, idx);
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) return sqlite3_bind_null(stmt, idx);
    return sqlite3_bind_text(stmt, idx, text, -1, free);
}

json_t *store_column_json(sqlite3_stmt *stmt, int col)
{
    const char *text = (const char *)sqlite3_column_text(stmt, col);
    if (!text) return NULL;
    return json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
}

int store_migrate(store *s, const char *module, int version, const char *sql, yogi_error *err)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT 1 FROM schema_migrations WHERE module=? AND version=?");
    if (!q) return host_fail(err, "Engine.Storage", "%s", s->first_error);
    sqlite3_bind_text(q, 1, module, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, version);
    bool done = sqlite3_step(q) == SQLITE_ROW;
    store_reset(q);
    if (done) return 0;
    if (store_begin(s, err) != 0) return -1;
    if (store_exec(s, sql, err) != 0) {
        store_rollback(s);
        return -1;
    }
    char rec[512];
    snprintf(rec, sizeof rec,
             "INSERT INTO schema_migrations(module, version, applied) "
             "VALUES ('%s', %d, strftime('%%s','now'))", module, version);
    if (store_exec(s, rec, err) != 0) {
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

bool store_integrity_ok(store *s, char *detail, size_t detail_len)
{
    sqlite3_stmt *q = NULL;
    bool ok = false;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK) {
        snprintf(detail, detail_len, "%s", sqlite3_errmsg(s->db));
        return false;
    }
    if (sqlite3_step(q) == SQLITE_ROW) {
        const char *r = (const char *)sqlite3_column_text(q, 0);
        ok = r && strcmp(r, "ok") == 0;
        snprintf(detail, detail_len, "%s", r ? r : "");
    }
    sqlite3_finalize(q);
    return ok;
}

uint64_t store_commit_count(store *s)
{
    return s->commits;
}

int store_probe_commit(store *s, yogi_error *err)
{
    if (!s->probe_ready) {
        if (store_exec(s, "CREATE TABLE IF NOT EXISTS probe(x INTEGER)", err) != 0) return -1;
        s->probe_ready = true;
    }
    sqlite3_stmt *q = store_stmt(s, "INSERT INTO probe(x) VALUES (1)");
    if (!q || store_begin(s, err) != 0) return -1;
    if (store_step_done(s, q) != 0) {
        store_rollback(s);
        return host_fail(err, "Engine.Storage", "%s", s->first_error);
    }
    return store_commit(s, err);
}

int store_backup(store *s, const char *dest, yogi_error *err)
{
    if (s->depth > 0)
        return host_fail(err, "Engine.Storage", "cannot back up inside a transaction");
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "VACUUM INTO ?", -1, &q, NULL) != SQLITE_OK)
        return host_fail(err, "Engine.Storage", "backup: %s", sqlite3_errmsg(s->db));
    sqlite3_bind_text(q, 1, dest, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return host_fail(err, "Engine.Storage", "backup to %s: %s", dest, sqlite3_errmsg(s->db));
    return 0;
}
