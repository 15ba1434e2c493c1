/*
 * test_variables.c — workflow variables (Assign, $name) through the engine's
 * public API: what a later state reads, the scopes of Parallel branches and
 * Map iterations, the order in which one state's assignments take effect,
 * the size limits, and variables surviving a restart and a kill -9 of the
 * engine in the middle of an execution.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine_harness.h"

static void check_run(const char *yaml, const char *input, const char *status, const char *output,
                      const char *error)
{
    engine *e = harness_open("data", NULL);
    json_t *d = harness_run(e, yaml, input, NULL);
    CHECK_STR(json_string_value(json_object_get(d, "status")), status);
    if (output) CHECK(json_equals_text(json_object_get(d, "output"), output));
    if (error) CHECK_STR(json_string_value(json_object_get(d, "error")), error);
    if (error && strcmp(json_string_value(json_object_get(d, "error")) ?: "", error) != 0)
        printf("# cause: %s\n", json_string_value(json_object_get(d, "cause")));
    json_decref(d);
    engine_close(e);
}

/* A later state reads what an earlier one assigned, in every kind of field. */
static void test_later_states_read(void)
{
    check_run("StartAt: A\nStates:\n"
              "  A: {Type: Pass, Result: {n: 2, s: '2024-01-01T00:00:00Z'}, Assign: {n.$: $.n, s.$: $.s,"
              " lit: {k: [1, 2]}, ctx.$: $$.State.Name, f.$: \"States.Format('n={}', $.n)\"}, Next: C}\n"
              "  C: {Type: Choice, Choices: [{Variable: $n, NumericEqualsPath: '$lit.k[1]', Next: W}],"
              " Default: Bad}\n"
              "  W: {Type: Wait, TimestampPath: $s, Next: P}\n"
              "  Bad: {Type: Fail, Error: Wrong}\n"
              "  P: {Type: Pass, Parameters: {n.$: $n, k.$: $lit.k, ctx.$: $ctx, f.$: $f,"
              " sum.$: 'States.MathAdd($n, $lit.k[0])', k0.$: '$lit.k[0]'}, End: true}\n",
              "{}", "SUCCEEDED", "{\"n\":2,\"k\":[1,2],\"ctx\":\"A\",\"f\":\"n=2\",\"sum\":3,\"k0\":1}", NULL);
}

/* One state's assignments see the old values, and its OutputPath too. */
static void test_evaluation_order(void)
{
    check_run("StartAt: A\nStates:\n"
              "  A: {Type: Pass, Assign: {x: 1}, Next: B}\n"
              "  B: {Type: Pass, Assign: {x: 2, old.$: $x}, OutputPath: $x, Next: C}\n"
              "  C: {Type: Pass, Parameters: {x.$: $x, old.$: $old, out.$: $}, End: true}\n",
              "{}", "SUCCEEDED", "{\"x\":2,\"old\":1,\"out\":1}", NULL);
}

/* A state cannot read what it assigns itself: the value is not there yet,
 * and the cause says so. */
static void test_not_assigned_yet(void)
{
    engine *e = harness_open("data", NULL);
    json_t *d = harness_run(e, "StartAt: A\nStates:\n"
                               "  A: {Type: Pass, Assign: {x: 1}, Parameters: {v.$: $x}, End: true}\n",
                            "{}", NULL);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "FAILED");
    const char *cause = json_string_value(json_object_get(d, "cause"));
    CHECK(cause && strstr(cause, "reads the variable '$x', which is not assigned yet") != NULL);
    json_decref(d);
    engine_close(e);
}

/* The StateExited event shows what the state assigned, as AWS's does. */
static void test_exit_event(void)
{
    engine *e = harness_open("data", NULL);
    char id[64];
    json_t *d = harness_run(e, "StartAt: A\nStates:\n  A: {Type: Pass, Assign: {x: 1, s: hi}, Next: B}\n"
                               "  B: {Type: Pass, End: true}\n", "{}", id);
    json_decref(d);
    json_t *page = engine_history(e, id, 0, 100), *ev, *shown = NULL;
    size_t i;
    json_array_foreach (json_object_get(page, "events"), i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (type && strcmp(type, "PassStateExited") == 0 && !shown)
            shown = json_object_get(json_object_get(ev, "details"), "assignedVariables");
    }
    CHECK(json_equals_text(shown, "{\"x\":\"1\",\"s\":\"\\\"hi\\\"\"}"));
    json_decref(page);
    engine_close(e);
}

