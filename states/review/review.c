/*
 * review.c — hand a draft timetable to a person (plugin:review, served as
 * "plugin:review.waitForTaskToken").
 *
 * Input {"token": $$.Task.Token, "document_id", "draft": <timetable>}, and
 * from the document workflow also "draft_source" ("model" | "extractor"),
 * "extractor_draft", "reason" and "notice" (docs/llm.md), which are for
 * the reviewer's screen and pass through untouched. The
 * plugin marks the document "needs_review" through the engine (host call
 * "documents.update", with the draft's confidence) and returns at once; the
 * engine keeps the execution waiting on the task token until a reviewer
 * sends the corrected timetable (SendTaskSuccess), which becomes the
 * state's result. The token travels in the input because that is where ASL
 * puts it; the plugin does not need it (the engine publishes the callback),
 * but it checks that one is present so that a workflow that forgot
 * .waitForTaskToken fails loudly instead of sailing past review.
 */
#include <string.h>

#include "yogi/plugin.h"

static int review_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                         yogi_error *err)
{
    const yogi_host *host = state;
    const char *id = json_string_value(json_object_get(input, "document_id"));
    const char *token = json_string_value(json_object_get(input, "token"));
    if (!token && YOGI_HAS(call, task_token)) token = call->task_token;
    if (!token || !*token)
        return yogi_fail(err, "States.Runtime",
                         "review needs a task token: use Resource plugin:review.waitForTaskToken");
    if (!id) return yogi_fail(err, "States.Runtime", "input needs \"document_id\"");
    /* The document keeps the extractor's confidence (the review queue sorts
     * on it) also when the draft in front of the reviewer is a model's. */
    json_t *draft = json_object_get(input, "extractor_draft");
    if (!json_is_object(draft)) draft = json_object_get(input, "draft");
    json_t *conf = json_object_get(draft, "confidence");
    json_t *fields = json_pack("{s:s, s:s, s:s, s:b}", "id", id, "status", "needs_review",
                               "route", "review", "needs_review", 1);
    if (json_is_number(conf)) json_object_set(fields, "confidence", conf);
    json_t *result = NULL;
    int rc = host->call("documents.update", fields, &result, err);
    json_decref(fields);
    json_decref(result);
    if (rc != YOGI_OK) return YOGI_FAILED;
    *output = json_pack("{s:s, s:s}", "document_id", id, "status", "needs_review");
    return YOGI_OK;
}

static int review_init(const yogi_host *host, void **state, yogi_error *err)
{
    *state = (void *)host;
    return YOGI_OK;
}

YOGI_PLUGIN(review, review_init, review_invoke, NULL)
