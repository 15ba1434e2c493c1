/*
 * engine_harness.h — helpers for tests that drive a real engine in-process:
 * open one on a scratch directory, register a YAML workflow, start, run the
 * loop until an execution ends (or a callback waits), read its history.
 * Header-only so each test program links it without a Makefile change.
 */
#ifndef YOGI_ENGINE_HARNESS_H
#define YOGI_ENGINE_HARNESS_H

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "test.h"

static inline engine *harness_open(const char *dir, const char *resources)
{
    char plugins[PATH_MAX];
    snprintf(plugins, sizeof plugins, "%s/states", test_build_dir());
    engine_options o = {.data_dir = dir, .plugin_dir = plugins, .resource_map = resources,
                        .workers = 2, .worker_memory_mb = 512, .synchronous_normal = true};
    yogi_error err = {{0}, {0}};
    engine *e = engine_open(&o, &err);
    if (!e) test_fail_(__FILE__, __LINE__, "engine_open: %s: %s", err.name, err.cause);
    return e;
}

/* Run the loop until `id` leaves RUNNING, a callback waits (when
 * stop_at_callback), or timeout_ms passes. Returns the description. */
static inline json_t *harness_wait(engine *e, const char *id, bool stop_at_callback,
                                   int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms;) {
        json_t *d = engine_describe(e, id);
        const char *status = json_string_value(json_object_get(d, "status"));
        if (!status || strcmp(status, "RUNNING") != 0) return d;
        json_decref(d);
        if (stop_at_callback) {
            json_t *cbs = engine_list_callbacks(e, 0);
            size_t n = json_array_size(cbs);
            json_decref(cbs);
            if (n > 0) return engine_describe(e, id);
        }
        int t = engine_timeout_ms(e);
        if (t < 0 || t > 50) t = 50;
        struct pollfd p = {.fd = engine_fd(e), .events = POLLIN};
        poll(&p, 1, t);
        waited += t ? t : 1;
        engine_run_once(e);
    }
    return engine_describe(e, id);
}

static inline int harness_put(engine *e, const char *name, const char *yaml)
{
    yogi_error err = {{0}, {0}};
    int v = engine_put_workflow(e, name, yaml, strlen(yaml), &err);
    if (v < 0) test_fail_(__FILE__, __LINE__, "put %s: %s: %s", name, err.name, err.cause);
    return v;
}

/* Start and run to the end; returns the description (new reference). */
static inline json_t *harness_run(engine *e, const char *yaml, const char *input_json,
                                  char *id_out)
{
    static int counter;
    char name[32], id[64];
    snprintf(name, sizeof name, "wf%d", ++counter);
    if (harness_put(e, name, yaml) < 0) return NULL;
    json_t *input = json_loads(input_json ? input_json : "{}", JSON_DECODE_ANY, NULL);
    engine_start_request req = {.workflow = name, .input = input};
    yogi_error err = {{0}, {0}};
    int rc = engine_start(e, &req, id, &err);
    json_decref(input);
    if (rc != 0) {
        test_fail_(__FILE__, __LINE__, "start: %s: %s", err.name, err.cause);
        return NULL;
    }
    if (id_out) snprintf(id_out, 64, "%s", id);
    return harness_wait(e, id, false, 20000);
}

/* "ExecutionStarted,PassStateEntered,..." for compact comparisons. */
static inline char *harness_history(engine *e, const char *id)
{
    json_t *page = engine_history(e, id, 0, 10000);
    size_t cap = 64, len = 0;
    char *out = calloc(1, cap);
    size_t i;
    json_t *ev;
    json_array_foreach(json_object_get(page, "events"), i, ev) {
        const char *t = json_string_value(json_object_get(ev, "type"));
        size_t need = len + strlen(t) + 2;
        if (need > cap) {
            while (cap < need) cap *= 2;
            out = realloc(out, cap);
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "", t);
    }
    json_decref(page);
    return out;
}

static inline bool json_equals_text(json_t *v, const char *expected)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    bool eq = want && v && json_equal(v, want);
    if (!eq) {
        char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
        printf("# got %s\n# expected %s\n", got ? got : "(null)", expected);
        free(got);
    }
    json_decref(want);
    return eq;
}

#endif
