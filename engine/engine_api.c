/*
 * engine_api.c — the engine's public calls (engine.h): workflows,
 * executions, callback tasks. Metrics are engine_metrics.c's, loading
 * after a restart engine_load.c's.
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
#include "journal.h"
#include "workflow.h"

/* The execution input obeys the same 256 KiB limit as every state output
 * (Step Functions' payload limit): documents travel by path, not by value. */
#define MAX_INPUT_BYTES (256u * 1024)

/* ---- workflows --------------------------------------------------------------- */

static bool resource_known(const char *resource, void *ud)
{
    engine *e = ud;
    char plugin[256], path[PATH_MAX];
    json_t *config = NULL;
    char activity[ACTIVITY_NAME_MAX];
    if (resource_activity(e, resource, activity)) return true; /* served by remote workers */
    if (!resource_resolve(e, resource, plugin, sizeof plugin, &config)) return false;
    json_decref(config);
    snprintf(path, sizeof path, "%s/%s.so", e->plugin_dir ? e->plugin_dir : ".", plugin);
    return access(path, R_OK) == 0;
}

static void diags_to_cause(const workflow_diags *d, const char *name, yogi_error *err)
{
    size_t n = 0;
    err->cause[0] = '\0';
    for (size_t i = 0; i < d->count && n + 1 < sizeof err->cause; i++) {
        const workflow_diag *g = &d->items[i];
        n += (size_t)snprintf(err->cause + n, sizeof err->cause - n, "%s%s:%d:%d: %s: %s",
                              i ? "\n" : "", name, g->line, g->column, g->code, g->message);
    }
    snprintf(err->name, sizeof err->name, "InvalidDefinition");
}

json_t *definition_for(engine *e, const char *name, int version)
{
    char key[512];
    snprintf(key, sizeof key, "%s@%d", name, version);
    json_t *def = json_object_get(e->definitions, key);
    if (def) return def;
    json_t *w = journal_get_workflow(e->store, name, version);
    if (!w) return NULL;
    def = json_object_get(w, "definition");
    json_object_set(e->definitions, key, def);
    json_decref(w);
    return json_object_get(e->definitions, key);
}

