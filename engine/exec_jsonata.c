/*
 * exec_jsonata.c — states in JSONata mode (QueryLanguage: JSONata, at the top
 * of the workflow or on the state).
 *
 * A JSONata state has no InputPath, Parameters, ResultSelector, ResultPath
 * or OutputPath. It reads its raw input, and writes:
 *
 *   Arguments        the Task's input, or every Parallel branch's input
 *   Items            the Map's items (default: the state input, an array)
 *   ItemSelector     each Map item's input ($states.context.Map.Item)
 *   Output           the state's output (default: the result for Task,
 *                    Parallel and Map, the error output in a catcher, the
 *                    input otherwise)
 *   Assign           variables, as in JSONPath mode (exec_vars.c)
 *   Condition        a Choice rule's test
 *
 * Any value of those fields, at any depth, may be a template "{% expr %}":
 * the expression is evaluated with $states = {input, context, result,
 * errorOutput} (the last two where they exist) and every visible variable
 * bound as $name; other values are taken literally. Numeric fields
 * (TimeoutSeconds, HeartbeatSeconds, Wait's Seconds, MaxConcurrency,
 * ToleratedFailure*) and Wait's Timestamp, Fail's Error and Cause may be a
 * template too.
 *
 * Errors are AWS's: an expression that fails, or yields nothing, or a value
 * of the wrong type fails the state with States.QueryEvaluationError and a
 * cause naming the expression and the field ("Output/result"), which a
 * Catch may take.
 *
 * Output and Assign of one state are evaluated with the same bindings: the
 * variables as they were when the state was entered (exec_vars.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "engine_internal.h"
#include "host_error.h"
#include "jsonata.h"

#define QUERY_ERROR "States.QueryEvaluationError"
/* One expression's budget: the engine's loop waits for it, so a runaway
 * expression must fail its state quickly rather than stall every execution. */
#define JSONATA_TIME_LIMIT_MS 2000

bool state_is_jsonata(branch *b, json_t *st)
{
    const char *lang = json_string_value(json_object_get(st, "QueryLanguage"));
    if (!lang) lang = json_string_value(json_object_get(b->ex->definition, "QueryLanguage"));
    return lang && strcmp(lang, "JSONata") == 0;
}

bool jsonata_is_template(const json_t *v)
{
    const char *s = json_string_value(v);
    size_t n = s ? strlen(s) : 0;
    return n >= 4 && strncmp(s, "{%", 2) == 0 && strcmp(s + n - 2, "%}") == 0;
}

/* The expression inside "{% ... %}", without the spaces around it. */
static void template_expr(const char *s, const char **start, size_t *len)
{
    const char *p = s + 2, *end = s + strlen(s) - 2;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    *start = p;
    *len = (size_t)(end - p);
}

json_t *jsonata_bindings(branch *b, json_t *result, json_t *error_output)
{
    json_t *ctx = exec_branch_context(b);
    json_t *vars = json_incref(json_object_get(ctx, ASL_CTX_VARIABLES));
    json_object_del(ctx, ASL_CTX_VARIABLES);
    json_t *bindings = vars ? vars : json_object();
    json_t *states = json_pack("{s:O, s:o}", "input", b->input, "context", ctx);
    if (result) json_object_set(states, "result", result);
    if (error_output) json_object_set(states, "errorOutput", error_output);
    json_object_set_new(bindings, "states", states);
    return bindings;
}

const char *jsonata_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "object";
    case JSON_ARRAY: return "array";
    case JSON_STRING: return "string";
    case JSON_INTEGER:
    case JSON_REAL: return "number";
    case JSON_TRUE:
    case JSON_FALSE: return "boolean";
    default: return "null";
    }
}

/* Evaluate one "{% %}" string; `field` names it in errors ("Output/a"). */
static int eval_expr(const char *text, const char *field, json_t *bindings, json_t **out,
                     yogi_error *err)
{
    const char *src;
    size_t len;
    template_expr(text, &src, &len);
    jsonata_error jerr;
    memset(&jerr, 0, sizeof jerr);
    jsonata_expr *expr = jsonata_compile(src, len, &jerr);
    json_t *value = NULL;
    int rc = -1;
    if (expr) {
        jsonata_limits limits = {.time_limit_ms = JSONATA_TIME_LIMIT_MS, .asl_functions = 1};
        json_t *input = json_object_get(json_object_get(bindings, "states"), "input");
        rc = jsonata_evaluate(expr, input, bindings, &limits, &value, &jerr);
        jsonata_free(expr);
    }
    if (rc != 0)
        return host_fail(err, QUERY_ERROR, "The JSONata expression '%.*s' specified for the "
                         "field '%s' threw an error during evaluation. %s: %s", (int)len, src,
                         field, jerr.code, jerr.message);
    if (!value)
        return host_fail(err, QUERY_ERROR, "The JSONata expression '%.*s' specified for the "
                         "field '%s' returned nothing (undefined).", (int)len, src, field);
    *out = value;
    return 0;
}

