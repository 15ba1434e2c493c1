/*
 * exec.c — the ASL interpreter: what each state does, and Retry/Catch.
 *
 * A branch (exec.h) enters its state from PH_ENTER; exec_step() emits
 * <Type>StateEntered and runs the state's data flow:
 *
 *   raw input → InputPath → Parameters → (the work) → ResultSelector →
 *   ResultPath (merged into the raw input) → OutputPath → output
 *
 * A state's Assign is evaluated on the way out (exec_vars.c says when new
 * values take effect). A state in JSONata mode takes the same path through
 * exec_step and the waiting phases, but its data flow is exec_jsonata.c's.
 *
 * Pass, Choice, Succeed and Fail finish at once. Task, Wait, Parallel and
 * Map park the branch in a waiting phase; the engine calls back into
 * exec_task_result(), exec_timer_fired(), exec_callback() or
 * exec_child_ended() when the awaited thing happens.
 *
 * Failure rules (ASL): a failing Task, Parallel or Map first looks for a
 * retrier whose ErrorEquals matches (each retrier counts its own attempts;
 * an exhausted retrier ends the search and falls through to Catch), then
 * for a catcher, whose ResultPath places {"Error","Cause"} into the raw
 * input before moving to its Next. States.Runtime is never retried or
 * caught: it fails the execution. States.ALL matches every other error;
 * States.TaskFailed matches every error but States.Timeout. A plugin may
 * ask for a longer wait than the retrier's back-off (yogi_host.retry_after,
 * an HTTP Retry-After): the retry then waits until that time.
 *
 * Nothing here performs I/O: effects go through engine_internal.h and
 * happen after the batch commits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "asl.h"
#include "engine_internal.h"
#include "host_error.h"

#define RUNTIME "States.Runtime"

json_t *state_of(branch *b)
{
    json_t *states = json_object_get(b->machine, "States");
    return json_object_get(states, b->state);
}

static const char *state_type(json_t *st)
{
    const char *t = json_string_value(json_object_get(st, "Type"));
    return t ? t : "Unknown";
}

static void emit_state_event(engine *e, branch *b, json_t *st, const char *suffix,
                             json_t *details)
{
    char type[64];
    snprintf(type, sizeof type, "%s%s", state_type(st), suffix);
    engine_emit(e, b->ex, type, b->state, details);
}

static bool is_lambda(const char *resource)
{
    return resource && strncmp(resource, "arn:aws:lambda:", 15) == 0;
}

static bool is_callback_resource(const char *resource)
{
    size_t n = resource ? strlen(resource) : 0;
    return n > 17 && strcmp(resource + n - 17, ".waitForTaskToken") == 0;
}

static bool is_activity(branch *b)
{
    return json_object_get(b->data, "activity") != NULL;
}

/* "TaskScheduled", "LambdaFunctionScheduled" or "ActivityScheduled", as
 * Step Functions names them. */
static void emit_task_event(engine *e, branch *b, json_t *st, const char *what, json_t *details)
{
    char type[64];
    const char *resource = json_string_value(json_object_get(st, "Resource"));
    snprintf(type, sizeof type, "%s%s",
             is_activity(b) ? "Activity" : is_lambda(resource) ? "LambdaFunction" : "Task", what);
    engine_emit(e, b->ex, type, b->state, details);
}

static int64_t data_int(branch *b, const char *key)
{
    return json_integer_value(json_object_get(b->data, key));
}

json_t *exec_branch_context(branch *b)
{
    const char *token = json_string_value(json_object_get(b->data, "token"));
    json_t *st = state_of(b);
    const char *type = json_string_value(json_object_get(st, "Type"));
    bool can_retry = type && (!strcmp(type, "Task") || !strcmp(type, "Parallel") ||
                              !strcmp(type, "Map"));
    json_t *ctx = exec_context(b->ex, b->state, data_int(b, "entered"),
                               can_retry ? (int)data_int(b, "attempt") : -1, token);
    if (ctx) json_object_set_new(ctx, ASL_CTX_VARIABLES, vars_visible(b));
    return ctx;
}

/* JSONPath Assign: a template over `value` (the state's result, its input
 * for Choice and Wait, the error output in a catcher), read with the
 * variables as they were when the state was entered. *out is NULL when
 * there is no Assign. */
