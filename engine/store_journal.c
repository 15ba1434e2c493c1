/*
 * store_journal.c — the engine's tables: workflows, executions, branches and
 * the history of events.
 *
 *   workflows(name, version, source, definition, sha, created)
 *       every accepted definition, kept as versions; an execution names the
 *       version it started with.
 *   executions(id, name, workflow, version, status, input, output, error,
 *              cause, started, stopped, deadline, redrive_count, next_event)
 *       UNIQUE(workflow, name) makes named starts idempotent.
 *   branches(execution_id, id, parent, slot, scope, state, phase, input,
 *            data, timer_ms)
 *       the live control points (see exec.h); a branch's row is its whole
 *       durable state.
 *   events(execution_id, id, type, ts, state, details)
 *       the history, append-only.
 *
 * The durability invariant lives in journal_write(): for every execution
 * touched by a batch of transitions, its new events, its dirty branches and
 * its row are written inside the caller's transaction; the engine commits
 * once for the whole batch (group commit) before any effect of it is
 * performed. Either all of a transition is in the database or none of it.
 */
#include "host_error.h"
#include "journal.h"

#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

static const char SCHEMA_V1[] =
    "CREATE TABLE workflows("
    " name TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL,"
    " definition TEXT NOT NULL, sha TEXT NOT NULL, created INTEGER NOT NULL,"
    " PRIMARY KEY (name, version));"
    "CREATE TABLE executions("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL, workflow TEXT NOT NULL,"
    " version INTEGER NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL,"
    " output TEXT, error TEXT, cause TEXT, started INTEGER NOT NULL,"
    " stopped INTEGER, deadline INTEGER NOT NULL DEFAULT 0,"
    " redrive_count INTEGER NOT NULL DEFAULT 0, next_event INTEGER NOT NULL,"
    " UNIQUE (workflow, name));"
    "CREATE INDEX executions_status ON executions(status, started);"
    "CREATE INDEX executions_started ON executions(started);"
    "CREATE TABLE branches("
    " execution_id TEXT NOT NULL, id INTEGER NOT NULL, parent INTEGER NOT NULL,"
    " slot INTEGER NOT NULL, scope TEXT NOT NULL, state TEXT NOT NULL,"
    " phase TEXT NOT NULL, input TEXT, data TEXT, timer_ms INTEGER NOT NULL,"
    " PRIMARY KEY (execution_id, id)) WITHOUT ROWID;"
    "CREATE TABLE events("
    " execution_id TEXT NOT NULL, id INTEGER NOT NULL, type TEXT NOT NULL,"
    " ts INTEGER NOT NULL, state TEXT, details TEXT,"
    " PRIMARY KEY (execution_id, id)) WITHOUT ROWID;";

int journal_init(store *s, yogi_error *err)
{
    return store_migrate(s, "journal", 1, SCHEMA_V1, err);
}

/* ---- workflows ----------------------------------------------------------- */

static json_t *workflow_row(sqlite3_stmt *q, bool full)
{
    json_t *w = json_pack("{s:s, s:i, s:I}", "name", (const char *)sqlite3_column_text(q, 0),
                          "version", sqlite3_column_int(q, 1), "created",
                          (json_int_t)sqlite3_column_int64(q, 2));
    if (full && w) {
        json_object_set_new(w, "source", json_string((const char *)sqlite3_column_text(q, 3)));
        json_t *def = store_column_json(q, 4);
        json_object_set_new(w, "definition", def ? def : json_null());
        json_object_set_new(w, "sha", json_string((const char *)sqlite3_column_text(q, 5)));
    }
    return w;
}

json_t *journal_get_workflow(store *s, const char *name, int version)
{
    const char *sql = version > 0
        ? "SELECT name, version, created, source, definition, sha FROM workflows"
          " WHERE name=?1 AND version=?2"
        : "SELECT name, version, created, source, definition, sha FROM workflows"
          " WHERE name=?1 ORDER BY version DESC LIMIT 1";
    sqlite3_stmt *q = store_stmt(s, sql);
    if (!q) return NULL;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    if (version > 0) sqlite3_bind_int(q, 2, version);
    json_t *w = sqlite3_step(q) == SQLITE_ROW ? workflow_row(q, true) : NULL;
    store_reset(q);
    return w;
}