int jsonata_template(json_t *tmpl, const char *field, json_t *bindings, json_t **out,
                     yogi_error *err)
{
    if (jsonata_is_template(tmpl)) return eval_expr(json_string_value(tmpl), field, bindings, out, err);
    char sub[512];
    if (json_is_object(tmpl)) {
        json_t *obj = json_object(), *member, *v = NULL;
        const char *key;
        json_object_foreach (tmpl, key, member) {
            snprintf(sub, sizeof sub, "%s/%s", field, key);
            if (jsonata_template(member, sub, bindings, &v, err) != 0) {
                json_decref(obj);
                return -1;
            }
            json_object_set_new(obj, key, v);
        }
        *out = obj;
        return 0;
    }
    if (json_is_array(tmpl)) {
        json_t *arr = json_array(), *item, *v = NULL;
        size_t i;
        json_array_foreach (tmpl, i, item) {
            snprintf(sub, sizeof sub, "%s/%zu", field, i);
            if (jsonata_template(item, sub, bindings, &v, err) != 0) {
                json_decref(arr);
                return -1;
            }
            json_array_append_new(arr, v);
        }
        *out = arr;
        return 0;
    }
    *out = json_deep_copy(tmpl);
    return 0;
}

/* A template that must yield a value of `type` (a jsonata_type_name). */
static int typed_template(json_t *tmpl, const char *field, const char *type, json_t *bindings,
                          json_t **out, yogi_error *err)
{
    json_t *v = NULL;
    if (!tmpl)
        return host_fail(err, QUERY_ERROR, "The field '%s' is missing", field);
    if (jsonata_template(tmpl, field, bindings, &v, err) != 0) return -1;
    const char *got = jsonata_type_name(v);
    bool ok = strcmp(got, type) == 0 ||
              (strcmp(type, "integer") == 0 && (json_is_integer(v) ||
                                                 (json_is_real(v) && json_real_value(v) ==
                                                  (double)(int64_t)json_real_value(v))));
    if (ok) {
        *out = v;
        return 0;
    }
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (jsonata_is_template(tmpl)) {
        const char *src;
        size_t len;
        template_expr(json_string_value(tmpl), &src, &len);
        host_fail(err, QUERY_ERROR, "The JSONata expression '%.*s' specified for the field '%s' "
                  "returned an unexpected result type. Expected '%s', but was '%s' for value: %s",
                  (int)len, src, field, type, got, text ? text : "");
    } else {
        host_fail(err, QUERY_ERROR, "The field '%s' must be %s %s, but was '%s' for value: %s",
                  field, strcmp(type, "integer") == 0 || strcmp(type, "array") == 0 ? "an" : "a",
                  type, got, text ? text : "");
    }
    free(text);
    json_decref(v);
    return -1;
}

int jsonata_integer_field(branch *b, json_t *st, const char *field, int64_t dflt, int64_t *out,
                          yogi_error *err)
{
    json_t *tmpl = json_object_get(st, field), *v = NULL;
    *out = dflt;
    if (!tmpl) return 0;
    json_t *bindings = jsonata_bindings(b, NULL, NULL);
    bool percentage = strstr(field, "Percentage") != NULL; /* may have a fraction */
    int rc = typed_template(tmpl, field, percentage ? "number" : "integer", bindings, &v, err);
    json_decref(bindings);
    if (rc != 0) return -1;
    *out = json_is_integer(v) ? json_integer_value(v) : (int64_t)json_real_value(v);
    json_decref(v);
    if (*out < 0)
        return host_fail(err, QUERY_ERROR, "The field '%s' must not be negative, but was %lld",
                         field, (long long)*out);
    return 0;
}

/* A JSONata state failed on `err`: an expression's error is recorded as an
 * EvaluationFailed event first, as AWS does; then Retry and Catch (unless
 * `final`, for a catcher's own Output), and for Map and Parallel their
 * <Type>StateFailed event. */
