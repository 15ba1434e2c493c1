/*
 * workers.c — the engine side of the worker pool (see workers.h).
 *
 * Design. Every worker is a forked child (worker_child.c) joined to the
 * engine by a socketpair whose engine end is non-blocking and registered in
 * the pool's own epoll set; that set is the one fd the engine's event loop
 * polls. Tasks wait in a FIFO queue, already serialized as their frame, and
 * start on an idle worker that has their plugin loaded ("warm"), else on a
 * new worker while the pool is below max_workers, else on any idle worker.
 *
 * A worker's life: live (IDLE or BUSY) → GONE (socket closed, waiting to
 * be reaped) → freed. A worker becomes GONE when its socket reaches end of
 * file (it died), when it is retired (max_tasks_per_worker, a failed init:
 * closing the socket asks it to destroy its plugins and exit), or when it is
 * killed (cancel, hard limit, protocol error). GONE workers are reaped by
 * pid with WNOHANG — never waitpid(-1), never a SIGCHLD handler, so the
 * engine's other children are left alone — when their pidfd (in the same
 * epoll set from the moment they are GONE) says they have exited, or by
 * polling where pidfds are missing; and SIGKILLed if they linger.
 * A task still attached to a GONE worker fails when the worker is reaped,
 * with a cause built from its wait status ("died: SIGSEGV ...").
 *
 * Invariants:
 *   - on_done runs only from workers_process(): results are queued as
 *     completions and delivered at its end, so no callback ever runs while
 *     the pool is mid-update, and workers_submit/cancel are safe to call
 *     from a callback;
 *   - a worker struct is freed only by reap(), after the event loop pass,
 *     so pointers taken from epoll events stay valid for the whole pass;
 *   - a cancelled task is detached from its worker before the kill, so it
 *     can never complete.
 */
#include "host_error.h"
#include "workers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "frame.h"
#include "sandbox.h"
#include "worker_child.h"

#define MAX_WARM 16              /* plugins remembered per worker */
#define EXIT_GRACE_MS 5000       /* a retired worker's time to destroy its plugins */
#define DEAD_GRACE_MS 1000       /* a worker whose socket closed by itself */
#define REAP_POLL_MIN_MS 2       /* without a pidfd: how soon to look again for */
#define REAP_POLL_MAX_MS 100     /* an exited worker, backing off while it takes its time */
#define READS_PER_EVENT 64       /* bound one worker's share of a pass */
#define NEAR_LIMIT(peak, limit) ((peak) * 10 >= (limit) * 9)

typedef struct task {
    uint64_t id;
    char plugin[65];
    frame_buf frame;             /* the "task" message, ready to send */
    struct task *prev, *next;
} task;

typedef struct completion {
    uint64_t id;
    bool ok;
    json_t *output;              /* ok: the result */
    yogi_error err;              /* !ok: why */
    struct completion *next;
} completion;

typedef enum { W_IDLE, W_BUSY, W_GONE } worker_state;

typedef struct worker {
    pid_t pid;
    int fd;                      /* engine end of the socket; -1 once GONE */
    worker_state state;
    task *task;                  /* the running task (BUSY, or GONE after a crash) */
    char task_plugin[65];        /* its plugin, for causes */
    int64_t task_started_ms;
    frame_buf in, out;
    bool want_write;             /* EPOLLOUT registered */
    char warm[MAX_WARM][65];     /* plugins it has loaded */
    int nwarm;
    int net_class;               /* -1 before its first task, else 0/1: sandbox class */
    int tasks_run;
    int dying_signal;            /* from the crash handler's "dying" frame */
    long dying_peak_kb;
    long dying_limit_kb;         /* the limit it really had (0: none applied) */
    bool expected_exit;          /* retired: not counted as a restart */
    int pidfd;                   /* readable once it has exited; -1 if unsupported */
    int64_t lost_at_ms;          /* GONE: since when */
    int64_t kill_at_ms;          /* GONE: SIGKILL if still there by then */
    bool killed;                 /* SIGKILL sent: only its exit is awaited */
    struct worker *next;
} worker;