json_t *journal_list_workflows(store *s)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT name, MAX(version), created FROM workflows GROUP BY name ORDER BY name");
    json_t *list = json_array();
    if (!q) return list;
    while (sqlite3_step(q) == SQLITE_ROW) json_array_append_new(list, workflow_row(q, false));
    store_reset(q);
    return list;
}

int journal_put_workflow(store *s, const char *name, const char *source, const json_t *def,
                         const char *sha, int64_t now, int *version, yogi_error *err)
{
    json_t *latest = journal_get_workflow(s, name, 0);
    int next = 1;
    if (latest) {
        const char *old_sha = json_string_value(json_object_get(latest, "sha"));
        next = (int)json_integer_value(json_object_get(latest, "version")) + 1;
        bool same = old_sha && strcmp(old_sha, sha) == 0;
        json_decref(latest);
        if (same) {
            *version = next - 1;
            return 0;
        }
    }
    sqlite3_stmt *q = store_stmt(s,
        "INSERT INTO workflows(name, version, source, definition, sha, created)"
        " VALUES (?,?,?,?,?,?)");
    if (!q) return host_fail(err, "Engine.Storage", "%s", s->first_error);
    sqlite3_bind_text(q, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 2, next);
    sqlite3_bind_text(q, 3, source, -1, SQLITE_TRANSIENT);
    store_bind_json(q, 4, def);
    sqlite3_bind_text(q, 5, sha, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, now);
    if (store_step_done(s, q) != 0)
        return host_fail(err, "Engine.Storage", "%s", s->first_error);
    *version = next;
    return 0;
}

/* ---- writing a batch ------------------------------------------------------ */

static int write_events(store *s, execution *ex)
{
    sqlite3_stmt *q = store_stmt(s,
        "INSERT INTO events(execution_id, id, type, ts, state, details) VALUES (?,?,?,?,?,?)");
    if (!q) return -1;
    size_t i;
    json_t *ev;
    json_array_foreach(ex->new_events, i, ev) {
        sqlite3_bind_text(q, 1, ex->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 2, json_integer_value(json_object_get(ev, "id")));
        sqlite3_bind_text(q, 3, json_string_value(json_object_get(ev, "type")), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, json_integer_value(json_object_get(ev, "timestamp")));
        const char *state = json_string_value(json_object_get(ev, "state"));
        if (state) sqlite3_bind_text(q, 5, state, -1, SQLITE_STATIC);
        json_t *details = json_object_get(ev, "details");
        if (details) store_bind_json(q, 6, details);
        if (store_step_done(s, q) != 0) return -1;
    }
    return 0;
}

