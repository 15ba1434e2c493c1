/*
 * exec_branches.c — Parallel and Map: a state that runs child branches.
 *
 * Entering (or retrying) a Parallel state creates one child per Branches
 * entry; a Map state creates one child per item, all at once but PENDING,
 * and starts at most MaxConcurrency of them (0 = all). The parent waits in
 * PH_CHILDREN with counters in its data:
 *
 *   total, done, failed, running, next (the next PENDING slot to start),
 *   max (MaxConcurrency), tolerated_count, tolerated_pct
 *
 * Each child that ends calls exec_child_ended(). When every child is done
 * the parent collects the outputs in slot order, deletes the children and
 * continues (ResultSelector, ResultPath, OutputPath). When a child fails
 * beyond what Map's ToleratedFailure* allows, every other child is aborted
 * (its current state gets <Type>StateAborted, a Map iteration
 * MapIterationAborted), the children are deleted, and the parent fails with
 * the child's error, subject to the parent's own Retry and Catch.
 *
 * Children are found by scanning the execution's branch table; that costs
 * O(branches) only when a parent starts, completes or aborts, never per
 * transition.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl.h"
#include "engine_internal.h"
#include "host_error.h"

static bool is_map(json_t *st)
{
    const char *t = json_string_value(json_object_get(st, "Type"));
    return t && strcmp(t, "Map") == 0;
}

static int64_t counter(branch *b, const char *key)
{
    return json_integer_value(json_object_get(b->data, key));
}

static void set_counter(branch *b, const char *key, int64_t v)
{
    json_object_set_new(b->data, key, json_integer(v));
}

/* JSON Pointer of a state's member: scope + "/States/" + escaped name + "/" + member. */
static char *child_scope(branch *b, const char *member)
{
    size_t cap = strlen(b->scope) + 2 * strlen(b->state) + strlen(member) + 16;
    char *out = malloc(cap);
    if (!out) return NULL;
    size_t n = (size_t)snprintf(out, cap, "%s/States/", b->scope);
    for (const char *p = b->state; *p; p++) {
        if (*p == '~') { out[n++] = '~'; out[n++] = '0'; }
        else if (*p == '/') { out[n++] = '~'; out[n++] = '1'; }
        else out[n++] = *p;
    }
    snprintf(out + n, cap - n, "/%s", member);
    return out;
}

static void start_children(engine *e, branch *b, int64_t total, int64_t max)
{
    json_object_set_new(b->data, "total", json_integer(total));
    set_counter(b, "done", 0);
    set_counter(b, "failed", 0);
    set_counter(b, "running", 0);
    set_counter(b, "next", 0);
    set_counter(b, "max", max);
    b->phase = PH_CHILDREN;
    branch_touch(e, b);
}

/* Collect outputs in slot order, delete the children, finish the state. */
static void complete_parent(engine *e, branch *b, json_t *st)
{
    int64_t total = counter(b, "total");
    json_t *results = json_array();
    for (int64_t i = 0; i < total; i++) json_array_append_new(results, json_null());
    execution *ex = b->ex;
    for (size_t i = 0; i < ex->n_branches; i++) {
        branch *c = ex->branches[i];
        if (!c || c->parent != b->id) continue;
        if (c->phase == PH_DONE) {
            json_array_set(results, (size_t)c->slot, c->input);
        } else {
            json_t *err = json_pack("{s:O, s:O}", "Error", json_object_get(c->data, "error"),
                                    "Cause", json_object_get(c->data, "cause"));
            json_array_set_new(results, (size_t)c->slot, err);
        }
        branch_delete(e, c);
    }
    if (is_map(st)) engine_emit(e, ex, "MapStateSucceeded", b->state, NULL);
    yogi_error err = {{0}, {0}};
    json_t *selector = json_object_get(st, "ResultSelector"), *result = NULL;
    if (selector) {
        json_t *ctx = exec_branch_context(b);
        int rc = asl_payload_eval(selector, results, ctx, &result, &err);
        json_decref(ctx);
        json_decref(results);
        if (rc != 0) {
            branch_failed(e, b, err.name[0] ? err.name : "States.Runtime", err.cause);
            return;
        }
    } else {
        result = results;
    }
    state_succeeded(e, b, st, result);
    json_decref(result);
}