struct worker_pool {
    workers_config cfg;          /* strings point at the copies below */
    char *plugin_dir, *data_dir, *config_path;
    pid_t engine_pid;
    int epfd;
    worker *live;                /* IDLE and BUSY workers */
    int nlive;
    worker *gone;                /* waiting to be reaped */
    task *qhead, *qtail;
    int nqueued;
    completion *done_head, *done_tail;
    bool closing;                /* workers_destroy: no more completions */
    char spawn_error[256];       /* why the last fork failed */
    workers_stats stats;
};

/* ---- completions ----------------------------------------------------- */

static void complete(worker_pool *pool, uint64_t id, json_t *output, const yogi_error *err)
{
    if (pool->closing) {
        json_decref(output);
        return;
    }
    completion *c = calloc(1, sizeof *c);
    if (!c) { /* cannot even report it: the engine's timeout will */
        json_decref(output);
        return;
    }
    c->id = id;
    c->ok = err == NULL;
    c->output = output;
    if (err) c->err = *err;
    if (pool->done_tail) pool->done_tail->next = c;
    else pool->done_head = c;
    pool->done_tail = c;
    if (c->ok) pool->stats.tasks_succeeded++;
    else pool->stats.tasks_failed++;
}

static void complete_error(worker_pool *pool, uint64_t id, const char *name, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
static void complete_error(worker_pool *pool, uint64_t id, const char *name, const char *fmt,
                           ...)
{
    yogi_error err;
    va_list ap;
    snprintf(err.name, sizeof err.name, "%s", name);
    va_start(ap, fmt);
    vsnprintf(err.cause, sizeof err.cause, fmt, ap);
    va_end(ap);
    complete(pool, id, NULL, &err);
}

static void drop_completion(worker_pool *pool, uint64_t id)
{
    completion **pp = &pool->done_head, *prev = NULL;
    while (*pp) {
        completion *c = *pp;
        if (c->id != id) {
            prev = c;
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        if (pool->done_tail == c) pool->done_tail = prev;
        json_decref(c->output);
        free(c);
    }
}

static void deliver_completions(worker_pool *pool)
{
    completion *c;
    while ((c = pool->done_head) != NULL) {
        pool->done_head = c->next;
        if (!pool->done_head) pool->done_tail = NULL;
        pool->cfg.on_done(pool->cfg.ud, c->id, c->ok, c->ok ? c->output : NULL,
                          c->ok ? NULL : &c->err);
        json_decref(c->output);
        free(c);
    }
}

/* ---- the queue ------------------------------------------------------- */

static void task_free(task *t)
{
    if (!t) return;
    frame_buf_free(&t->frame);
    free(t);
}

static void queue_unlink(worker_pool *pool, task *t)
{
    if (t->prev) t->prev->next = t->next;
    else pool->qhead = t->next;
    if (t->next) t->next->prev = t->prev;
    else pool->qtail = t->prev;
    t->prev = t->next = NULL;
    pool->nqueued--;
}

static void queue_push(worker_pool *pool, task *t)
{
    t->prev = pool->qtail;
    t->next = NULL;
    if (pool->qtail) pool->qtail->next = t;
    else pool->qhead = t;
    pool->qtail = t;
    pool->nqueued++;
}

/* ---- worker lifecycle ------------------------------------------------ */

static void set_want_write(worker_pool *pool, worker *w, bool on)
{
    if (w->want_write == on || w->fd < 0) return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = w};
    epoll_ctl(pool->epfd, EPOLL_CTL_MOD, w->fd, &ev);
    w->want_write = on;
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    static bool unsupported; /* an old kernel, or valgrind: ask once */
    if (unsupported) return -1;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0); /* close-on-exec by definition */
    if (fd < 0 && errno == ENOSYS) unsupported = true;
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

static worker *spawn_worker(worker_pool *pool)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) goto out_error;
    worker *w = calloc(1, sizeof *w);
    if (!w) {
        errno = ENOMEM;
        goto out_close;
    }
    fflush(NULL); /* the child must not inherit half-written stdio buffers */
    pid_t pid = fork();
    if (pid < 0) goto out_free;
    if (pid == 0) {
        worker_isolate(sv[1], pool->engine_pid);
        worker_child_main(&pool->cfg);
    }
    close(sv[1]);
    w->pid = pid;
    w->net_class = -1;
    w->pidfd = open_pidfd(pid);
    w->fd = sv[0];
    w->state = W_IDLE;
    fcntl(w->fd, F_SETFL, fcntl(w->fd, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
    epoll_ctl(pool->epfd, EPOLL_CTL_ADD, w->fd, &ev);
    w->next = pool->live;
    pool->live = w;
    pool->nlive++;
    return w;

out_free:
    free(w);
out_close:
    close(sv[0]);
    close(sv[1]);
out_error:
    snprintf(pool->spawn_error, sizeof pool->spawn_error, "%s", strerror(errno));
    return NULL;
}

/* Move w from live to gone: close its socket and give it `grace_ms` to
 * exit before it is killed. A task still attached fails at reap time. */
static void worker_lose(worker_pool *pool, worker *w, bool expected, int64_t grace_ms)
{
    if (w->state == W_GONE) return;
    for (worker **pp = &pool->live; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    pool->nlive--;
    epoll_ctl(pool->epfd, EPOLL_CTL_DEL, w->fd, NULL);
    close(w->fd);
    w->fd = -1;
    w->state = W_GONE;
    w->expected_exit = expected;
    w->lost_at_ms = monotonic_ms();
    w->kill_at_ms = w->lost_at_ms + grace_ms;
    if (w->pidfd >= 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = w};
        if (epoll_ctl(pool->epfd, EPOLL_CTL_ADD, w->pidfd, &ev) != 0) {
            close(w->pidfd); /* reap() polls for it instead */
            w->pidfd = -1;
        }
    }
    frame_buf_free(&w->in);
    frame_buf_free(&w->out);
    w->next = pool->gone;
    pool->gone = w;
}

static void worker_kill(worker_pool *pool, worker *w)
{
    kill(w->pid, SIGKILL);
    worker_lose(pool, w, false, 0);
    w->killed = true;
}

static void worker_free(worker_pool *pool, worker *w)
{
    if (w->pidfd >= 0) {
        epoll_ctl(pool->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
        close(w->pidfd);
    }
    task_free(w->task);
    free(w);
}

static void signal_name(int sig, char *buf, size_t len)
{
    const char *abbrev = sigabbrev_np(sig);
    if (abbrev) snprintf(buf, len, "SIG%s (%s)", abbrev, strsignal(sig));
    else snprintf(buf, len, "signal %d", sig);
}

/* Why a worker that held a task is gone, in words for the execution's cause. */
static void describe_death(const worker *w, int status, char *buf, size_t len)
{
    char sig[96];
    if (status < 0) {
        snprintf(buf, len, "worker for plugin %s disappeared (its exit status was lost)",
                 w->task_plugin);
        return;
    }
    if (WIFEXITED(status)) {
        snprintf(buf, len, "worker for plugin %s exited with status %d during the task",
                 w->task_plugin, WEXITSTATUS(status));
        return;
    }
    int s = WTERMSIG(status);
    signal_name(s, sig, sizeof sig);
    /* The worker's own report: the limit it had and how close it came. */
    long limit_kb = w->dying_limit_kb;
    bool memory_sig = s == SIGABRT || s == SIGSEGV || s == SIGBUS;
    if (limit_kb > 0 && memory_sig && w->dying_peak_kb > 0 &&
        NEAR_LIMIT(w->dying_peak_kb, limit_kb))
        snprintf(buf, len,
                 "worker for plugin %s died: %s after reaching its memory limit %ld MB "
                 "(peak %ld MB)", w->task_plugin, sig, limit_kb / 1024,
                 w->dying_peak_kb / 1024);
    else
        snprintf(buf, len, "worker for plugin %s died: %s", w->task_plugin, sig);
}

static void finalize(worker_pool *pool, worker *w, int status)
{
    if (w->task) {
        char cause[512];
        describe_death(w, status, cause, sizeof cause);
        complete_error(pool, w->task->id, "States.TaskFailed", "%s", cause);
        task_free(w->task);
        w->task = NULL;
    }
    if (!w->expected_exit) pool->stats.worker_restarts++;
    worker_free(pool, w);
}

/* Reap every GONE worker that has exited; kill those past their grace. */
static void reap(worker_pool *pool)
{
    int64_t now = monotonic_ms();
    worker **pp = &pool->gone;
    while (*pp) {
        worker *w = *pp;
        int status = 0;
        pid_t r = waitpid(w->pid, &status, WNOHANG);
        if (r == 0) {
            if (!w->killed && now >= w->kill_at_ms) {
                kill(w->pid, SIGKILL);
                w->killed = true;
            }
            pp = &w->next;
            continue;
        }
        if (r < 0 && errno == EINTR) continue;
        *pp = w->next;
        finalize(pool, w, r == w->pid ? status : -1);
    }
}

/* ---- messages from workers ------------------------------------------- */

/* Write what the socket takes; a dead peer shows up as end of file. */
static void flush_out(worker_pool *pool, worker *w)
{
    int rc = frame_flush(w->fd, &w->out);
    set_want_write(pool, w, rc == 0);
}

static void retire_or_idle(worker_pool *pool, worker *w, bool retire)
{
    int max = pool->cfg.max_tasks_per_worker;
    if (retire || (max > 0 && w->tasks_run >= max))
        worker_lose(pool, w, true, EXIT_GRACE_MS);
    else
        w->state = W_IDLE;
}

static int on_result(worker_pool *pool, worker *w, json_t *msg, yogi_error *err)
{
    task *t = w->task;
    json_int_t id = json_integer_value(json_object_get(msg, "id"));
    if (!t || (uint64_t)id != t->id)
        return host_fail(err, "States.Runtime", "a result for a task it was not given");
    w->task = NULL;
    w->tasks_run++;
    if (json_is_true(json_object_get(msg, "ok"))) {
        json_t *out = json_object_get(msg, "output");
        complete(pool, t->id, json_incref(out ? out : json_null()), NULL);
    } else {
        const char *name = json_string_value(json_object_get(msg, "error"));
        const char *cause = json_string_value(json_object_get(msg, "cause"));
        complete_error(pool, t->id, name && *name ? name : "States.TaskFailed", "%s",
                       cause ? cause : "");
    }
    task_free(t);
    retire_or_idle(pool, w, json_is_true(json_object_get(msg, "retire")));
    return 0;
}

static void on_host_call(worker_pool *pool, worker *w, json_t *msg)
{
    const char *op = json_string_value(json_object_get(msg, "op"));
    json_t *args = json_object_get(msg, "args");
    json_t *result = NULL, *reply;
    yogi_error err = {.name = ""};
    int rc = -1;
    if (!pool->cfg.on_host_call)
        host_fail(&err, "Host.Unsupported", "this process offers no host operations");
    else
        rc = pool->cfg.on_host_call(pool->cfg.ud, op ? op : "", args ? args : json_null(),
                                    &result, &err);
    if (w->state == W_GONE) { /* the call cancelled its own task */
        json_decref(result);
        return;
    }
    if (rc == 0)
        reply = json_pack("{s:s, s:b, s:o}", "t", "reply", "ok", 1, "result",
                          result ? result : json_null());
    else
        reply = json_pack("{s:s, s:b, s:s, s:s}", "t", "reply", "ok", 0, "error",
                          err.name[0] ? err.name : "Host.Failed", "cause", err.cause);
    if (!reply || frame_encode(&w->out, reply, &err) != 0) {
        json_decref(reply);
        reply = json_pack("{s:s, s:b, s:s, s:s}", "t", "reply", "ok", 0, "error",
                          err.name[0] ? err.name : "Host.Failed", "cause", err.cause);
        if (!reply || frame_encode(&w->out, reply, &err) != 0) worker_kill(pool, w);
    }
    json_decref(reply);
    if (w->state != W_GONE) flush_out(pool, w);
}

/* One message from w. -1 (with err) means w broke the protocol. */
static int on_message(worker_pool *pool, worker *w, json_t *msg, yogi_error *err)
{
    const char *type = json_string_value(json_object_get(msg, "t"));
    if (!type) type = "";
    if (strcmp(type, "result") == 0) return on_result(pool, w, msg, err);
    if (strcmp(type, "call") == 0) {
        on_host_call(pool, w, msg);
    } else if (strcmp(type, "heartbeat") == 0) {
        if (w->task && pool->cfg.on_heartbeat) pool->cfg.on_heartbeat(pool->cfg.ud, w->task->id);
    } else if (strcmp(type, "retry_after") == 0) {
        json_int_t ms = json_integer_value(json_object_get(msg, "ms"));
        if (w->task && pool->cfg.on_retry_after && ms > 0)
            pool->cfg.on_retry_after(pool->cfg.ud, w->task->id, (int64_t)ms);
    } else if (strcmp(type, "dying") == 0) {
        w->dying_signal = (int)json_integer_value(json_object_get(msg, "signal"));
        w->dying_peak_kb = (long)json_integer_value(json_object_get(msg, "vm_peak_kb"));
        w->dying_limit_kb = (long)json_integer_value(json_object_get(msg, "limit_kb"));
    } else {
        return host_fail(err, "States.Runtime", "an unknown message type '%s'", type);
    }
    return 0;
}

static void protocol_error(worker_pool *pool, worker *w, const yogi_error *why)
{
    if (w->task) {
        complete_error(pool, w->task->id, "States.TaskFailed",
                       "worker for plugin %s broke the protocol: %s", w->task_plugin,
                       why->cause);
        task_free(w->task);
        w->task = NULL;
    }
    worker_kill(pool, w);
}

/* Take whole frames out of w's input; false once w is gone. */
static bool drain_frames(worker_pool *pool, worker *w)
{
    for (;;) {
        json_t *msg = NULL;
        yogi_error err = {.name = ""};
        int rc = frame_next(&w->in, &msg, &err);
        if (rc == 0) return true;
        if (rc > 0) rc = on_message(pool, w, msg, &err) == 0 ? 1 : -1;
        json_decref(msg);
        if (w->state == W_GONE) return false;
        if (rc < 0) {
            protocol_error(pool, w, &err);
            return false;
        }
    }
}

static void on_readable(worker_pool *pool, worker *w)
{
    for (int i = 0; i < READS_PER_EVENT && w->state != W_GONE; i++) {
        ssize_t n = frame_fill(w->fd, &w->in);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n > 0) {
            if (!drain_frames(pool, w)) return;
            continue;
        }
        /* End of file or a socket error: the worker is dying or dead. The
         * frames it sent first (a "dying" report) were drained above. */
        worker_lose(pool, w, false, DEAD_GRACE_MS);
        return;
    }
}

/* ---- dispatch -------------------------------------------------------- */

static bool is_warm(const worker *w, const char *plugin)
{
    for (int i = 0; i < w->nwarm; i++)
        if (strcmp(w->warm[i], plugin) == 0) return true;
    return false;
}

static void mark_warm(worker *w, const char *plugin)
{
    if (is_warm(w, plugin)) return;
    if (w->nwarm == MAX_WARM) { /* forget the oldest: only a preference */
        memmove(w->warm[0], w->warm[1], sizeof w->warm[0] * (MAX_WARM - 1));
        w->nwarm--;
    }
    snprintf(w->warm[w->nwarm++], sizeof w->warm[0], "%s", plugin);
}

/* An idle worker warm for plugin; else a new one; else the idle worker
 * with the fewest plugins loaded; else NULL (all busy, or fork failed).
 * Only workers of the plugin's sandbox class (network or not) qualify. */
static worker *pick_worker(worker_pool *pool, const char *plugin)
{
    worker *cold = NULL;
    int net = sandbox_plugin_needs_network(plugin);
    for (worker *w = pool->live; w; w = w->next) {
        if (w->state != W_IDLE) continue;
        if (w->net_class >= 0 && w->net_class != net) continue; /* its filter is fixed */
        if (is_warm(w, plugin)) return w;
        if (!cold || w->nwarm < cold->nwarm) cold = w;
    }
    if (pool->nlive >= pool->cfg.max_workers && !cold) {
        /* Every idle worker has the other sandbox class: retire one (it
         * exits once its plugins are destroyed) so a fresh one can start. */
        for (worker *w = pool->live; w; w = w->next)
            if (w->state == W_IDLE) {
                worker_lose(pool, w, true, EXIT_GRACE_MS);
                break;
            }
    }
    if (pool->nlive < pool->cfg.max_workers) {
        worker *fresh = spawn_worker(pool);
        if (fresh) return fresh;
    }
    return cold;
}

static void assign(worker_pool *pool, worker *w, task *t)
{
    queue_unlink(pool, t);
    w->task = t;
    w->state = W_BUSY;
    w->task_started_ms = monotonic_ms();
    w->dying_signal = 0;
    w->dying_peak_kb = 0;
    w->dying_limit_kb = 0;
    snprintf(w->task_plugin, sizeof w->task_plugin, "%s", t->plugin);
    if (w->net_class < 0) w->net_class = sandbox_plugin_needs_network(t->plugin);
    mark_warm(w, t->plugin);
    if (w->out.len == w->out.pos) { /* hand the frame over instead of copying it */
        frame_buf_free(&w->out);
        w->out = t->frame;
        memset(&t->frame, 0, sizeof t->frame);
    } else {
        size_t n = t->frame.len - t->frame.pos;
        frame_buf *o = &w->out;
        unsigned char *p = realloc(o->data, o->len + n);
        if (!p) {
            complete_error(pool, t->id, "States.Runtime", "out of memory sending a task");
            w->task = NULL;
            task_free(t);
            w->state = W_IDLE;
            return;
        }
        memcpy(p + o->len, t->frame.data + t->frame.pos, n);
        o->data = p;
        o->len += n;
        o->cap = o->len;
        frame_buf_free(&t->frame);
    }
    pool->stats.tasks_started++;
    flush_out(pool, w);
}

static void dispatch(worker_pool *pool)
{
    while (pool->qhead) {
        task *t = pool->qhead;
        worker *w = pick_worker(pool, t->plugin);
        if (w) {
            assign(pool, w, t);
            continue;
        }
        if (pool->nlive > 0) return; /* a busy worker will free up */
        queue_unlink(pool, t);
        complete_error(pool, t->id, "States.TaskFailed", "cannot start a worker process: %s",
                       pool->spawn_error);
        task_free(t);
    }
}

/* The pool's safety net behind the engine's durable task timeouts. */
static void enforce_hard_limit(worker_pool *pool)
{
    if (pool->cfg.task_hard_limit_s <= 0) return;
    int64_t now = monotonic_ms(), limit = (int64_t)pool->cfg.task_hard_limit_s * 1000;
    worker *w = pool->live;
    while (w) {
        worker *next = w->next;
        if (w->state == W_BUSY && now - w->task_started_ms >= limit) {
            complete_error(pool, w->task->id, "States.Timeout",
                           "plugin %s ran past the worker pool's hard limit of %d s",
                           w->task_plugin, pool->cfg.task_hard_limit_s);
            task_free(w->task);
            w->task = NULL;
            worker_kill(pool, w);
        }
        w = next;
    }
}

/* ---- the API --------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void pool_free(worker_pool *pool)
{
    if (pool->epfd >= 0) close(pool->epfd);
    free(pool->plugin_dir);
    free(pool->data_dir);
    free(pool->config_path);
    free(pool);
}

worker_pool *workers_create(const workers_config *cfg, yogi_error *err)
{
    if (!cfg || !cfg->plugin_dir || !cfg->on_done || cfg->max_workers < 1) {
        host_fail(err, "States.Runtime",
                  "a worker pool needs a plugin directory, on_done and max_workers >= 1");
        return NULL;
    }
    worker_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        host_fail(err, "States.Runtime", "out of memory");
        return NULL;
    }
    pool->cfg = *cfg;
    pool->plugin_dir = dup_or_null(cfg->plugin_dir);
    pool->data_dir = dup_or_null(cfg->data_dir ? cfg->data_dir : ".");
    pool->config_path = dup_or_null(cfg->config_path);
    pool->engine_pid = getpid();
    pool->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (!pool->plugin_dir || !pool->data_dir || (cfg->config_path && !pool->config_path) ||
        pool->epfd < 0) {
        host_fail(err, "States.Runtime", "cannot create the worker pool: %s", strerror(errno));
        pool_free(pool);
        return NULL;
    }
    pool->cfg.plugin_dir = pool->plugin_dir;
    pool->cfg.data_dir = pool->data_dir;
    pool->cfg.config_path = pool->config_path;
    return pool;
}

/* Wait up to deadline for every GONE worker, then kill what is left. */
static void reap_all(worker_pool *pool, int64_t deadline)
{
    while (pool->gone && monotonic_ms() < deadline) {
        reap(pool);
        if (pool->gone) poll(NULL, 0, 5);
    }
    for (worker *w = pool->gone; w; w = w->next) kill(w->pid, SIGKILL);
    while (pool->gone) {
        worker *w = pool->gone;
        pool->gone = w->next;
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR) {}
        worker_free(pool, w);
    }
}

