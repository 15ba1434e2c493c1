/*
 * store_llm.c — the language-model step's spend and changes (llm_store.h).
 *
 * Schema (two modules of their own, store_migrate):
 *   "llm_spend" v1:   llm_spend(day TEXT PK 'YYYY-MM-DD' UTC, tokens, cost,
 *                     calls, refused, budget_tokens, budget_cost)
 *   "llm_changes" v1: llm_changes(document_id TEXT PK, confidence (the
 *                     extractor's), passed (the answer passed its checks),
 *                     compared, changed, changes JSON, created ms)
 *
 * The totals for /metrics count only answers that passed their checks: an
 * answer refused as unsound says nothing about the extractor's mistakes.
 *
 * The day is the database's own UTC date (strftime('%Y-%m-%d','now')), so
 * every worker and every restart agree on when a day's budget starts
 * again. Additions are single UPSERTs: two workers spending at once both
 * count. The budget columns hold the budget last seen by a plugin, so that
 * /metrics can show spend against budget without reading the plugins'
 * configuration.
 *
 * llm_changes keeps one row per document (no foreign key: a comparison made
 * by `yogi invoke` for an id the store does not know is still recorded,
 * and rows outlive nothing they point to since documents are never
 * deleted).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine.h"
#include "host_error.h"
#include "llm_store.h"
#include "store_internal.h"

static const char spend_v1[] =
    "CREATE TABLE llm_spend("
    " day TEXT PRIMARY KEY, tokens INTEGER NOT NULL DEFAULT 0, cost REAL NOT NULL DEFAULT 0,"
    " calls INTEGER NOT NULL DEFAULT 0, refused INTEGER NOT NULL DEFAULT 0,"
    " budget_tokens INTEGER, budget_cost REAL)";

static const char changes_v1[] =
    "CREATE TABLE llm_changes("
    " document_id TEXT PRIMARY KEY, confidence REAL, passed INTEGER NOT NULL, compared INTEGER NOT NULL,"
    " changed INTEGER NOT NULL, changes TEXT NOT NULL, created INTEGER NOT NULL)";

int llm_store_init(store *s, yogi_error *err)
{
    if (store_migrate(s, "llm_spend", 1, spend_v1, err) != 0) return -1;
    return store_migrate(s, "llm_changes", 1, changes_v1, err);
}

static int storage_error(store *s, yogi_error *err, const char *what)
{
    return host_fail(err, "Engine.Storage", "%s: %s", what,
                     s->first_error[0] ? s->first_error : sqlite3_errmsg(s->db));
}

static json_t *nullable_int(sqlite3_stmt *q, int col)
{
    return sqlite3_column_type(q, col) == SQLITE_NULL ? json_null()
                                                      : json_integer(sqlite3_column_int64(q, col));
}

static json_t *nullable_real(sqlite3_stmt *q, int col)
{
    return sqlite3_column_type(q, col) == SQLITE_NULL ? json_null()
                                                      : json_real(sqlite3_column_double(q, col));
}

json_t *llm_store_today(store *s)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT d.day, COALESCE(tokens, 0), COALESCE(cost, 0), COALESCE(calls, 0),"
        " COALESCE(refused, 0), budget_tokens, budget_cost"
        " FROM (SELECT strftime('%Y-%m-%d','now') AS day) d LEFT JOIN llm_spend USING (day)");
    if (!q) return NULL;
    json_t *row = NULL;
    if (sqlite3_step(q) == SQLITE_ROW)
        row = json_pack("{s:s, s:I, s:f, s:I, s:I, s:o, s:o}", "day",
                        (const char *)sqlite3_column_text(q, 0), "tokens",
                        (json_int_t)sqlite3_column_int64(q, 1), "cost",
                        sqlite3_column_double(q, 2), "calls",
                        (json_int_t)sqlite3_column_int64(q, 3), "refused",
                        (json_int_t)sqlite3_column_int64(q, 4), "budget_tokens",
                        nullable_int(q, 5), "budget_cost", nullable_real(q, 6));
    store_reset(q);
    return row;
}

/* A count to add: absent is 0; negative or not a number is refused. */
static int amount(json_t *args, const char *key, double *out, yogi_error *err)
{
    json_t *v = json_object_get(args, key);
    *out = 0;
    if (!v) return 0;
    if (!json_is_number(v) || json_number_value(v) < 0)
        return host_fail(err, "InvalidInput", "llm.spend: \"%s\" must be a number >= 0", key);
    *out = json_number_value(v);
    return 0;
}