void exec_parallel_start(engine *e, branch *b, json_t *st, json_t *effective)
{
    json_t *branches = json_object_get(st, "Branches");
    int64_t n = (int64_t)json_array_size(branches);
    engine_emit(e, b->ex, "ParallelStateStarted", b->state, NULL);
    start_children(e, b, n, 0);
    set_counter(b, "running", n);
    set_counter(b, "next", n);
    for (int64_t i = 0; i < n; i++) {
        char member[32];
        snprintf(member, sizeof member, "Branches/%lld", (long long)i);
        char *scope = child_scope(b, member);
        const char *start = json_string_value(
            json_object_get(json_array_get(branches, (size_t)i), "StartAt"));
        branch *c = branch_new(e, b->ex, b->id, i, scope, start ? start : "", PH_ENTER,
                               effective);
        free(scope);
        if (c) engine_runq_push(e, c);
    }
    if (n == 0) complete_parent(e, b, st);
}

/* A string of decimal digits as a number; -1 for anything else. */
static int64_t digits_value(const char *s)
{
    int64_t r = 0;
    if (!*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || r > INT32_MAX / 10) return -1;
        r = r * 10 + (*s - '0');
    }
    return r;
}

/* An integer field or its ...Path twin (>= 0); -1 and err when invalid. */
static int64_t nonneg_field(branch *b, json_t *st, const char *field, json_t *input,
                            int64_t dflt, yogi_error *err)
{
    if (state_is_jsonata(b, st)) {
        int64_t v = dflt;
        return jsonata_integer_field(b, st, field, dflt, &v, err) == 0 ? v : -1;
    }
    char pf[64];
    snprintf(pf, sizeof pf, "%sPath", field);
    json_t *lit = json_object_get(st, field);
    if (lit) return json_is_number(lit) ? (int64_t)json_number_value(lit) : dflt;
    const char *path = json_string_value(json_object_get(st, pf));
    if (!path) return dflt;
    json_t *v = NULL;
    json_t *ctx = exec_branch_context(b);
    int rc = asl_path_get(path, input, ctx, &v, err);
    json_decref(ctx);
    if (rc != 0) return -1;
    int64_t r = -1;
    if (json_is_integer(v) && json_integer_value(v) >= 0) r = json_integer_value(v);
    else if (json_is_string(v)) r = digits_value(json_string_value(v)); /* AWS takes "1" too */
    else if (json_is_real(v) && json_real_value(v) >= 0 && strstr(field, "Percentage"))
        r = (int64_t)json_real_value(v);
    if (r < 0) {
        char *text = json_is_string(v) ? strdup(json_string_value(v))
                                       : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        host_fail(err, "States.Runtime",
                  "The %s field refers to value \"%s\" which is not a valid integer: %s", pf,
                  text ? text : "", path);
        free(text);
    }
    json_decref(v);
    return r;
}

/* Children are created consecutively in slot order, so slot k is branch
 * first + k: starting the next PENDING iteration is a lookup, not a scan. */
static void start_pending(engine *e, branch *b)
{
    int64_t total = counter(b, "total"), max = counter(b, "max"), first = counter(b, "first");
    int64_t next = counter(b, "next"), running = counter(b, "running");
    for (; next < total && (max == 0 || running < max); next++) {
        branch *c = branch_get(b->ex, first + next);
        if (!c || c->phase != PH_PENDING) continue;
        c->phase = PH_ENTER;
        branch_touch(e, c);
        engine_emit(e, b->ex, "MapIterationStarted", b->state,
                    json_pack("{s:I}", "index", (json_int_t)c->slot));
        engine_runq_push(e, c);
        running++;
    }
    set_counter(b, "next", next);
    set_counter(b, "running", running);
    branch_touch(e, b);
}

