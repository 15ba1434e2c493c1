/*
 * test_workers.c — the worker pool against real forked workers and the
 * test plugins in $BUILD/states (echo, testkit, badabi, notaplugin).
 *
 * Each test drives the pool the way the engine does — poll(workers_fd),
 * workers_process() — through run_until(), which gives up after a bound so
 * a broken pool fails a test instead of hanging it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "test.h"
#include "workers.h"

#define MAX_TASKS 512

typedef struct result {
    bool done, ok;
    json_t *output;
    yogi_error err;
} result;

typedef struct harness {
    worker_pool *pool;
    result r[MAX_TASKS];
    int done;
    int heartbeats;
    int callbacks_outside_process; /* must stay 0 */
    bool in_process;
    uint64_t cancel_from_host_call; /* task that op "test.cancel" cancels */
    int chain_left;                 /* on_done submits another echo while > 0 */
} harness;

static void submit(harness *h, uint64_t id, const char *plugin, json_t *input);

static void on_done(void *ud, uint64_t id, bool ok, json_t *output, const yogi_error *err)
{
    harness *h = ud;
    if (!h->in_process) h->callbacks_outside_process++;
    if (id >= MAX_TASKS || h->r[id].done) {
        test_fail_(__FILE__, __LINE__, "unexpected completion of task %llu",
                   (unsigned long long)id);
        return;
    }
    result *r = &h->r[id];
    r->done = true;
    r->ok = ok;
    if (ok) r->output = json_incref(output);
    else r->err = *err;
    h->done++;
    if (h->chain_left > 0) { /* the engine submits the next state from here */
        h->chain_left--;
        submit(h, id + 1, "echo", json_integer((json_int_t)id + 1));
    }
}

static void on_heartbeat(void *ud, uint64_t id)
{
    ((harness *)ud)->heartbeats++;
}

static int on_host_call(void *ud, const char *op, json_t *args, json_t **result_out,
                        yogi_error *err)
{
    harness *h = ud;
    if (strcmp(op, "test.fail") == 0) return yogi_fail(err, "Test.HostFailed", "as asked");
    if (strcmp(op, "test.cancel") == 0) { /* e.g. the call stopped its own execution */
        workers_cancel(h->pool, h->cancel_from_host_call);
        return yogi_fail(err, "Test.Cancelled", "cancelled");
    }
    *result_out = json_pack("{s:s, s:O}", "op", op, "args", args);
    return YOGI_OK;
}

static const char *plugin_dir(void)
{
    static char dir[4096];
    if (!dir[0]) snprintf(dir, sizeof dir, "%s/states", test_build_dir());
    return dir;
}

/* A config for start(), which points ud at the harness it makes. */
static workers_config base_config(int max_workers)
{
    return (workers_config){.plugin_dir = plugin_dir(), .data_dir = ".",
                            .max_workers = max_workers, .on_done = on_done,
                            .on_heartbeat = on_heartbeat, .on_host_call = on_host_call};
}

static harness *start(const workers_config *cfg_in)
{
    harness *h = calloc(1, sizeof *h);
    workers_config cfg = *cfg_in;
    cfg.ud = h;
    yogi_error err = {.name = ""};
    h->pool = workers_create(&cfg, &err);
    if (!h->pool) test_fail_(__FILE__, __LINE__, "workers_create: %s", err.cause);
    return h;
}

static harness *start_default(int max_workers)
{
    workers_config cfg = base_config(max_workers);
    return start(&cfg);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive the pool until `want` tasks are done or ms pass. */
static void run_until(harness *h, int want, int ms)
{
    int64_t deadline = mono_ms() + ms;
    while (h->done < want) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) break;
        int wait = workers_timeout_ms(h->pool);
        if (wait < 0 || wait > left) wait = (int)left;
        struct pollfd p = {.fd = workers_fd(h->pool), .events = POLLIN};
        poll(&p, 1, wait);
        h->in_process = true;
        workers_process(h->pool);
        h->in_process = false;
    }
}