int engine_put_workflow(engine *e, const char *name, const char *text, size_t len,
                        yogi_error *err)
{
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse(name, text, len, &diags);
    if (!doc || !workflow_validate(doc, resource_known, e, &diags)) {
        diags_to_cause(&diags, name, err);
        workflow_diags_clear(&diags);
        workflow_free(doc);
        return -1;
    }
    /* A version is new when its text is: SHA-256 of the source as written. */
    char *source = strndup(text, len), fp[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", text, len, fp);
    int version = 0, rc = -1;
    if (store_begin(e->store, err) == 0) {
        rc = journal_put_workflow(e->store, name, source, workflow_definition(doc), fp, wall_clock_ms(),
                                  &version, err);
        if (rc == 0) rc = store_commit(e->store, err);
        else store_rollback(e->store);
    }
    free(source);
    workflow_diags_clear(&diags);
    workflow_free(doc);
    return rc == 0 ? version : -1;
}

json_t *engine_list_workflows(engine *e)
{
    return journal_list_workflows(e->store);
}

json_t *engine_get_workflow(engine *e, const char *name, int version)
{
    json_t *w = journal_get_workflow(e->store, name, version);
    if (w) json_object_del(w, "sha");
    return w;
}

int engine_register_workflow_dir(engine *e, yogi_error *err)
{
    DIR *d = opendir(e->workflow_dir);
    if (!d) return 0; /* no workflows to register is not an error */
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *dot = strrchr(de->d_name, '.');
        if (de->d_name[0] == '.' || !dot ||
            (strcmp(dot, ".yaml") && strcmp(dot, ".yml") && strcmp(dot, ".json")))
            continue;
        char path[PATH_MAX], name[256];
        snprintf(path, sizeof path, "%s/%s", e->workflow_dir, de->d_name);
        snprintf(name, sizeof name, "%.*s", (int)(dot - de->d_name), de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *text = malloc(WORKFLOW_MAX_BYTES + 1);
        size_t n = text ? fread(text, 1, WORKFLOW_MAX_BYTES + 1, f) : 0;
        fclose(f);
        yogi_error werr = {{0}, {0}};
        if (text && engine_put_workflow(e, name, text, n, &werr) < 0)
            fprintf(stderr, "yogi: workflow %s not registered: %s\n%s\n", path, werr.name,
                    werr.cause);
        free(text);
    }
    closedir(d);
    (void)err;
    return 0;
}

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

static execution *execution_alloc(const char *id, const char *name, const char *workflow,
                                  int version, json_t *definition)
{
    execution *ex = calloc(1, sizeof *ex);
    if (!ex) return NULL;
    snprintf(ex->id, sizeof ex->id, "%s", id);
    ex->name = strdup(name);
    ex->workflow = strdup(workflow);
    ex->version = version;
    ex->definition = definition;
    ex->new_events = json_array();
    snprintf(ex->status, sizeof ex->status, "RUNNING");
    return ex;
}

static int attach_existing(json_t *row, json_t *input, char *id_out, yogi_error *err)
{
    if (!json_equal(json_object_get(row, "input"), input))
        return yogi_fail(err, "ExecutionAlreadyExists",
                         "an execution named '%s' exists with a different input",
                         json_string_value(json_object_get(row, "name"))), -1;
    snprintf(id_out, 64, "%s", json_string_value(json_object_get(row, "id")));
    return 0;
}

static int check_input(json_t *input, yogi_error *err)
{
    char *text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t n = text ? strlen(text) : 0;
    free(text);
    if (!text) return yogi_fail(err, "InvalidExecutionInput", "the input is not valid JSON"), -1;
    if (n > MAX_INPUT_BYTES)
        return yogi_fail(err, "InvalidExecutionInput", "the input is %zu bytes; the limit is %u",
                         n, MAX_INPUT_BYTES), -1;
    return 0;
}

int engine_start(engine *e, const engine_start_request *req, char *id_out, yogi_error *err)
{
    json_t *owned = req->input ? NULL : json_object(); /* the default input, {} */
    json_t *input = req->input ? req->input : owned;
    int rc = -1;
    json_t *w = NULL, *existing = NULL;
    if (req->name && !name_ok(req->name)) {
        yogi_fail(err, "InvalidName", "execution names are 1-80 characters of A-Z a-z 0-9 - _ .");
        goto out;
    }
    if (check_input(input, err) != 0) goto out;
    if (!(w = journal_get_workflow(e->store, req->workflow, 0))) {
        yogi_fail(err, "StateMachineDoesNotExist", "no workflow named '%s'", req->workflow);
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
        yogi_fail(err, "Engine.Internal", "out of memory");
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
        return row ? yogi_fail(err, "ExecutionNotRunning", "the execution has already ended")
                   : yogi_fail(err, "ExecutionDoesNotExist", "no execution '%s'", execution_id),
               -1;
    }
    exec_stop(e, ex, error, cause);
    engine_flush(e);
    return 0;
}

int engine_redrive(engine *e, const char *execution_id, yogi_error *err)
{
    if (hmap_get(&e->executions, execution_id))
        return yogi_fail(err, "ExecutionNotRedrivable", "the execution is still running"), -1;
    json_t *row = journal_get_execution(e->store, execution_id);
    if (!row) return yogi_fail(err, "ExecutionDoesNotExist", "no execution '%s'", execution_id), -1;
    const char *status = json_string_value(json_object_get(row, "status"));
    bool redrivable = status && strcmp(status, "SUCCEEDED") != 0;
    if (!redrivable) {
        json_decref(row);
        return yogi_fail(err, "ExecutionNotRedrivable", "a SUCCEEDED execution cannot be redriven"),
               -1;
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
        return yogi_fail(err, "TaskTimedOut", "the task of that token has timed out"), -1;
    if (!b)
        return yogi_fail(err, "TaskDoesNotExist",
                         "no task is waiting for that token (unknown, already answered or timed out)"),
               -1;
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