static int assign_eval(branch *b, json_t *assign, json_t *value, json_t **out, yogi_error *err)
{
    *out = NULL;
    if (!assign) return 0;
    json_t *ctx = exec_branch_context(b), *assigned = NULL;
    int rc = asl_payload_eval(assign, value, ctx, &assigned, err);
    json_decref(ctx);
    if (rc != 0) return -1;
    if (vars_check_assigned(b, assigned, err) != 0) {
        json_decref(assigned);
        return -1;
    }
    *out = assigned;
    return 0;
}

/* Step Functions' payload limit: a state's output over 256 KiB fails it. */
#define MAX_PAYLOAD_BYTES (256 * 1024)

static int count_bytes(const char *buffer, size_t size, void *data)
{
    (void)buffer;
    size_t *total = data;
    *total += size;
    return *total > MAX_PAYLOAD_BYTES ? -1 : 0;
}

static bool payload_too_large(json_t *v)
{
    size_t total = 0;
    return json_dump_callback(v, count_bytes, &total, JSON_COMPACT | JSON_ENCODE_ANY) != 0 &&
           total > MAX_PAYLOAD_BYTES;
}

/* ---- leaving a state --------------------------------------------------------- */

/* ResultPath merges `result` into the raw input; OutputPath (unless skipped,
 * as after a Catch) selects the output. */
static int shape_output(branch *b, json_t *result_path, json_t *output_path,
                        bool use_output_path, json_t *result, json_t **output, yogi_error *err)
{
    json_t *merged = NULL;
    if (asl_result_path(result_path, b->input, result, &merged, err) != 0) return -1;
    if (!use_output_path) {
        *output = merged;
        return 0;
    }
    json_t *ctx = exec_branch_context(b);
    int rc = asl_select(output_path, merged, ctx, output, err);
    json_decref(ctx);
    json_decref(merged);
    return rc;
}

/* Leave the state with `output` (stolen): exit event, the variables the
 * state assigned (`assigned`, stolen, may be NULL) take effect, then `next`
 * — or the end of the branch when there is none. */
void state_move_on(engine *e, branch *b, json_t *st, json_t *output, json_t *assigned,
                   const char *next)
{
    if (payload_too_large(output)) {
        json_decref(output);
        json_decref(assigned);
        char cause[512];
        snprintf(cause, sizeof cause, "The state/task '%s' returned a result with a size "
                 "exceeding the maximum number of bytes service limit.", b->state);
        branch_failed(e, b, "States.DataLimitExceeded", cause);
        return;
    }
    json_t *details = json_pack("{s:s, s:O}", "name", b->state, "output", output);
    if (assigned && json_object_size(assigned) > 0) {
        /* As AWS shows them: each new value as JSON text. */
        json_t *shown = json_object(), *value;
        const char *name;
        json_object_foreach (assigned, name, value) {
            char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
            json_object_set_new(shown, name, json_string(text ? text : "null"));
            free(text);
        }
        json_object_set_new(details, "assignedVariables", shown);
    }
    vars_commit(b, assigned);
    json_decref(assigned);
    emit_state_event(e, b, st, "StateExited", details);
    if (!next) {
        branch_ended(e, b, output);
        json_decref(output);
        return;
    }
    free(b->state);
    b->state = strdup(next);
    json_decref(b->input);
    b->input = output;
    json_t *data = vars_fresh_data(b);
    json_decref(b->data);
    b->data = data;
    b->phase = PH_ENTER;
    branch_touch(e, b);
    engine_runq_push(e, b);
}

/* The state produced `result` (borrowed): its Assign (`assign`, the
 * state's own unless a Choice rule's), ResultPath and OutputPath, then its
 * Next (or `next` when given: Choice's pick). */
static void state_exit_assign(engine *e, branch *b, json_t *st, json_t *result, const char *next,
                              json_t *assign)
{
    if (state_is_jsonata(b, st)) {
        jsonata_leave(e, b, st, st, result, NULL, next);
        return;
    }
    yogi_error err = {{0}, {0}};
    json_t *output = NULL, *assigned = NULL;
    if (assign_eval(b, assign, result, &assigned, &err) != 0 ||
        shape_output(b, json_object_get(st, "ResultPath"), json_object_get(st, "OutputPath"), true,
                     result, &output, &err) != 0) {
        json_decref(assigned);
        branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
        return;
    }
    if (!next && !json_is_true(json_object_get(st, "End")))
        next = json_string_value(json_object_get(st, "Next"));
    state_move_on(e, b, st, output, assigned, next);
}

static void state_exit(engine *e, branch *b, json_t *st, json_t *result, const char *next)
{
    state_exit_assign(e, b, st, result, next, json_object_get(st, "Assign"));
}