void workers_destroy(worker_pool *pool)
{
    if (!pool) return;
    pool->closing = true;
    while (pool->live) {
        worker *w = pool->live;
        if (w->state == W_BUSY) kill(w->pid, SIGTERM);
        worker_lose(pool, w, true, EXIT_GRACE_MS); /* idle ones destroy their plugins */
    }
    reap_all(pool, monotonic_ms() + 2000);
    while (pool->qhead) {
        task *t = pool->qhead;
        queue_unlink(pool, t);
        task_free(t);
    }
    while (pool->done_head) {
        completion *c = pool->done_head;
        pool->done_head = c->next;
        json_decref(c->output);
        free(c);
    }
    pool_free(pool);
}

static json_t *task_message(const workers_task *t)
{
    json_t *call = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:O?, s:i, s:I}", "execution_id",
                             t->execution_id, "execution_name", t->execution_name,
                             "state_name", t->state_name, "resource", t->resource,
                             "task_token", t->task_token, "resource_config",
                             t->resource_config, "attempt", t->attempt, "deadline_ms",
                             (json_int_t)t->deadline_ms);
    if (!call) return NULL;
    return json_pack("{s:s, s:I, s:s, s:O, s:o}", "t", "task", "id", (json_int_t)t->task_id,
                     "plugin", t->plugin, "input", t->input ? t->input : json_null(), "call",
                     call);
}

