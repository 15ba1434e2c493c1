/*
 * testkit.c — a plugin that misbehaves on request, for tests and benchmarks.
 *
 * The input names an action: {"action": "crash"} and so on (see the table
 * at the end). Each action is the smallest faithful version of a real
 * plugin failure — a NULL dereference, an abort, a task that never returns,
 * allocation until malloc fails — or a probe of the worker's isolation
 * (open fds, limits, environment) that the tests check from outside.
 *
 * Safety: "oom" refuses to run without an address-space limit, so a test
 * run without RLIMIT_AS (an ASan build) cannot exhaust the machine.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <yogi/plugin.h>

typedef struct testkit {
    const yogi_host *host;
    int tasks;                   /* tasks served by this worker */
} testkit;

static void sleep_seconds(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static double number_or(const json_t *input, const char *key, double fallback)
{
    const json_t *v = json_object_get(input, key);
    return json_is_number(v) ? json_number_value(v) : fallback;
}

static const char *string_or(const json_t *input, const char *key, const char *fallback)
{
    const char *s = json_string_value(json_object_get(input, key));
    return s ? s : fallback;
}

/* A store to a page without access: a real SIGSEGV, and not a NULL
 * dereference that UBSan would turn into an exit(1) first. */
static int act_crash(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    volatile int *nowhere = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (nowhere == MAP_FAILED) return yogi_fail(err, "Testkit.Failed", "mmap failed");
    *nowhere = 42;
    return YOGI_FAILED;
}

static int act_abort(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    abort();
}

static int act_hang(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    for (;;) pause();
    return YOGI_FAILED; /* not reached */
}

static int act_exit(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    _exit((int)number_or(in, "code", 3));
}

/* Allocate and touch 1 MiB blocks until malloc fails, as a leaky plugin
 * would; then abort like most C code does on NULL, or with {"handle":
 * true} free everything and fail politely. */
static int act_oom(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return yogi_fail(err, "Testkit.NoLimit", "refusing to exhaust memory without RLIMIT_AS");
    void **blocks = NULL;
    size_t n = 0;
    for (;;) {
        void **grown = realloc(blocks, (n + 1) * sizeof *blocks);
        void *b = grown ? malloc(1 << 20) : NULL;
        if (grown) blocks = grown;
        if (!b) break;
        memset(b, 0xa5, 1 << 20);
        blocks[n++] = b;
    }
    if (!json_is_true(json_object_get(in, "handle"))) abort();
    for (size_t i = 0; i < n; i++) free(blocks[i]);
    free(blocks);
    return yogi_fail(err, "Testkit.OutOfMemory", "malloc failed after %zu MiB", n);
}

/* Misbehave on the worker's own socket (fd 3): write a frame header that
 * promises 4 GB, or close it and carry on as if nothing happened. */
static int act_garbage(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 'j', 'u', 'n', 'k'};
    if (write(3, junk, sizeof junk) != (ssize_t)sizeof junk)
        return yogi_fail(err, "Testkit.Failed", "write: %s", strerror(errno));
    sleep_seconds(number_or(in, "seconds", 10));
    return YOGI_FAILED;
}

static int act_close_socket(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    close(3);
    sleep_seconds(number_or(in, "seconds", 10));
    return YOGI_FAILED;
}

static int act_echo(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    json_t *v = json_object_get(in, "value");
    *out = json_incref(v ? v : in);
    return YOGI_OK;
}

/* {"action":"fail", "error", "cause", "retry_after": seconds}: the last asks
 * the engine, through yogi_host.retry_after, not to retry sooner. */
static int act_fail(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    double wait = number_or(in, "retry_after", 0);
    if (wait > 0 && YOGI_HAS(tk->host, retry_after)) tk->host->retry_after(wait);
    return yogi_fail(err, string_or(in, "error", "Testkit.Failed"), "%s",
                     string_or(in, "cause", "failed on request"));
}

static int act_sleep(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    sleep_seconds(number_or(in, "seconds", 1));
    *out = json_incref(in);
    return YOGI_OK;
}

static int act_heartbeat(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    int beats = (int)number_or(in, "beats", 3);
    for (int i = 0; i < beats; i++) {
        tk->host->heartbeat();
        sleep_seconds(number_or(in, "interval", 0.01));
    }
    *out = json_pack("{s:i}", "beats", beats);
    return YOGI_OK;
}

static int act_call(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    json_t *args = json_object_get(in, "args");
    return tk->host->call(string_or(in, "op", "echo"), args ? args : json_null(), out, err);
}

/* Host services from several threads at once: heartbeats and host calls
 * must neither interleave their frames nor take each other's replies. */
typedef struct thread_job {
    testkit *tk;
    int rounds, calls_ok;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < job->rounds; i++) {
        job->tk->host->heartbeat();
        json_t *args = json_pack("{s:i}", "i", i), *result = NULL;
        yogi_error err;
        if (job->tk->host->call("echo", args, &result, &err) == YOGI_OK &&
            json_integer_value(json_object_get(json_object_get(result, "args"), "i")) == i)
            job->calls_ok++;
        json_decref(result);
        json_decref(args);
    }
    return NULL;
}