void state_succeeded(engine *e, branch *b, json_t *st, json_t *result)
{
    state_exit(e, b, st, result, NULL);
}

/* ---- Retry and Catch --------------------------------------------------------- */

static bool error_matches(json_t *error_equals, const char *error)
{
    size_t i;
    json_t *name;
    json_array_foreach(error_equals, i, name) {
        const char *n = json_string_value(name);
        if (!n) continue;
        if (!error) { /* a Fail state without Error: only the wildcard takes it */
            if (strcmp(n, "States.ALL") == 0) return true;
            continue;
        }
        if (strcmp(n, error) == 0 || strcmp(n, "States.ALL") == 0) return true;
        if (strcmp(n, "States.TaskFailed") == 0 && strcmp(error, "States.Timeout") != 0)
            return true;
    }
    return false;
}

static double random_unit(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != sizeof r) r = (uint32_t)wall_clock_ms();
    return r / 4294967296.0;
}

static int64_t retry_delay_ms(json_t *retrier, int64_t attempt)
{
    json_t *iv = json_object_get(retrier, "IntervalSeconds");
    json_t *br = json_object_get(retrier, "BackoffRate");
    json_t *md = json_object_get(retrier, "MaxDelaySeconds");
    double interval = iv ? json_number_value(iv) : 1.0;
    double backoff = br ? json_number_value(br) : 2.0;
    double delay = interval * pow(backoff, (double)attempt);
    if (md && delay > json_number_value(md)) delay = json_number_value(md);
    const char *jitter = json_string_value(json_object_get(retrier, "JitterStrategy"));
    if (jitter && strcmp(jitter, "FULL") == 0) delay *= random_unit();
    if (delay > 366.0 * 24 * 3600) delay = 366.0 * 24 * 3600;
    return (int64_t)(delay * 1000.0);
}

/* True when a retrier takes the failure (the branch is then in PH_RETRY). */
static bool try_retry(engine *e, branch *b, json_t *st, const char *error)
{
    json_t *retry = json_object_get(st, "Retry");
    size_t i;
    json_t *retrier;
    json_array_foreach(retry, i, retrier) {
        if (!error_matches(json_object_get(retrier, "ErrorEquals"), error)) continue;
        json_t *counts = json_object_get(b->data, "retries");
        if (!counts) {
            counts = json_array();
            for (size_t k = 0; k < json_array_size(retry); k++)
                json_array_append_new(counts, json_integer(0));
            json_object_set_new(b->data, "retries", counts);
        }
        int64_t used = json_integer_value(json_array_get(counts, i));
        json_t *ma = json_object_get(retrier, "MaxAttempts");
        int64_t max = ma ? json_integer_value(ma) : 3;
        if (used >= max) return false; /* exhausted: fall through to Catch */
        json_array_set_new(counts, i, json_integer(used + 1));
        json_object_set_new(b->data, "attempt", json_integer(data_int(b, "attempt") + 1));
        /* A plugin's Retry-After is a floor under the retrier's back-off. */
        int64_t at = wall_clock_ms() + retry_delay_ms(retrier, used);
        int64_t not_before = data_int(b, "retry_not_before");
        if (not_before > at) at = not_before;
        json_object_del(b->data, "retry_not_before");
        b->phase = PH_RETRY;
        branch_touch(e, b);
        engine_set_timer(e, b, at);
        return true;
    }
    return false;
}

static bool try_catch(engine *e, branch *b, json_t *st, const char *error, const char *cause)
{
    size_t i;
    json_t *catcher;
    json_array_foreach(json_object_get(st, "Catch"), i, catcher) {
        if (!error_matches(json_object_get(catcher, "ErrorEquals"), error)) continue;
        json_t *err_obj = json_pack("{s:s?, s:s}", "Error", error, "Cause", cause ? cause : "");
        if (state_is_jsonata(b, st)) {
            jsonata_leave(e, b, st, catcher, NULL, err_obj,
                          json_string_value(json_object_get(catcher, "Next")));
            json_decref(err_obj);
            return true;
        }
        /* The catcher's ResultPath places the error in the raw input; the
         * state's OutputPath is not applied. */
        yogi_error err = {{0}, {0}};
        json_t *output = NULL, *assigned = NULL;
        int rc = assign_eval(b, json_object_get(catcher, "Assign"), err_obj, &assigned, &err);
        if (rc == 0)
            rc = shape_output(b, json_object_get(catcher, "ResultPath"), NULL, false, err_obj,
                              &output, &err);
        json_decref(err_obj);
        if (rc != 0) {
            json_decref(assigned);
            branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
        } else {
            state_move_on(e, b, st, output, assigned,
                          json_string_value(json_object_get(catcher, "Next")));
        }
        return true;
    }
    return false;
}

