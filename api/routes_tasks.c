/*
 * routes_tasks.c — the callback tasks (.waitForTaskToken) waiting on people
 * or other systems: list them, and answer success (with the output, e.g. the
 * corrected timetable of a review), failure or heartbeat.
 *
 * A token is single-use: once answered the engine forgets it, so a second
 * answer is 404 TaskDoesNotExist, as is a token never issued.
 *
 * A review's answer is checked before the engine sees it: a callback whose
 * input carries a "draft" (plugin:review) waits for a timetable, and an
 * output that would fail the workflow's validation (a day "Funday", a start
 * "25:00") is answered 422 Timetable.Invalid with the problem of each field;
 * nothing changes and the review still waits for a correct answer.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "timetable_schema.h"

/* The waiting callback for token, as engine_list_callbacks reports it
 * (new reference), or NULL. */
static json_t *find_callback(api *a, const char *token)
{
    json_t *list = engine_list_callbacks(a->e, 0), *found = NULL;
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
        const char *tok = json_string_value(json_object_get(t, "token"));
        if (tok && !strcmp(tok, token)) {
            found = json_incref(t);
            break;
        }
    }
    json_decref(list);
    return found;
}

/* true when output may answer the callback; else replies 422. */
static bool review_answer_ok(api_request *r, json_t *output)
{
    json_t *cb = find_callback(r->a, r->params[0]);
    bool is_review = cb && json_object_get(json_object_get(cb, "input"), "draft");
    json_decref(cb);
    if (!is_review) return true;
    json_t *problems = json_array();
    int n = timetable_schema_check(output, problems);
    if (n == 0) {
        json_decref(problems);
        return true;
    }
    json_t *first = json_array_get(problems, 0);
    char message[512];
    snprintf(message, sizeof message, "the corrected timetable has %d problem%s; first: %s %s", n,
             n == 1 ? "" : "s", json_string_value(json_object_get(first, "field")),
             json_string_value(json_object_get(first, "message")));
    reply_json(r, 422, json_pack("{s:{s:s, s:s, s:o}}", "error", "code", "Timetable.Invalid",
                                 "message", message, "fields", problems));
    return false;
}

void tasks_list_h(api_request *r)
{
    long limit;
    if (!request_query_int(r, "limit", 1, 500, 100, &limit)) return;
    json_t *list = engine_list_callbacks(r->a->e, (int)limit);
    if (!list) {
        reply_error(r, 503, "Engine.Storage", "cannot list the waiting tasks");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "tasks", list));
}

void tasks_success_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    json_t *output = json_object_get(body, "output");
    if (!output) {
        reply_error(r, 400, "InvalidRequest", "the body needs an \"output\" member");
        json_decref(body);
        return;
    }
    if (!review_answer_ok(r, output)) {
        json_decref(body);
        return;
    }
    yogi_error err = {{0}, {0}};
    if (engine_task_success(r->a->e, r->params[0], output, &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_json(r, 200, json_pack("{s:b}", "accepted", 1));
    json_decref(body);
}

void tasks_failure_h(api_request *r)
{
    json_t *body;
    if (request_json(r, true, &body) != 0) return;
    const char *error = json_string_value(json_object_get(body, "error"));
    const char *cause = json_string_value(json_object_get(body, "cause"));
    yogi_error err = {{0}, {0}};
    if (engine_task_failure(r->a->e, r->params[0], error ? error : "TaskFailed",
                            cause ? cause : "", &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_json(r, 200, json_pack("{s:b}", "accepted", 1));
    json_decref(body);
}

void tasks_heartbeat_h(api_request *r)
{
    yogi_error err = {{0}, {0}};
    if (engine_task_heartbeat(r->a->e, r->params[0], &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_json(r, 200, json_pack("{s:b}", "accepted", 1));
}