static void submit(harness *h, uint64_t id, const char *plugin, json_t *input)
{
    workers_task t = {.task_id = id, .plugin = plugin, .input = input, .resource = plugin,
                      .execution_id = "exec-1", .execution_name = "test", .state_name = "S"};
    yogi_error err = {.name = ""};
    if (workers_submit(h->pool, &t, &err) != 0)
        test_fail_(__FILE__, __LINE__, "submit %s: %s: %s", plugin, err.name, err.cause);
    json_decref(input);
}

static void finish(harness *h)
{
    CHECK_INT(h->callbacks_outside_process, 0);
    workers_destroy(h->pool);
    for (int i = 0; i < MAX_TASKS; i++) json_decref(h->r[i].output);
    free(h);
}

static json_t *action(const char *name)
{
    return json_pack("{s:s}", "action", name);
}

/* The pid of the worker that serves testkit next (action "env"). */
static int testkit_pid(harness *h, uint64_t id)
{
    submit(h, id, "testkit", action("env"));
    run_until(h, h->done + 1, 10000);
    return (int)json_integer_value(json_object_get(h->r[id].output, "pid"));
}

static void test_echo_round_trip(void)
{
    harness *h = start_default(1);
    submit(h, 1, "echo", json_pack("{s:[i,s,b]}", "a", 1, "ü", 1));
    CHECK_INT(h->callbacks_outside_process, 0); /* never from submit */
    run_until(h, 1, 10000);
    CHECK(h->r[1].ok);
    json_t *want = json_pack("{s:[i,s,b]}", "a", 1, "ü", 1);
    CHECK(json_equal(h->r[1].output, want));
    json_decref(want);
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.tasks_started, 1);
    CHECK_INT(st.tasks_succeeded, 1);
    CHECK_INT(st.idle, 1);
    finish(h);
}

static void test_many_tasks_concurrently(void)
{
    enum { N = 300 };
    harness *h = start_default(3);
    for (int i = 1; i <= N; i++) submit(h, (uint64_t)i, "echo", json_pack("{s:i}", "n", i));
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK(st.busy <= 3);
    CHECK(st.queued >= N - 3);
    run_until(h, N, 30000);
    CHECK_INT(h->done, N);
    int right = 0;
    for (int i = 1; i <= N; i++)
        right += h->r[i].ok && json_integer_value(json_object_get(h->r[i].output, "n")) == i;
    CHECK_INT(right, N);
    workers_get_stats(h->pool, &st);
    CHECK(st.idle >= 1 && st.idle <= 3);
    CHECK_INT(st.worker_restarts, 0);
    finish(h);
}

static void test_tasks_spread_over_workers(void)
{
    harness *h = start_default(2);
    json_t *slow = json_pack("{s:s, s:f}", "action", "sleep", "seconds", 0.3);
    submit(h, 1, "testkit", json_incref(slow));
    submit(h, 2, "testkit", slow);
    int64_t t0 = mono_ms();
    run_until(h, 2, 10000);
    CHECK(h->r[1].ok && h->r[2].ok);
    CHECK(mono_ms() - t0 < 550); /* in parallel, not one after the other */
    finish(h);
}

/* A worker that died must fail its task with `cause` and be replaced. */
static void check_death_then_recovery(const char *act, const char *cause)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit", action(act));
    run_until(h, 1, 10000);
    CHECK(h->r[1].done && !h->r[1].ok);
    CHECK_STR(h->r[1].err.name, "States.TaskFailed");
    if (!strstr(h->r[1].err.cause, cause))
        test_fail_(__FILE__, __LINE__, "cause '%s' lacks '%s'", h->r[1].err.cause, cause);
    submit(h, 2, "echo", json_string("after"));
    run_until(h, 2, 10000);
    CHECK(h->r[2].ok);
    CHECK_STR(json_string_value(h->r[2].output), "after");
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.worker_restarts, 1);
    CHECK_INT(st.tasks_failed, 1);
    finish(h);
}

