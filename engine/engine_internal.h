/*
 * engine_internal.h — what the engine's own files (engine.c, batch.c,
 * exec*.c, execution.c, engine_*.c, activities.c, resources.c) share. Not
 * part of the public API.
 *
 * The interpreter (exec*.c) never performs an effect itself: it changes the
 * in-memory model, appends events and asks the engine for effects through
 * the functions below (dispatch a task, cancel one, arm a timer). batch.c
 * queues those effects; engine.c performs them only after the batch that
 * caused them has committed.
 */
#ifndef YOGI_ENGINE_INTERNAL_H
#define YOGI_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "activities.h"
#include "clock.h"
#include "engine.h"
#include "exec.h"
#include "hmap.h"
#include "store.h"
#include "workers.h"

/* A pending timer: fires exec_timer_fired for (execution, branch) unless
 * superseded (the branch's timer_gen moved on). branch 0 = the execution's
 * own deadline (workflow TimeoutSeconds). */
typedef struct timer_entry {
    int64_t at_ms;
    uint64_t gen;
    char exec_id[64];
    int64_t branch_id;
} timer_entry;

/* A (execution, branch) reference that stays safe when either goes away. */
typedef struct branch_ref {
    char exec_id[64];
    int64_t branch_id;
} branch_ref;

typedef struct host_op {
    char *name;
    engine_host_op_fn fn;
    void *ud;
} host_op;

typedef struct listener {
    engine_listener_fn fn;
    void *ud;
} listener;

/* A task waiting in an activity's queue (activities.c). The token tells a
 * stale entry (the attempt timed out, the execution stopped) from a live one. */
typedef struct activity_entry {
    char name[ACTIVITY_NAME_MAX];
    branch_ref ref;
    char token[160];
} activity_entry;

#define EXPIRED_TOKENS 256 /* timed-out activity tokens remembered for TaskTimedOut */

typedef struct task_metric {
    char *plugin;
    uint64_t count, failed;
    double sum_ms;
    uint64_t buckets[12]; /* <= 5,10,25,50,100,250,500,1000,2500,5000,10000,+Inf ms */
} task_metric;

struct engine {
    char *data_dir, *plugin_dir, *workflow_dir, *config_path;
    store *store;
    worker_pool *pool;
    int lock_fd;              /* flock on DATA_DIR/yogi.lock: one engine per directory */
    int epoll_fd;             /* engine_fd(): contains the pool's fd */
    json_t *resource_map;     /* Resource string → "plugin:NAME" | {plugin, config} */
    json_t *definitions;      /* "name@version" → definition (cache) */
    hmap executions;          /* id → execution*, RUNNING ones only */
    hmap tasks;               /* task id (as key string) → branch_ref* */
    uint64_t next_task_id;

    timer_entry *timers;      /* binary min-heap on at_ms */
    size_t n_timers, cap_timers;

    branch_ref *runq;         /* branches in PH_ENTER to step, FIFO ring */
    size_t runq_head, runq_len, runq_cap;

    execution **touched;      /* executions changed in this batch */
    size_t n_touched, cap_touched;
    branch_ref *dispatch;     /* tasks to submit after commit */
    size_t n_dispatch, cap_dispatch;
    uint64_t *cancels;        /* worker tasks to cancel after commit */
    size_t n_cancels, cap_cancels;
    json_t *notices;          /* listener events to deliver after commit */

    listener *listeners;
    size_t n_listeners;
    host_op *host_ops;
    size_t n_host_ops;

    task_metric *task_metrics;
    size_t n_task_metrics;
    uint64_t transitions;     /* events appended, for /metrics */
    bool ready;

    activity_entry *activity_queue; /* remote tasks waiting for a worker, oldest first */
    size_t n_activity, cap_activity;
    char (*expired)[160];     /* ring of EXPIRED_TOKENS timed-out activity tokens */
    size_t expired_next;
    engine_activity_fn activity_ready; /* told when a queue gains a task */
    void *activity_ud;
};

/* ISO 8601 UTC with milliseconds, as Step Functions prints timestamps. */
void format_iso8601(int64_t ms, char *buf, size_t len);

/* ---- services the interpreter uses (batch.c) --------------------------- */

