/*
 * test_engine.c — the engine through its public API: every state type, the
 * data-flow chain, Retry and Catch rules, Parallel and Map, timeouts,
 * callbacks, stop, redrive, idempotent starts and resuming after a restart.
 *
 * The first group is a table: a workflow, an input, and the status, output
 * (or error) and history the engine must produce. The rest need more than
 * one call and are written out.
 */
#include <unistd.h>

#include "engine_harness.h"

typedef struct flow_case {
    const char *name, *yaml, *input;
    const char *status;  /* SUCCEEDED / FAILED / TIMED_OUT */
    const char *output;  /* expected output (JSON) when SUCCEEDED */
    const char *error;   /* expected error otherwise */
    const char *history; /* expected event types, comma-separated, or NULL */
} flow_case;

static const flow_case FLOWS[] = {
    {"pass result path", "StartAt: A\nStates:\n  A: {Type: Pass, Result: {x: 1}, ResultPath: $.r, End: true}\n",
     "{\"k\":2}", "SUCCEEDED", "{\"k\":2,\"r\":{\"x\":1}}", NULL,
     "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded"},
    {"input output paths", "StartAt: A\nStates:\n  A: {Type: Pass, InputPath: $.a, OutputPath: $.b, End: true}\n",
     "{\"a\":{\"b\":[1,2]}}", "SUCCEEDED", "[1,2]", NULL, NULL},
    {"parameters and context", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    Parameters: {\"v.$\": \"$.x\", \"s.$\": \"$$.State.Name\", \"f.$\": \"States.Format('{}-{}', $.x, $.x)\"}\n    End: true\n",
     "{\"x\":3}", "SUCCEEDED", "{\"v\":3,\"s\":\"A\",\"f\":\"3-3\"}", NULL, NULL},
    {"result path null keeps input", "StartAt: A\nStates:\n  A: {Type: Pass, Result: 1, ResultPath: null, End: true}\n",
     "{\"k\":1}", "SUCCEEDED", "{\"k\":1}", NULL, NULL},
    {"missing input path", "StartAt: A\nStates:\n  A: {Type: Pass, InputPath: $.nope, End: true}\n",
     "{}", "FAILED", NULL, "States.Runtime", "ExecutionStarted,PassStateEntered,ExecutionFailed"},
    {"choice picks a rule", "StartAt: C\nStates:\n  C:\n    Type: Choice\n    Choices:\n      - {Variable: $.n, NumericGreaterThan: 5, Next: Big}\n    Default: Small\n  Big: {Type: Pass, Result: big, End: true}\n  Small: {Type: Pass, Result: small, End: true}\n",
     "{\"n\":7}", "SUCCEEDED", "\"big\"", NULL, "ExecutionStarted,ChoiceStateEntered,ChoiceStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"},
    {"choice default", "StartAt: C\nStates:\n  C:\n    Type: Choice\n    Choices:\n      - And: [{Variable: $.n, IsPresent: true}, {Not: {Variable: $.n, NumericEquals: 1}}]\n        Next: Big\n    Default: Small\n  Big: {Type: Pass, Result: big, End: true}\n  Small: {Type: Pass, Result: small, End: true}\n",
     "{}", "SUCCEEDED", "\"small\"", NULL, NULL},
    {"choice no match", "StartAt: C\nStates:\n  C:\n    Type: Choice\n    Choices:\n      - {Variable: $.n, StringEquals: a, Next: D}\n  D: {Type: Succeed}\n",
     "{\"n\":\"b\"}", "FAILED", NULL, "States.NoChoiceMatched", NULL},
    {"wait seconds path", "StartAt: W\nStates:\n  W: {Type: Wait, SecondsPath: $.s, Next: D}\n  D: {Type: Succeed}\n",
     "{\"s\":0}", "SUCCEEDED", "{\"s\":0}", NULL, "ExecutionStarted,WaitStateEntered,WaitStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"},
    {"wait timestamp in the past", "StartAt: W\nStates:\n  W: {Type: Wait, Timestamp: '2020-01-01T00:00:00Z', End: true}\n",
     "{}", "SUCCEEDED", "{}", NULL, NULL},
    {"wait negative seconds path", "StartAt: W\nStates:\n  W: {Type: Wait, SecondsPath: $.s, End: true}\n",
     "{\"s\":-1}", "FAILED", NULL, "States.Runtime", NULL},
    {"fail with paths", "StartAt: F\nStates:\n  F: {Type: Fail, ErrorPath: $.e, CausePath: \"States.Format('bad {}', $.c)\"}\n",
     "{\"e\":\"My.Error\",\"c\":1}", "FAILED", NULL, "My.Error", "ExecutionStarted,FailStateEntered,ExecutionFailed"},
    {"task echo", "StartAt: T\nStates:\n  T: {Type: Task, Resource: plugin:echo, Parameters: {\"a.$\": \"$.x\"}, ResultSelector: {\"b.$\": \"$.a\"}, ResultPath: $.out, End: true}\n",
     "{\"x\":1}", "SUCCEEDED", "{\"x\":1,\"out\":{\"b\":1}}", NULL,
     "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"},
    {"retry then catch", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:testkit\n    Parameters: {action: fail, error: X.Flaky, cause: nope}\n    Retry: [{ErrorEquals: [X.Flaky], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 2}]\n    Catch: [{ErrorEquals: [States.ALL], ResultPath: $.err, Next: D}]\n    End: true\n  D: {Type: Succeed}\n",
     "{}", "SUCCEEDED", "{\"err\":{\"Error\":\"X.Flaky\",\"Cause\":\"nope\"}}", NULL,
     "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskFailed,TaskStateExited,SucceedStateEntered,SucceedStateExited,ExecutionSucceeded"},
    {"exhausted retrier falls to catch, not the next retrier", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:testkit\n    Parameters: {action: fail, error: X.A}\n    Retry:\n      - {ErrorEquals: [X.A], IntervalSeconds: 1, MaxAttempts: 1}\n      - {ErrorEquals: [States.ALL], IntervalSeconds: 1, MaxAttempts: 5}\n    End: true\n",
     "{}", "FAILED", NULL, "X.A",
     "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,TaskScheduled,TaskStarted,TaskFailed,ExecutionFailed"},
    {"max attempts zero", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:testkit\n    Parameters: {action: fail, error: X.A}\n    Retry: [{ErrorEquals: [X.A], MaxAttempts: 0}]\n    End: true\n",
     "{}", "FAILED", NULL, "X.A", "ExecutionStarted,TaskStateEntered,TaskScheduled,TaskStarted,TaskFailed,ExecutionFailed"},
    {"task timeout is not TaskFailed", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:testkit\n    Parameters: {action: sleep, seconds: 5}\n    TimeoutSeconds: 1\n    Catch:\n      - {ErrorEquals: [States.TaskFailed], Next: Wrong}\n      - {ErrorEquals: [States.Timeout], Next: Right}\n    End: true\n  Wrong: {Type: Fail, Error: wrong}\n  Right: {Type: Succeed}\n",
     "{}", "SUCCEEDED", "{\"Error\":\"States.Timeout\",\"Cause\":\"\"}", NULL, NULL},
    {"crashing plugin fails its task only", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:testkit\n    Parameters: {action: crash}\n    Catch: [{ErrorEquals: [States.TaskFailed], ResultPath: $.e, Next: D}]\n    End: true\n  D: {Type: Pass, Result: survived, End: true}\n",
     "{}", "SUCCEEDED", "\"survived\"", NULL, NULL},
    {"runtime errors are not caught", "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:echo\n    InputPath: $.missing\n    Catch: [{ErrorEquals: [States.ALL], Next: D}]\n    End: true\n  D: {Type: Succeed}\n",
     "{}", "FAILED", NULL, "States.Runtime", NULL},
    {"parallel keeps branch order", "StartAt: P\nStates:\n  P:\n    Type: Parallel\n    Branches:\n      - {StartAt: A, States: {A: {Type: Wait, Seconds: 1, Next: A2}, A2: {Type: Pass, Result: 1, End: true}}}\n      - {StartAt: B, States: {B: {Type: Pass, Result: 2, End: true}}}\n    End: true\n",
     "{}", "SUCCEEDED", "[1,2]", NULL, NULL},
    {"parallel branch failure is caught", "StartAt: P\nStates:\n  P:\n    Type: Parallel\n    Branches:\n      - {StartAt: A, States: {A: {Type: Fail, Error: E.X, Cause: c}}}\n      - {StartAt: B, States: {B: {Type: Wait, Seconds: 30, End: true}}}\n    Catch: [{ErrorEquals: [E.X], Next: D}]\n    End: true\n  D: {Type: Succeed}\n",
     "{}", "SUCCEEDED", "{\"Error\":\"E.X\",\"Cause\":\"c\"}", NULL, NULL},
    {"map with selector and concurrency", "StartAt: M\nStates:\n  M:\n    Type: Map\n    ItemsPath: $.xs\n    MaxConcurrency: 2\n    ItemSelector: {\"v.$\": \"$$.Map.Item.Value\", \"i.$\": \"$$.Map.Item.Index\", \"k.$\": \"$.k\"}\n    ItemProcessor:\n      StartAt: T\n      States:\n        T: {Type: Task, Resource: plugin:echo, End: true}\n    ResultPath: $.out\n    End: true\n",
     "{\"xs\":[5,6,7],\"k\":0}", "SUCCEEDED",
     "{\"xs\":[5,6,7],\"k\":0,\"out\":[{\"v\":5,\"i\":0,\"k\":0},{\"v\":6,\"i\":1,\"k\":0},{\"v\":7,\"i\":2,\"k\":0}]}", NULL, NULL},
    {"map of nothing", "StartAt: M\nStates:\n  M:\n    Type: Map\n    ItemProcessor: {StartAt: T, States: {T: {Type: Succeed}}}\n    End: true\n",
     "[]", "SUCCEEDED", "[]", NULL, "ExecutionStarted,MapStateEntered,MapStateStarted,MapStateSucceeded,MapStateExited,ExecutionSucceeded"},
    {"map tolerates failures", "StartAt: M\nStates:\n  M:\n    Type: Map\n    ToleratedFailureCount: 1\n    ItemProcessor:\n      StartAt: C\n      States:\n        C:\n          Type: Choice\n          Choices: [{Variable: $, NumericEquals: 2, Next: F}]\n          Default: S\n        F: {Type: Fail, Error: Two}\n        S: {Type: Pass, End: true}\n    End: true\n",
     "[1,2,3]", "SUCCEEDED", "[1,{\"Error\":\"Two\",\"Cause\":null},3]", NULL, NULL},
    {"map failure beyond tolerance", "StartAt: M\nStates:\n  M:\n    Type: Map\n    ItemProcessor:\n      StartAt: F\n      States:\n        F: {Type: Fail, Error: Bad}\n    End: true\n",
     "[1]", "FAILED", NULL, "Bad", NULL},
    {"workflow timeout", "TimeoutSeconds: 1\nStartAt: W\nStates:\n  W: {Type: Wait, Seconds: 30, End: true}\n",
     "{}", "TIMED_OUT", NULL, "States.Timeout", NULL},
    {"payload limit", "StartAt: A\nStates:\n  A: {Type: Pass, Parameters: {\"a.$\": \"States.ArrayRange(1, 999, 1)\", \"b.$\": \"States.ArrayRange(1, 999, 1)\"}, Next: B}\n  B: {Type: Map, ItemsPath: $.a, ItemSelector: {\"x.$\": \"$.b\"}, ItemProcessor: {StartAt: P, States: {P: {Type: Pass, End: true}}}, End: true}\n",
     "{}", "FAILED", NULL, "States.DataLimitExceeded", NULL},
};

static void test_flows(void)
{
    engine *e = harness_open("data", NULL);
    if (!e) return;
    for (size_t i = 0; i < sizeof FLOWS / sizeof FLOWS[0]; i++) {
        const flow_case *c = &FLOWS[i];
        char id[64];
        printf("# case: %s\n", c->name);
        json_t *d = harness_run(e, c->yaml, c->input, id);
        if (!d) continue;
        CHECK_STR(json_string_value(json_object_get(d, "status")), c->status);
        if (c->output) CHECK(json_equals_text(json_object_get(d, "output"), c->output));
        if (c->error) CHECK_STR(json_string_value(json_object_get(d, "error")), c->error);
        if (c->history) {
            char *h = harness_history(e, id);
            CHECK_STR(h, c->history);
            free(h);
        }
        json_decref(d);
    }
    engine_close(e);
}

static const char CALLBACK_FLOW[] =
    "StartAt: Review\nStates:\n  Review:\n    Type: Task\n    Resource: plugin:echo.waitForTaskToken\n"
    "    Parameters: {\"token.$\": \"$$.Task.Token\", \"doc.$\": \"$.doc\"}\n"
    "    HeartbeatSeconds: 60\n    ResultPath: $.review\n    End: true\n";

static const char *waiting_token(engine *e, char *buf, size_t len)
{
    json_t *cbs = engine_list_callbacks(e, 0);
    const char *t = json_string_value(json_object_get(json_array_get(cbs, 0), "token"));
    snprintf(buf, len, "%s", t ? t : "");
    json_decref(cbs);
    return buf;
}

static void start_named(engine *e, const char *wf, const char *name, const char *input,
                        char *id)
{
    json_t *in = json_loads(input, 0, NULL);
    engine_start_request req = {.workflow = wf, .input = in, .name = name};
    yogi_error err = {{0}, {0}};
    if (engine_start(e, &req, id, &err) != 0) test_fail_(__FILE__, __LINE__, "%s", err.cause);
    json_decref(in);
}

static void test_callback_round_trip(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "review", CALLBACK_FLOW);
    char id[64], token[256];
    start_named(e, "review", "doc-1", "{\"doc\":1}", id);
    json_decref(harness_wait(e, id, true, 5000));
    waiting_token(e, token, sizeof token);
    CHECK(strlen(token) > 40);
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_task_heartbeat(e, token, &err), 0);
    json_t *answer = json_loads("{\"ok\":true}", 0, NULL);
    CHECK_INT(engine_task_success(e, token, answer, &err), 0);
    /* a token answers once */
    CHECK_INT(engine_task_success(e, token, answer, &err), -1);
    CHECK_STR(err.name, "TaskDoesNotExist");
    CHECK_INT(engine_task_success(e, "ex_nope.1.00", answer, &err), -1);
    json_decref(answer);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    CHECK(json_equals_text(json_object_get(d, "output"), "{\"doc\":1,\"review\":{\"ok\":true}}"));
    json_decref(d);
    engine_close(e);
}