void state_failed_event(engine *e, branch *b, json_t *st, const char *error, const char *cause,
                        const char *failed_event)
{
    engine_set_timer(e, b, 0);
    bool runtime = error && strcmp(error, RUNTIME) == 0;
    if (!runtime && try_retry(e, b, st, error)) return;
    /* Map and Parallel report their failure only once no retrier takes it. */
    if (failed_event) engine_emit(e, b->ex, failed_event, b->state, NULL);
    if (!runtime && try_catch(e, b, st, error, cause)) return;
    branch_failed(e, b, error, cause);
}

void state_failed(engine *e, branch *b, json_t *st, const char *error, const char *cause)
{
    state_failed_event(e, b, st, error, cause, NULL);
}

/* ---- Task ---------------------------------------------------------------------- */

static void make_token(branch *b, char *buf, size_t len)
{
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) memset(rnd, 0, sizeof rnd);
    int n = snprintf(buf, len, "%s.%lld.", b->ex->id, (long long)b->id);
    for (size_t i = 0; i < sizeof rnd && n + 2 < (int)len; i++)
        n += snprintf(buf + n, len - (size_t)n, "%02x", rnd[i]);
}

/* Seconds from a literal field or its ...Path twin; -1 when neither; -2 on error. */
static int64_t seconds_field(json_t *st, const char *field, json_t *input, json_t *ctx,
                             yogi_error *err)
{
    char path_field[64];
    snprintf(path_field, sizeof path_field, "%sPath", field);
    json_t *lit = json_object_get(st, field);
    if (lit) return json_integer_value(lit);
    const char *path = json_string_value(json_object_get(st, path_field));
    if (!path) return -1;
    json_t *v = NULL;
    if (asl_path_get(path, input, ctx, &v, err) != 0) return -2;
    int64_t s = json_is_integer(v) ? json_integer_value(v) : -3;
    json_decref(v);
    if (s <= 0) {
        host_fail(err, RUNTIME, "The %s at '%s' must be a positive integer", path_field, path);
        return -2;
    }
    return s;
}

static void task_schedule(engine *e, branch *b, json_t *st)
{
    const char *resource = json_string_value(json_object_get(st, "Resource"));
    json_t *effective = json_object_get(b->data, "effective");
    emit_task_event(e, b, st, "Scheduled",
                    json_pack("{s:s?, s:O?}", "resource", resource, "parameters", effective));
    if (is_activity(b)) {
        /* A token per attempt: a timed-out attempt's answer must not end
         * the retry. ActivityStarted comes when a worker takes the task. */
        char token[160];
        make_token(b, token, sizeof token);
        json_object_set_new(b->data, "token", json_string(token));
        json_object_del(b->data, "worker");
        json_object_del(b->data, "files");
    } else {
        emit_task_event(e, b, st, "Started", NULL);
    }
    b->phase = is_callback_resource(resource) || is_activity(b) ? PH_CALLBACK : PH_TASK;
    json_object_set_new(b->data, "submitted", json_false());
    int64_t now = wall_clock_ms(), at = 0;
    int64_t timeout = data_int(b, "timeout_s"), heartbeat = data_int(b, "heartbeat_s");
    if (timeout > 0) at = now + timeout * 1000;
    /* An activity's heartbeat clock starts when a worker takes it
     * (activities.c): waiting in the queue is not silence. */
    if (heartbeat > 0 && !is_activity(b)) {
        int64_t hb = now + heartbeat * 1000;
        json_object_set_new(b->data, "heartbeat_at", json_integer(hb));
        if (!at || hb < at) at = hb;
    }
    json_object_set_new(b->data, "timeout_at", json_integer(timeout > 0 ? now + timeout * 1000 : 0));
    branch_touch(e, b);
    engine_set_timer(e, b, at);
    engine_dispatch_later(e, b);
}

static void jsonata_task_enter(engine *e, branch *b, json_t *st);

