/*
 * test_activities.c — Task states served by remote workers (activities.h):
 * resource names, the queue and the hand-out with the worker's name in the
 * history, answers by token, a heartbeat timeout that retries with a new
 * token and refuses the late answer (TaskTimedOut), restarts with a task
 * queued and with a task out, and the files that travel with a task.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activities.h"
#include "engine_harness.h"
#include "hash.h"

static const char FLOW[] =
    "StartAt: Work\nStates:\n  Work:\n    Type: Task\n"
    "    Resource: arn:aws:states:eu-west-1:123456789012:activity:ocr\n"
    "    HeartbeatSeconds: 1\n    TimeoutSeconds: 30\n"
    "    Retry:\n      - ErrorEquals: [States.HeartbeatTimeout]\n        IntervalSeconds: 1\n"
    "        MaxAttempts: 1\n"
    "    ResultPath: $.result\n    End: true\n";

static void test_names(void)
{
    char name[ACTIVITY_NAME_MAX];
    CHECK(activity_name_from("activity:ocr", name));
    CHECK_STR(name, "ocr");
    CHECK(activity_name_from("arn:aws:states:us-east-1:123456789012:activity:ocr-2", name));
    CHECK_STR(name, "ocr-2");
    CHECK(!activity_name_from("arn:aws:states:::lambda:invoke", name));
    CHECK(!activity_name_from("arn:aws:states:us-east-1:1:activity:", name));
    CHECK(!activity_name_from("activity:a/b", name));
    CHECK(!activity_name_from("plugin:ocr", name));
    CHECK(!activity_name_from(NULL, name));
}

static void start(engine *e, const char *wf, const char *input, char *id)
{
    json_t *in = json_loads(input, 0, NULL);
    engine_start_request req = {.workflow = wf, .input = in};
    yogi_error err = {{0}, {0}};
    if (engine_start(e, &req, id, &err) != 0) test_fail_(__FILE__, __LINE__, "%s", err.cause);
    json_decref(in);
}

/* Run the loop until `name` has a task (or timeout); take it. */
static json_t *take(engine *e, const char *name, const char *worker, int timeout_ms)
{
    yogi_error err = {{0}, {0}};
    for (int waited = 0; waited < timeout_ms; waited += 20) {
        json_t *task = NULL;
        int rc = engine_activity_take(e, name, worker, &task, &err);
        if (rc < 0) test_fail_(__FILE__, __LINE__, "take: %s", err.cause);
        if (rc == 1) {
            engine_activity_commit(e);
            return task;
        }
        usleep(20000);
        engine_run_once(e);
    }
    return NULL;
}

static void test_round_trip(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "remote", FLOW);
    char id[64];
    start(e, "remote", "{\"x\":1}", id);
    json_t *q = engine_activity_queued(e);
    CHECK(json_equals_text(q, "{\"ocr\":1}"));
    json_decref(q);
    json_t *none = NULL;
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_activity_take(e, "other", "w", &none, &err), 0);
    json_t *task = take(e, "ocr", "worker-a", 2000);
    CHECK(task != NULL);
    CHECK_STR(json_string_value(json_object_get(task, "input")), "{\"x\":1}");
    const char *token = json_string_value(json_object_get(task, "taskToken"));
    CHECK_INT(engine_task_heartbeat(e, token, &err), 0);
    json_t *words = json_pack("{s:i}", "words", 3);
    CHECK_INT(engine_task_success(e, token, words, &err), 0); /* output is borrowed */
    json_decref(words);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    CHECK(json_equals_text(json_object_get(d, "output"), "{\"x\":1,\"result\":{\"words\":3}}"));
    char *h = harness_history(e, id);
    CHECK(strstr(h, "ActivityScheduled,ActivityStarted,ActivitySucceeded") != NULL);
    free(h);
    json_t *page = engine_history(e, id, 0, 100);
    size_t i;
    json_t *ev;
    const char *worker = NULL;
    json_array_foreach(json_object_get(page, "events"), i, ev)
        if (!strcmp(json_string_value(json_object_get(ev, "type")), "ActivityStarted"))
            worker = json_string_value(json_object_get(json_object_get(ev, "details"), "workerName"));
    CHECK_STR(worker ? worker : "", "worker-a");
    json_decref(page);
    json_decref(d);
    json_decref(task);
    engine_close(e);
}

