/*
 * routes_tasks.c — the callback tasks (.waitForTaskToken) waiting on people
 * or other systems: list them, and answer success (with the output, e.g. the
 * corrected timetable of a review), failure or heartbeat.
 *
 * A token is single-use: once answered the engine forgets it, so a second
 * answer is 404 TaskDoesNotExist, as is a token never issued.
 */
#include <string.h>

#include "internal.h"

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