static void test_crash_sigsegv(void)
{
    check_death_then_recovery("crash",
                              "worker for plugin testkit died: SIGSEGV (Segmentation fault)");
}

static void test_abort_sigabrt(void)
{
    check_death_then_recovery("abort", "worker for plugin testkit died: SIGABRT (Aborted)");
}

static void test_exit_mid_task(void)
{
    check_death_then_recovery("exit", "exited with status 3 during the task");
}

/* Crashes, aborts and echoes interleaved over three workers: every task
 * gets exactly its own outcome, whichever worker died next to it. */
static void test_mixed_crashes_under_load(void)
{
    enum { N = 60 };
    static const char *const acts[] = {"echo", "crash", "echo", "abort", "echo", "fail"};
    harness *h = start_default(3);
    for (int i = 1; i <= N; i++)
        submit(h, (uint64_t)i, "testkit",
               json_pack("{s:s, s:i}", "action", acts[i % 6], "value", i));
    run_until(h, N, 60000);
    CHECK_INT(h->done, N);
    int right = 0;
    for (int i = 1; i <= N; i++) {
        const result *r = &h->r[i];
        const char *act = acts[i % 6];
        if (strcmp(act, "echo") == 0) right += r->ok && json_integer_value(r->output) == i;
        else if (strcmp(act, "fail") == 0)
            right += !r->ok && strcmp(r->err.name, "Testkit.Failed") == 0;
        else right += !r->ok && strstr(r->err.cause, act[0] == 'c' ? "SIGSEGV" : "SIGABRT");
    }
    CHECK_INT(right, N);
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.worker_restarts, N / 3);
    CHECK_INT(st.tasks_succeeded, N / 2);
    finish(h);
}

static void test_memory_limit(void)
{
#if defined(__SANITIZE_ADDRESS__)
    SKIP("RLIMIT_AS is not applied under AddressSanitizer");
#endif
    workers_config cfg = base_config(1);
    cfg.memory_limit_mb = 128;
    harness *h = start(&cfg);
    submit(h, 1, "testkit", action("oom"));
    run_until(h, 1, 20000);
    CHECK(h->r[1].done && !h->r[1].ok);
    CHECK_STR(h->r[1].err.name, "States.TaskFailed");
    if (!strstr(h->r[1].err.cause, "SIGABRT") || !strstr(h->r[1].err.cause, "memory limit 128 MB"))
        test_fail_(__FILE__, __LINE__, "cause: %s", h->r[1].err.cause);
    /* the limit is per worker: the replacement has it too, and works */
    submit(h, 2, "testkit", action("env"));
    run_until(h, 2, 10000);
    CHECK(h->r[2].ok);
    CHECK_INT(json_integer_value(json_object_get(h->r[2].output, "rlimit_as")), 128L << 20);
    finish(h);
}

static void test_cancel_hanging_task(void)
{
    harness *h = start_default(1);
    int pid = testkit_pid(h, 1);
    CHECK(pid > 0);
    submit(h, 2, "testkit", action("hang"));
    run_until(h, 99, 200); /* let it start */
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.busy, 1);
    workers_cancel(h->pool, 2);
    workers_cancel(h->pool, 12345); /* unknown ids are ignored */
    submit(h, 3, "echo", json_true());
    run_until(h, 2, 10000);
    CHECK(!h->r[2].done); /* no callback for a cancelled task */
    CHECK(h->r[3].ok);
    run_until(h, 99, 100); /* reap */
    CHECK(pid > 0 && kill(pid, 0) != 0 && errno == ESRCH);
    finish(h);
}

static void test_cancel_queued_task(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit", json_pack("{s:s, s:f}", "action", "sleep", "seconds", 0.2));
    submit(h, 2, "echo", json_true());
    submit(h, 3, "echo", json_false());
    workers_cancel(h->pool, 2);
    run_until(h, 2, 10000);
    run_until(h, 99, 100);
    CHECK(h->r[1].ok && !h->r[2].done && h->r[3].ok);
    CHECK_INT(h->done, 2);
    finish(h);
}