static int budget_value(json_t *args, const char *key, yogi_error *err)
{
    json_t *v = json_object_get(args, key);
    if (v && !json_is_null(v) && (!json_is_number(v) || json_number_value(v) < 0))
        return host_fail(err, "InvalidInput", "llm.spend: \"%s\" must be null or >= 0", key);
    return 0;
}

static void bind_budget(sqlite3_stmt *q, int idx, json_t *v, bool integer)
{
    if (!json_is_number(v)) sqlite3_bind_null(q, idx);
    else if (integer) sqlite3_bind_int64(q, idx, (sqlite3_int64)json_number_value(v));
    else sqlite3_bind_double(q, idx, json_number_value(v));
}

static int add_spend(store *s, json_t *args, yogi_error *err)
{
    double tokens, cost, calls, refused;
    if (amount(args, "tokens", &tokens, err) || amount(args, "cost", &cost, err) ||
        amount(args, "calls", &calls, err) || amount(args, "refused", &refused, err) ||
        budget_value(args, "budget_tokens", err) || budget_value(args, "budget_cost", err))
        return -1;
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *q = store_stmt(s,
        "INSERT INTO llm_spend(day, tokens, cost, calls, refused, budget_tokens, budget_cost)"
        " VALUES (strftime('%Y-%m-%d','now'), ?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT(day) DO UPDATE SET tokens = tokens + ?1, cost = cost + ?2,"
        " calls = calls + ?3, refused = refused + ?4, budget_tokens = ?5, budget_cost = ?6");
    if (q) {
        sqlite3_bind_int64(q, 1, (sqlite3_int64)tokens);
        sqlite3_bind_double(q, 2, cost);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)calls);
        sqlite3_bind_int64(q, 4, (sqlite3_int64)refused);
        bind_budget(q, 5, json_object_get(args, "budget_tokens"), true);
        bind_budget(q, 6, json_object_get(args, "budget_cost"), false);
    }
    if (!q || store_step_done(s, q) != 0) {
        storage_error(s, err, "llm spend");
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

static int record_changes(store *s, json_t *args, yogi_error *err)
{
    const char *id = json_string_value(json_object_get(args, "document_id"));
    json_t *confidence = json_object_get(args, "confidence");
    json_t *passed = json_object_get(args, "passed");
    json_t *compared = json_object_get(args, "compared"), *changed = json_object_get(args, "changed");
    json_t *changes = json_object_get(args, "changes");
    if (!id || !*id || (confidence && !json_is_number(confidence)) || !json_is_boolean(passed) ||
        !json_is_integer(compared) || !json_is_integer(changed) ||
        !json_is_array(changes) || json_integer_value(changed) < 0 ||
        json_integer_value(compared) < json_integer_value(changed))
        return host_fail(err, "InvalidInput",
                         "llm.changes needs document_id, passed, compared >= changed >= 0 and "
                         "changes [...]");
    if (store_begin(s, err) != 0) return -1;
    sqlite3_stmt *q = store_stmt(s,
        "INSERT OR REPLACE INTO llm_changes(document_id, confidence, passed, compared, changed,"
        " changes, created) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (q) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        if (json_is_number(confidence)) sqlite3_bind_double(q, 2, json_number_value(confidence));
        else sqlite3_bind_null(q, 2);
        sqlite3_bind_int(q, 3, json_is_true(passed));
        sqlite3_bind_int64(q, 4, json_integer_value(compared));
        sqlite3_bind_int64(q, 5, json_integer_value(changed));
        store_bind_json(q, 6, changes);
        sqlite3_bind_int64(q, 7, wall_clock_ms());
    }
    if (!q || store_step_done(s, q) != 0) {
        storage_error(s, err, "llm changes");
        store_rollback(s);
        return -1;
    }
    return store_commit(s, err);
}

static json_t *changes_by_kind(store *s);

json_t *llm_store_changes_summary(store *s)
{
    sqlite3_stmt *q = store_stmt(s,
        "SELECT COUNT(*), COALESCE(SUM(changed > 0), 0), COALESCE(SUM(compared), 0),"
        " COALESCE(SUM(changed), 0) FROM llm_changes WHERE passed");
    if (!q) return NULL;
    json_t *sum = NULL;
    if (sqlite3_step(q) == SQLITE_ROW)
        sum = json_pack("{s:I, s:I, s:I, s:I}", "documents", (json_int_t)sqlite3_column_int64(q, 0),
                        "documents_changed", (json_int_t)sqlite3_column_int64(q, 1), "entries",
                        (json_int_t)sqlite3_column_int64(q, 2), "entries_changed",
                        (json_int_t)sqlite3_column_int64(q, 3));
    store_reset(q);
    json_t *by = sum ? changes_by_kind(s) : NULL;
    if (by) json_object_set_new(sum, "by_kind", by);
    return sum;
}

/* Per kind of change over all documents: a slot whose time and subject
 * both changed counts under each. */
static json_t *changes_by_kind(store *s)
{
    static const char *const kinds[] = {"added", "removed", "time", "subject", "room"};
    sqlite3_stmt *q = store_stmt(s,
        "SELECT COUNT(*) FROM llm_changes, json_each(llm_changes.changes)"
        " WHERE passed AND ',' || json_extract(json_each.value, '$.change') || ',' LIKE '%,' || ? || ',%'");
    if (!q) return NULL;
    json_t *by = json_object();
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        sqlite3_bind_text(q, 1, kinds[k], -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW)
            json_object_set_new(by, kinds[k], json_integer(sqlite3_column_int64(q, 0)));
        store_reset(q);
    }
    return by;
}

