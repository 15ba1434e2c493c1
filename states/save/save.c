/*
 * save.c — keep the finished timetable (plugin:save).
 *
 * Input {"document_id", "timetable", "route": "auto"|"review"|"llm"}. Through
 * the engine (the database is the engine's alone): host call
 * "documents.save_timetable" with source "reviewed" when a person corrected
 * it, "llm" when a language model's answer passed its checks, else
 * "extracted"; then "documents.update" to status "completed" with the
 * confidence and route. Each host call commits on its own. Should the worker
 * or the engine die between them, the task runs again when the execution
 * resumes (a task's result counts only once committed). The save carries the
 * key "<execution id>/<state name>", which the store applies once, so the
 * run again saves nothing new and the document is then completed: one
 * version, never half-applied.
 * Output {"document_id", "status": "completed"}.
 *
 * For tests only: YOGI_TEST_SAVE_PAUSE_MS=N in the service's environment
 * holds the task N ms between the two host calls, the window in which
 * tests/integration/kill_save.sh kills the service with SIGKILL.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "yogi/plugin.h"

/* The test hook above: a pause of at most a minute, nothing when unset. */
static void pause_for_tests(void)
{
    const char *v = getenv("YOGI_TEST_SAVE_PAUSE_MS");
    char *end = NULL;
    long ms = v ? strtol(v, &end, 10) : 0;
    if (!v || *end || ms <= 0 || ms > 60000) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int save_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                       yogi_error *err)
{
    const yogi_host *host = state;
    const char *id = json_string_value(json_object_get(input, "document_id"));
    json_t *timetable = json_object_get(input, "timetable");
    if (!id || !json_is_object(timetable))
        return yogi_fail(err, "States.Runtime", "input needs \"document_id\" and \"timetable\"");
    const char *route = json_string_value(json_object_get(input, "route"));
    if (!route) route = "auto";
    const char *source = !strcmp(route, "review") ? "reviewed"
                         : !strcmp(route, "llm")  ? "llm"
                                                  : "extracted";
    json_t *args = json_pack("{s:s, s:O, s:s}", "id", id, "timetable", timetable, "source",
                             source);
    if (YOGI_HAS(call, state_name) && call->execution_id && call->state_name) {
        char key[512];
        snprintf(key, sizeof key, "%s/%s", call->execution_id, call->state_name);
        json_object_set_new(args, "key", json_string(key));
    }
    json_t *result = NULL;
    int rc = host->call("documents.save_timetable", args, &result, err);
    json_decref(args);
    json_decref(result);
    if (rc != YOGI_OK) return YOGI_FAILED;
    pause_for_tests();
    json_t *fields = json_pack("{s:s, s:s, s:s, s:b}", "id", id, "status", "completed", "route",
                               route, "needs_review", 0);
    json_t *conf = json_object_get(timetable, "confidence");
    if (json_is_number(conf)) json_object_set(fields, "confidence", conf);
    result = NULL;
    rc = host->call("documents.update", fields, &result, err);
    json_decref(fields);
    json_decref(result);
    if (rc != YOGI_OK) return YOGI_FAILED;
    *output = json_pack("{s:s, s:s}", "document_id", id, "status", "completed");
    return YOGI_OK;
}

static int save_init(const yogi_host *host, void **state, yogi_error *err)
{
    *state = (void *)host;
    return YOGI_OK;
}

YOGI_PLUGIN(save, save_init, save_invoke, NULL)