static int map_items(branch *b, json_t *st, json_t *effective, json_t **items, yogi_error *err)
{
    if (state_is_jsonata(b, st)) return jsonata_map_items(b, st, effective, items, err);
    json_t *path = json_object_get(st, "ItemsPath");
    json_t *ctx = exec_branch_context(b);
    int rc = asl_select(path ? path : NULL, effective, ctx, items, err);
    json_decref(ctx);
    if (rc != 0) return -1;
    if (!json_is_array(*items)) {
        json_decref(*items);
        *items = NULL;
        return host_fail(err, "States.Runtime",
                         "Map state '%s': the items are not an array", b->state);
    }
    return 0;
}

static json_t *item_input(execution *ex, branch *b, json_t *st, json_t *effective, size_t i,
                          json_t *item, yogi_error *err)
{
    if (state_is_jsonata(b, st)) return jsonata_item_input(b, st, i, item, err);
    json_t *selector = json_object_get(st, "ItemSelector");
    if (!selector) selector = json_object_get(st, "Parameters");
    if (!selector) return json_incref(item);
    json_t *ctx = exec_branch_context(b);
    json_object_set_new(ctx, "Map", json_pack("{s:{s:I, s:O}}", "Item", "Index", (json_int_t)i,
                                              "Value", item));
    json_t *out = NULL;
    int rc = asl_payload_eval(selector, effective, ctx, &out, err);
    json_decref(ctx);
    return rc == 0 ? out : NULL;
}

void exec_map_start(engine *e, branch *b, json_t *st, json_t *effective)
{
    yogi_error err = {{0}, {0}};
    json_t *items = NULL;
    int64_t max = nonneg_field(b, st, "MaxConcurrency", effective, 0, &err);
    int64_t tol_n = max < 0 ? -1 : nonneg_field(b, st, "ToleratedFailureCount", effective, 0, &err);
    int64_t tol_p = tol_n < 0 ? -1
                              : nonneg_field(b, st, "ToleratedFailurePercentage", effective, 0, &err);
    if (tol_p < 0 || map_items(b, st, effective, &items, &err) != 0) {
        if (state_is_jsonata(b, st)) jsonata_failed(e, b, st, &err, false);
        else branch_failed(e, b, err.name, err.cause);
        return;
    }
    const char *member = json_object_get(st, "ItemProcessor") ? "ItemProcessor" : "Iterator";
    char *scope = child_scope(b, member);
    json_t *machine = definition_at(b->ex->definition, scope);
    const char *start = json_string_value(json_object_get(machine, "StartAt"));
    engine_emit(e, b->ex, "MapStateStarted", b->state,
                json_pack("{s:I}", "length", (json_int_t)json_array_size(items)));
    start_children(e, b, (int64_t)json_array_size(items), max);
    set_counter(b, "tolerated_count", tol_n);
    set_counter(b, "tolerated_pct", tol_p);
    json_object_set_new(b->data, "has_tolerance",
                        json_boolean(json_object_get(st, "ToleratedFailureCount") ||
                                     json_object_get(st, "ToleratedFailureCountPath") ||
                                     json_object_get(st, "ToleratedFailurePercentage") ||
                                     json_object_get(st, "ToleratedFailurePercentagePath")));
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        json_t *in = item_input(b->ex, b, st, effective, i, item, &err);
        if (!in) {
            free(scope);
            json_decref(items);
            exec_abort_children(e, b);
            if (state_is_jsonata(b, st)) jsonata_failed(e, b, st, &err, false);
            else branch_failed(e, b, err.name[0] ? err.name : "States.Runtime", err.cause);
            return;
        }
        branch *c = branch_new(e, b->ex, b->id, (int64_t)i, scope, start ? start : "",
                               PH_PENDING, in);
        json_decref(in);
        if (c && i == 0) set_counter(b, "first", c->id);
    }
    free(scope);
    json_decref(items);
    if (counter(b, "total") == 0) {
        complete_parent(e, b, st);
        return;
    }
    start_pending(e, b);
}

