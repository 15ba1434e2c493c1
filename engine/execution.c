/*
 * execution.c — executions and branches in memory: creation, the context
 * object, the end of an execution, stop and redrive. Rebuilding the model
 * from the journal after a restart is engine_load.c's.
 *
 * Invariant: an execution is in engine->executions exactly while its
 * status is RUNNING in memory; it is freed after the batch that ended it
 * has committed and its effects (cancellations, notices) are done.
 *
 * Redrive restarts a FAILED, TIMED_OUT or ABORTED execution at the state
 * where its root branch stopped, with that state's original input: states
 * that succeeded before it are not run again. A Map or Parallel state that
 * failed is re-run as a whole (its iterations' partial results are gone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "engine_internal.h"
#include "host_error.h"
#include "journal.h"

static const char *const PHASES[] = {"ENTER",    "TASK",     "RETRY",   "WAIT",   "CALLBACK",
                                     "CHILDREN", "PENDING",  "DONE",    "FAILED", "ABORTED"};

const char *phase_name(branch_phase p)
{
    return (unsigned)p < sizeof PHASES / sizeof PHASES[0] ? PHASES[p] : "UNKNOWN";
}

int phase_from_name(const char *s)
{
    for (size_t i = 0; s && i < sizeof PHASES / sizeof PHASES[0]; i++)
        if (strcmp(PHASES[i], s) == 0) return (int)i;
    return -1;
}

void format_iso8601(int64_t ms, char *buf, size_t len)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", base, (int)(ms % 1000));
}

/* ---- branches ----------------------------------------------------------------- */

json_t *definition_at(json_t *definition, const char *pointer)
{
    json_t *cur = definition;
    const char *p = pointer;
    char token[512];
    while (cur && *p == '/') {
        p++;
        size_t n = 0;
        while (*p && *p != '/' && n + 1 < sizeof token) {
            if (p[0] == '~' && p[1] == '0') { token[n++] = '~'; p += 2; }
            else if (p[0] == '~' && p[1] == '1') { token[n++] = '/'; p += 2; }
            else token[n++] = *p++;
        }
        token[n] = '\0';
        if (json_is_array(cur)) cur = json_array_get(cur, strtoul(token, NULL, 10));
        else cur = json_object_get(cur, token);
    }
    return cur;
}

/* A RUNNING execution with no branches yet; definition is borrowed (the
 * engine's cache). NULL when out of memory. */
