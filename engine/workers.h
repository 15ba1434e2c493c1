/*
 * workers.h — the pool of isolated worker processes that run plugins.
 *
 * The engine process owns the database; workers own nothing but the plugins
 * they have loaded. Each worker is a forked child (forked before the engine
 * opens anything it must not share; no SQLite handle ever crosses a fork)
 * that loads plugins on first use with dlopen and keeps them warm. The pool
 * talks to workers over socketpairs with length-prefixed JSON frames.
 *
 * The pool is driven by the engine's event loop: it exposes one pollable
 * file descriptor (an epoll set of its own) and a timeout; the engine calls
 * workers_process() when that fd is readable or the timeout expires. Results
 * arrive through the on_done callback, always from inside workers_process().
 *
 * Failure isolation: a worker that dies (signal, exit) while running a task
 * fails that task with States.TaskFailed and a cause naming the signal
 * ("worker for plugin ocr died: SIGSEGV (Segmentation fault)"); one that
 * died at its memory limit (RLIMIT_AS) says so ("... died: SIGABRT
 * (Aborted) after reaching its memory limit 2048 MB (peak 2047 MB)"); a
 * task cancelled by workers_cancel() (the engine's durable timeout fired)
 * gets its worker killed and no callback. Dead workers are replaced.
 *
 * Callbacks may call workers_submit() and workers_cancel() (the engine
 * schedules the next state from on_done), never workers_destroy(). Task ids
 * must be unique among the tasks in the pool.
 */
#ifndef YOGI_WORKERS_H
#define YOGI_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "host_error.h"
#include "yogi/plugin.h"

typedef struct worker_pool worker_pool;

/* A finished task. ok: output is the plugin's result (borrowed for the
 * duration of the callback). !ok: err->name/cause describe the failure. */
typedef void (*workers_done_fn)(void *ud, uint64_t task_id, bool ok, json_t *output,
                                const yogi_error *err);

/* A heartbeat from a running task (yogi_host.heartbeat). */
typedef void (*workers_heartbeat_fn)(void *ud, uint64_t task_id);

/* A plugin asked that its coming failure not be retried sooner than
 * delay_ms from now (yogi_host.retry_after). */
typedef void (*workers_retry_after_fn)(void *ud, uint64_t task_id, int64_t delay_ms);

/* A host call from a plugin (yogi_host.call); runs in the engine process.
 * Return 0 with *result a new reference, or -1 with err. */
typedef int (*workers_host_call_fn)(void *ud, const char *op, json_t *args, json_t **result,
                                    yogi_error *err);

typedef struct workers_config {
    const char *plugin_dir;      /* where NAME.so files live */
    const char *data_dir;        /* passed to plugins as yogi_host.data_dir */
    const char *config_path;     /* yogi config file for yogi_host.config, or NULL */
    int max_workers;             /* processes at most; >= 1 */
    long memory_limit_mb;        /* RLIMIT_AS per worker; 0 = none */
    int max_tasks_per_worker;    /* recycle after this many tasks; 0 = never */
    workers_done_fn on_done;
    workers_heartbeat_fn on_heartbeat;   /* may be NULL */
    workers_host_call_fn on_host_call;   /* may be NULL: calls fail */
    void *ud;
    workers_retry_after_fn on_retry_after; /* may be NULL */
    int task_hard_limit_s;       /* safety net: kill a task running longer; 0 = none.
                                  * (The engine's durable timers are the real
                                  * TimeoutSeconds; this only catches what they miss.) */
} workers_config;

/* One task to run. All strings are copied by workers_submit. */
typedef struct workers_task {
    uint64_t task_id;            /* the engine's id, echoed to on_done */
    const char *plugin;          /* NAME of NAME.so */
    json_t *input;               /* borrowed */
    const json_t *resource_config; /* borrowed, may be NULL */
    const char *resource;
    const char *execution_id;
    const char *execution_name;
    const char *state_name;
    const char *task_token;      /* may be NULL */
    int attempt;
    int64_t deadline_ms;         /* Unix ms, 0 = none (informational for the plugin) */
} workers_task;

worker_pool *workers_create(const workers_config *cfg, yogi_error *err);

/* Stop every worker (SIGTERM, then SIGKILL after a grace period) and free. */
void workers_destroy(worker_pool *pool);

/* Queue a task; it starts as soon as a worker is free. Never blocks. */
int workers_submit(worker_pool *pool, const workers_task *task, yogi_error *err) HOST_MUST_CHECK;

/* Forget a task: if running, its worker is killed and replaced; if queued,
 * it is dropped. No on_done callback follows. Unknown ids are ignored. */
void workers_cancel(worker_pool *pool, uint64_t task_id);

/* The pollable fd and the milliseconds until the pool needs
 * workers_process() again without I/O (-1: no deadline). */
int workers_fd(worker_pool *pool);
int workers_timeout_ms(worker_pool *pool);

/* Handle whatever is ready without blocking; calls the callbacks. */
void workers_process(worker_pool *pool);

/* Does NAME.so exist in the plugin directory and carry a valid entry?
 * (Checked in a short-lived child, so a broken plugin cannot crash the
 * engine.) On false, err says why: Plugin.NotFound, Plugin.NotAPlugin,
 * Plugin.LoadFailed (a shared object that will not load: a library it needs
 * is missing), Plugin.AbiMismatch. */
bool workers_plugin_probe(const char *plugin_dir, const char *name, yogi_error *err)
    HOST_MUST_CHECK;

/* Counters for /metrics. */
typedef struct workers_stats {
    uint64_t tasks_started, tasks_succeeded, tasks_failed;
    uint64_t worker_restarts; /* workers replaced after a crash, kill or limit */
    int busy, idle, queued;
} workers_stats;
void workers_get_stats(worker_pool *pool, workers_stats *out);

#endif