static void task_enter(engine *e, branch *b, json_t *st, json_t *selected)
{
    yogi_error err = {{0}, {0}};
    const char *resource = json_string_value(json_object_get(st, "Resource"));
    char activity[ACTIVITY_NAME_MAX];
    if (resource_activity(e, resource, activity))
        json_object_set_new(b->data, "activity", json_string(activity));
    else if (is_callback_resource(resource)) {
        char token[160];
        make_token(b, token, sizeof token);
        json_object_set_new(b->data, "token", json_string(token));
    }
    if (state_is_jsonata(b, st)) {
        jsonata_task_enter(e, b, st);
        return;
    }
    json_t *sctx = exec_branch_context(b);
    int64_t timeout = seconds_field(st, "TimeoutSeconds", selected, sctx, &err);
    int64_t heartbeat =
        timeout == -2 ? -1 : seconds_field(st, "HeartbeatSeconds", selected, sctx, &err);
    json_decref(sctx);
    if (timeout == -2 || heartbeat == -2) {
        state_failed(e, b, st, err.name, err.cause);
        return;
    }
    json_object_set_new(b->data, "timeout_s", json_integer(timeout > 0 ? timeout : 0));
    json_object_set_new(b->data, "heartbeat_s", json_integer(heartbeat > 0 ? heartbeat : 0));
    json_t *params = json_object_get(st, "Parameters"), *effective = NULL;
    if (params) {
        json_t *ctx = exec_branch_context(b);
        int rc = asl_payload_eval(params, selected, ctx, &effective, &err);
        json_decref(ctx);
        if (rc != 0) {
            state_failed(e, b, st, err.name, err.cause);
            return;
        }
    } else {
        effective = json_incref(selected);
    }
    json_object_set_new(b->data, "effective", effective);
    task_schedule(e, b, st);
}

/* A JSONata Task: TimeoutSeconds and HeartbeatSeconds may be templates, and
 * Arguments (a template) is the plugin's input. */
static void jsonata_task_enter(engine *e, branch *b, json_t *st)
{
    yogi_error err = {{0}, {0}};
    int64_t timeout = 0, heartbeat = 0;
    json_t *effective = NULL;
    if (jsonata_integer_field(b, st, "TimeoutSeconds", 0, &timeout, &err) != 0 ||
        jsonata_integer_field(b, st, "HeartbeatSeconds", 0, &heartbeat, &err) != 0 ||
        jsonata_arguments(b, st, &effective, &err) != 0) {
        jsonata_failed(e, b, st, &err, false);
        return;
    }
    json_object_set_new(b->data, "timeout_s", json_integer(timeout));
    json_object_set_new(b->data, "heartbeat_s", json_integer(heartbeat));
    json_object_set_new(b->data, "effective", effective);
    task_schedule(e, b, st);
}

static void task_succeeded(engine *e, branch *b, json_t *st, json_t *output)
{
    yogi_error err = {{0}, {0}};
    emit_task_event(e, b, st, "Succeeded", json_pack("{s:O?}", "output", output));
    engine_set_timer(e, b, 0);
    json_t *selector = json_object_get(st, "ResultSelector"), *result = NULL;
    if (selector) {
        json_t *ctx = exec_branch_context(b);
        int rc = asl_payload_eval(selector, output ? output : json_null(), ctx, &result, &err);
        json_decref(ctx);
        if (rc != 0) {
            branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
            return;
        }
    } else {
        result = output ? json_incref(output) : json_null();
    }
    state_succeeded(e, b, st, result);
    json_decref(result);
}

static void task_failed(engine *e, branch *b, json_t *st, const char *error, const char *cause,
                        const char *what)
{
    emit_task_event(e, b, st, what, json_pack("{s:s, s:s?}", "error", error, "cause", cause));
    engine_cancel_task(e, b);
    state_failed(e, b, st, error, cause);
}

void exec_task_result(engine *e, branch *b, bool ok, json_t *output, const yogi_error *err)
{
    json_t *st = state_of(b);
    if (b->phase == PH_CALLBACK && ok) {
        /* The plugin handed the token on; the execution now waits for it. */
        engine_emit(e, b->ex, "TaskSubmitted", b->state, json_pack("{s:O?}", "output", output));
        json_object_set_new(b->data, "submitted", json_true());
        branch_touch(e, b);
        return;
    }
    if (b->phase != PH_TASK && b->phase != PH_CALLBACK) return;
    if (ok) {
        task_succeeded(e, b, st, output);
        return;
    }
    const char *name = err && err->name[0] ? err->name : "States.TaskFailed";
    task_failed(e, b, st, name, err && err->cause[0] ? err->cause : NULL, "Failed");
}