static void check_plugin_error(const char *plugin, const char *name, const char *cause)
{
    harness *h = start_default(1);
    submit(h, 1, plugin, json_object());
    run_until(h, 1, 10000);
    CHECK(h->r[1].done && !h->r[1].ok);
    CHECK_STR(h->r[1].err.name, name);
    if (!strstr(h->r[1].err.cause, cause))
        test_fail_(__FILE__, __LINE__, "cause '%s' lacks '%s'", h->r[1].err.cause, cause);
    submit(h, 2, "echo", json_integer(7)); /* the worker is still good */
    run_until(h, 2, 10000);
    CHECK(h->r[2].ok);
    yogi_error err = {.name = ""};
    CHECK(!workers_plugin_probe(plugin_dir(), plugin, &err));
    CHECK_STR(err.name, name);
    finish(h);
}

static void test_not_a_plugin(void)
{
    check_plugin_error("notaplugin", "Plugin.NotAPlugin", "yogi_plugin_entry");
}

static void test_wrong_abi(void)
{
    check_plugin_error("badabi", "Plugin.AbiMismatch", "ABI 42");
}

static void test_missing_plugin(void)
{
    check_plugin_error("nosuch", "Plugin.NotFound", "nosuch");
}

static void test_probe(void)
{
    char dir[4096];
    yogi_error err = {.name = ""};
    snprintf(dir, sizeof dir, "%s/states", test_build_dir());
    CHECK(workers_plugin_probe(dir, "echo", &err));
    CHECK(workers_plugin_probe(dir, "testkit", &err));
    CHECK(!workers_plugin_probe(dir, "../states/echo", &err));
    CHECK_STR(err.name, "Plugin.NotFound");
    /* a file that is not a shared object at all */
    FILE *f = fopen("junk.so", "w");
    fputs("not an ELF file\n", f);
    fclose(f);
    CHECK(!workers_plugin_probe(".", "junk", &err));
    CHECK_STR(err.name, "Plugin.NotAPlugin");
}

static void test_bad_name_refused_at_submit(void)
{
    harness *h = start_default(1);
    workers_task t = {.task_id = 1, .plugin = "../../etc/evil", .input = NULL};
    yogi_error err = {.name = ""};
    CHECK_INT(workers_submit(h->pool, &t, &err), -1);
    CHECK_STR(err.name, "Plugin.NotFound");
    finish(h);
}

static void test_init_failure_retires_worker(void)
{
    setenv("YOGI_TESTKIT_FAIL_INIT", "no licence", 1);
    harness *h = start_default(1);
    submit(h, 1, "testkit", action("echo"));
    submit(h, 2, "testkit", action("echo"));
    run_until(h, 2, 10000);
    CHECK_STR(h->r[1].err.name, "Testkit.InitFailed");
    CHECK_STR(h->r[1].err.cause, "no licence");
    CHECK_STR(h->r[2].err.name, "Testkit.InitFailed");
    unsetenv("YOGI_TESTKIT_FAIL_INIT");
    /* new workers inherit the new environment and init again */
    submit(h, 3, "testkit", action("echo"));
    run_until(h, 3, 10000);
    CHECK(h->r[3].ok);
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.worker_restarts, 0); /* retired, not crashed */
    finish(h);
}

static void test_plugin_failure(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit",
           json_pack("{s:s, s:s, s:s}", "action", "fail", "error", "Document.TooLarge",
                     "cause", "31 MB, at most 30 MB"));
    run_until(h, 1, 10000);
    CHECK_STR(h->r[1].err.name, "Document.TooLarge");
    CHECK_STR(h->r[1].err.cause, "31 MB, at most 30 MB");
    finish(h);
}

