/*
 * routes_executions.c — start, list, describe, history, stop, redrive.
 *
 * Start is idempotent by name: the same workflow, name and input attach to
 * the execution already started (the engine decides; a different input under
 * a used name is 409 ExecutionAlreadyExists).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const statuses[] = {"RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT",
                                       "ABORTED", "PENDING_REDRIVE"};

static bool status_valid(const char *s)
{
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        if (!strcmp(s, statuses[i])) return true;
    return false;
}

/* A string member that must be a valid name when present. */
static bool optional_name(api_request *r, json_t *body, const char *key, const char **out)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v)) return true;
    if (!json_is_string(v) || !api_name_valid(json_string_value(v))) {
        reply_error(r, 400, "InvalidName", "%s must be a string of [A-Za-z0-9_.-]{1,128}", key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

void executions_start_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *workflow, *name;
    json_t *input = json_object_get(body, "input");
    if (!optional_name(r, body, "workflow", &workflow) || !optional_name(r, body, "name", &name))
        goto out;
    if (!workflow) {
        reply_error(r, 400, "InvalidRequest", "workflow is required");
        goto out;
    }
    engine_start_request req = {.workflow = workflow, .input = input, .name = name};
    char id[128];
    yogi_error err = {{0}, {0}};
    if (engine_start(r->a->e, &req, id, &err) != 0) {
        reply_yogi_error(r, &err);
        goto out;
    }
    json_t *ex = engine_describe(r->a->e, id);
    reply_json(r, 201, ex ? ex : json_pack("{s:s}", "id", id));
out:
    json_decref(body);
}

void executions_list_h(api_request *r)
{
    long limit;
    if (!request_query_int(r, "limit", 1, 500, 50, &limit)) return;
    const char *status = request_query(r, "status"), *workflow = request_query(r, "workflow");
    if (status && !status_valid(status)) {
        reply_error(r, 400, "InvalidParameter", "unknown status '%s'", status);
        return;
    }
    if (workflow && !api_name_valid(workflow)) {
        reply_error(r, 400, "InvalidName", "workflow is not a valid name");
        return;
    }
    json_t *list = engine_list_executions(r->a->e, status, workflow, (int)limit,
                                          request_query(r, "cursor"));
    if (!list) {
        reply_error(r, 400, "InvalidParameter", "bad cursor");
        return;
    }
    reply_json(r, 200, list);
}

void executions_get_h(api_request *r)
{
    json_t *ex = engine_describe(r->a->e, r->params[0]);
    if (!ex) {
        reply_error(r, 404, "ExecutionDoesNotExist", "no execution '%s'", r->params[0]);
        return;
    }
    reply_json(r, 200, ex);
}

void executions_history_h(api_request *r)
{
    long after, limit;
    if (!request_query_int(r, "after", 0, 0x7fffffffffffffffL, 0, &after) ||
        !request_query_int(r, "limit", 1, 1000, 100, &limit))
        return;
    json_t *ex = engine_describe(r->a->e, r->params[0]);
    if (!ex) {
        reply_error(r, 404, "ExecutionDoesNotExist", "no execution '%s'", r->params[0]);
        return;
    }
    json_decref(ex);
    json_t *h = engine_history(r->a->e, r->params[0], after, (int)limit);
    if (!h) {
        reply_error(r, 503, "Engine.Storage", "cannot read the history");
        return;
    }
    reply_json(r, 200, h);
}

static const char *string_member(json_t *body, const char *key, const char *def)
{
    const char *v = json_string_value(json_object_get(body, key));
    return v ? v : def;
}

void executions_stop_h(api_request *r)
{
    json_t *body;
    if (request_json(r, true, &body) != 0) return;
    yogi_error err = {{0}, {0}};
    if (engine_stop(r->a->e, r->params[0], string_member(body, "error", "Stopped"),
                    string_member(body, "cause", "stopped through the API"), &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_json(r, 200, engine_describe(r->a->e, r->params[0]));
    json_decref(body);
}

/* A reviewer's rejection is a decision, not a fault: redriving would only
 * ask the same question again, so it is refused (upload the document again
 * to have it read afresh). */
static bool rejected_by_review(api *a, const char *execution_id)
{
    json_t *ex = engine_describe(a->e, execution_id);
    const char *error = json_string_value(json_object_get(ex, "error"));
    bool rejected = error && !strcmp(error, "Review.Rejected");
    json_decref(ex);
    return rejected;
}

void executions_redrive_h(api_request *r)
{
    yogi_error err = {{0}, {0}};
    if (rejected_by_review(r->a, r->params[0])) {
        reply_error(r, 409, "ExecutionNotRedrivable",
                    "a reviewer rejected this document (Review.Rejected); upload it again to"
                    " have it read afresh");
        return;
    }
    if (engine_redrive(r->a->e, r->params[0], &err) != 0)
        reply_yogi_error(r, &err);
    else
        reply_json(r, 200, engine_describe(r->a->e, r->params[0]));
}
