/*
 * engine.c — the engine object and its loop: it drives the batch (whose
 * queues, touched set and timer heap batch.c owns) through group commit and
 * effects.
 *
 * One call of engine_run_once() is one batch:
 *
 *   1. collect what happened: worker results (workers_process), due timers;
 *   2. run the interpreter on every branch that is ready (the run queue),
 *      until each blocks on a task, a timer, a callback or children, or ends;
 *   3. commit: one transaction writes every touched execution's row, new
 *      events and dirty branches (journal_write) — group commit, so many
 *      concurrent executions share one fsync;
 *   4. only then perform the batch's effects: submit tasks to workers,
 *      cancel tasks, deliver notices to listeners, forget ended executions.
 *
 * If the commit fails the in-memory model has run ahead of the database,
 * and there is no honest way to continue: the engine logs the error and
 * exits (crash-only). The next start resumes from the last commit, which is
 * exactly what a kill -9 at that moment would have left.
 *
 * Restart: engine_open() loads every RUNNING execution with its branches
 * (engine_load.c).
 * ENTER branches go on the run queue; TASK branches and CALLBACK branches
 * whose plugin had not answered are dispatched again (tasks are
 * at-least-once); timers are re-armed at their stored absolute deadlines,
 * so each fires once; waiting callbacks keep waiting.
 *
 * A batch is bounded (MAX_STEPS_PER_BATCH) so that a workflow looping
 * through Pass states cannot starve the rest of the service.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_internal.h"
#include "host_error.h"
#include "journal.h"

#define MAX_STEPS_PER_BATCH 20000


/* ---- timers -------------------------------------------------------------------------- */

static void fire_due_timers(engine *e)
{
    int64_t now = wall_clock_ms();
    timer_entry t;
    while (batch_pop_due_timer(e, now, &t)) {
        execution *ex = hmap_get(&e->executions, t.exec_id);
        if (!ex || strcmp(ex->status, "RUNNING") != 0) continue;
        if (t.branch_id == 0) {
            if (t.gen == ex->timer_gen) exec_execution_timed_out(e, ex);
            continue;
        }
        branch *b = branch_get(ex, t.branch_id);
        if (b && b->timer_gen == t.gen && b->timer_ms) exec_timer_fired(e, b);
    }
}

/* ---- worker results ------------------------------------------------------------------ */

static void on_task_done(void *ud, uint64_t task_id, bool ok, json_t *output,
                         const yogi_error *err)
{
    engine *e = ud;
    char key[32];
    snprintf(key, sizeof key, "%llu", (unsigned long long)task_id);
    branch_ref *ref = hmap_del(&e->tasks, key);
    if (!ref) return; /* cancelled or superseded: its result no longer matters */
    branch *b = branch_ref_resolve(e, ref);
    free(ref);
    if (!b || b->task_id != task_id) return;
    if (b->phase != PH_CALLBACK) b->task_id = 0;
    metrics_task_done(e, b, ok);
    exec_task_result(e, b, ok, output, err);
}

static void on_task_heartbeat(void *ud, uint64_t task_id)
{
    engine *e = ud;
    char key[32];
    snprintf(key, sizeof key, "%llu", (unsigned long long)task_id);
    branch_ref *ref = hmap_get(&e->tasks, key);
    branch *b = ref ? branch_ref_resolve(e, ref) : NULL;
    if (b) exec_callback(e, b, "heartbeat", NULL, NULL, NULL, NULL);
}

/* The plugin's coming failure must not be retried before now + delay_ms
 * (Retry-After): remembered with the branch for try_retry(). */
static void on_task_retry_after(void *ud, uint64_t task_id, int64_t delay_ms)
{
    engine *e = ud;
    char key[32];
    snprintf(key, sizeof key, "%llu", (unsigned long long)task_id);
    branch_ref *ref = hmap_get(&e->tasks, key);
    branch *b = ref ? branch_ref_resolve(e, ref) : NULL;
    if (!b) return;
    json_object_set_new(b->data, "retry_not_before", json_integer(wall_clock_ms() + delay_ms));
    branch_touch(e, b);
}

