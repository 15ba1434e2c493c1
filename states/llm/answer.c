/*
 * answer.c — the provider's reply → the model's answer and the tokens spent.
 *
 * Anthropic answers a forced tool call with a "tool_use" content block whose
 * "input" is the object; OpenAI-compatible servers put the JSON text of the
 * object in choices[0].message.content. Either way the result here is only
 * "an object came back"; whether it is a timetable is check.c's question.
 *
 * Usage is read before anything can fail, so tokens spent on a bad answer
 * are still counted (they are billed all the same). An answer cut off by the
 * token limit (stop_reason "max_tokens", finish_reason "length") is refused
 * even if what arrived happens to parse: a timetable missing its last days
 * is worse than none.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "llm.h"

#define BAD "Llm.BadResponse"

static long count(json_t *usage, const char *key)
{
    json_t *v = json_object_get(usage, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? (long)json_integer_value(v) : 0;
}

static int anthropic_answer(json_t *reply, json_t **answer, llm_usage *usage, yogi_error *err)
{
    json_t *u = json_object_get(reply, "usage");
    usage->input_tokens = count(u, "input_tokens") + count(u, "cache_read_input_tokens") +
                          count(u, "cache_creation_input_tokens");
    usage->output_tokens = count(u, "output_tokens");

    const char *stop = json_string_value(json_object_get(reply, "stop_reason"));
    if (stop && !strcmp(stop, "max_tokens"))
        return yogi_fail(err, BAD, "the answer was cut off at llm.max_tokens");
    size_t i;
    json_t *block;
    json_array_foreach(json_object_get(reply, "content"), i, block) {
        const char *type = json_string_value(json_object_get(block, "type"));
        const char *name = json_string_value(json_object_get(block, "name"));
        json_t *input = json_object_get(block, "input");
        if (!type || strcmp(type, "tool_use") != 0 || !name || strcmp(name, LLM_TOOL_NAME) != 0)
            continue;
        if (!json_is_object(input))
            return yogi_fail(err, BAD, "the tool call's input is not an object");
        *answer = json_incref(input);
        return YOGI_OK;
    }
    return yogi_fail(err, BAD, "the reply holds no %s tool call", LLM_TOOL_NAME);
}

/* Lenient servers sometimes wrap JSON in a Markdown fence; look inside it. */
static void strip_fence(const char **s, size_t *n)
{
    const char *p = *s, *end = *s + *n;
    while (p < end && isspace((unsigned char)*p)) p++;
    while (end > p && isspace((unsigned char)end[-1])) end--;
    if (end - p >= 6 && !strncmp(p, "```", 3) && !strncmp(end - 3, "```", 3)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl && nl < end - 3) {
            p = nl + 1;
            end -= 3;
        }
    }
    *s = p;
    *n = (size_t)(end - p);
}

static int openai_answer(json_t *reply, json_t **answer, llm_usage *usage, yogi_error *err)
{
    json_t *u = json_object_get(reply, "usage");
    usage->input_tokens = count(u, "prompt_tokens");
    usage->output_tokens = count(u, "completion_tokens");

    json_t *choice = json_array_get(json_object_get(reply, "choices"), 0);
    json_t *message = json_object_get(choice, "message");
    const char *finish = json_string_value(json_object_get(choice, "finish_reason"));
    const char *refusal = json_string_value(json_object_get(message, "refusal"));
    const char *content = json_string_value(json_object_get(message, "content"));
    if (!message) return yogi_fail(err, BAD, "the reply holds no choices[0].message");
    if (refusal && *refusal) return yogi_fail(err, BAD, "the model refused: %.300s", refusal);
    if (finish && !strcmp(finish, "length"))
        return yogi_fail(err, BAD, "the answer was cut off at llm.max_tokens");
    if (!content) return yogi_fail(err, BAD, "the reply's message has no text content");

    size_t n = strlen(content);
    strip_fence(&content, &n);
    json_error_t jerr;
    json_t *obj = json_loadb(content, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) return yogi_fail(err, BAD, "the answer is not JSON: %s", jerr.text);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return yogi_fail(err, BAD, "the answer is JSON but not an object");
    }
    *answer = obj;
    return YOGI_OK;
}

int llm_parse_reply(llm_provider provider, const char *body, size_t len, json_t **answer,
                    llm_usage *usage, yogi_error *err)
{
    usage->input_tokens = usage->output_tokens = 0;
    *answer = NULL;
    json_error_t jerr;
    json_t *reply = json_loadb(body, len, 0, &jerr);
    if (!reply)
        return yogi_fail(err, BAD, "the reply is not JSON (line %d: %s)", jerr.line, jerr.text);
    int rc = json_is_object(reply)
                 ? (provider == LLM_ANTHROPIC ? anthropic_answer(reply, answer, usage, err)
                                              : openai_answer(reply, answer, usage, err))
                 : yogi_fail(err, BAD, "the reply is not a JSON object");
    json_decref(reply);
    return rc;
}

void llm_reply_error_message(const char *body, size_t len, char *buf, size_t size)
{
    buf[0] = '\0';
    json_t *reply = json_loadb(body, len, 0, NULL);
    json_t *e = json_object_get(reply, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (!msg) msg = json_string_value(e); /* {"error": "model not found"} (Ollama) */
    if (msg) {
        size_t o = 0;
        for (; *msg && o + 1 < size && o < 300; msg++)
            buf[o++] = (unsigned char)*msg < 0x20 ? ' ' : *msg;
        buf[o] = '\0';
    }
    json_decref(reply);
}