static void test_host_call_round_trip(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit",
           json_pack("{s:s, s:s, s:{s:i}}", "action", "call", "op", "documents.save", "args",
                     "n", 5));
    submit(h, 2, "testkit", json_pack("{s:s, s:s}", "action", "call", "op", "test.fail"));
    run_until(h, 2, 10000);
    CHECK(h->r[1].ok);
    CHECK_STR(json_string_value(json_object_get(h->r[1].output, "op")), "documents.save");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(h->r[1].output, "args"), "n")),
              5);
    CHECK_STR(h->r[2].err.name, "Test.HostFailed");
    CHECK_STR(h->r[2].err.cause, "as asked");
    finish(h);
}

static void test_cancel_from_inside_a_host_call(void)
{
    harness *h = start_default(1);
    h->cancel_from_host_call = 1;
    submit(h, 1, "testkit", json_pack("{s:s, s:s}", "action", "call", "op", "test.cancel"));
    run_until(h, 1, 500);
    CHECK(!h->r[1].done);
    submit(h, 2, "echo", json_true());
    run_until(h, 1, 10000);
    CHECK(h->r[2].ok);
    finish(h);
}

static void test_submit_from_on_done(void)
{
    harness *h = start_default(2);
    h->chain_left = 99;
    submit(h, 1, "echo", json_integer(1));
    run_until(h, 100, 20000);
    CHECK_INT(h->done, 100);
    CHECK_INT(json_integer_value(h->r[100].output), 100);
    finish(h);
}

static void test_protocol_garbage_kills_worker(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit", action("garbage"));
    run_until(h, 1, 5000);
    CHECK_STR(h->r[1].err.name, "States.TaskFailed");
    if (!strstr(h->r[1].err.cause, "broke the protocol"))
        test_fail_(__FILE__, __LINE__, "cause: %s", h->r[1].err.cause);
    submit(h, 2, "echo", json_true());
    run_until(h, 2, 10000);
    CHECK(h->r[2].ok);
    finish(h);
}

static void test_worker_closing_its_socket(void)
{
    harness *h = start_default(1);
    int64_t t0 = mono_ms();
    submit(h, 1, "testkit", action("close_socket"));
    run_until(h, 1, 5000);
    CHECK_STR(h->r[1].err.name, "States.TaskFailed");
    if (!strstr(h->r[1].err.cause, "SIGKILL"))
        test_fail_(__FILE__, __LINE__, "cause: %s", h->r[1].err.cause);
    CHECK(mono_ms() - t0 < 3000); /* killed after the grace, not after its sleep */
    finish(h);
}

static void test_host_services_from_threads(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit", json_pack("{s:s, s:i}", "action", "threads", "rounds", 50));
    run_until(h, 1, 20000);
    CHECK(h->r[1].ok);
    CHECK_INT(json_integer_value(json_object_get(h->r[1].output, "threads")), 4);
    CHECK_INT(json_integer_value(json_object_get(h->r[1].output, "calls_ok")), 200);
    CHECK_INT(h->heartbeats, 200);
    finish(h);
}

static void test_heartbeat(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit", json_pack("{s:s, s:i}", "action", "heartbeat", "beats", 4));
    run_until(h, 1, 10000);
    CHECK(h->r[1].ok);
    CHECK_INT(h->heartbeats, 4);
    finish(h);
}

static void test_large_input_and_output(void)
{
    enum { SIZE = 10 << 20 };
    harness *h = start_default(1);
    char *big = malloc(SIZE + 1);
    memset(big, 'x', SIZE);
    big[SIZE] = '\0';
    submit(h, 1, "echo", json_stringn(big, SIZE));
    submit(h, 2, "testkit", json_pack("{s:s, s:i}", "action", "big", "bytes", SIZE));
    run_until(h, 2, 30000);
    CHECK(h->r[1].ok);
    CHECK_INT(json_string_length(h->r[1].output), SIZE);
    CHECK(h->r[1].output && memcmp(json_string_value(h->r[1].output), big, SIZE) == 0);
    CHECK(h->r[2].ok);
    CHECK_INT(json_string_length(json_object_get(h->r[2].output, "data")), SIZE);
    free(big);
    finish(h);
}

