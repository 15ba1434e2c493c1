/*
 * test_crash.c — kill -9 the engine at random moments; nothing may be lost
 * or done twice.
 *
 * A child process runs the engine on a data directory: it starts
 * EXECUTIONS named executions of a workflow with a Wait, a Task that fails
 * and retries with back-off before its Catch, a Map over four items with
 * MaxConcurrency 2, and a callback task, and answers every waiting callback
 * itself (standing in for a reviewer). The parent SIGKILLs it after a random
 * delay, KILLS times, restarting it each time; then lets a last child run
 * every execution to its end. Then it checks, through a fresh engine:
 *
 *   - every execution SUCCEEDED with exactly the output it must have;
 *   - its history has contiguous event ids and exactly the expected number
 *     of each event type: no transition missing, none repeated (each Wait
 *     timer fired once, each retry counted once);
 *   - PRAGMA integrity_check is ok.
 *
 * The reviewer answers callbacks only after the kill phase, so executions
 * also wait at their callback across many restarts.
 *
 * Starts are idempotent by name, so a child killed between starts simply
 * starts the rest next time. The kill count and seed are printed so a
 * failure can be replayed (CRASH_SEED).
 */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine_harness.h"
#include "store.h"

#define EXECUTIONS 16
#define KILLS 110

static const char WORKFLOW[] =
    "StartAt: Prepare\n"
    "States:\n"
    "  Prepare:\n"
    "    Type: Pass\n"
    "    Parameters: {\"n.$\": \"$.n\", \"items\": [1, 2, 3, 4]}\n"
    "    Next: Pause\n"
    "  Pause: {Type: Wait, Seconds: 1, Next: Flaky}\n"
    "  Flaky:\n"
    "    Type: Task\n"
    "    Resource: plugin:testkit\n"
    "    Parameters: {action: fail, error: Test.Transient, cause: flaky}\n"
    "    Retry: [{ErrorEquals: [Test.Transient], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1.5}]\n"
    "    Catch: [{ErrorEquals: [States.ALL], ResultPath: $.caught, Next: Fan}]\n"
    "    Next: Fan\n"
    "  Fan:\n"
    "    Type: Map\n"
    "    ItemsPath: $.items\n"
    "    MaxConcurrency: 2\n"
    "    ItemProcessor:\n"
    "      StartAt: Work\n"
    "      States:\n"
    "        Work: {Type: Task, Resource: plugin:echo, Next: Double}\n"
    "        Double: {Type: Pass, Parameters: {\"v.$\": \"States.MathAdd($, $)\"}, End: true}\n"
    "    ResultPath: $.doubled\n"
    "    Next: Approve\n"
    "  Approve:\n"
    "    Type: Task\n"
    "    Resource: plugin:echo.waitForTaskToken\n"
    "    Parameters: {\"token.$\": \"$$.Task.Token\", \"n.$\": \"$.n\"}\n"
    "    ResultPath: $.approval\n"
    "    Next: Done\n"
    "  Done: {Type: Succeed}\n";

/* Expected count of each event type in one execution's history. */
static const struct {
    const char *type;
    int count;
} EXPECTED[] = {
    {"ExecutionStarted", 1},   {"PassStateEntered", 5},     {"PassStateExited", 5},
    {"WaitStateEntered", 1},   {"WaitStateExited", 1},      {"TaskStateEntered", 6},
    {"TaskScheduled", 8},      {"TaskStarted", 8},          {"TaskFailed", 3},
    {"TaskSucceeded", 5},      {"TaskStateExited", 6},      {"MapStateEntered", 1},
    {"MapStateStarted", 1},    {"MapIterationStarted", 4},  {"MapIterationSucceeded", 4},
    {"MapStateSucceeded", 1},  {"MapStateExited", 1},       {"SucceedStateEntered", 1},
    {"SucceedStateExited", 1}, {"ExecutionSucceeded", 1},
};

/* The reviewer answers only once the parent has created "approve" (after
 * the kill phase), so executions wait at the callback across many kills. */
static void answer_callbacks(engine *e)
{
    if (access("approve", F_OK) != 0) return;
    json_t *cbs = engine_list_callbacks(e, 0);
    size_t i;
    json_t *cb;
    json_array_foreach(cbs, i, cb) {
        json_t *input = json_object_get(cb, "input");
        json_t *answer = json_pack("{s:O}", "approved", json_object_get(input, "n"));
        yogi_error err = {{0}, {0}};
        if (engine_task_success(e, json_string_value(json_object_get(cb, "token")), answer,
                                &err) != 0) /* verify() finds what this lost */
            fprintf(stderr, "child: answer: %s: %s\n", err.name, err.cause);
        json_decref(answer);
    }
    json_decref(cbs);
}

static int running_count(engine *e)
{
    json_t *m = engine_metrics(e);
    int n = (int)json_integer_value(json_object_get(json_object_get(m, "executions"), "RUNNING"));
    json_decref(m);
    return n;
}

/* The child: resume, start the first `started` executions (those already
 * started attach by name), run until everything ended. */