static int on_host_call(void *ud, const char *op, json_t *args, json_t **result,
                        yogi_error *err)
{
    engine *e = ud;
    for (size_t i = 0; i < e->n_host_ops; i++)
        if (strcmp(e->host_ops[i].name, op) == 0)
            return e->host_ops[i].fn(e->host_ops[i].ud, args, result, err);
    return host_fail(err, "Host.UnknownOperation", "the engine offers no operation '%s'", op);
}

/* ---- the batch ------------------------------------------------------------------------- */

static void drain_runq(engine *e)
{
    branch *b;
    for (int steps = 0; steps < MAX_STEPS_PER_BATCH && batch_runq_pop(e, &b); steps++) {
        if (!b) continue;
        if (b->phase == PH_ENTER && strcmp(b->ex->status, "RUNNING") == 0) exec_step(e, b);
    }
}

static void submit_task(engine *e, branch *b)
{
    json_t *st = state_of(b);
    const char *resource = json_string_value(json_object_get(st, "Resource"));
    char plugin[256];
    json_t *config = NULL;
    yogi_error err = {{0}, {0}};
    if (json_object_get(b->data, "activity")) {
        activity_enqueue(e, b); /* a remote worker takes it (activities.c) */
        return;
    }
    if (!resource_resolve(e, resource, plugin, sizeof plugin, &config)) {
        host_fail(&err, "Plugin.NotFound", "no plugin serves the resource '%s'",
                  resource ? resource : "");
        exec_task_result(e, b, false, NULL, &err);
        return;
    }
    uint64_t id = ++e->next_task_id;
    workers_task task = {
        .task_id = id, .plugin = plugin, .input = json_object_get(b->data, "effective"),
        .resource_config = config, .resource = resource, .execution_id = b->ex->id,
        .execution_name = b->ex->name, .state_name = b->state,
        .task_token = json_string_value(json_object_get(b->data, "token")),
        .attempt = (int)json_integer_value(json_object_get(b->data, "attempt")),
        .deadline_ms = json_integer_value(json_object_get(b->data, "timeout_at")),
    };
    if (workers_submit(e->pool, &task, &err) != 0) {
        json_decref(config);
        exec_task_result(e, b, false, NULL, &err);
        return;
    }
    json_decref(config);
    branch_ref *ref = malloc(sizeof *ref);
    if (!ref) abort();
    branch_ref_of(b, ref);
    char key[32];
    snprintf(key, sizeof key, "%llu", (unsigned long long)id);
    hmap_put(&e->tasks, key, ref);
    b->task_id = id;
    metrics_task_started(e, b, plugin);
}

static void commit_batch(engine *e)
{
    if (e->n_touched == 0) return;
    yogi_error err = {{0}, {0}};
    int rc = store_begin(e->store, &err);
    for (size_t i = 0; rc == 0 && i < e->n_touched; i++)
        rc = journal_write(e->store, e->touched[i]);
    if (rc == 0) rc = store_commit(e->store, &err);
    else store_rollback(e->store);
    if (rc != 0) {
        fprintf(stderr, "yogi: cannot commit a batch of transitions (%s: %s); stopping so that "
                        "a restart resumes from the last commit\n", err.name, err.cause);
        exit(70);
    }
}

static void notice_status(engine *e, execution *ex)
{
    branch *root = branch_get(ex, 1);
    json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "type", "execution", "id", ex->id,
                          "name", ex->name, "workflow", ex->workflow, "status", ex->status);
    if (root && root->state) json_object_set_new(n, "state", json_string(root->state));
    json_array_append_new(e->notices, n);
}

/* After the commit: clear dirty marks, forget ended executions. */
static void settle_touched(engine *e)
{
    for (size_t i = 0; i < e->n_touched; i++) {
        execution *ex = e->touched[i];
        ex->dirty = ex->is_new = false;
        json_array_clear(ex->new_events);
        ex->n_deleted = 0;
        for (size_t k = 0; k < ex->n_branches; k++)
            if (ex->branches[k]) ex->branches[k]->dirty = false;
        if (ex->status_changed) {
            ex->status_changed = false;
            notice_status(e, ex);
        }
    }
}