int exec_callback(engine *e, branch *b, const char *kind, json_t *output, const char *error,
                  const char *cause, yogi_error *err)
{
    json_t *st = state_of(b);
    if (strcmp(kind, "heartbeat") == 0) {
        int64_t hb = data_int(b, "heartbeat_s");
        if (hb > 0) {
            int64_t at = wall_clock_ms() + hb * 1000, timeout_at = data_int(b, "timeout_at");
            json_object_set_new(b->data, "heartbeat_at", json_integer(at));
            branch_touch(e, b);
            engine_set_timer(e, b, timeout_at && timeout_at < at ? timeout_at : at);
        }
        return 0;
    }
    engine_cancel_task(e, b);
    if (strcmp(kind, "success") == 0)
        task_succeeded(e, b, st, output);
    else
        task_failed(e, b, st, error && *error ? error : "States.TaskFailed", cause, "Failed");
    (void)err;
    return 0;
}

/* ---- Wait ------------------------------------------------------------------------ */

static int64_t seconds_from(json_t *val, const char *path, int64_t now, yogi_error *err)
{
    char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
    int64_t at = -1;
    if (json_is_integer(val) && json_integer_value(val) >= 0)
        at = now + json_integer_value(val) * 1000;
    else if (json_is_integer(val))
        host_fail(err, RUNTIME, "The SecondsPath parameter references a negative value: %s == %s",
                  path, text ? text : "?");
    else
        host_fail(err, RUNTIME, "The SecondsPath parameter cannot be parsed as a long value: %s == %s",
                  path, text ? text : "?");
    free(text);
    return at;
}

static int64_t timestamp_from(json_t *val, const char *path, yogi_error *err)
{
    int64_t at = -1;
    if (json_is_string(val) && asl_timestamp_parse(json_string_value(val), &at)) return at;
    char *text = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
    host_fail(err, RUNTIME, "The TimestampPath parameter does not reference a valid ISO-8601 "
              "extended offset date-time format string: %s == %s", path,
              json_is_string(val) ? json_string_value(val) : (text ? text : "?"));
    free(text);
    return -1;
}

static int64_t wait_deadline(json_t *st, json_t *input, json_t *ctx, yogi_error *err)
{
    json_t *v = NULL;
    int64_t now = wall_clock_ms(), at = -1;
    if ((v = json_object_get(st, "Seconds")))
        return now + json_integer_value(v) * 1000;
    if ((v = json_object_get(st, "Timestamp"))) {
        if (!asl_timestamp_parse(json_string_value(v), &at))
            return host_fail(err, RUNTIME, "Invalid Timestamp");
        return at;
    }
    const char *path = json_string_value(json_object_get(st, "SecondsPath"));
    bool seconds = path != NULL;
    if (!path) path = json_string_value(json_object_get(st, "TimestampPath"));
    if (!path) return now;
    json_t *val = NULL;
    if (asl_path_get(path, input, ctx, &val, err) != 0) {
        host_fail(err, RUNTIME, "The %s parameter does not reference an input value: %s",
                  seconds ? "SecondsPath" : "TimestampPath", path);
        return -1;
    }
    at = seconds ? seconds_from(val, path, now, err) : timestamp_from(val, path, err);
    json_decref(val);
    return at;
}

static void wait_enter(engine *e, branch *b, json_t *st, json_t *selected)
{
    yogi_error err = {{0}, {0}};
    json_t *ctx = exec_branch_context(b);
    int64_t at = wait_deadline(st, selected, ctx, &err);
    json_decref(ctx);
    if (at < 0) {
        branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
        return;
    }
    json_object_set(b->data, "effective", selected);
    b->phase = PH_WAIT;
    branch_touch(e, b);
    engine_set_timer(e, b, at > 0 ? at : 1);
}

/* ---- Choice, Fail, Pass, Succeed ------------------------------------------------------ */

static void choice_enter(engine *e, branch *b, json_t *st, json_t *selected)
{
    yogi_error err = {{0}, {0}};
    json_t *ctx = exec_branch_context(b);
    const char *next = NULL;
    json_t *assign = json_object_get(st, "Assign");
    size_t i;
    json_t *rule;
    json_array_foreach(json_object_get(st, "Choices"), i, rule) {
        int m = asl_choice_eval(rule, selected, ctx, &err);
        if (m < 0) {
            json_decref(ctx);
            branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
            return;
        }
        if (m == 1) {
            next = json_string_value(json_object_get(rule, "Next"));
            assign = json_object_get(rule, "Assign");
            break;
        }
    }
    json_decref(ctx);
    if (!next) next = json_string_value(json_object_get(st, "Default"));
    if (!next) {
        branch_failed(e, b, "States.NoChoiceMatched",
                      "No Matches! and no Default in the Choice state");
        return;
    }
    state_exit_assign(e, b, st, selected, next, assign);
}