/* Map iterations and Parallel branches read the outer variables; what they
 * assign stays inside, even under an outer name. */
static void test_scopes(void)
{
    check_run("StartAt: A\nStates:\n"
              "  A: {Type: Pass, Assign: {x: 1, items: [10, 20]}, Next: M}\n"
              "  M:\n    Type: Map\n    ItemsPath: $items\n    Next: P\n    ResultPath: $.m\n"
              "    ItemProcessor:\n      StartAt: I\n      States:\n"
              "        I: {Type: Pass, Assign: {x: 99, mine.$: $}, Next: J}\n"
              "        J: {Type: Pass, Parameters: {x.$: $x, mine.$: $mine, items.$: $items}, End: true}\n"
              "  P:\n    Type: Parallel\n    ResultPath: $.p\n    Next: Z\n    Branches:\n"
              "      - StartAt: B1\n        States:\n"
              "          B1: {Type: Pass, Assign: {x: 5}, Next: B2}\n"
              "          B2: {Type: Pass, Parameters: {x.$: $x}, End: true}\n"
              "      - StartAt: C1\n        States:\n"
              "          C1: {Type: Pass, Parameters: {x.$: $x}, End: true}\n"
              "  Z: {Type: Pass, Parameters: {x.$: $x, m.$: $.m, p.$: $.p}, End: true}\n",
              "{}", "SUCCEEDED",
              "{\"x\":1,\"m\":[{\"x\":99,\"mine\":10,\"items\":[10,20]},"
              "{\"x\":99,\"mine\":20,\"items\":[10,20]}],\"p\":[{\"x\":5},{\"x\":1}]}",
              NULL);
}

/* A catcher's Assign reads the error output. */
static void test_catcher_assign(void)
{
    check_run("StartAt: T\nStates:\n"
              "  T: {Type: Task, Resource: plugin:testkit, Next: Z,"
              " Catch: [{ErrorEquals: [States.ALL], Assign: {err.$: $.Error}, ResultPath: null, Next: Z}]}\n"
              "  Z: {Type: Pass, Parameters: {err.$: $err}, End: true}\n",
              "{\"action\":\"fail\",\"error\":\"My.Error\"}", "SUCCEEDED", "{\"err\":\"My.Error\"}", NULL);
}

static char *big_string_input(size_t n)
{
    char *text = malloc(n + 16);
    memcpy(text, "{\"s\":\"", 6);
    memset(text + 6, 'a', n);
    memcpy(text + 6 + n, "\"}", 3);
    return text;
}

/* AWS's limits: 256 KiB for one variable and for one Assign, 10 MiB in all. */
static void test_size_limits(void)
{
    char *input = big_string_input(150 * 1024);
    /* Each value is under the limit, both together are over it. */
    check_run("StartAt: A\nStates:\n  A: {Type: Pass, Assign: {a.$: $.s, b.$: $.s}, End: true}\n",
              input, "FAILED", NULL, "States.DataLimitExceeded");
    /* One value over it. */
    check_run("StartAt: A\nStates:\n"
              "  A: {Type: Pass, Assign: {a.$: \"States.Format('{}{}', $.s, $.s)\"}, End: true}\n",
              input, "FAILED", NULL, "States.DataLimitExceeded");
    /* Just under: fine. */
    check_run("StartAt: A\nStates:\n  A: {Type: Pass, Assign: {a.$: $.s}, Next: B}\n"
              "  B: {Type: Pass, Parameters: {n.$: \"States.ArrayLength(States.StringSplit($a, 'b'))\"},"
              " End: true}\n",
              input, "SUCCEEDED", "{\"n\":1}", NULL);
    free(input);
    /* 70 states of 150 KiB each: past 10 MiB, the state that crosses it fails. */
    input = big_string_input(150 * 1024);
    size_t cap = 70 * 128 + 64, len = 0;
    char *yaml = malloc(cap);
    len += (size_t)snprintf(yaml + len, cap - len, "StartAt: S0\nStates:\n");
    for (int i = 0; i < 70; i++)
        len += (size_t)snprintf(yaml + len, cap - len,
                                "  S%d: {Type: Pass, Assign: {v%d.$: $.s}, %s%d}\n", i, i,
                                i < 69 ? "Next: S" : "End: true, Comment: c", i + 1);
    check_run(yaml, input, "FAILED", NULL, "States.DataLimitExceeded");
    free(yaml);
    free(input);
}

/* JSONata mode: Assign, Output, Condition and Arguments read $states and
 * the variables; a JSONPath state reads what a JSONata state assigned. */
