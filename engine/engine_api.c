/*
 * engine_api.c — the engine's public calls (engine.h) on executions and
 * callback tasks. Workflows are engine_workflows.c's, metrics
 * engine_metrics.c's, loading after a restart engine_load.c's.
 *
 * Every call that changes an execution ends with engine_flush(): by the time
 * it returns, the change is committed (a 202 from the API, or a "started"
 * from the CLI, is a promise kept across a crash).
 *
 * Callback tokens are "<execution id>.<branch id>.<32 hex>": the first two
 * parts find the waiting branch without an index, the random part (compared
 * in constant time) makes tokens unguessable. A token is good for one
 * answer: once the task has ended, it no longer matches (TaskDoesNotExist).
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "engine_internal.h"
#include "hash.h"
#include "host_error.h"
#include "journal.h"
#include "workflow.h"

/* The execution input obeys the same 256 KiB limit as every state output
 * (Step Functions' payload limit): documents travel by path, not by value. */
#define MAX_INPUT_BYTES (256u * 1024)

/* ---- executions ------------------------------------------------------------------- */

static bool name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 80) return false;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') return false;
    return true;
}

static void random_hex(char *out, size_t bytes)
{
    unsigned char rnd[32];
    if (bytes > sizeof rnd) bytes = sizeof rnd;
    if (getrandom(rnd, bytes, 0) != (ssize_t)bytes) {
        uint64_t t = (uint64_t)wall_clock_ms() ^ (uint64_t)getpid();
        memcpy(rnd, &t, bytes < sizeof t ? bytes : sizeof t);
    }
    for (size_t i = 0; i < bytes; i++) snprintf(out + 2 * i, 3, "%02x", rnd[i]);
}

static int attach_existing(json_t *row, json_t *input, char *id_out, yogi_error *err)
{
    if (!json_equal(json_object_get(row, "input"), input))
        return host_fail(err, "ExecutionAlreadyExists",
                         "an execution named '%s' exists with a different input",
                         json_string_value(json_object_get(row, "name")));
    snprintf(id_out, 64, "%s", json_string_value(json_object_get(row, "id")));
    return 0;
}

static int check_input(json_t *input, yogi_error *err)
{
    char *text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n = text ? strlen(text) : 0;
    free(text);
    if (!text) return host_fail(err, "InvalidExecutionInput", "the input is not valid JSON");
    if (n > MAX_INPUT_BYTES)
        return host_fail(err, "InvalidExecutionInput", "the input is %zu bytes; the limit is %u",
                         n, MAX_INPUT_BYTES);
    return 0;
}

int engine_start(engine *e, const engine_start_request *req, char *id_out, yogi_error *err)
{
    json_t *owned = req->input ? NULL : json_object(); /* the default input, {} */
    json_t *input = req->input ? req->input : owned;
    int rc = -1;
    json_t *w = NULL, *existing = NULL;
    if (req->name && !name_ok(req->name)) {
        host_fail(err, "InvalidName", "execution names are 1-80 characters of A-Z a-z 0-9 - _ .");
        goto out;
    }
    if (check_input(input, err) != 0) goto out;
    if (!(w = journal_get_workflow(e->store, req->workflow, 0))) {
        host_fail(err, "StateMachineDoesNotExist", "no workflow named '%s'", req->workflow);
        goto out;
    }
    if (req->name && (existing = journal_find_execution(e->store, req->workflow, req->name))) {
        rc = attach_existing(existing, input, id_out, err);
        goto out;
    }
    int version = (int)json_integer_value(json_object_get(w, "version"));
    json_t *def = definition_for(e, req->workflow, version);
    char id[64] = "ex_", name[64];
    random_hex(id + 3, 12);
    if (!req->name) random_hex(name, 16);
    execution *ex = execution_alloc(id, req->name ? req->name : name, req->workflow, version, def);
    if (!ex) {
        host_fail(err, "Engine.Internal", "out of memory");
        goto out;
    }
    ex->input = json_deep_copy(input);
    ex->started = wall_clock_ms();
    ex->next_event = 1;
    ex->is_new = true;
    json_t *timeout = json_object_get(def, "TimeoutSeconds");
    if (json_integer_value(timeout) > 0) ex->deadline = ex->started + json_integer_value(timeout) * 1000;
    hmap_put(&e->executions, ex->id, ex);
    engine_emit(e, ex, "ExecutionStarted", NULL,
                json_pack("{s:O, s:s, s:i}", "input", input, "workflow", req->workflow,
                          "version", version));
    ex->status_changed = true;
    const char *start = json_string_value(json_object_get(def, "StartAt"));
    branch *root = branch_new(e, ex, 0, 0, "", start ? start : "", PH_ENTER, ex->input);
    if (root) engine_runq_push(e, root);
    if (ex->deadline) engine_set_execution_timer(e, ex, ex->deadline);
    snprintf(id_out, 64, "%s", ex->id);
    engine_flush(e);
    rc = 0;
out:
    json_decref(w);
    json_decref(existing);
    json_decref(owned);
    return rc;
}

static void iso_member(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v)) return;
    char buf[40];
    format_iso8601(json_integer_value(v), buf, sizeof buf);
    json_object_set_new(o, key, json_string(buf));
}

json_t *engine_describe(engine *e, const char *execution_id)
{
    json_t *row = journal_get_execution(e->store, execution_id);
    if (!row) return NULL;
    iso_member(row, "started");
    iso_member(row, "stopped");
    json_object_del(row, "next_event");
    json_object_del(row, "deadline");
    execution *ex = hmap_get(&e->executions, execution_id);
    branch *root = ex ? branch_get(ex, 1) : NULL;
    if (root) json_object_set_new(row, "state", json_string(root->state));
    return row;
}