static void test_callback_failure(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "review", CALLBACK_FLOW);
    char id[64], token[256];
    start_named(e, "review", "doc-2", "{\"doc\":2}", id);
    json_decref(harness_wait(e, id, true, 5000));
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_task_failure(e, waiting_token(e, token, sizeof token), "Review.Rejected",
                                  "blurry", &err), 0);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "error")), "Review.Rejected");
    CHECK_STR(json_string_value(json_object_get(d, "cause")), "blurry");
    json_decref(d);
    engine_close(e);
}

/* A callback waits across a restart of the engine, and its token still works. */
static void test_callback_survives_restart(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "review", CALLBACK_FLOW);
    char id[64], token[256];
    start_named(e, "review", "doc-3", "{\"doc\":3}", id);
    json_decref(harness_wait(e, id, true, 5000));
    waiting_token(e, token, sizeof token);
    engine_close(e);
    e = harness_open("data", NULL);
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_task_success(e, token, json_true(), &err), 0);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    json_decref(d);
    engine_close(e);
}

static void test_idempotent_start(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "wait", "StartAt: W\nStates:\n  W: {Type: Wait, Seconds: 1, End: true}\n");
    char a[64], b[64];
    start_named(e, "wait", "same", "{\"x\":1}", a);
    start_named(e, "wait", "same", "{\"x\":1}", b);
    CHECK_STR(a, b);
    json_t *other = json_loads("{\"x\":2}", 0, NULL);
    engine_start_request req = {.workflow = "wait", .input = other, .name = "same"};
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_start(e, &req, b, &err), -1);
    CHECK_STR(err.name, "ExecutionAlreadyExists");
    req.name = "bad/name";
    CHECK_INT(engine_start(e, &req, b, &err), -1);
    CHECK_STR(err.name, "InvalidName");
    req.name = NULL;
    req.workflow = "nope";
    CHECK_INT(engine_start(e, &req, b, &err), -1);
    CHECK_STR(err.name, "StateMachineDoesNotExist");
    json_decref(other);
    engine_close(e);
}