static __attribute__((noreturn)) void engine_child(int started)
{
    char plugins[PATH_MAX];
    snprintf(plugins, sizeof plugins, "%s/states", test_build_dir());
    engine_options o = {.data_dir = "data", .plugin_dir = plugins, .workers = 2};
    yogi_error err = {{0}, {0}};
    engine *e = engine_open(&o, &err);
    if (!e) {
        fprintf(stderr, "child: %s: %s\n", err.name, err.cause);
        _exit(3);
    }
    if (engine_put_workflow(e, "crash", WORKFLOW, strlen(WORKFLOW), &err) < 0) _exit(4);
    for (int i = 0; i < started && i < EXECUTIONS; i++) {
        char name[32], id[64];
        snprintf(name, sizeof name, "crash-%d", i);
        json_t *input = json_pack("{s:i}", "n", i);
        engine_start_request req = {.workflow = "crash", .input = input, .name = name};
        if (engine_start(e, &req, id, &err) != 0) /* verify() finds it missing */
            fprintf(stderr, "child: start %s: %s: %s\n", name, err.name, err.cause);
        json_decref(input);
    }
    while (running_count(e) > 0) {
        answer_callbacks(e);
        struct pollfd p = {.fd = engine_fd(e), .events = POLLIN};
        int t = engine_timeout_ms(e);
        poll(&p, 1, t < 0 || t > 20 ? 20 : t);
        engine_run_once(e);
    }
    engine_close(e);
    _exit(0);
}

static bool check_history(engine *e, const char *id)
{
    json_t *page = engine_history(e, id, 0, 10000);
    json_t *events = json_object_get(page, "events");
    int counts[sizeof EXPECTED / sizeof EXPECTED[0]] = {0};
    bool ok = true;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (json_integer_value(json_object_get(ev, "id")) != (json_int_t)i + 1) ok = false;
        const char *type = json_string_value(json_object_get(ev, "type"));
        bool known = strcmp(type, "TaskSubmitted") == 0; /* 0 or 1: the reviewer may answer first */
        for (size_t k = 0; k < sizeof EXPECTED / sizeof EXPECTED[0]; k++)
            if (strcmp(EXPECTED[k].type, type) == 0) counts[k]++, known = true;
        if (!known) printf("# %s: unexpected event %s\n", id, type), ok = false;
    }
    for (size_t k = 0; k < sizeof EXPECTED / sizeof EXPECTED[0]; k++)
        if (counts[k] != EXPECTED[k].count) {
            printf("# %s: %d x %s, expected %d\n", id, counts[k], EXPECTED[k].type,
                   EXPECTED[k].count);
            ok = false;
        }
    json_decref(page);
    return ok;
}

static void verify(void)
{
    engine *e = harness_open("data", NULL);
    if (!e) return;
    json_t *page = engine_list_executions(e, NULL, "crash", 1000, NULL);
    json_t *list = json_object_get(page, "executions");
    CHECK_INT(json_array_size(list), EXECUTIONS);
    size_t i;
    json_t *row;
    json_array_foreach(list, i, row) {
        const char *id = json_string_value(json_object_get(row, "id"));
        json_t *d = engine_describe(e, id);
        CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
        json_t *n = json_object_get(json_object_get(d, "input"), "n");
        char expected[512];
        snprintf(expected, sizeof expected,
                 "{\"n\":%lld,\"items\":[1,2,3,4],\"caught\":{\"Error\":\"Test.Transient\","
                 "\"Cause\":\"flaky\"},\"doubled\":[{\"v\":2},{\"v\":4},{\"v\":6},{\"v\":8}],"
                 "\"approval\":{\"approved\":%lld}}",
                 (long long)json_integer_value(n), (long long)json_integer_value(n));
        CHECK(json_equals_text(json_object_get(d, "output"), expected));
        CHECK(check_history(e, id));
        json_decref(d);
    }
    json_decref(page);
    char detail[256];
    CHECK(store_integrity_ok(engine_store(e), detail, sizeof detail));
    engine_close(e);
}

static void test_kill_minus_nine(void)
{
    const char *seed_env = getenv("CRASH_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10) : (unsigned)time(NULL);
    srand(seed);
    printf("# CRASH_SEED=%u\n", seed);
    int kills = 0, finished_early = 0;
    /* Executions start in waves across the kill phase, so that every kill
     * finds work in flight: starts, timers, retries, Map iterations, callbacks. */
    for (int round = 0; kills < KILLS && finished_early < 200; round++) {
        pid_t pid = fork();
        if (pid == 0) engine_child(2 + round / 6);
        struct timespec ts = {0, (long)(10 + rand() % 140) * 1000000L};
        nanosleep(&ts, NULL);
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            printf("# engine child ended by itself: %s %d\n",
                   WIFEXITED(status) ? "exit" : "signal",
                   WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            finished_early++;          /* everything started had ended: start more */
            continue;
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        kills++;
    }
    printf("# %d kills\n", kills);
    CHECK(kills >= 100);
    FILE *approve = fopen("approve", "w");
    if (approve) fclose(approve);
    pid_t pid = fork();
    if (pid == 0) engine_child(EXECUTIONS);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    verify();
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {TEST(test_kill_minus_nine), {0}};
    return test_main(argc, argv, tests);
}