static int delete_branch(store *s, execution *ex, int64_t id)
{
    sqlite3_stmt *d = store_stmt(s, "DELETE FROM branches WHERE execution_id=? AND id=?");
    if (!d) return -1;
    sqlite3_bind_text(d, 1, ex->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(d, 2, id);
    return store_step_done(s, d);
}

static int write_branch(store *s, execution *ex, branch *b)
{
    sqlite3_stmt *q = store_stmt(s,
        "INSERT OR REPLACE INTO branches(execution_id, id, parent, slot, scope, state,"
        " phase, input, data, timer_ms) VALUES (?,?,?,?,?,?,?,?,?,?)");
    if (!q) return -1;
    sqlite3_bind_text(q, 1, ex->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, b->id);
    sqlite3_bind_int64(q, 3, b->parent);
    sqlite3_bind_int64(q, 4, b->slot);
    sqlite3_bind_text(q, 5, b->scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, b->state, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 7, phase_name(b->phase), -1, SQLITE_STATIC);
    store_bind_json(q, 8, b->input);
    store_bind_json(q, 9, b->data);
    sqlite3_bind_int64(q, 10, b->timer_ms);
    return store_step_done(s, q);
}

static void bind_execution(sqlite3_stmt *q, execution *ex)
{
    sqlite3_bind_text(q, 1, ex->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, ex->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, ex->workflow, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, ex->version);
    sqlite3_bind_text(q, 5, ex->status, -1, SQLITE_STATIC);
    store_bind_json(q, 6, ex->input);
    store_bind_json(q, 7, ex->output);
    if (ex->error) sqlite3_bind_text(q, 8, ex->error, -1, SQLITE_STATIC);
    if (ex->cause) sqlite3_bind_text(q, 9, ex->cause, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 10, ex->started);
    if (ex->stopped) sqlite3_bind_int64(q, 11, ex->stopped);
    sqlite3_bind_int64(q, 12, ex->deadline);
    sqlite3_bind_int(q, 13, ex->redrive_count);
    sqlite3_bind_int64(q, 14, ex->next_event);
}

static int write_execution_row(store *s, execution *ex)
{
    sqlite3_stmt *q = store_stmt(s,
        "INSERT OR REPLACE INTO executions(id, name, workflow, version, status, input, output,"
        " error, cause, started, stopped, deadline, redrive_count, next_event)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!q) return -1;
    bind_execution(q, ex);
    return store_step_done(s, q);
}

int journal_write(store *s, execution *ex)
{
    if ((ex->dirty || ex->is_new) && write_execution_row(s, ex) != 0) return -1;
    if (json_array_size(ex->new_events) && write_events(s, ex) != 0) return -1;
    for (size_t i = 0; i < ex->n_branches; i++) {
        branch *b = ex->branches[i];
        if (b && b->dirty && write_branch(s, ex, b) != 0) return -1;
    }
    for (size_t i = 0; i < ex->n_deleted; i++)
        if (delete_branch(s, ex, ex->deleted[i]) != 0) return -1;
    return 0;
}

/* ---- reading ---------------------------------------------------------------- */

static json_t *execution_row(sqlite3_stmt *q)
{
    json_t *o = json_object();
    const char *cols[] = {"id", "name", "workflow", "version", "status", "input", "output",
                          "error", "cause", "started", "stopped", "deadline",
                          "redrive_count", "next_event"};
    for (int i = 0; i < 14; i++) {
        json_t *v;
        switch (sqlite3_column_type(q, i)) {
        case SQLITE_NULL: v = json_null(); break;
        case SQLITE_INTEGER: v = json_integer(sqlite3_column_int64(q, i)); break;
        default:
            v = (i == 5 || i == 6) ? store_column_json(q, i)
                                   : json_string((const char *)sqlite3_column_text(q, i));
        }
        json_object_set_new(o, cols[i], v ? v : json_null());
    }
    return o;
}

#define EXEC_COLS "id, name, workflow, version, status, input, output, error, cause," \
                  " started, stopped, deadline, redrive_count, next_event"

json_t *journal_get_execution(store *s, const char *id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT " EXEC_COLS " FROM executions WHERE id=?");
    if (!q) return NULL;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    json_t *o = sqlite3_step(q) == SQLITE_ROW ? execution_row(q) : NULL;
    store_reset(q);
    return o;
}

json_t *journal_find_execution(store *s, const char *workflow, const char *name)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT " EXEC_COLS " FROM executions WHERE workflow=? AND name=?");
    if (!q) return NULL;
    sqlite3_bind_text(q, 1, workflow, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
    json_t *o = sqlite3_step(q) == SQLITE_ROW ? execution_row(q) : NULL;
    store_reset(q);
    return o;
}

json_t *journal_list_executions(store *s, const char *status, const char *workflow, int limit,
                                const char *cursor)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT " EXEC_COLS " FROM executions"
        " WHERE (?1 IS NULL OR status=?1) AND (?2 IS NULL OR workflow=?2)"
        "   AND (?3 IS NULL OR started < ?3 OR (started = ?3 AND id < ?4))"
        " ORDER BY started DESC, id DESC LIMIT ?5");
    json_t *page = json_pack("{s:[], s:n}", "executions", "next");
    if (!q) return page;
    if (status) sqlite3_bind_text(q, 1, status, -1, SQLITE_TRANSIENT);
    if (workflow) sqlite3_bind_text(q, 2, workflow, -1, SQLITE_TRANSIENT);
    if (cursor) {
        /* cursor = "<started>:<id>" of the last row of the previous page */
        const char *colon = strchr(cursor, ':');
        if (colon) {
            sqlite3_bind_int64(q, 3, strtoll(cursor, NULL, 10));
            sqlite3_bind_text(q, 4, colon + 1, -1, SQLITE_TRANSIENT);
        }
    }
    sqlite3_bind_int(q, 5, limit + 1);
    json_t *list = json_object_get(page, "executions");
    while (sqlite3_step(q) == SQLITE_ROW) {
        if ((int)json_array_size(list) == limit) {
            json_t *last = json_array_get(list, json_array_size(list) - 1);
            char next[160];
            snprintf(next, sizeof next, "%lld:%s",
                     (long long)json_integer_value(json_object_get(last, "started")),
                     json_string_value(json_object_get(last, "id")));
            json_object_set_new(page, "next", json_string(next));
            break;
        }
        json_array_append_new(list, execution_row(q));
    }
    store_reset(q);
    return page;
}