static void test_stop_and_redrive(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "two", "StartAt: A\nStates:\n  A: {Type: Pass, Result: 1, ResultPath: $.a, Next: W}\n"
                          "  W: {Type: Wait, Seconds: 60, Next: B}\n  B: {Type: Pass, End: true}\n");
    char id[64];
    start_named(e, "two", "s1", "{}", id);
    json_decref(harness_wait(e, id, false, 300));
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_stop(e, id, "Operator.Stop", "testing", &err), 0);
    json_t *d = engine_describe(e, id);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "ABORTED");
    json_decref(d);
    CHECK_INT(engine_stop(e, id, NULL, NULL, &err), -1);
    CHECK_STR(err.name, "ExecutionNotRunning");
    /* Redrive resumes at W with the input W had: A does not run again. */
    CHECK_INT(engine_redrive(e, id, &err), 0);
    d = engine_describe(e, id);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "RUNNING");
    CHECK_STR(json_string_value(json_object_get(d, "state")), "W");
    CHECK_INT(json_integer_value(json_object_get(d, "redrive_count")), 1);
    json_decref(d);
    char *h = harness_history(e, id);
    CHECK(strstr(h, "ExecutionAborted,ExecutionRedriven,WaitStateEntered") != NULL);
    free(h);
    engine_close(e);
}