int workers_submit(worker_pool *pool, const workers_task *t, yogi_error *err)
{
    if (!plugin_name_valid(t->plugin))
        return host_fail(err, "Plugin.NotFound", "'%s' is not a plugin name",
                         t->plugin ? t->plugin : "(null)");
    task *q = calloc(1, sizeof *q);
    if (!q) return host_fail(err, "States.Runtime", "out of memory");
    q->id = t->task_id;
    snprintf(q->plugin, sizeof q->plugin, "%s", t->plugin);
    json_t *msg = task_message(t);
    if (!msg) {
        free(q);
        return host_fail(err, "States.Runtime", "cannot encode the task (not valid UTF-8?)");
    }
    int rc = frame_encode(&q->frame, msg, err);
    json_decref(msg);
    if (rc != 0) {
        task_free(q);
        return -1;
    }
    queue_push(pool, q);
    dispatch(pool);
    return 0;
}

void workers_cancel(worker_pool *pool, uint64_t task_id)
{
    for (task *t = pool->qhead; t; t = t->next)
        if (t->id == task_id) {
            queue_unlink(pool, t);
            task_free(t);
            return;
        }
    drop_completion(pool, task_id);
    for (worker *w = pool->live; w; w = w->next)
        if (w->task && w->task->id == task_id) {
            task_free(w->task); /* detached first: it can no longer complete */
            w->task = NULL;
            worker_kill(pool, w);
            dispatch(pool);
            return;
        }
}