/* A worker that goes silent: the heartbeat timeout retries the task with a
 * new token; the first worker's late answer is refused. */
static void test_heartbeat_timeout_and_late_answer(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "remote", FLOW);
    char id[64];
    start(e, "remote", "{\"x\":2}", id);
    json_t *first = take(e, "ocr", "dies", 2000);
    CHECK(first != NULL);
    json_t *second = take(e, "ocr", "lives", 5000); /* after 1 s heartbeat + 1 s back-off */
    CHECK(second != NULL);
    const char *t1 = json_string_value(json_object_get(first, "taskToken"));
    const char *t2 = json_string_value(json_object_get(second, "taskToken"));
    CHECK(strcmp(t1, t2) != 0);
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_task_success(e, t1, json_true(), &err), -1);
    CHECK_STR(err.name, "TaskTimedOut");
    CHECK_INT(engine_task_heartbeat(e, t1, &err), -1);
    CHECK_STR(err.name, "TaskTimedOut");
    json_t *done = json_string("done");
    CHECK_INT(engine_task_success(e, t2, done, &err), 0);
    CHECK_INT(engine_task_success(e, t2, done, &err), -1);
    json_decref(done);
    CHECK_STR(err.name, "TaskDoesNotExist");
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    char *h = harness_history(e, id);
    CHECK(strstr(h, "ActivityStarted,ActivityTimedOut,ActivityScheduled,ActivityStarted,"
                    "ActivitySucceeded") != NULL);
    free(h);
    json_decref(d);
    json_decref(first);
    json_decref(second);
    engine_close(e);
}

/* Queued across a restart: queued again. Taken across a restart: stays
 * with its worker, whose answer still counts. */
static void test_restart(void)
{
    static const char SLOW[] = "StartAt: Work\nStates:\n  Work:\n    Type: Task\n"
                               "    Resource: activity:slow\n    HeartbeatSeconds: 60\n"
                               "    End: true\n";
    engine *e = harness_open("data", NULL);
    harness_put(e, "slow", SLOW);
    char a[64], b[64];
    start(e, "slow", "{\"n\":1}", a);
    start(e, "slow", "{\"n\":2}", b);
    json_t *out = take(e, "slow", "w1", 2000);
    CHECK(out != NULL);
    engine_close(e);
    e = harness_open("data", NULL);
    json_t *q = engine_activity_queued(e);
    CHECK(json_equals_text(q, "{\"slow\":1}"));
    json_decref(q);
    json_t *again = take(e, "slow", "w2", 2000);
    CHECK(again != NULL);
    CHECK(strcmp(json_string_value(json_object_get(again, "input")),
                 json_string_value(json_object_get(out, "input"))) != 0);
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_task_success(e, json_string_value(json_object_get(out, "taskToken")),
                                  json_true(), &err), 0);
    CHECK_INT(engine_task_success(e, json_string_value(json_object_get(again, "taskToken")),
                                  json_true(), &err), 0);
    json_t *da = harness_wait(e, a, false, 5000), *db = harness_wait(e, b, false, 5000);
    CHECK_STR(json_string_value(json_object_get(da, "status")), "SUCCEEDED");
    CHECK_STR(json_string_value(json_object_get(db, "status")), "SUCCEEDED");
    json_decref(da);
    json_decref(db);
    json_decref(out);
    json_decref(again);
    engine_close(e);
}

/* Files in the data directory's file areas travel by hash; others (the
 * database's directory, /etc) never. */