static void test_oversized_input_refused(void)
{
    size_t size = FRAME_MAX + 1;
    harness *h = start_default(1);
    char *big = malloc(size);
    memset(big, 'x', size);
    json_t *in = json_stringn(big, size);
    free(big);
    workers_task t = {.task_id = 1, .plugin = "echo", .input = in};
    yogi_error err = {.name = ""};
    CHECK_INT(workers_submit(h->pool, &t, &err), -1);
    CHECK_STR(err.name, "States.DataLimitExceeded");
    json_decref(in);
    finish(h);
}

static void test_no_fd_leaks_into_workers(void)
{
    int db = open("engine.db", O_RDWR | O_CREAT, 0600); /* stands for the SQLite handle */
    int pipes[2];
    CHECK(db >= 0 && pipe(pipes) == 0);
    char pipe_name[64] = "", link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", pipes[0]);
    CHECK(readlink(link, pipe_name, sizeof pipe_name - 1) > 0);
    harness *h = start_default(2);
    json_t *in = action("fds");
    submit(h, 1, "testkit", json_incref(in));
    submit(h, 2, "testkit", in); /* the second worker must not hold the first's socket */
    run_until(h, 2, 10000);
    for (int id = 1; id <= 2; id++) {
        json_t *fds = json_object_get(h->r[id].output, "fds");
        CHECK_INT(json_array_size(fds), 4);
        size_t i;
        json_t *fd;
        json_array_foreach(fds, i, fd) {
            int n = (int)json_integer_value(json_object_get(fd, "fd"));
            const char *target = json_string_value(json_object_get(fd, "target"));
            if (n > 3 || strstr(target, "engine.db") || strcmp(target, pipe_name) == 0)
                test_fail_(__FILE__, __LINE__, "worker has fd %d → %s", n, target);
            if (n == 3 && strncmp(target, "socket:", 7) != 0)
                test_fail_(__FILE__, __LINE__, "fd 3 is %s, not the socket", target);
        }
    }
    close(db);
    close(pipes[0]);
    close(pipes[1]);
    finish(h);
}

static void test_worker_isolation_settings(void)
{
    harness *h = start_default(1);
    submit(h, 1, "testkit", action("env"));
    run_until(h, 1, 10000);
    json_t *out = h->r[1].output;
    CHECK_STR(json_string_value(json_object_get(out, "omp_thread_limit")), "1");
    CHECK_INT(json_integer_value(json_object_get(out, "pdeathsig")), SIGKILL);
    CHECK_STR(json_string_value(json_object_get(out, "data_dir")), ".");
    CHECK(json_integer_value(json_object_get(out, "pid")) != getpid());
    finish(h);
}

static void test_config_file_and_env(void)
{
    FILE *f = fopen("yogi.conf", "w");
    fputs("# a comment\n  llm.provider = \"local\"\nnotify.webhook_url=http://x/#frag\n\n"
          "junk line without equals\n", f);
    fclose(f);
    workers_config cfg = base_config(1);
    cfg.config_path = "yogi.conf";
    harness *h = start(&cfg);
    const char *keys[] = {"llm.provider", "notify.webhook_url", "absent"};
    for (int i = 0; i < 3; i++)
        submit(h, (uint64_t)i + 1, "testkit",
               json_pack("{s:s, s:s}", "action", "env", "config", keys[i]));
    run_until(h, 3, 10000);
    CHECK_STR(json_string_value(json_object_get(h->r[1].output, "config")), "local");
    CHECK_STR(json_string_value(json_object_get(h->r[2].output, "config")), "http://x/#frag");
    CHECK(json_is_null(json_object_get(h->r[3].output, "config")));
    finish(h);
}