int workers_fd(worker_pool *pool)
{
    return pool->epfd;
}

int workers_timeout_ms(worker_pool *pool)
{
    if (pool->done_head) return 0;
    int64_t now = monotonic_ms(), best = -1;
    for (worker *w = pool->gone; w; w = w->next) {
        int64_t wait = -1;
        if (!w->killed) wait = w->kill_at_ms > now ? w->kill_at_ms - now : 0;
        if (w->pidfd < 0) { /* most exit within a millisecond: poll fast, then back off */
            int64_t poll_ms = (now - w->lost_at_ms) / 4;
            if (poll_ms < REAP_POLL_MIN_MS) poll_ms = REAP_POLL_MIN_MS;
            if (poll_ms > REAP_POLL_MAX_MS) poll_ms = REAP_POLL_MAX_MS;
            if (wait < 0 || poll_ms < wait) wait = poll_ms;
        }
        if (wait >= 0 && (best < 0 || wait < best)) best = wait;
    }
    if (pool->cfg.task_hard_limit_s > 0)
        for (worker *w = pool->live; w; w = w->next) {
            if (w->state != W_BUSY) continue;
            int64_t left = w->task_started_ms + pool->cfg.task_hard_limit_s * 1000LL - now;
            if (left < 0) left = 0;
            if (best < 0 || left < best) best = left;
        }
    return (int)best;
}