static void test_redrive_failed_task(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "flaky", "StartAt: T\nStates:\n  T: {Type: Task, Resource: plugin:testkit, End: true}\n");
    char id[64];
    start_named(e, "flaky", "f1", "{\"action\":\"fail\"}", id);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "FAILED");
    json_decref(d);
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_redrive(e, id, &err), 0);
    d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "FAILED");
    CHECK_INT(json_integer_value(json_object_get(d, "redrive_count")), 1);
    json_decref(d);
    engine_close(e);
}

/* Close the engine in the middle of a Wait; a new engine finishes it once. */
static void test_resume_after_restart(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "w", "StartAt: W\nStates:\n  W: {Type: Wait, Seconds: 1, Next: T}\n"
                        "  T: {Type: Task, Resource: plugin:echo, End: true}\n");
    char id[64];
    start_named(e, "w", "r1", "{\"v\":1}", id);
    engine_close(e);
    e = harness_open("data", NULL);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    char *h = harness_history(e, id);
    CHECK_STR(h, "ExecutionStarted,WaitStateEntered,WaitStateExited,TaskStateEntered,"
                 "TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded");
    free(h);
    json_decref(d);
    engine_close(e);
}

static void test_invalid_definition(void)
{
    engine *e = harness_open("data", NULL);
    const char *bad = "StartAt: A\nStates:\n  A: {Type: Pass, Next: Nowhere}\n  B: {Type: Succeed}\n";
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_put_workflow(e, "bad", bad, strlen(bad), &err), -1);
    CHECK_STR(err.name, "InvalidDefinition");
    CHECK(strstr(err.cause, "bad:3:") != NULL);
    const char *plugin = "StartAt: T\nStates:\n  T: {Type: Task, Resource: plugin:nosuch, End: true}\n";
    CHECK_INT(engine_put_workflow(e, "bad2", plugin, strlen(plugin), &err), -1);
    engine_close(e);
}

