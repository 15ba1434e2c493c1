/*
 * engine.h — the durable workflow engine, as the CLI and the HTTP API see it.
 *
 * One engine per process, single-threaded. It owns the database (through
 * store.c), the worker pool and the timers, and is driven by whoever owns the
 * event loop: `yogi run` polls engine_fd() itself; `yogi serve` registers it
 * with libevent in api/. Every call below returns promptly; work happens in
 * engine_run_once().
 *
 * Durability contract: a transition is committed (history events and the new
 * execution state, in one transaction) before any of its effects — a task
 * dispatched, a timer armed, a callback token published, an event delivered
 * to a subscriber. After a crash, engine_open() resumes every unfinished
 * execution from its last committed transition.
 *
 * Errors: the calls below that act return 0 or -1 and fill a yogi_error
 * whose name is a stable API error code (ExecutionDoesNotExist,
 * Engine.Storage: the database failed, nothing was changed...). Every name
 * and its kind are in engine/errors.def (errors.h).
 */
#ifndef YOGI_ENGINE_H
#define YOGI_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"
#include "host_error.h"
#include "yogi/plugin.h"

typedef struct engine engine;

typedef struct engine_options {
    const char *data_dir;         /* database and files; created if missing */
    const char *plugin_dir;       /* NAME.so files */
    const char *workflow_dir;     /* *.yaml registered at open (serve); may be NULL */
    const char *resource_map;     /* resource map JSON file; may be NULL */
    const char *config_path;      /* yogi config file for plugins; may be NULL */
    int workers;                  /* worker processes (default 2) */
    long worker_memory_mb;        /* per-worker RLIMIT_AS (default 2048) */
    bool synchronous_normal;      /* PRAGMA synchronous=NORMAL instead of FULL */
    bool ephemeral;               /* the data dir is deleted at exit (yogi run without
                                   * --data): no fsync at all */
} engine_options;

engine *engine_open(const engine_options *opts, yogi_error *err);
void engine_close(engine *e);

/* Event-loop integration: wait until engine_fd() is readable or
 * engine_timeout_ms() has passed (-1: no deadline; 0: work is pending), then
 * call engine_run_once(), which never blocks. */
int engine_fd(engine *e);
int engine_timeout_ms(engine *e);
void engine_run_once(engine *e);

/* ---- Workflows ------------------------------------------------------- */

/* Register a definition (YAML or JSON text) under `name`, after validation.
 * Identical text to the latest version is a no-op. Returns the version
 * number (>= 1), or -1 with err (InvalidDefinition; err->cause holds the
 * "line:column: message" lines). */
int engine_put_workflow(engine *e, const char *name, const char *text, size_t len,
                        yogi_error *err) HOST_MUST_CHECK;

/* [{"name","version","created"}...] — latest versions. New reference. */
json_t *engine_list_workflows(engine *e);

/* {"name","version","created","definition","source"}; version 0 = latest.
 * NULL when it does not exist. New reference. */
json_t *engine_get_workflow(engine *e, const char *name, int version);

/* ---- Executions ------------------------------------------------------ */

typedef struct engine_start_request {
    const char *workflow;   /* registered name; runs its latest version */
    json_t *input;          /* borrowed; NULL means {} */
    const char *name;       /* optional; idempotency key within the workflow */
} engine_start_request;

/* Start (or attach to, for the same name and input) an execution. Writes
 * its id to id_out (at least 64 bytes). Returns 0, or -1 with err. */
int engine_start(engine *e, const engine_start_request *req, char *id_out, yogi_error *err)
    HOST_MUST_CHECK;

/* {"id","name","workflow","version","status","input","output","error",
 *  "cause","started","stopped","redrive_count"}; NULL if unknown. */
json_t *engine_describe(engine *e, const char *execution_id);

/* Newest first. filter may hold "status", "workflow"; page through with
 * the returned "next" cursor. {"executions":[...],"next":cursor|null} */
json_t *engine_list_executions(engine *e, const char *status, const char *workflow,
                               int limit, const char *cursor);

/* {"events":[{"id","type","timestamp","state","details"}...],"next":...} */
json_t *engine_history(engine *e, const char *execution_id, int64_t after_id, int limit);

int engine_stop(engine *e, const char *execution_id, const char *error, const char *cause,
                yogi_error *err) HOST_MUST_CHECK;
int engine_redrive(engine *e, const char *execution_id, yogi_error *err) HOST_MUST_CHECK;

/* ---- Callback tasks (.waitForTaskToken) ------------------------------- */

int engine_task_success(engine *e, const char *token, json_t *output, yogi_error *err)
    HOST_MUST_CHECK;
int engine_task_failure(engine *e, const char *token, const char *error, const char *cause,
                        yogi_error *err) HOST_MUST_CHECK;
int engine_task_heartbeat(engine *e, const char *token, yogi_error *err) HOST_MUST_CHECK;

/* [{"token","execution_id","state","input","since"}...] waiting callbacks. */
json_t *engine_list_callbacks(engine *e, int limit);

/* ---- Observation ----------------------------------------------------- */

/* Called after each commit, once per execution status change:
 * {"type":"execution","id","name","workflow","status","state"} */
typedef void (*engine_listener_fn)(void *ud, json_t *event);
void engine_subscribe(engine *e, engine_listener_fn fn, void *ud);

/* Deliver `event` (stolen) to the listeners after the current batch has
 * committed — for modules whose changes happen inside the engine's loop
 * (a plugin's host call moving a document on): {"type":"document","id":...} */
void engine_publish(engine *e, json_t *event);

/* Counters for /metrics: {"executions":{"RUNNING":n,...},"transitions":n,
 * "tasks":{plugin:{"count","sum_ms","buckets":[...]}},"queue_depth":n,
 * "worker_restarts":n}. New reference. */
json_t *engine_metrics(engine *e);

/* True once every execution found at open has been resumed. */
bool engine_ready(engine *e);

/* Register a host operation that plugins reach through yogi_host.call
 * ("documents.update"); runs in the engine process, may use the store.
 * Returns 0 with *result a new reference, or -1 with err; the worker hands
 * the plugin YOGI_OK / YOGI_FAILED (engine/worker_child.c). */
typedef int (*engine_host_op_fn)(void *ud, json_t *args, json_t **result, yogi_error *err);
int engine_register_host_op(engine *e, const char *op, engine_host_op_fn fn, void *ud,
                            yogi_error *err) HOST_MUST_CHECK;

/* A consistent copy of the database at `dest` (a new file), taken through
 * the engine's own connection, so it is safe while executions run. The
 * stored document files live beside it in DATA_DIR/documents/. */
int engine_backup(engine *e, const char *dest, yogi_error *err) HOST_MUST_CHECK;

/* The store behind the engine, for modules with tables of their own
 * (documents, tokens). See store.h. */
struct store;
struct store *engine_store(engine *e);

#endif
