/*
 * engine_load.c — rebuilding executions from the journal.
 *
 * At open, every RUNNING execution is loaded with its branches and put back
 * in motion from its last committed transition (see engine.c for what each
 * phase does on restart). engine_load_execution() is also how redrive
 * brings a finished execution back into memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "host_error.h"
#include "journal.h"

typedef struct load_ctx {
    engine *e;
    execution *ex;
    int errors;
} load_ctx;

/* Arm a stored timer without marking the branch dirty: it is already durable. */
static void rearm(engine *e, branch *b, int64_t at)
{
    engine_set_timer(e, b, at);
    b->dirty = false;
}

static int load_branch(void *ud, const journal_branch_row *row)
{
    load_ctx *c = ud;
    int phase = phase_from_name(row->phase);
    branch *b = branch_restore(c->ex, row->id, row->parent, row->slot, row->scope, row->state,
                               phase < 0 ? PH_FAILED : (branch_phase)phase, row->input,
                               row->data);
    /* The stored deadline: resume_branch re-arms it (without it a Task's
     * timeout or heartbeat timeout would never fire after a restart, and a
     * Wait would end at once). */
    if (b) b->timer_ms = row->timer_ms;
    if (!b || !b->machine) {
        fprintf(stderr, "yogi: execution %s: branch %lld cannot be restored (scope %s)\n",
                c->ex->id, (long long)row->id, row->scope);
        c->errors++;
    }
    return 0;
}

static void resume_branch(engine *e, branch *b, int64_t timer_ms)
{
    switch (b->phase) {
    case PH_ENTER:
        engine_runq_push(e, b);
        break;
    case PH_TASK:
        rearm(e, b, timer_ms);
        engine_dispatch_later(e, b);
        break;
    case PH_CALLBACK:
        rearm(e, b, timer_ms);
        if (!json_is_true(json_object_get(b->data, "submitted"))) engine_dispatch_later(e, b);
        break;
    case PH_RETRY:
    case PH_WAIT:
        rearm(e, b, timer_ms ? timer_ms : 1);
        break;
    default:
        break;
    }
}

execution *engine_load_execution(engine *e, json_t *row, yogi_error *err)
{
    const char *workflow = json_string_value(json_object_get(row, "workflow"));
    int version = (int)json_integer_value(json_object_get(row, "version"));
    /* The cached definition is shared by every execution of this version:
     * never replace it, branches point into it. */
    json_t *definition = definition_for(e, workflow, version);
    if (!definition) {
        host_fail(err, "Engine.Corrupt", "workflow %s@%d is missing", workflow, version);
        return NULL;
    }
    execution *ex = execution_alloc(json_string_value(json_object_get(row, "id")),
                                    json_string_value(json_object_get(row, "name")), workflow,
                                    version, definition);
    if (!ex) {
        host_fail(err, "Engine.Internal", "out of memory");
        return NULL;
    }
    snprintf(ex->status, sizeof ex->status, "%s", json_string_value(json_object_get(row, "status")));
    ex->input = json_incref(json_object_get(row, "input"));
    ex->started = json_integer_value(json_object_get(row, "started"));
    ex->deadline = json_integer_value(json_object_get(row, "deadline"));
    ex->redrive_count = (int)json_integer_value(json_object_get(row, "redrive_count"));
    ex->next_event = json_integer_value(json_object_get(row, "next_event"));
    load_ctx c = {e, ex, 0};
    journal_each_branch(e->store, ex->id, load_branch, &c);
    hmap_put(&e->executions, ex->id, ex);
    /* Never leave an execution that cannot move "RUNNING" forever: fail it,
     * visibly and by name (committed by the next batch). */
    if (c.errors > 0)
        execution_end(e, ex, "FAILED", NULL, "Engine.CannotResume",
                      "some of its branches could not be restored from the journal");
    return ex;
}

static int load_one(void *ud, json_t *row)
{
    engine *e = ud;
    yogi_error err = {{0}, {0}};
    execution *ex = engine_load_execution(e, row, &err);
    if (!ex) {
        fprintf(stderr, "yogi: cannot resume execution %s: %s\n",
                json_string_value(json_object_get(row, "id")), err.cause);
        return 0;
    }
    for (size_t i = 0; i < ex->n_branches; i++) {
        branch *b = ex->branches[i];
        if (b) resume_branch(e, b, b->timer_ms);
    }
    if (ex->deadline) engine_set_execution_timer(e, ex, ex->deadline);
    return 0;
}

int engine_load_running(engine *e, yogi_error *err)
{
    if (journal_each_running(e->store, load_one, e) != 0)
        return host_fail(err, "Engine.Storage", "cannot read the running executions");
    return 0;
}