json_t *journal_history(store *s, const char *id, int64_t after, int limit)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT id, type, ts, state, details FROM events"
        " WHERE execution_id=? AND id>? ORDER BY id LIMIT ?");
    json_t *page = json_pack("{s:[], s:n}", "events", "next");
    if (!q) return page;
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int(q, 3, limit + 1);
    json_t *list = json_object_get(page, "events");
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t eid = sqlite3_column_int64(q, 0);
        if ((int)json_array_size(list) == limit) {
            json_object_set_new(page, "next", json_integer(eid - 1));
            break;
        }
        json_t *ev = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)eid, "type",
                               (const char *)sqlite3_column_text(q, 1), "timestamp",
                               (json_int_t)sqlite3_column_int64(q, 2));
        const char *state = (const char *)sqlite3_column_text(q, 3);
        if (state) json_object_set_new(ev, "state", json_string(state));
        json_t *details = store_column_json(q, 4);
        if (details) json_object_set_new(ev, "details", details);
        json_array_append_new(list, ev);
    }
    store_reset(q);
    return page;
}

int journal_each_running(store *s, journal_exec_fn fn, void *ud)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT " EXEC_COLS " FROM executions WHERE status='RUNNING' ORDER BY started");
    if (!q) return -1;
    json_t *rows = json_array();
    while (sqlite3_step(q) == SQLITE_ROW) json_array_append_new(rows, execution_row(q));
    store_reset(q);
    size_t i;
    json_t *row;
    int rc = 0;
    json_array_foreach(rows, i, row) {
        if (fn(ud, row) != 0) rc = -1;
    }
    json_decref(rows);
    return rc;
}

int journal_each_branch(store *s, const char *exec_id, journal_branch_fn fn, void *ud)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT id, parent, slot, scope, state, phase, input, data, timer_ms"
        " FROM branches WHERE execution_id=? ORDER BY id");
    if (!q) return -1;
    sqlite3_bind_text(q, 1, exec_id, -1, SQLITE_TRANSIENT);
    int rc = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        journal_branch_row row = {
            .id = sqlite3_column_int64(q, 0),
            .parent = sqlite3_column_int64(q, 1),
            .slot = sqlite3_column_int64(q, 2),
            .scope = (const char *)sqlite3_column_text(q, 3),
            .state = (const char *)sqlite3_column_text(q, 4),
            .phase = (const char *)sqlite3_column_text(q, 5),
            .input = store_column_json(q, 6),
            .data = store_column_json(q, 7),
            .timer_ms = sqlite3_column_int64(q, 8),
        };
        if (fn(ud, &row) != 0) rc = -1;
        json_decref(row.input);
        json_decref(row.data);
    }
    store_reset(q);
    return rc;
}

json_t *journal_count_by_status(store *s)
{
    json_t *counts = json_pack("{s:i, s:i, s:i, s:i, s:i}", "RUNNING", 0, "SUCCEEDED", 0,
                               "FAILED", 0, "TIMED_OUT", 0, "ABORTED", 0);
    sqlite3_stmt *q = store_stmt(s, "SELECT status, COUNT(*) FROM executions GROUP BY status");
    if (!q) return counts;
    while (sqlite3_step(q) == SQLITE_ROW)
        json_object_set_new(counts, (const char *)sqlite3_column_text(q, 0),
                            json_integer(sqlite3_column_int64(q, 1)));
    store_reset(q);
    return counts;
}