static void test_files(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "remote", FLOW);
    mkdir("data/documents", 0750);
    FILE *f = fopen("data/documents/page.png", "w");
    fputs("not really a png", f);
    fclose(f);
    char cwd[1024], input[4096], id[64];
    if (!getcwd(cwd, sizeof cwd)) test_fail_(__FILE__, __LINE__, "getcwd");
    snprintf(input, sizeof input,
             "{\"pages\":[{\"path\":\"%s/data/documents/page.png\"}],\"other\":\"/etc/passwd\","
             "\"sneaky\":\"%s/data/../data/yogi.lock\"}", cwd, cwd);
    start(e, "remote", input, id);
    json_t *task = take(e, "ocr", "w", 2000);
    CHECK(task != NULL);
    json_t *files = json_object_get(task, "files");
    CHECK_INT((int)json_array_size(files), 1); /* page.png: not /etc/passwd, not the lock file */
    char want[2 * HASH_MAX_DIGEST + 1];
    hash_hex("SHA-256", "not really a png", 16, want);
    CHECK_STR(json_string_value(json_object_get(json_array_get(files, 0), "sha256")), want);
    const char *token = json_string_value(json_object_get(task, "taskToken"));
    char path[1024];
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_activity_file(e, token, want, path, sizeof path, &err), 0);
    CHECK(strstr(path, "/data/documents/page.png") != NULL);
    char other[65];
    memset(other, 'a', 64);
    other[64] = '\0';
    CHECK_INT(engine_activity_file(e, token, other, path, sizeof path, &err), -1);
    CHECK_STR(err.name, "FileDoesNotExist");
    CHECK_INT(engine_activity_file(e, "nope.1.00", want, path, sizeof path, &err), -1);
    CHECK_STR(err.name, "TaskDoesNotExist");
    /* outputs stored back: the hash must match, the name must be plain */
    CHECK_INT(engine_activity_store(e, token, want, "page-1.png", "not really a png", 16, path,
                                    sizeof path, &err), 0);
    CHECK(strstr(path, want) != NULL);
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_size == 16);
    CHECK_INT(engine_activity_store(e, token, want, "page-1.png", "tampered", 8, path,
                                    sizeof path, &err), -1);
    CHECK_STR(err.name, "DigestMismatch");
    CHECK_INT(engine_activity_store(e, token, want, "../x", "not really a png", 16, path,
                                    sizeof path, &err), -1);
    CHECK_STR(err.name, "InvalidName");
    CHECK_INT(engine_task_success(e, token, json_null(), &err), 0);
    CHECK_INT(engine_activity_store(e, token, want, "late.png", "not really a png", 16, path,
                                    sizeof path, &err), -1);
    CHECK_STR(err.name, "TaskDoesNotExist");
    json_decref(task);
    engine_close(e);
}

/* A worker that vanished while the engine was down: the heartbeat timeout
 * armed before the restart still fires after it. */
static void test_heartbeat_timeout_across_restart(void)
{
    engine *e = harness_open("data", NULL);
    harness_put(e, "remote", FLOW);
    char id[64];
    start(e, "remote", "{\"x\":3}", id);
    json_t *first = take(e, "ocr", "vanishes", 2000);
    CHECK(first != NULL);
    engine_close(e);
    e = harness_open("data", NULL);
    json_t *second = take(e, "ocr", "after-restart", 5000);
    CHECK(second != NULL);
    yogi_error err = {{0}, {0}};
    CHECK_INT(engine_task_success(e, json_string_value(json_object_get(second, "taskToken")),
                                  json_true(), &err), 0);
    json_t *d = harness_wait(e, id, false, 5000);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "SUCCEEDED");
    char *h = harness_history(e, id);
    CHECK(strstr(h, "ActivityStarted,ActivityTimedOut,ActivityScheduled,ActivityStarted") != NULL);
    free(h);
    json_decref(d);
    json_decref(first);
    json_decref(second);
    engine_close(e);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_names),
        TEST(test_round_trip),
        TEST(test_heartbeat_timeout_and_late_answer),
        TEST(test_restart),
        TEST(test_heartbeat_timeout_across_restart),
        TEST(test_files),
        {0},
    };
    return test_main(argc, argv, tests);
}