json_t *llm_store_document_changes(store *s, const char *document_id)
{
    sqlite3_stmt *q = store_stmt(s, "SELECT confidence, compared, changed, changes, created, passed"
                                    " FROM llm_changes WHERE document_id = ?");
    if (!q || !document_id) return NULL;
    sqlite3_bind_text(q, 1, document_id, -1, SQLITE_TRANSIENT);
    json_t *row = NULL;
    if (sqlite3_step(q) == SQLITE_ROW) {
        json_t *changes = store_column_json(q, 3);
        row = json_pack("{s:o, s:b, s:I, s:I, s:o, s:I}", "confidence", nullable_real(q, 0),
                        "passed", sqlite3_column_int(q, 5), "compared",
                        (json_int_t)sqlite3_column_int64(q, 1), "changed",
                        (json_int_t)sqlite3_column_int64(q, 2), "changes",
                        changes ? changes : json_array(), "created",
                        (json_int_t)sqlite3_column_int64(q, 4));
    }
    store_reset(q);
    return row;
}

/* ---- host operations --------------------------------------------------------- */

static int op_spend(void *ud, json_t *args, json_t **result, yogi_error *err)
{
    store *s = engine_store(ud);
    if (!json_is_object(args)) return host_fail(err, "InvalidInput", "llm.spend wants an object");
    if (add_spend(s, args, err) != 0) return -1;
    *result = llm_store_today(s);
    return *result ? 0 : storage_error(s, err, "llm spend");
}

static int op_changes(void *ud, json_t *args, json_t **result, yogi_error *err)
{
    store *s = engine_store(ud);
    if (record_changes(s, args, err) != 0) return -1;
    *result = json_pack("{s:O}", "document_id", json_object_get(args, "document_id"));
    return 0;
}

int llm_store_register_host_ops(struct engine *e, yogi_error *err)
{
    if (llm_store_init(engine_store(e), err) != 0) return -1;
    if (engine_register_host_op(e, "llm.spend", op_spend, e, err) != 0) return -1;
    return engine_register_host_op(e, "llm.changes", op_changes, e, err);
}