void workers_process(worker_pool *pool)
{
    struct epoll_event events[64];
    int n;
    do {
        n = epoll_wait(pool->epfd, events, 64, 0);
    } while (n < 0 && errno == EINTR);
    for (int i = 0; i < n; i++) {
        worker *w = events[i].data.ptr;
        if (w->state == W_GONE) continue; /* its pidfd, or lost earlier: reap() sees */
        if (events[i].events & EPOLLOUT) flush_out(pool, w);
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(pool, w);
    }
    enforce_hard_limit(pool);
    reap(pool);
    dispatch(pool);
    deliver_completions(pool);
}

void workers_get_stats(worker_pool *pool, workers_stats *out)
{
    *out = pool->stats;
    out->busy = out->idle = 0;
    for (worker *w = pool->live; w; w = w->next) {
        if (w->state == W_BUSY) out->busy++;
        else out->idle++;
    }
    out->queued = pool->nqueued;
}

/* ---- probe ----------------------------------------------------------- */

#define PROBE_TIMEOUT_MS 10000

/* Read the child's "name\ncause" report until end of file or the deadline. */
static size_t read_report(int fd, char *buf, size_t len)
{
    size_t got = 0;
    int64_t deadline = monotonic_ms() + PROBE_TIMEOUT_MS;
    while (got < len - 1) {
        int64_t left = deadline - monotonic_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)left) == 0) break;
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    buf[got] = '\0';
    return got;
}