static void test_jsonata_mode(void)
{
    check_run("StartAt: A\nStates:\n"
              "  A: {Type: Pass, QueryLanguage: JSONata, Assign: {x: '{% $states.input.n * 2 %}',"
              " old: '{% $states.input %}'}, Output: '{% $states.input.n %}', Next: C}\n"
              "  C:\n    Type: Choice\n    QueryLanguage: JSONata\n    Choices:\n"
              "      - {Condition: '{% $x > 3 and $states.input = 2 %}', Assign: {picked: big},"
              " Output: {x: '{% $x %}', in: '{% $states.input %}'}, Next: T}\n"
              "    Default: T\n"
              "  T: {Type: Task, QueryLanguage: JSONata, Resource: plugin:echo,"
              " Arguments: {v: '{% $x + 1 %}', p: '{% $picked %}'},"
              " Output: {r: '{% $states.result %}', ctx: '{% $states.context.State.Name %}'}, Next: M}\n"
              "  M:\n    Type: Map\n    QueryLanguage: JSONata\n    Items: '{% [1, 2] %}'\n"
              "    MaxConcurrency: '{% 1 %}'\n"
              "    ItemSelector: {i: '{% $states.context.Map.Item.Value %}', x: '{% $x %}'}\n"
              "    ItemProcessor: {StartAt: I, States: {I: {Type: Pass, End: true}}}\n"
              "    Output: {m: '{% $states.result %}', r: '{% $states.input.r %}'}\n"
              "    Next: J\n"
              "  J: {Type: Pass, Parameters: {x.$: $x, m.$: $.m, r.$: $.r, p.$: $picked}, End: true}\n",
              "{\"n\":2}", "SUCCEEDED",
              "{\"x\":4,\"m\":[{\"i\":1,\"x\":4},{\"i\":2,\"x\":4}],\"p\":\"big\","
              "\"r\":{\"v\":5,\"p\":\"big\"}}", NULL);
}

/* An expression that yields nothing fails the state with AWS's error and
 * cause, and a catcher's Output sees $states.errorOutput. */
static void test_jsonata_errors(void)
{
    engine *e = harness_open("data", NULL);
    char id[64];
    json_t *d = harness_run(e, "QueryLanguage: JSONata\nStartAt: A\nStates:\n"
                               "  A: {Type: Pass, Output: {r: '{% $nope %}'}, End: true}\n",
                            "{}", id);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "FAILED");
    CHECK_STR(json_string_value(json_object_get(d, "error")), "States.QueryEvaluationError");
    const char *cause = json_string_value(json_object_get(d, "cause"));
    CHECK(cause && strstr(cause, "The JSONata expression '$nope' specified for the field "
                                 "'Output/r' returned nothing (undefined).") != NULL);
    char *h = harness_history(e, id);
    CHECK_STR(h, "ExecutionStarted,PassStateEntered,EvaluationFailed,ExecutionFailed");
    free(h);
    json_decref(d);
    engine_close(e);
    check_run("QueryLanguage: JSONata\nStartAt: T\nStates:\n"
              "  T: {Type: Task, Resource: plugin:testkit, End: true,"
              " Catch: [{ErrorEquals: [States.ALL], Output: {e: '{% $states.errorOutput.Error %}'},"
              " Assign: {in: '{% $states.input.action %}'}, Next: Z}]}\n"
              "  Z: {Type: Pass, Output: {e: '{% $states.input.e %}', in: '{% $in %}'}, End: true}\n",
              "{\"action\":\"fail\",\"error\":\"My.Error\"}", "SUCCEEDED",
              "{\"e\":\"My.Error\",\"in\":\"fail\"}", NULL);
    /* A Catch takes an expression's error like any other. */
    check_run("QueryLanguage: JSONata\nStartAt: T\nStates:\n"
              "  T: {Type: Task, Resource: plugin:echo, Arguments: '{% $nope %}', End: true,"
              " Catch: [{ErrorEquals: [States.QueryEvaluationError], Next: Z}]}\n"
              "  Z: {Type: Pass, Output: '{% $states.input.Error %}', End: true}\n",
              "{}", "SUCCEEDED", "\"States.QueryEvaluationError\"", NULL);
    check_run("QueryLanguage: JSONata\nStartAt: M\nStates:\n"
              "  M: {Type: Map, Items: '{% $states.input.notthere %}', End: true,"
              " ItemProcessor: {StartAt: I, States: {I: {Type: Pass, End: true}}}}\n",
              "{}", "FAILED", NULL, "States.QueryEvaluationError");
}