/* Append a history event (details stolen; may be NULL). */
void engine_emit(engine *e, execution *ex, const char *type, const char *state, json_t *details);
/* Mark a branch (and its execution) for writing in this batch. */
void branch_touch(engine *e, branch *b);
void execution_touch(engine *e, execution *ex);
void engine_runq_push(engine *e, branch *b);
/* Arm (at_ms > 0) or disarm (0) the branch's timer. */
void engine_set_timer(engine *e, branch *b, int64_t at_ms);
void engine_set_execution_timer(engine *e, execution *ex, int64_t at_ms);
/* After commit: submit the branch's task to the worker pool. */
void engine_dispatch_later(engine *e, branch *b);
/* After commit: cancel the branch's running worker task, if any. */
void engine_cancel_task(engine *e, branch *b);

/* ---- the batch as the loop drives it (batch.c) ------------------------- */

void branch_ref_of(branch *b, branch_ref *r);
/* The branch a reference names, or NULL once its execution is gone. */
branch *branch_ref_resolve(engine *e, const branch_ref *r);
bool batch_runq_pop(engine *e, branch **b);
bool batch_runq_empty(engine *e);
bool batch_pop_due_timer(engine *e, int64_t now, timer_entry *out);
int64_t batch_next_timer_ms(engine *e);

execution *execution_alloc(const char *id, const char *name, const char *workflow,
                           int version, json_t *definition);
branch *branch_new(engine *e, execution *ex, int64_t parent, int64_t slot, const char *scope,
                   const char *state, branch_phase phase, json_t *input);
void branch_delete(engine *e, branch *b);
/* Put back a branch read from the journal at its own id (ids may have holes
 * where branches were deleted); clean, not dirty. NULL if the id is taken. */
branch *branch_restore(execution *ex, int64_t id, int64_t parent, int64_t slot, const char *scope,
                       const char *state, branch_phase phase, json_t *input, json_t *data);
branch *branch_get(execution *ex, int64_t id);
/* Resolve scope (a JSON Pointer) to the machine object in the definition. */
json_t *definition_at(json_t *definition, const char *pointer);

/* Resource string → plugin name and config (new ref or NULL). False if unknown. */
bool resource_resolve(engine *e, const char *resource, char *plugin, size_t plugin_len,
                      json_t **config);
int resource_map_load(engine *e, const char *path, yogi_error *err) HOST_MUST_CHECK;
/* Is the Resource (or its resource-map entry) an activity? Writes its name. */
bool resource_activity(engine *e, const char *resource, char name[ACTIVITY_NAME_MAX]);

/* Activities (activities.c). After commit: queue the branch's task for a
 * remote worker. A timed-out attempt's token is remembered as expired. */
void activity_enqueue(engine *e, branch *b);
void activity_expire(engine *e, const char *token);
bool activity_token_expired(engine *e, const char *token);
void activities_free(engine *e);

void engine_flush(engine *e);
/* The cached definition of name@version (borrowed; lives as long as the engine). */
json_t *definition_for(engine *e, const char *name, int version);
int engine_load_running(engine *e, yogi_error *err) HOST_MUST_CHECK;
/* engine_workflows.c: register the workflow directory's files at open. */
int engine_register_workflow_dir(engine *e, yogi_error *err) HOST_MUST_CHECK;
/* Bring an execution row (journal_get_execution) into memory with its branches. */
execution *engine_load_execution(engine *e, json_t *row, yogi_error *err);
void execution_free(execution *ex);

/* Metrics (engine_metrics.c). */
void metrics_task_started(engine *e, branch *b, const char *plugin);
void metrics_task_done(engine *e, branch *b, bool ok);
void metrics_free(engine *e);

/* ---- the interpreter (exec.c) ------------------------------------------ */

void exec_step(engine *e, branch *b);                /* PH_ENTER: enter the state */
void exec_task_result(engine *e, branch *b, bool ok, json_t *output, const yogi_error *err);
void exec_timer_fired(engine *e, branch *b);
void exec_execution_timed_out(engine *e, execution *ex);
int exec_callback(engine *e, branch *b, const char *kind, json_t *output, const char *error,
                  const char *cause, yogi_error *err);