static int act_threads(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    enum { THREADS = 4 };
    pthread_t t[THREADS];
    thread_job jobs[THREADS];
    int started = 0, ok = 0;
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (thread_job){tk, (int)number_or(in, "rounds", 50), 0};
        if (pthread_create(&t[i], NULL, thread_main, &jobs[i]) == 0) started++;
        else break;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(t[i], NULL);
        ok += jobs[i].calls_ok;
    }
    *out = json_pack("{s:i, s:i}", "threads", started, "calls_ok", ok);
    return YOGI_OK;
}

static int act_fds(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return yogi_fail(err, "Testkit.Failed", "opendir: %s", strerror(errno));
    json_t *fds = json_array();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (*end || end == e->d_name || fd == dirfd(d)) continue;
        char link[64], target[512] = "";
        snprintf(link, sizeof link, "/proc/self/fd/%ld", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0) target[n] = '\0';
        json_array_append_new(fds, json_pack("{s:i, s:s}", "fd", (int)fd, "target", target));
    }
    closedir(d);
    *out = json_pack("{s:o}", "fds", fds);
    return YOGI_OK;
}

static int act_big(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    size_t n = (size_t)number_or(in, "bytes", 1 << 20);
    char *s = malloc(n + 1);
    if (!s) return yogi_fail(err, "Testkit.OutOfMemory", "cannot allocate %zu bytes", n);
    memset(s, 'y', n);
    s[n] = '\0';
    *out = json_pack("{s:s%}", "data", s, n);
    free(s);
    return *out ? YOGI_OK : yogi_fail(err, "Testkit.Failed", "json_pack failed");
}

static int act_env(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    struct rlimit rl;
    int deathsig = 0;
    getrlimit(RLIMIT_AS, &rl);
    prctl(PR_GET_PDEATHSIG, &deathsig);
    const char *key = string_or(in, "config", "");
    const char *value = *key ? tk->host->config(key) : NULL;
    const char *omp = getenv("OMP_THREAD_LIMIT");
    *out = json_pack("{s:i, s:i, s:I, s:s?, s:s?, s:s, s:i}", "pid", (int)getpid(), "tasks",
                     tk->tasks, "rlimit_as",
                     rl.rlim_cur == RLIM_INFINITY ? (json_int_t)-1 : (json_int_t)rl.rlim_cur,
                     "omp_thread_limit", omp, "config", value, "data_dir", tk->host->data_dir,
                     "pdeathsig", deathsig);
    json_object_set_new(*out, "no_new_privs", json_integer(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    return YOGI_OK;
}

static int act_stdout(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    printf("testkit writes to stdout\n");
    fflush(stdout);
    tk->host->log(YOGI_LOG_INFO, "testkit logs a line");
    *out = json_string("printed");
    return YOGI_OK;
}

/* Probes of the sandbox (engine/sandbox.c): calls a worker of a plugin
 * without network may not make. Reaching the end means the call was not
 * stopped: the task then succeeds and says so, which a test treats as a
 * failure of the sandbox. */
static int act_exec(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    char *const argv[] = {"/bin/true", NULL};
    execv(argv[0], argv);
    *out = json_pack("{s:s}", "exec", strerror(errno));
    return YOGI_OK;
}

static int act_socket(testkit *tk, json_t *in, json_t **out, yogi_error *err)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    *out = json_pack("{s:b}", "socket", fd >= 0);
    if (fd >= 0) close(fd);
    return YOGI_OK;
}

typedef int action_fn(testkit *tk, json_t *in, json_t **out, yogi_error *err);
static const struct {
    const char *name;
    action_fn *fn;
} actions[] = {
    {"crash", act_crash}, {"abort", act_abort},   {"hang", act_hang},
    {"exit", act_exit},   {"oom", act_oom},       {"echo", act_echo},
    {"fail", act_fail},   {"sleep", act_sleep},   {"heartbeat", act_heartbeat},
    {"call", act_call},   {"fds", act_fds},       {"big", act_big},
    {"env", act_env},     {"stdout", act_stdout}, {"garbage", act_garbage},
    {"close_socket", act_close_socket}, {"threads", act_threads},
    {"exec", act_exec},   {"socket", act_socket},
};

/* Config "testkit.fail_init" (env YOGI_TESTKIT_FAIL_INIT) makes init fail,
 * so tests can see how the pool treats a plugin that cannot start. */
static int testkit_init(const yogi_host *host, void **state, yogi_error *err)
{
    const char *fail = host->config("testkit.fail_init");
    if (fail && *fail) return yogi_fail(err, "Testkit.InitFailed", "%s", fail);
    testkit *tk = calloc(1, sizeof *tk);
    if (!tk) return yogi_fail(err, "Testkit.OutOfMemory", "calloc");
    tk->host = host;
    *state = tk;
    return YOGI_OK;
}

static int testkit_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                          yogi_error *err)
{
    testkit *tk = state;
    const char *action = string_or(input, "action", "echo");
    tk->tasks++;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (strcmp(actions[i].name, action) == 0) return actions[i].fn(tk, input, output, err);
    return yogi_fail(err, "Testkit.UnknownAction", "no action '%s'", action);
}

static void testkit_destroy(void *state)
{
    free(state);
}

YOGI_PLUGIN(testkit, testkit_init, testkit_invoke, testkit_destroy)