void jsonata_failed(engine *e, branch *b, json_t *st, const yogi_error *err, bool final)
{
    if (strcmp(err->name, QUERY_ERROR) == 0)
        engine_emit(e, b->ex, "EvaluationFailed", b->state,
                    json_pack("{s:s, s:s}", "error", err->name, "cause", err->cause));
    if (final) {
        branch_failed(e, b, err->name, err->cause);
        return;
    }
    const char *type = json_string_value(json_object_get(st, "Type"));
    const char *failed_event = !type                          ? NULL
                               : strcmp(type, "Map") == 0      ? "MapStateFailed"
                               : strcmp(type, "Parallel") == 0 ? "ParallelStateFailed"
                                                               : NULL;
    state_failed_event(e, b, st, err->name, err->cause, failed_event);
}

/* ---- leaving a state ----------------------------------------------------------- */

void jsonata_leave(engine *e, branch *b, json_t *st, json_t *holder, json_t *result,
                   json_t *error_output, const char *next)
{
    yogi_error err = {{0}, {0}};
    json_t *bindings = jsonata_bindings(b, result, error_output);
    json_t *output = NULL, *assigned = NULL, *assign = json_object_get(holder, "Assign");
    json_t *otmpl = json_object_get(holder, "Output");
    int rc = 0;
    if (assign) {
        rc = typed_template(assign, "Assign", "object", bindings, &assigned, &err);
        if (rc == 0) rc = vars_check_assigned(b, assigned, &err);
    }
    if (rc == 0 && otmpl)
        rc = jsonata_template(otmpl, "Output", bindings, &output, &err);
    else if (rc == 0)
        output = json_incref(error_output ? error_output : result ? result : b->input);
    json_decref(bindings);
    if (rc != 0) {
        json_decref(assigned);
        json_decref(output);
        /* Leaving is past the point of Retry; a Catch can still take it. */
        jsonata_failed(e, b, st, &err, error_output != NULL);
        return;
    }
    if (!next && holder == st && !json_is_true(json_object_get(st, "End")))
        next = json_string_value(json_object_get(st, "Next"));
    state_move_on(e, b, st, output, assigned, next);
}

/* ---- entering a state ---------------------------------------------------------- */

static void choice_enter(engine *e, branch *b, json_t *st)
{
    yogi_error err = {{0}, {0}};
    json_t *bindings = jsonata_bindings(b, NULL, NULL), *rule;
    size_t i;
    char field[64];
    json_array_foreach (json_object_get(st, "Choices"), i, rule) {
        json_t *v = NULL;
        snprintf(field, sizeof field, "Choices/%zu/Condition", i);
        if (typed_template(json_object_get(rule, "Condition"), field, "boolean", bindings, &v,
                           &err) != 0) {
            json_decref(bindings);
            jsonata_failed(e, b, st, &err, false);
            return;
        }
        bool match = json_is_true(v);
        json_decref(v);
        if (match) {
            json_decref(bindings);
            jsonata_leave(e, b, st, rule, NULL, NULL,
                          json_string_value(json_object_get(rule, "Next")));
            return;
        }
    }
    json_decref(bindings);
    const char *next = json_string_value(json_object_get(st, "Default"));
    if (!next) {
        branch_failed(e, b, "States.NoChoiceMatched",
                      "No Matches! and no Default in the Choice state");
        return;
    }
    jsonata_leave(e, b, st, st, NULL, NULL, next);
}

static void fail_enter(engine *e, branch *b, json_t *st)
{
    yogi_error err = {{0}, {0}};
    json_t *bindings = jsonata_bindings(b, NULL, NULL), *error = NULL, *cause = NULL;
    json_t *et = json_object_get(st, "Error"), *ct = json_object_get(st, "Cause");
    int rc = et ? typed_template(et, "Error", "string", bindings, &error, &err) : 0;
    if (rc == 0 && ct) rc = typed_template(ct, "Cause", "string", bindings, &cause, &err);
    json_decref(bindings);
    if (rc != 0) jsonata_failed(e, b, st, &err, false);
    else branch_failed(e, b, json_string_value(error), json_string_value(cause));
    json_decref(error);
    json_decref(cause);
}