static void perform_effects(engine *e)
{
    for (size_t i = 0; i < e->n_cancels; i++) workers_cancel(e->pool, e->cancels[i]);
    e->n_cancels = 0;
    for (size_t i = 0; i < e->n_touched; i++) {
        execution *ex = e->touched[i];
        if (strcmp(ex->status, "RUNNING") == 0) continue;
        hmap_del(&e->executions, ex->id);
        execution_free(ex);
    }
    e->n_touched = 0;
    /* A submit that fails at once fails its task here: that touches the
     * execution again, and engine_flush() commits it in another round. */
    size_t n = e->n_dispatch;
    e->n_dispatch = 0;
    for (size_t i = 0; i < n; i++) {
        branch *b = branch_ref_resolve(e, &e->dispatch[i]);
        if (b && (b->phase == PH_TASK || b->phase == PH_CALLBACK) && !b->task_id &&
            !json_is_true(json_object_get(b->data, "submitted")))
            submit_task(e, b);
    }
    json_t *notices = e->notices;
    e->notices = json_array();
    size_t k;
    json_t *ev;
    json_array_foreach(notices, k, ev)
        for (size_t l = 0; l < e->n_listeners; l++) e->listeners[l].fn(e->listeners[l].ud, ev);
    json_decref(notices);
}

/* Run the queue, commit, perform effects; again while effects touched
 * executions. Work beyond one batch's bound stays queued for the next call
 * (engine_timeout_ms() is then 0). */
void engine_flush(engine *e)
{
    do {
        drain_runq(e);
        commit_batch(e);
        settle_touched(e);
        perform_effects(e);
    } while (e->n_touched > 0);
}

void engine_run_once(engine *e)
{
    workers_process(e->pool);
    fire_due_timers(e);
    engine_flush(e);
}

int engine_fd(engine *e)
{
    return e->epoll_fd;
}

int engine_timeout_ms(engine *e)
{
    if (!batch_runq_empty(e)) return 0;
    int64_t t = -1, next = batch_next_timer_ms(e);
    if (next >= 0) {
        int64_t d = next - wall_clock_ms();
        t = d < 0 ? 0 : d;
    }
    int w = workers_timeout_ms(e->pool);
    if (w >= 0 && (t < 0 || w < t)) t = w;
    if (t > INT_MAX) t = INT_MAX;
    return (int)t;
}

bool engine_ready(engine *e)
{
    return e->ready;
}

/* ---- open and close ------------------------------------------------------------------------- */

static int make_dirs(const char *path, yogi_error *err)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST) break;
        *p = '/';
    }
    if (mkdir(buf, 0750) != 0 && errno != EEXIST)
        return host_fail(err, "Engine.DataDir", "cannot create %s: %s", path, strerror(errno));
    return 0;
}