void exec_stop(engine *e, execution *ex, const char *error, const char *cause);
int exec_redrive(engine *e, execution *ex, yogi_error *err) HOST_MUST_CHECK;
/* Build the context object ($$) for a state of branch b. */
json_t *exec_context(execution *ex, const char *state, int64_t entered_ms, int retry_count,
                     const char *token);

/* Parallel and Map (exec_branches.c). */
void exec_parallel_start(engine *e, branch *b, json_t *st, json_t *effective);
void exec_map_start(engine *e, branch *b, json_t *st, json_t *effective);
void exec_child_ended(engine *e, branch *child);
void exec_abort_children(engine *e, branch *parent);

/* Workflow variables (exec_vars.c). */
#define VARS_MAX_NAME 80
#define VARS_MAX_VALUE (256 * 1024)
#define VARS_MAX_ASSIGN (256 * 1024)
#define VARS_MAX_TOTAL (10 * 1024 * 1024)
json_t *vars_visible(branch *b);       /* own over ancestors': a new object */
json_t *vars_fresh_data(branch *b);    /* a new data object carrying data.vars */
size_t vars_json_size(const json_t *v); /* bytes of compact JSON */
/* Limits on the values an Assign produced (name → value), with the
 * variables already visible. */
int vars_check_assigned(branch *b, json_t *assigned, yogi_error *err);
void vars_commit(branch *b, json_t *assigned); /* into b's own scope */

/* JSONata mode (exec_jsonata.c). */
bool state_is_jsonata(branch *b, json_t *st);
bool jsonata_is_template(const json_t *v);     /* "{% ... %}" */
const char *jsonata_type_name(const json_t *v); /* "object", "number"... as AWS names them */
/* {"states": {input, context, result?, errorOutput?}, <visible variables>} */
json_t *jsonata_bindings(branch *b, json_t *result, json_t *error_output);
/* A value whose "{% %}" strings, at any depth, are evaluated; `field` names
 * it in errors ("Output", "Arguments/x"). */
int jsonata_template(json_t *tmpl, const char *field, json_t *bindings, json_t **out,
                     yogi_error *err);
int jsonata_integer_field(branch *b, json_t *st, const char *field, int64_t dflt, int64_t *out,
                          yogi_error *err);
int jsonata_arguments(branch *b, json_t *st, json_t **out, yogi_error *err);
void jsonata_enter(engine *e, branch *b, json_t *st, const char *type); /* all but Task */
/* Output and Assign of `holder` (the state, a Choice rule or a catcher),
 * then `next` (or the state's own Next / End). */
void jsonata_leave(engine *e, branch *b, json_t *st, json_t *holder, json_t *result,
                   json_t *error_output, const char *next);
/* The state failed on err (an EvaluationFailed event for an expression's
 * error); `final`: no Retry or Catch (a catcher's own Output failed). */
void jsonata_failed(engine *e, branch *b, json_t *st, const yogi_error *err, bool final);
int jsonata_map_items(branch *b, json_t *st, json_t *effective, json_t **items, yogi_error *err);
json_t *jsonata_item_input(branch *b, json_t *st, size_t index, json_t *item, yogi_error *err);

/* Shared by exec.c, exec_branches.c and exec_jsonata.c. */
/* Leave the state with `output` and `assigned` (both stolen; assigned may be
 * NULL): exit event, the new variables, then `next` or the branch's end. */
void state_move_on(engine *e, branch *b, json_t *st, json_t *output, json_t *assigned,
                   const char *next);
/* The context object ($$) of b's current state, with the variables visible
 * to it under ASL_CTX_VARIABLES. */
json_t *exec_branch_context(branch *b);
json_t *state_of(branch *b);
void state_succeeded(engine *e, branch *b, json_t *st, json_t *result);
void state_failed(engine *e, branch *b, json_t *st, const char *error, const char *cause);
/* The same, emitting failed_event ("MapStateFailed") unless a retrier takes it. */
void state_failed_event(engine *e, branch *b, json_t *st, const char *error, const char *cause,
                        const char *failed_event);
void branch_ended(engine *e, branch *b, json_t *output);
void branch_failed(engine *e, branch *b, const char *error, const char *cause);
void execution_end(engine *e, execution *ex, const char *status, json_t *output,
                   const char *error, const char *cause);

#endif