static bool failure_tolerated(branch *b)
{
    if (!json_is_true(json_object_get(b->data, "has_tolerance"))) return false;
    int64_t failed = counter(b, "failed"), total = counter(b, "total");
    if (failed <= counter(b, "tolerated_count") && counter(b, "tolerated_count") > 0) return true;
    int64_t pct = counter(b, "tolerated_pct");
    return total > 0 && pct > 0 && failed * 100 <= pct * total;
}

void exec_child_ended(engine *e, branch *child)
{
    branch *b = branch_get(child->ex, child->parent);
    if (!b || b->phase != PH_CHILDREN) return;
    json_t *st = state_of(b);
    bool map = is_map(st);
    bool ok = child->phase == PH_DONE;
    if (map)
        engine_emit(e, b->ex, ok ? "MapIterationSucceeded" : "MapIterationFailed", b->state,
                    json_pack("{s:I}", "index", (json_int_t)child->slot));
    set_counter(b, ok ? "done" : "failed", counter(b, ok ? "done" : "failed") + 1);
    set_counter(b, "running", counter(b, "running") - 1);
    branch_touch(e, b);
    if (!ok && !(map && failure_tolerated(b))) {
        const char *error = json_string_value(json_object_get(child->data, "error"));
        const char *cause = json_string_value(json_object_get(child->data, "cause"));
        char *err_copy = error ? strdup(error) : NULL, *cause_copy = cause ? strdup(cause) : NULL;
        /* AWS records a Parallel branch that failed in a Task as that Task
         * aborted, without ParallelStateFailed (its recordings show it). */
        json_t *cst = state_of(child);
        const char *ctype = json_string_value(json_object_get(cst, "Type"));
        bool task_in_parallel = !map && ctype && strcmp(ctype, "Task") == 0;
        if (task_in_parallel) engine_emit(e, b->ex, "TaskStateAborted", child->state, NULL);
        exec_abort_children(e, b);
        state_failed_event(e, b, st, err_copy, cause_copy,
                           map ? "MapStateFailed" : task_in_parallel ? NULL : "ParallelStateFailed");
        free(err_copy);
        free(cause_copy);
        return;
    }
    if (map) start_pending(e, b);
    if (counter(b, "done") + counter(b, "failed") == counter(b, "total")) complete_parent(e, b, st);
}

static bool is_active(branch_phase p)
{
    return p == PH_ENTER || p == PH_TASK || p == PH_RETRY || p == PH_WAIT ||
           p == PH_CALLBACK || p == PH_CHILDREN;
}

void exec_abort_children(engine *e, branch *parent)
{
    execution *ex = parent->ex;
    json_t *pst = state_of(parent);
    bool map = pst && is_map(pst);
    for (size_t i = 0; i < ex->n_branches; i++) {
        branch *c = ex->branches[i];
        if (!c || c->parent != parent->id) continue;
        exec_abort_children(e, c);
        if (is_active(c->phase) && c->phase != PH_ENTER) {
            json_t *st = state_of(c);
            char type[64];
            snprintf(type, sizeof type, "%sStateAborted",
                     st ? json_string_value(json_object_get(st, "Type")) : "Unknown");
            engine_emit(e, ex, type, c->state, NULL);
        }
        if (map && is_active(c->phase))
            engine_emit(e, ex, "MapIterationAborted", parent->state,
                        json_pack("{s:I}", "index", (json_int_t)c->slot));
        engine_set_timer(e, c, 0);
        engine_cancel_task(e, c);
        branch_delete(e, c);
    }
}