json_t *engine_list_executions(engine *e, const char *status, const char *workflow, int limit,
                               const char *cursor)
{
    if (limit <= 0 || limit > 1000) limit = 100;
    json_t *page = journal_list_executions(e->store, status, workflow, limit, cursor);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(page, "executions"), i, row) {
        json_object_del(row, "input");
        json_object_del(row, "output");
        json_object_del(row, "next_event");
        json_object_del(row, "deadline");
        iso_member(row, "started");
        iso_member(row, "stopped");
    }
    return page;
}

json_t *engine_history(engine *e, const char *execution_id, int64_t after_id, int limit)
{
    if (limit <= 0 || limit > 10000) limit = 1000;
    return journal_history(e->store, execution_id, after_id, limit);
}

int engine_stop(engine *e, const char *execution_id, const char *error, const char *cause,
                yogi_error *err)
{
    execution *ex = hmap_get(&e->executions, execution_id);
    if (!ex) {
        json_t *row = journal_get_execution(e->store, execution_id);
        json_decref(row);
        return row ? host_fail(err, "ExecutionNotRunning", "the execution has already ended")
                   : host_fail(err, "ExecutionDoesNotExist", "no execution '%s'", execution_id);
    }
    exec_stop(e, ex, error, cause);
    engine_flush(e);
    return 0;
}

int engine_redrive(engine *e, const char *execution_id, yogi_error *err)
{
    if (hmap_get(&e->executions, execution_id))
        return host_fail(err, "ExecutionNotRedrivable", "the execution is still running");
    json_t *row = journal_get_execution(e->store, execution_id);
    if (!row) return host_fail(err, "ExecutionDoesNotExist", "no execution '%s'", execution_id);
    const char *status = json_string_value(json_object_get(row, "status"));
    bool redrivable = status && strcmp(status, "SUCCEEDED") != 0;
    if (!redrivable) {
        json_decref(row);
        return host_fail(err, "ExecutionNotRedrivable", "a SUCCEEDED execution cannot be redriven");
    }
    execution *ex = engine_load_execution(e, row, err);
    json_decref(row);
    if (!ex) return -1;
    if (exec_redrive(e, ex, err) != 0) {
        hmap_del(&e->executions, ex->id);
        execution_free(ex);
        return -1;
    }
    engine_flush(e);
    return 0;
}

/* ---- callback tasks ---------------------------------------------------------------- */

static bool equal_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static branch *waiting_branch(engine *e, const char *token)
{
    char exec_id[64];
    const char *dot = token ? strchr(token, '.') : NULL;
    if (!dot || (size_t)(dot - token) >= sizeof exec_id) return NULL;
    snprintf(exec_id, sizeof exec_id, "%.*s", (int)(dot - token), token);
    execution *ex = hmap_get(&e->executions, exec_id);
    if (!ex) return NULL;
    branch *b = branch_get(ex, strtoll(dot + 1, NULL, 10));
    if (!b || b->phase != PH_CALLBACK) return NULL;
    const char *expected = json_string_value(json_object_get(b->data, "token"));
    return expected && equal_ct(expected, token) ? b : NULL;
}

static int answer_callback(engine *e, const char *token, const char *kind, json_t *output,
                           const char *error, const char *cause, yogi_error *err)
{
    branch *b = waiting_branch(e, token);
    if (!b && activity_token_expired(e, token))
        return host_fail(err, "TaskTimedOut", "the task of that token has timed out");
    if (!b)
        return host_fail(err, "TaskDoesNotExist",
                         "no task is waiting for that token (unknown, already answered or timed out)");
    int rc = exec_callback(e, b, kind, output, error, cause, err);
    engine_flush(e);
    return rc;
}

int engine_task_success(engine *e, const char *token, json_t *output, yogi_error *err)
{
    return answer_callback(e, token, "success", output ? output : json_null(), NULL, NULL, err);
}

int engine_task_failure(engine *e, const char *token, const char *error, const char *cause,
                        yogi_error *err)
{
    return answer_callback(e, token, "failure", NULL, error, cause, err);
}

int engine_task_heartbeat(engine *e, const char *token, yogi_error *err)
{
    return answer_callback(e, token, "heartbeat", NULL, NULL, NULL, err);
}

json_t *engine_list_callbacks(engine *e, int limit)
{
    json_t *list = json_array();
    size_t pos = 0;
    const char *key;
    void *val;
    while (hmap_next(&e->executions, &pos, &key, &val)) {
        execution *ex = val;
        for (size_t i = 0; i < ex->n_branches; i++) {
            branch *b = ex->branches[i];
            if (!b || b->phase != PH_CALLBACK) continue;
            if (limit > 0 && (int)json_array_size(list) >= limit) return list;
            char since[40];
            format_iso8601(json_integer_value(json_object_get(b->data, "entered")), since,
                           sizeof since);
            json_array_append_new(list, json_pack(
                "{s:O, s:s, s:s, s:s, s:O, s:s}", "token", json_object_get(b->data, "token"),
                "execution_id", ex->id, "workflow", ex->workflow, "state", b->state, "input",
                json_object_get(b->data, "effective"), "since", since));
        }
    }
    return list;
}

int engine_backup(engine *e, const char *dest, yogi_error *err)
{
    return store_backup(e->store, dest, err);
}