static void wait_enter(engine *e, branch *b, json_t *st)
{
    yogi_error err = {{0}, {0}};
    json_t *ts = json_object_get(st, "Timestamp");
    int64_t at = wall_clock_ms();
    if (json_object_get(st, "Seconds")) {
        int64_t secs = 0;
        if (jsonata_integer_field(b, st, "Seconds", 0, &secs, &err) != 0) {
            jsonata_failed(e, b, st, &err, false);
            return;
        }
        at += secs * 1000;
    } else if (ts) {
        json_t *bindings = jsonata_bindings(b, NULL, NULL), *v = NULL;
        int rc = typed_template(ts, "Timestamp", "string", bindings, &v, &err);
        json_decref(bindings);
        if (rc == 0 && !asl_timestamp_parse(json_string_value(v), &at))
            rc = host_fail(&err, QUERY_ERROR, "The Timestamp field cannot be parsed as "
                           "an ISO-8601 extended offset date-time format string: %s",
                           json_string_value(v));
        json_decref(v);
        if (rc != 0) {
            jsonata_failed(e, b, st, &err, false);
            return;
        }
    }
    b->phase = PH_WAIT;
    branch_touch(e, b);
    engine_set_timer(e, b, at > 0 ? at : 1);
}

/* Parallel's Arguments (the input of every branch), or the state input. */
int jsonata_arguments(branch *b, json_t *st, json_t **out, yogi_error *err)
{
    json_t *args = json_object_get(st, "Arguments");
    if (!args) {
        *out = json_incref(b->input);
        return 0;
    }
    json_t *bindings = jsonata_bindings(b, NULL, NULL);
    int rc = jsonata_template(args, "Arguments", bindings, out, err);
    json_decref(bindings);
    return rc;
}

void jsonata_enter(engine *e, branch *b, json_t *st, const char *type)
{
    yogi_error err = {{0}, {0}};
    if (strcmp(type, "Pass") == 0 || strcmp(type, "Succeed") == 0) {
        jsonata_leave(e, b, st, st, NULL, NULL, NULL);
    } else if (strcmp(type, "Choice") == 0) {
        choice_enter(e, b, st);
    } else if (strcmp(type, "Fail") == 0) {
        fail_enter(e, b, st);
    } else if (strcmp(type, "Wait") == 0) {
        wait_enter(e, b, st);
    } else if (strcmp(type, "Parallel") == 0 || strcmp(type, "Map") == 0) {
        bool map = strcmp(type, "Map") == 0;
        json_t *effective = NULL;
        if (map) effective = json_incref(b->input);
        else if (jsonata_arguments(b, st, &effective, &err) != 0) {
            jsonata_failed(e, b, st, &err, false);
            return;
        }
        json_object_set(b->data, "effective", effective);
        if (map) exec_map_start(e, b, st, effective);
        else exec_parallel_start(e, b, st, effective);
        json_decref(effective);
    } else {
        branch_failed(e, b, "States.Runtime", "Unknown state type");
    }
}

/* ---- Map ------------------------------------------------------------------------ */

int jsonata_map_items(branch *b, json_t *st, json_t *effective, json_t **items, yogi_error *err)
{
    json_t *tmpl = json_object_get(st, "Items");
    if (!tmpl) {
        if (json_is_array(effective)) {
            *items = json_incref(effective);
            return 0;
        }
        char *text = json_dumps(effective, JSON_COMPACT | JSON_ENCODE_ANY);
        host_fail(err, QUERY_ERROR, "Map state input must be an array but was: %s",
                  text ? text : "");
        free(text);
        return -1;
    }
    json_t *bindings = jsonata_bindings(b, NULL, NULL);
    int rc = typed_template(tmpl, "Items", "array", bindings, items, err);
    json_decref(bindings);
    return rc;
}

json_t *jsonata_item_input(branch *b, json_t *st, size_t index, json_t *item, yogi_error *err)
{
    json_t *selector = json_object_get(st, "ItemSelector");
    if (!selector) return json_incref(item);
    json_t *bindings = jsonata_bindings(b, NULL, NULL), *out = NULL;
    json_t *ctx = json_object_get(json_object_get(bindings, "states"), "context");
    json_object_set_new(ctx, "Map", json_pack("{s:{s:I, s:O}}", "Item", "Index",
                                              (json_int_t)index, "Value", item));
    int rc = jsonata_template(selector, "ItemSelector", bindings, &out, err);
    json_decref(bindings);
    return rc == 0 ? out : NULL;
}