static void test_warm_worker_preferred_and_recycled(void)
{
    workers_config cfg = base_config(2);
    cfg.max_tasks_per_worker = 2;
    harness *h = start(&cfg);
    int p1 = testkit_pid(h, 1);
    submit(h, 2, "echo", json_null()); /* a second plugin: a new worker, not the warm one */
    run_until(h, 2, 10000);
    int p2 = testkit_pid(h, 3);
    int p3 = testkit_pid(h, 4); /* p1 served two tasks: recycled */
    CHECK(p1 > 0);
    CHECK_INT(p2, p1);
    CHECK(p3 > 0 && p3 != p1);
    CHECK_INT(json_integer_value(json_object_get(h->r[3].output, "tasks")), 2);
    CHECK_INT(json_integer_value(json_object_get(h->r[4].output, "tasks")), 1);
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.worker_restarts, 0);
    finish(h);
}

static void test_hard_limit(void)
{
    workers_config cfg = base_config(1);
    cfg.task_hard_limit_s = 1;
    harness *h = start(&cfg);
    int64_t t0 = mono_ms();
    submit(h, 1, "testkit", action("hang"));
    run_until(h, 1, 5000);
    CHECK_STR(h->r[1].err.name, "States.Timeout");
    CHECK(mono_ms() - t0 < 3000);
    submit(h, 2, "echo", json_true());
    run_until(h, 2, 10000);
    CHECK(h->r[2].ok);
    finish(h);
}

static void test_idle_worker_killed_is_replaced(void)
{
    harness *h = start_default(1);
    int pid = testkit_pid(h, 1);
    CHECK(pid > 0);
    if (pid > 0) kill(pid, SIGKILL); /* never kill(0): that is our process group */
    run_until(h, 99, 300);
    int again = testkit_pid(h, 2);
    CHECK(again > 0 && again != pid);
    workers_stats st;
    workers_get_stats(h->pool, &st);
    CHECK_INT(st.worker_restarts, 1);
    finish(h);
}

static void test_destroy_with_busy_workers(void)
{
    harness *h = start_default(2);
    int pid = testkit_pid(h, 1);
    submit(h, 2, "testkit", action("hang"));
    submit(h, 3, "testkit", action("hang"));
    run_until(h, 99, 200);
    int64_t t0 = mono_ms();
    finish(h); /* SIGTERM the busy ones; no callbacks */
    CHECK(mono_ms() - t0 < 3000);
    CHECK(pid > 0 && kill(pid, 0) != 0 && errno == ESRCH);
}

/* ---- frames ---------------------------------------------------------- */

static void test_frame_encode_and_split_reads(void)
{
    frame_buf out = {0}, in = {0};
    yogi_error err = {.name = ""};
    json_t *a = json_pack("{s:i}", "a", 1), *b = json_pack("{s:s}", "b", "two");
    CHECK_INT(frame_encode(&out, a, &err), 0);
    CHECK_INT(frame_encode(&out, b, &err), 0);
    /* feed the bytes one at a time: every prefix is "incomplete" until whole */
    json_t *msg = NULL;
    int got = 0;
    for (size_t i = 0; i < out.len; i++) {
        in.data = realloc(in.data, in.len + 1);
        in.cap = in.len + 1;
        in.data[in.len++] = out.data[i];
        int rc;
        while ((rc = frame_next(&in, &msg, &err)) == 1) {
            CHECK(json_equal(msg, got == 0 ? a : b));
            json_decref(msg);
            got++;
        }
        CHECK(rc == 0);
    }
    CHECK_INT(got, 2);
    json_decref(a);
    json_decref(b);
    frame_buf_free(&out);
    frame_buf_free(&in);
}

static void test_frame_rejects_garbage(void)
{
    yogi_error err = {.name = ""};
    json_t *msg = NULL;
    static const unsigned char huge[] = {0xff, 0xff, 0xff, 0xff, '{'};
    static const unsigned char notjson[] = {0, 0, 0, 3, 'a', 'b', 'c'};
    static const unsigned char array[] = {0, 0, 0, 2, '[', ']'};
    const unsigned char *cases[] = {huge, notjson, array};
    size_t lens[] = {sizeof huge, sizeof notjson, sizeof array};
    for (int i = 0; i < 3; i++) {
        frame_buf b = {0};
        b.data = malloc(lens[i]);
        memcpy(b.data, cases[i], lens[i]);
        b.len = b.cap = lens[i];
        CHECK_INT(frame_next(&b, &msg, &err), -1);
        frame_buf_free(&b);
    }
}

