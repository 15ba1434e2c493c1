/*
 * dataflow.c — payload templates and the InputPath / ResultPath /
 * OutputPath steps of a state (JSONPath mode).
 *
 * A state moves data as: raw input → InputPath (asl_select) → Parameters
 * (asl_payload_eval) → the state's work → ResultSelector (asl_payload_eval)
 * → ResultPath (asl_result_path, against the raw input) → OutputPath
 * (asl_select). The executor strings these together; each function here is
 * pure and leaves its arguments untouched (ResultPath works on a copy).
 *
 * Error causes follow AWS's wording so that executions read the same as on
 * AWS; the executor prefixes "An error occurred while executing the state
 * 'X' (entered at the event id #N). " as AWS does.
 */
#include "asl.h"
#include "asl_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNTIME "States.Runtime"

static bool is_dynamic_key(const char *key)
{
    size_t n = strlen(key);
    return n > 2 && strcmp(key + n - 2, ".$") == 0;
}

/* The value of one "key.$" member: a path or an intrinsic call. */
static int eval_dynamic(const char *key, json_t *expr, json_t *input, json_t *ctx, json_t **out,
                        yogi_error *err)
{
    if (!json_is_string(expr))
        return host_fail(err, RUNTIME, "The value for the field '%s' must be a STRING that "
                         "contains a JSONPath or an intrinsic function", key);
    const char *text = json_string_value(expr);
    if (text[0] != '$') return asl_intrinsic_eval(text, input, ctx, out, err);
    return asl_field_path_get(key, text, input, ctx, out, err);
}

int asl_field_path_get(const char *field, const char *path, json_t *input, json_t *ctx,
                       json_t **out, yogi_error *err)
{
    char why[256];
    if (!asl_path_check(path, false, why, sizeof why))
        return host_fail(err, RUNTIME, "Invalid path '%s' for the field '%s': %s", path ? path : "",
                         field, why);
    if (asl_path_get(path, input, ctx, out, err) == 0) return 0;
    if (path[0] == '$' && asl_variable_name_length(path + 1, path + strlen(path)) > 0) {
        json_t *vars = json_object_get(ctx, ASL_CTX_VARIABLES);
        size_t n = asl_variable_name_length(path + 1, path + strlen(path));
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(n < 100 ? n : 100), path + 1);
        if (!json_object_get(vars, name))
            return host_fail(err, RUNTIME, "The JSONPath '%s' specified for the field '%s' "
                             "reads the variable '$%s', which is not assigned yet (a variable "
                             "takes effect when the state that assigns it is left)",
                             path, field, name);
        char *value = asl_json_compact(json_object_get(vars, name));
        host_fail(err, RUNTIME, "The JSONPath '%s' specified for the field '%s' could not be "
                  "found in the variable '$%s': '%s'", path, field, name, value ? value : "");
        free(value);
        return -1;
    }
    char *shown = asl_json_compact(input);
    host_fail(err, RUNTIME, "The JSONPath '%s' specified for the field '%s' could not be found "
              "in the input '%s'", path, field, shown ? shown : "");
    free(shown);
    return -1;
}

static int payload_object(json_t *tmpl, json_t *input, json_t *ctx, json_t **out, yogi_error *err);

static int payload_value(json_t *tmpl, json_t *input, json_t *ctx, json_t **out, yogi_error *err)
{
    if (json_is_object(tmpl)) return payload_object(tmpl, input, ctx, out, err);
    if (!json_is_array(tmpl)) {
        *out = json_incref(tmpl);
        return 0;
    }
    json_t *arr = json_array(), *item, *v;
    size_t i;
    if (!arr) return host_fail(err, RUNTIME, "out of memory");
    json_array_foreach(tmpl, i, item) {
        if (payload_value(item, input, ctx, &v, err) != 0) {
            json_decref(arr);
            return -1;
        }
        if (json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            return host_fail(err, RUNTIME, "out of memory");
        }
    }
    *out = arr;
    return 0;
}

static int payload_object(json_t *tmpl, json_t *input, json_t *ctx, json_t **out, yogi_error *err)
{
    json_t *obj = json_object(), *member, *v;
    const char *key;
    if (!obj) return host_fail(err, RUNTIME, "out of memory");
    json_object_foreach(tmpl, key, member) {
        bool dynamic = is_dynamic_key(key);
        int rc = dynamic ? eval_dynamic(key, member, input, ctx, &v, err)
                         : payload_value(member, input, ctx, &v, err);
        if (rc != 0) {
            json_decref(obj);
            return -1;
        }
        size_t len = strlen(key) - (dynamic ? 2 : 0);
        if (json_object_setn_new(obj, key, len, v) != 0) {
            json_decref(obj);
            return host_fail(err, RUNTIME, "out of memory");
        }
    }
    *out = obj;
    return 0;
}

int asl_payload_eval(json_t *tmpl, json_t *input, json_t *ctx, json_t **out, yogi_error *err)
{
    return payload_value(tmpl, input, ctx, out, err);
}

/* ---- validation ----------------------------------------------------------- */