static const char *DURABLE_FLOW =
    "StartAt: A\nStates:\n"
    "  A: {Type: Pass, Assign: {who.$: $.who, n: 1}, Next: M}\n"
    "  M:\n    Type: Map\n    ItemsPath: $.items\n    ResultPath: $.m\n    Next: W\n"
    "    ItemProcessor:\n      StartAt: I\n      States:\n"
    "        I: {Type: Pass, Assign: {item.$: $}, Next: IW}\n"
    "        IW: {Type: Wait, Seconds: 1, Next: IO}\n"
    "        IO: {Type: Pass, Parameters: {item.$: $item, who.$: $who}, End: true}\n"
    "  W: {Type: Wait, Seconds: 1, Next: Z}\n"
    "  Z: {Type: Pass, Parameters: {who.$: $who, n.$: $n, m.$: $.m}, End: true}\n";

static const char *DURABLE_OUTPUT =
    "{\"who\":\"ann\",\"n\":1,\"m\":[{\"item\":1,\"who\":\"ann\"},{\"item\":2,\"who\":\"ann\"}]}";

static void start_durable(engine *e, char *id)
{
    harness_put(e, "durable", DURABLE_FLOW);
    json_t *input = json_loads("{\"who\":\"ann\",\"items\":[1,2]}", 0, NULL);
    engine_start_request req = {.workflow = "durable", .input = input, .name = "d1"};
    yogi_error err = {{0}, {0}};
    if (engine_start(e, &req, id, &err) != 0) test_fail_(__FILE__, __LINE__, "start: %s", err.cause);
    json_decref(input);
}

static void finish_durable(const char *id)
{
    engine *e = harness_open("data", NULL);
    json_t *d = harness_wait(e, id, false, 10000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    CHECK(json_equals_text(json_object_get(d, "output"), DURABLE_OUTPUT));
    json_decref(d);
    engine_close(e);
}

/* Close the engine while the iterations wait: the variables of the outer
 * scope and of each iteration are read back from the store. */
static void test_restart(void)
{
    engine *e = harness_open("data", NULL);
    char id[64];
    start_durable(e, id);
    json_decref(harness_wait(e, id, false, 300));
    engine_close(e);
    finish_durable(id);
}

/* The same, but the engine process dies with SIGKILL: only what each
 * transition committed survives. */
static void test_kill_9(void)
{
    char id[64] = "";
    int fds[2];
    CHECK_INT(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        engine *e = harness_open("data", NULL);
        char cid[64];
        start_durable(e, cid);
        if (write(fds[1], cid, sizeof cid) != (ssize_t)sizeof cid) _exit(1);
        json_decref(harness_wait(e, cid, false, 400)); /* inside the iterations' Wait */
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    close(fds[1]);
    CHECK(read(fds[0], id, sizeof id) == (ssize_t)sizeof id);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    finish_durable(id);
}

/* Stopped in a Wait and redriven: the Wait runs again with the variables
 * it saw the first time. */
static void test_redrive(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "rd", "StartAt: A\nStates:\n  A: {Type: Pass, Assign: {x: 7}, Next: W}\n"
                         "  W: {Type: Wait, Seconds: 1, Assign: {y.$: $x}, Next: B}\n"
                         "  B: {Type: Pass, Parameters: {x.$: $x, y.$: $y}, End: true}\n");
    json_t *input = json_object();
    engine_start_request req = {.workflow = "rd", .input = input, .name = "r1"};
    yogi_error err = {{0}, {0}};
    char id[64];
    CHECK_INT(engine_start(e, &req, id, &err), 0);
    json_decref(input);
    json_decref(harness_wait(e, id, false, 200));
    CHECK_INT(engine_stop(e, id, "Operator.Stop", "testing", &err), 0);
    CHECK_INT(engine_redrive(e, id, &err), 0);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    CHECK(json_equals_text(json_object_get(d, "output"), "{\"x\":7,\"y\":7}"));
    json_decref(d);
    engine_close(e);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_later_states_read),
        TEST(test_evaluation_order),
        TEST(test_exit_event),
        TEST(test_not_assigned_yet),
        TEST(test_scopes),
        TEST(test_catcher_assign),
        TEST(test_size_limits),
        TEST(test_jsonata_mode),
        TEST(test_jsonata_errors),
        TEST(test_restart),
        TEST(test_kill_9),
        TEST(test_redrive),
        {0},
    };
    return test_main(argc, argv, tests);
}