/* Error or Cause of a Fail state: literal, a path, or an intrinsic. */
static int fail_field(json_t *st, const char *field, json_t *input, json_t *ctx, char **out,
                      yogi_error *err)
{
    char path_field[32];
    snprintf(path_field, sizeof path_field, "%sPath", field);
    *out = NULL;
    const char *lit = json_string_value(json_object_get(st, field));
    if (lit) return (*out = strdup(lit)) ? 0 : -1;
    const char *expr = json_string_value(json_object_get(st, path_field));
    if (!expr) return 0;
    json_t *v = NULL;
    bool intrinsic = strncmp(expr, "States.", 7) == 0;
    int rc = intrinsic ? asl_intrinsic_eval(expr, input, ctx, &v, err)
                       : asl_path_get(expr, input, ctx, &v, err);
    if (rc != 0 && !intrinsic) {
        char *text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
        host_fail(err, RUNTIME, "The JSONPath '%s' specified for the field '%s' could not be "
                  "found in the input '%s'", expr, path_field, text ? text : "");
        free(text);
    }
    if (rc != 0) return -1;
    if (!json_is_string(v)) {
        json_decref(v);
        return host_fail(err, RUNTIME, "The %s '%s' did not resolve to a string", path_field,
                         expr);
    }
    *out = strdup(json_string_value(v));
    json_decref(v);
    return 0;
}

static void fail_enter(engine *e, branch *b, json_t *st)
{
    yogi_error err = {{0}, {0}};
    char *error = NULL, *cause = NULL;
    json_t *ctx = exec_branch_context(b);
    int rc = fail_field(st, "Error", b->input, ctx, &error, &err);
    if (rc == 0) rc = fail_field(st, "Cause", b->input, ctx, &cause, &err);
    json_decref(ctx);
    if (rc != 0)
        branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
    else
        branch_failed(e, b, error, cause);
    free(error);
    free(cause);
}

static void pass_enter(engine *e, branch *b, json_t *st, json_t *selected)
{
    yogi_error err = {{0}, {0}};
    json_t *result = json_object_get(st, "Result");
    json_t *params = json_object_get(st, "Parameters");
    if (result) {
        state_succeeded(e, b, st, result);
        return;
    }
    if (!params) {
        state_succeeded(e, b, st, selected);
        return;
    }
    json_t *ctx = exec_branch_context(b), *out = NULL;
    int rc = asl_payload_eval(params, selected, ctx, &out, &err);
    json_decref(ctx);
    if (rc != 0) {
        branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
        return;
    }
    state_succeeded(e, b, st, out);
    json_decref(out);
}

/* ---- entering a state -------------------------------------------------------------------- */

void exec_step(engine *e, branch *b)
{
    json_t *st = state_of(b);
    if (!st) {
        branch_failed(e, b, RUNTIME, "The state machine has no state of that name");
        return;
    }
    json_t *data = vars_fresh_data(b);
    json_object_set_new(data, "entered", json_integer(wall_clock_ms()));
    json_object_set_new(data, "entered_event", json_integer(b->ex->next_event));
    json_decref(b->data);
    b->data = data;
    branch_touch(e, b);
    emit_state_event(e, b, st, "StateEntered",
                     json_pack("{s:s, s:O}", "name", b->state, "input", b->input));
    const char *type = state_type(st);
    if (state_is_jsonata(b, st) && strcmp(type, "Task") != 0) {
        jsonata_enter(e, b, st, type);
        return;
    }
    if (strcmp(type, "Fail") == 0) {
        fail_enter(e, b, st);
        return;
    }
    yogi_error err = {{0}, {0}};
    json_t *selected = NULL, *ctx = exec_branch_context(b);
    int rc = asl_select(json_object_get(st, "InputPath"), b->input, ctx, &selected, &err);
    json_decref(ctx);
    if (rc != 0) {
        branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
        return;
    }
    if (strcmp(type, "Pass") == 0) pass_enter(e, b, st, selected);
    else if (strcmp(type, "Task") == 0) task_enter(e, b, st, selected);
    else if (strcmp(type, "Choice") == 0) choice_enter(e, b, st, selected);
    else if (strcmp(type, "Wait") == 0) wait_enter(e, b, st, selected);
    else if (strcmp(type, "Succeed") == 0) state_exit(e, b, st, selected, NULL);
    else if (strcmp(type, "Parallel") == 0 || strcmp(type, "Map") == 0) {
        json_t *params = json_object_get(st, "Parameters"), *effective = NULL;
        bool is_map = strcmp(type, "Map") == 0;
        if (params && !is_map) {
            ctx = exec_branch_context(b);
            rc = asl_payload_eval(params, selected, ctx, &effective, &err);
            json_decref(ctx);
            if (rc != 0) {
                branch_failed(e, b, err.name[0] ? err.name : RUNTIME, err.cause);
                json_decref(selected);
                return;
            }
        } else {
            effective = json_incref(selected);
        }
        json_object_set(b->data, "effective", effective);
        if (is_map) exec_map_start(e, b, st, effective);
        else exec_parallel_start(e, b, st, effective);
        json_decref(effective);
    } else branch_failed(e, b, RUNTIME, "Unknown state type");
    json_decref(selected);
}