/* Random bytes, and random corruptions of a valid stream: frame_next
 * must answer 0, 1 or -1 and never read out of bounds (run under ASan). */
static void test_frame_survives_random_input(void)
{
    unsigned seed = 12345;
    yogi_error err = {.name = ""};
    json_t *m = json_pack("{s:s, s:[i,i,{}]}", "t", "result", "output", 1, 2);
    for (int round = 0; round < 2000; round++) {
        frame_buf b = {0};
        if (round % 2) {
            CHECK_INT(frame_encode(&b, m, &err), 0);
            for (int k = 0; k < 3; k++)
                b.data[rand_r(&seed) % b.len] = (unsigned char)rand_r(&seed);
        } else {
            b.len = b.cap = (size_t)(rand_r(&seed) % 64) + 1;
            b.data = malloc(b.cap);
            for (size_t i = 0; i < b.len; i++) b.data[i] = (unsigned char)rand_r(&seed);
            if (round % 4 == 0 && b.len >= 2) b.data[0] = b.data[1] = 0; /* plausible lengths */
        }
        json_t *msg = NULL;
        int rc, frames = 0;
        while ((rc = frame_next(&b, &msg, &err)) == 1 && frames++ < 100) json_decref(msg);
        CHECK(rc >= -1 && rc <= 1);
        frame_buf_free(&b);
    }
    json_decref(m);
}

static void test_frame_over_a_socketpair(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    yogi_error err = {.name = ""};
    json_t *m = json_pack("{s:s}", "t", "hello"), *got = NULL;
    CHECK_INT(frame_send(sv[0], m, &err), 0);
    CHECK_INT(frame_recv(sv[1], &got, &err), 1);
    CHECK(json_equal(m, got));
    json_decref(got);
    close(sv[0]);
    CHECK_INT(frame_recv(sv[1], &got, &err), 0); /* end of file */
    close(sv[1]);
    json_decref(m);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_echo_round_trip),
        TEST(test_many_tasks_concurrently),
        TEST(test_tasks_spread_over_workers),
        TEST(test_crash_sigsegv),
        TEST(test_abort_sigabrt),
        TEST(test_exit_mid_task),
        TEST(test_mixed_crashes_under_load),
        TEST(test_memory_limit),
        TEST(test_cancel_hanging_task),
        TEST(test_cancel_queued_task),
        TEST(test_not_a_plugin),
        TEST(test_wrong_abi),
        TEST(test_missing_plugin),
        TEST(test_probe),
        TEST(test_bad_name_refused_at_submit),
        TEST(test_init_failure_retires_worker),
        TEST(test_plugin_failure),
        TEST(test_host_call_round_trip),
        TEST(test_heartbeat),
        TEST(test_host_services_from_threads),
        TEST(test_cancel_from_inside_a_host_call),
        TEST(test_submit_from_on_done),
        TEST(test_protocol_garbage_kills_worker),
        TEST(test_worker_closing_its_socket),
        TEST(test_large_input_and_output),
        TEST(test_oversized_input_refused),
        TEST(test_no_fd_leaks_into_workers),
        TEST(test_worker_isolation_settings),
        TEST(test_config_file_and_env),
        TEST(test_warm_worker_preferred_and_recycled),
        TEST(test_hard_limit),
        TEST(test_idle_worker_killed_is_replaced),
        TEST(test_destroy_with_busy_workers),
        TEST(test_frame_encode_and_split_reads),
        TEST(test_frame_rejects_garbage),
        TEST(test_frame_survives_random_input),
        TEST(test_frame_over_a_socketpair),
        {0},
    };
    return test_main(argc, argv, tests);
}