static int lock_data_dir(engine *e, yogi_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/yogi.lock", e->data_dir);
    e->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (e->lock_fd < 0)
        return host_fail(err, "Engine.DataDir", "cannot open %s: %s", path, strerror(errno));
    if (flock(e->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return host_fail(err, "Engine.Busy",
                         "another yogi process is using %s (one engine per data directory)",
                         e->data_dir);
    return 0;
}

static int open_pool(engine *e, const engine_options *o, yogi_error *err)
{
    workers_config wc = {
        .plugin_dir = e->plugin_dir, .data_dir = e->data_dir, .config_path = e->config_path,
        .max_workers = o->workers > 0 ? o->workers : 2,
        .memory_limit_mb = o->worker_memory_mb > 0 ? o->worker_memory_mb : 2048,
        .max_tasks_per_worker = 0, .on_done = on_task_done, .on_heartbeat = on_task_heartbeat,
        .on_retry_after = on_task_retry_after, .on_host_call = on_host_call, .ud = e,
    };
    e->pool = workers_create(&wc, err);
    if (!e->pool) return -1;
    e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    if (e->epoll_fd < 0 || epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, workers_fd(e->pool), &ev) != 0)
        return host_fail(err, "Engine.Internal", "epoll: %s", strerror(errno));
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

engine *engine_open(const engine_options *o, yogi_error *err)
{
    engine *e = calloc(1, sizeof *e);
    if (!e) {
        host_fail(err, "Engine.Internal", "out of memory");
        return NULL;
    }
    e->lock_fd = e->epoll_fd = -1;
    e->data_dir = dup_or_null(o->data_dir);
    e->plugin_dir = dup_or_null(o->plugin_dir);
    e->workflow_dir = dup_or_null(o->workflow_dir);
    e->config_path = dup_or_null(o->config_path);
    e->definitions = json_object();
    e->notices = json_array();
    if (!e->data_dir || make_dirs(e->data_dir, err) != 0 || lock_data_dir(e, err) != 0)
        goto fail;
    /* Workers are forked from here on: the database is opened after the pool. */
    if (open_pool(e, o, err) != 0) goto fail;
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/yogi.db", e->data_dir);
    store_options so = {.path = db, .synchronous_normal = o->synchronous_normal,
                        .ephemeral = o->ephemeral};
    if (!(e->store = store_open(&so, err)) || journal_init(e->store, err) != 0) goto fail;
    if (o->resource_map && resource_map_load(e, o->resource_map, err) != 0) goto fail;
    if (e->workflow_dir && engine_register_workflow_dir(e, err) != 0) goto fail;
    if (engine_load_running(e, err) != 0) goto fail;
    engine_flush(e);
    e->ready = true;
    return e;
fail:
    engine_close(e);
    return NULL;
}

void engine_close(engine *e)
{
    if (!e) return;
    if (e->pool) workers_destroy(e->pool);
    size_t pos = 0;
    const char *key;
    void *val;
    while (hmap_next(&e->executions, &pos, &key, &val)) execution_free(val);
    hmap_free(&e->executions);
    pos = 0;
    while (hmap_next(&e->tasks, &pos, &key, &val)) free(val);
    hmap_free(&e->tasks);
    store_close(e->store);
    if (e->epoll_fd >= 0) close(e->epoll_fd);
    if (e->lock_fd >= 0) close(e->lock_fd);
    json_decref(e->resource_map);
    json_decref(e->definitions);
    json_decref(e->notices);
    for (size_t i = 0; i < e->n_host_ops; i++) free(e->host_ops[i].name);
    free(e->host_ops);
    free(e->listeners);
    metrics_free(e);
    activities_free(e);
    free(e->timers);
    free(e->runq);
    free(e->touched);
    free(e->dispatch);
    free(e->cancels);
    free(e->data_dir);
    free(e->plugin_dir);
    free(e->workflow_dir);
    free(e->config_path);
    free(e);
}

struct store *engine_store(engine *e)
{
    return e->store;
}

void engine_subscribe(engine *e, engine_listener_fn fn, void *ud)
{
    listener *n = realloc(e->listeners, (e->n_listeners + 1) * sizeof *n);
    if (!n) return;
    e->listeners = n;
    e->listeners[e->n_listeners++] = (listener){fn, ud};
}

void engine_publish(engine *e, json_t *event)
{
    if (event) json_array_append_new(e->notices, event);
}

int engine_register_host_op(engine *e, const char *op, engine_host_op_fn fn, void *ud,
                            yogi_error *err)
{
    host_op *n = realloc(e->host_ops, (e->n_host_ops + 1) * sizeof *n);
    if (!n) return host_fail(err, "Engine.Internal", "out of memory for host operation %s", op);
    e->host_ops = n;
    char *name = strdup(op);
    if (!name) return host_fail(err, "Engine.Internal", "out of memory for host operation %s", op);
    e->host_ops[e->n_host_ops++] = (host_op){name, fn, ud};
    return 0;
}