/* Append "/token" to a JSON pointer, escaping '~' and '/' (RFC 6901). */
static void pointer_push(asl_buf *b, const char *token)
{
    asl_buf_adds(b, "/");
    for (const char *p = token; *p; p++) {
        if (*p == '~') asl_buf_adds(b, "~0");
        else if (*p == '/') asl_buf_adds(b, "~1");
        else asl_buf_add(b, p, 1);
    }
}

static bool check_dynamic(json_t *expr, char *why, size_t why_len)
{
    if (!json_is_string(expr)) {
        snprintf(why, why_len, "a \".$\" member must be a string holding a path or an intrinsic function");
        return false;
    }
    const char *text = json_string_value(expr);
    return text[0] == '$' ? asl_path_check(text, false, why, why_len)
                          : asl_intrinsic_check(text, why, why_len);
}

static bool check_value(json_t *tmpl, asl_buf *where, char *why, size_t why_len)
{
    const char *key;
    json_t *member;
    size_t i, mark = where->len;
    char index[32];
    json_object_foreach(tmpl, key, member) {
        pointer_push(where, key);
        bool ok = is_dynamic_key(key) ? check_dynamic(member, why, why_len)
                                      : check_value(member, where, why, why_len);
        if (!ok) return false;
        where->len = mark;
    }
    json_array_foreach(tmpl, i, member) {
        snprintf(index, sizeof index, "%zu", i);
        pointer_push(where, index);
        if (!check_value(member, where, why, why_len)) return false;
        where->len = mark;
    }
    return true;
}

bool asl_payload_check(json_t *tmpl, char *where, size_t where_len, char *why, size_t why_len)
{
    asl_buf b = {0};
    asl_buf_adds(&b, "");
    bool ok = check_value(tmpl, &b, why, why_len);
    char *text = asl_buf_take(&b);
    if (!ok && where && where_len) {
        if (text) text[b.len] = '\0';
        snprintf(where, where_len, "%s", text ? text : "");
    }
    free(text);
    return ok;
}

/* ---- InputPath, OutputPath, ResultPath ------------------------------------ */

int asl_select(json_t *path, json_t *value, json_t *ctx, json_t **out, yogi_error *err)
{
    if (!path) {
        *out = json_incref(value);
        return 0;
    }
    if (json_is_null(path)) {
        *out = json_object();
        return *out ? 0 : host_fail(err, RUNTIME, "out of memory");
    }
    if (!json_is_string(path)) return host_fail(err, RUNTIME, "a path must be a string or null");
    return asl_path_get(json_string_value(path), value, ctx, out, err);
}

/* The container step i leads into, created as {} when absent. */
static json_t *result_step(json_t *cur, const asl_path *p, size_t i, bool create)
{
    long index = 0;
    const char *name = asl_path_step(p, i, &index);
    if (name) {
        if (!json_is_object(cur)) return NULL;
        json_t *next = json_object_get(cur, name);
        if (!next && create && json_object_set_new(cur, name, json_object()) == 0)
            next = json_object_get(cur, name);
        return next;
    }
    if (!json_is_array(cur)) return NULL;
    if (index < 0) index += (long)json_array_size(cur);
    return index >= 0 ? json_array_get(cur, (size_t)index) : NULL;
}

/* Store value at the last step of p inside cur; false when impossible. */
static bool result_store(json_t *cur, const asl_path *p, json_t *value)
{
    long index = 0;
    const char *name = asl_path_step(p, asl_path_length(p) - 1, &index);
    if (name) return json_is_object(cur) && json_object_set(cur, name, value) == 0;
    if (!json_is_array(cur)) return false;
    if (index < 0) index += (long)json_array_size(cur);
    return index >= 0 && (size_t)index < json_array_size(cur) &&
           json_array_set(cur, (size_t)index, value) == 0;
}

int asl_result_path(json_t *path, json_t *raw_input, json_t *result, json_t **out, yogi_error *err)
{
    if (!path) {
        *out = json_incref(result);
        return 0;
    }
    if (json_is_null(path)) {
        *out = json_incref(raw_input);
        return 0;
    }
    char why[256] = "ResultPath must be a string or null";
    const char *text = json_is_string(path) ? json_string_value(path) : "";
    asl_path *p = json_is_string(path) ? asl_path_parse(text, why, sizeof why) : NULL;
    if (p && (!asl_path_is_reference(p) || asl_path_is_context(p))) {
        snprintf(why, sizeof why, "ResultPath must be a reference path into the input");
        asl_path_free(p);
        p = NULL;
    }
    if (!p) return host_fail(err, RUNTIME, "Invalid path '%s' : %s", text, why);
    if (asl_path_length(p) == 0) {
        asl_path_free(p);
        *out = json_incref(result);
        return 0;
    }
    json_t *copy = json_deep_copy(raw_input), *cur = copy;
    for (size_t i = 0; cur && i + 1 < asl_path_length(p); i++) cur = result_step(cur, p, i, true);
    bool ok = cur && result_store(cur, p, result);
    asl_path_free(p);
    if (!ok) {
        char *shown = asl_json_compact(raw_input);
        json_decref(copy);
        host_fail(err, RUNTIME, "Unable to apply ResultPath '%s' to the input '%s'", text,
                  shown ? shown : "");
        free(shown);
        return -1;
    }
    *out = copy;
    return 0;
}