static void test_versions(void)
{
    engine *e = harness_open("data", NULL);
    const char *v1 = "StartAt: A\nStates:\n  A: {Type: Pass, Result: 1, End: true}\n";
    const char *v2 = "StartAt: A\nStates:\n  A: {Type: Pass, Result: 2, End: true}\n";
    CHECK_INT(harness_put(e, "v", v1), 1);
    CHECK_INT(harness_put(e, "v", v1), 1);
    CHECK_INT(harness_put(e, "v", v2), 2);
    json_t *w = engine_get_workflow(e, "v", 1);
    CHECK(json_equals_text(json_object_get(json_object_get(json_object_get(json_object_get(w,
        "definition"), "States"), "A"), "Result"), "1"));
    json_decref(w);
    engine_close(e);
}

/* A plugin's Retry-After (yogi_host.retry_after) is a floor under the
 * retrier's back-off: the retry waits 3 s, not the 1 s interval. */
static void test_retry_after_floor(void)
{
    engine *e = harness_open("data", NULL);
    char id[64];
    json_t *d = harness_run(e,
        "StartAt: T\nStates:\n  T:\n    Type: Task\n    Resource: plugin:testkit\n"
        "    Parameters: {action: fail, error: X.Busy, retry_after: 3}\n"
        "    Retry: [{ErrorEquals: [X.Busy], IntervalSeconds: 1, MaxAttempts: 1}]\n"
        "    End: true\n", "{}", id);
    CHECK_STR(json_string_value(json_object_get(d, "error")), "X.Busy");
    json_decref(d);
    json_t *page = engine_history(e, id, 0, 100);
    int64_t failed_at = 0, rescheduled_at = 0;
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(page, "events"), i, ev) {
        const char *t = json_string_value(json_object_get(ev, "type"));
        int64_t ts = json_integer_value(json_object_get(ev, "timestamp"));
        if (!strcmp(t, "TaskFailed") && !failed_at) failed_at = ts;
        if (!strcmp(t, "TaskScheduled") && failed_at && !rescheduled_at) rescheduled_at = ts;
    }
    printf("# retried %lld ms after the failure\n", (long long)(rescheduled_at - failed_at));
    CHECK(rescheduled_at - failed_at >= 2900);
    json_decref(page);
    engine_close(e);
}