execution *execution_alloc(const char *id, const char *name, const char *workflow,
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

branch *branch_get(execution *ex, int64_t id)
{
    if (id < 1 || (size_t)id > ex->n_branches) return NULL;
    return ex->branches[id - 1];
}

static int branch_slot_alloc(execution *ex)
{
    if (ex->n_branches < ex->cap_branches) return 0;
    size_t cap = ex->cap_branches ? ex->cap_branches * 2 : 8;
    branch **nb = realloc(ex->branches, cap * sizeof *nb);
    if (!nb) return -1;
    ex->branches = nb;
    ex->cap_branches = cap;
    return 0;
}

static branch *branch_install(execution *ex, int64_t id)
{
    while (ex->n_branches < (size_t)id) {
        if (branch_slot_alloc(ex) != 0) return NULL;
        ex->branches[ex->n_branches++] = NULL;
    }
    branch *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->ex = ex;
    b->id = id;
    ex->branches[id - 1] = b;
    return b;
}

static void branch_fill(branch *b, int64_t parent, int64_t slot, const char *scope,
                        const char *state, branch_phase phase, json_t *input, json_t *data)
{
    execution *ex = b->ex;
    b->parent = parent;
    b->slot = slot;
    b->scope = strdup(scope);
    b->machine = definition_at(ex->definition, scope);
    b->state = strdup(state);
    b->phase = phase;
    b->input = input ? json_incref(input) : json_null();
    b->data = data ? json_incref(data) : json_object();
}

branch *branch_new(engine *e, execution *ex, int64_t parent, int64_t slot, const char *scope,
                   const char *state, branch_phase phase, json_t *input)
{
    branch *b = branch_install(ex, (int64_t)ex->n_branches + 1);
    if (!b) return NULL;
    branch_fill(b, parent, slot, scope, state, phase, input, NULL);
    branch_touch(e, b);
    return b;
}

branch *branch_restore(execution *ex, int64_t id, int64_t parent, int64_t slot, const char *scope,
                       const char *state, branch_phase phase, json_t *input, json_t *data)
{
    if (id < 1 || branch_get(ex, id)) return NULL;
    branch *b = branch_install(ex, id);
    if (b) branch_fill(b, parent, slot, scope, state, phase, input, data);
    return b;
}

static void branch_free(branch *b)
{
    if (!b) return;
    free(b->scope);
    free(b->state);
    json_decref(b->input);
    json_decref(b->data);
    free(b);
}

void branch_delete(engine *e, branch *b)
{
    execution *ex = b->ex;
    engine_set_timer(e, b, 0);
    engine_cancel_task(e, b);
    if (ex->n_deleted == ex->cap_deleted) {
        size_t cap = ex->cap_deleted ? ex->cap_deleted * 2 : 16;
        int64_t *nd = realloc(ex->deleted, cap * sizeof *nd);
        if (!nd) return; /* the row stays; harmless: it is never loaded as live */
        ex->deleted = nd;
        ex->cap_deleted = cap;
    }
    ex->deleted[ex->n_deleted++] = b->id;
    ex->branches[b->id - 1] = NULL;
    execution_touch(e, ex);
    branch_free(b);
}

void execution_free(execution *ex)
{
    if (!ex) return;
    for (size_t i = 0; i < ex->n_branches; i++) branch_free(ex->branches[i]);
    free(ex->branches);
    free(ex->deleted);
    free(ex->name);
    free(ex->workflow);
    free(ex->error);
    free(ex->cause);
    json_decref(ex->input);
    json_decref(ex->output);
    json_decref(ex->new_events);
    free(ex);
}

/* ---- the context object ($$) -------------------------------------------------- */

json_t *exec_context(execution *ex, const char *state, int64_t entered_ms, int retry_count,
                     const char *token)
{
    char started[40], entered[40], exec_arn[512], sm_arn[384];
    format_iso8601(ex->started, started, sizeof started);
    format_iso8601(entered_ms ? entered_ms : wall_clock_ms(), entered, sizeof entered);
    snprintf(sm_arn, sizeof sm_arn, "arn:yogi:states:local:000000000000:stateMachine:%s",
             ex->workflow);
    snprintf(exec_arn, sizeof exec_arn, "arn:yogi:states:local:000000000000:execution:%s:%s",
             ex->workflow, ex->name);
    json_t *ctx = json_pack(
        "{s:{s:s, s:O, s:s, s:s, s:s, s:i}, s:{s:s, s:s}, s:{s:s, s:s}}",
        "Execution", "Id", exec_arn, "Input", ex->input, "Name", ex->name, "RoleArn",
        "arn:yogi:iam::000000000000:role/yogi", "StartTime", started, "RedriveCount",
        ex->redrive_count, "State", "EnteredTime", entered, "Name", state ? state : "",
        "StateMachine", "Id", sm_arn, "Name", ex->workflow);
    /* Step Functions shows State.RetryCount only in states that can retry. */
    if (retry_count >= 0)
        json_object_set_new(json_object_get(ctx, "State"), "RetryCount", json_integer(retry_count));
    if (token) json_object_set_new(ctx, "Task", json_pack("{s:s}", "Token", token));
    return ctx;
}

/* ---- the end ----------------------------------------------------------------------- */

static void cancel_everything(engine *e, execution *ex)
{
    for (size_t i = 0; i < ex->n_branches; i++) {
        branch *b = ex->branches[i];
        if (!b) continue;
        engine_set_timer(e, b, 0);
        engine_cancel_task(e, b);
    }
    engine_set_execution_timer(e, ex, 0);
}

void execution_end(engine *e, execution *ex, const char *status, json_t *output,
                   const char *error, const char *cause)
{
    if (strcmp(ex->status, "RUNNING") != 0) return;
    cancel_everything(e, ex);
    snprintf(ex->status, sizeof ex->status, "%s", status);
    ex->stopped = wall_clock_ms();
    json_decref(ex->output);
    ex->output = output ? json_incref(output) : NULL;
    free(ex->error);
    free(ex->cause);
    ex->error = error ? strdup(error) : NULL;
    ex->cause = cause ? strdup(cause) : NULL;
    ex->status_changed = true;
    execution_touch(e, ex);
    const char *type = strcmp(status, "SUCCEEDED") == 0 ? "ExecutionSucceeded"
                     : strcmp(status, "TIMED_OUT") == 0 ? "ExecutionTimedOut"
                     : strcmp(status, "ABORTED") == 0   ? "ExecutionAborted"
                                                        : "ExecutionFailed";
    json_t *details = strcmp(status, "SUCCEEDED") == 0
        ? json_pack("{s:O?}", "output", output)
        : json_pack("{s:s?, s:s?}", "error", error, "cause", cause);
    engine_emit(e, ex, type, NULL, details);
    if (strcmp(status, "SUCCEEDED") == 0) {
        for (size_t i = 0; i < ex->n_branches; i++)
            if (ex->branches[i]) branch_delete(e, ex->branches[i]);
    }
}

static branch *root_of(execution *ex)
{
    return branch_get(ex, 1);
}

void exec_stop(engine *e, execution *ex, const char *error, const char *cause)
{
    branch *root = root_of(ex);
    if (root) {
        exec_abort_children(e, root);
        if (root->phase != PH_DONE && root->phase != PH_FAILED) {
            root->phase = PH_ABORTED;
            branch_touch(e, root);
        }
    }
    execution_end(e, ex, "ABORTED", NULL, error, cause);
}

void exec_execution_timed_out(engine *e, execution *ex)
{
    branch *root = root_of(ex);
    if (root) {
        exec_abort_children(e, root);
        root->phase = PH_ABORTED;
        branch_touch(e, root);
    }
    execution_end(e, ex, "TIMED_OUT", NULL, "States.Timeout",
                  "The execution ran longer than the workflow's TimeoutSeconds");
}

int exec_redrive(engine *e, execution *ex, yogi_error *err)
{
    branch *root = root_of(ex);
    if (!root || root->phase == PH_DONE)
        return host_fail(err, "ExecutionNotRedrivable", "nothing to redrive");
    for (size_t i = 1; i < ex->n_branches; i++)
        if (ex->branches[i]) branch_delete(e, ex->branches[i]);
    snprintf(ex->status, sizeof ex->status, "RUNNING");
    ex->stopped = 0;
    free(ex->error);
    free(ex->cause);
    ex->error = ex->cause = NULL;
    ex->redrive_count++;
    ex->status_changed = true;
    execution_touch(e, ex);
    engine_emit(e, ex, "ExecutionRedriven",
                NULL, json_pack("{s:i}", "redriveCount", ex->redrive_count));
    root->phase = PH_ENTER;
    json_t *data = vars_fresh_data(root); /* the variables as the failed state saw them */
    json_decref(root->data);
    root->data = data;
    branch_touch(e, root);
    engine_runq_push(e, root);
    return 0;
}