/* ---- timers ------------------------------------------------------------------------------- */

void exec_timer_fired(engine *e, branch *b)
{
    json_t *st = state_of(b);
    b->timer_ms = 0;
    switch (b->phase) {
    case PH_WAIT:
        state_exit(e, b, st, json_object_get(b->data, "effective"), NULL);
        return;
    case PH_RETRY: {
        json_t *effective = json_incref(json_object_get(b->data, "effective"));
        const char *type = state_type(st);
        if (strcmp(type, "Task") == 0) task_schedule(e, b, st);
        else if (strcmp(type, "Map") == 0) exec_map_start(e, b, st, effective);
        else exec_parallel_start(e, b, st, effective);
        json_decref(effective);
        return;
    }
    case PH_TASK:
    case PH_CALLBACK: {
        int64_t hb = data_int(b, "heartbeat_at"), to = data_int(b, "timeout_at");
        bool heartbeat = hb && hb <= wall_clock_ms() && (!to || hb < to);
        if (is_activity(b)) activity_expire(e, json_string_value(json_object_get(b->data, "token")));
        task_failed(e, b, st, heartbeat ? "States.HeartbeatTimeout" : "States.Timeout", NULL,
                    "TimedOut");
        return;
    }
    default:
        return;
    }
}

/* ---- the end of a branch and of the execution ---------------------------------------------- */

void branch_ended(engine *e, branch *b, json_t *output)
{
    if (b->parent == 0) {
        b->phase = PH_DONE;
        branch_touch(e, b);
        execution_end(e, b->ex, "SUCCEEDED", output, NULL, NULL);
        return;
    }
    json_decref(b->input);
    b->input = json_incref(output);
    b->phase = PH_DONE;
    branch_touch(e, b);
    exec_child_ended(e, b);
}

/* Step Functions prefixes the cause of a States.Runtime error with where it happened. */
static json_t *runtime_cause(branch *b, const char *error, const char *cause)
{
    static const char prefix[] = "An error occurred while executing the state";
    bool prefixed = error && (strcmp(error, RUNTIME) == 0 ||
                              strcmp(error, "States.QueryEvaluationError") == 0);
    if (!prefixed || !cause || !strncmp(cause, prefix, sizeof prefix - 1))
        return cause ? json_string(cause) : json_null();
    char head[512];
    snprintf(head, sizeof head, "%s '%s' (entered at the event id #%lld). ", prefix, b->state,
             (long long)data_int(b, "entered_event"));
    size_t n = strlen(head) + strlen(cause) + 1;
    char *full = malloc(n);
    if (!full) return json_string(cause);
    snprintf(full, n, "%s%s", head, cause);
    json_t *j = json_string(full);
    free(full);
    return j;
}

void branch_failed(engine *e, branch *b, const char *error, const char *cause)
{
    engine_set_timer(e, b, 0);
    engine_cancel_task(e, b);
    json_object_set_new(b->data, "error", error ? json_string(error) : json_null());
    json_object_set_new(b->data, "cause", runtime_cause(b, error, cause));
    cause = json_string_value(json_object_get(b->data, "cause"));
    b->phase = PH_FAILED;
    branch_touch(e, b);
    if (b->parent == 0) {
        exec_abort_children(e, b);
        execution_end(e, b->ex, "FAILED", NULL, error, cause);
        return;
    }
    exec_child_ended(e, b);
}