static __attribute__((noreturn)) void probe_child(const char *dir, const char *name)
{
    void *handle;
    const yogi_plugin *entry;
    yogi_error err = {.name = ""};
    int rc = plugin_open(dir, name, &handle, &entry, &err);
    if (rc != 0) {
        char report[sizeof err.name + sizeof err.cause + 2];
        int n = snprintf(report, sizeof report, "%s\n%s", err.name, err.cause);
        ssize_t unused = write(WORKER_SOCKET_FD, report, (size_t)n);
        (void)unused;
    }
    _exit(rc == 0 ? 0 : 1);
}

bool workers_plugin_probe(const char *plugin_dir, const char *name, yogi_error *err)
{
    int p[2];
    if (!plugin_name_valid(name)) {
        host_fail(err, "Plugin.NotFound", "'%s' is not a plugin name", name ? name : "(null)");
        return false;
    }
    if (pipe2(p, O_CLOEXEC) != 0) {
        host_fail(err, "Plugin.NotFound", "cannot probe %s: %s", name, strerror(errno));
        return false;
    }
    pid_t engine = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        worker_isolate(p[1], engine);
        probe_child(plugin_dir, name);
    }
    close(p[1]);
    char report[sizeof err->name + sizeof err->cause + 2];
    size_t got = pid > 0 ? read_report(p[0], report, sizeof report) : 0;
    close(p[0]);
    int status = -1;
    if (pid > 0) {
        kill(pid, SIGKILL); /* no-op when it has exited; ends a hung dlopen */
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    }
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    char *nl = got ? strchr(report, '\n') : NULL;
    if (nl) {
        *nl = '\0';
        host_fail(err, report, "%s", nl + 1);
    } else if (pid < 0) {
        host_fail(err, "Plugin.NotFound", "cannot probe %s: fork: %s", name, strerror(errno));
    } else {
        char sig[96] = "no report";
        if (WIFSIGNALED(status)) signal_name(WTERMSIG(status), sig, sizeof sig);
        host_fail(err, "Plugin.NotAPlugin", "loading %s.so killed the probe: %s", name, sig);
    }
    return false;
}