static void test_one_engine_per_directory(void)
{
    engine *e = harness_open("data", NULL);
    engine_options o = {.data_dir = "data", .plugin_dir = "."};
    yogi_error err = {{0}, {0}};
    engine *second = engine_open(&o, &err);
    CHECK(second == NULL);
    CHECK_STR(err.name, "Engine.Busy");
    engine_close(e);
}

/* A workflow directory that is missing means no workflows; one that cannot
 * be read (here: a file) stops the start with a named error rather than a
 * service silently running without its workflows. */
static void test_workflow_dir_unreadable(void)
{
    yogi_error err = {{0}, {0}};
    engine_options o = {.data_dir = "wfdata", .plugin_dir = ".", .workflow_dir = "no-such-dir"};
    engine *e = engine_open(&o, &err);
    CHECK(e != NULL);
    if (e) engine_close(e);
    FILE *f = fopen("plain-file", "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    o.workflow_dir = "plain-file";
    e = engine_open(&o, &err);
    CHECK(e == NULL);
    CHECK_STR(err.name, "Engine.WorkflowDir");
    if (e) engine_close(e);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_flows),
        TEST(test_callback_round_trip),
        TEST(test_callback_failure),
        TEST(test_callback_survives_restart),
        TEST(test_idempotent_start),
        TEST(test_stop_and_redrive),
        TEST(test_redrive_failed_task),
        TEST(test_resume_after_restart),
        TEST(test_invalid_definition),
        TEST(test_versions),
        TEST(test_retry_after_floor),
        TEST(test_one_engine_per_directory),
        TEST(test_workflow_dir_unreadable),
        {0},
    };
    return test_main(argc, argv, tests);
}
