/*
 * mock.c — the conformance harness plugin: behaviour from resource_config.
 *
 * The resource map entry's "config" says what the task does (the format of
 * the ASL conformance suite's resources.json):
 *   {"echo": {}}                              return the input
 *   {"return": <json>}                        return that value
 *   {"fail": {"error": "...", "cause": "..."}} fail with exactly that
 *   {"sleep": N}                              sleep N seconds, then echo
 *   {"callback": ...}                         return at once; the engine
 *                                             waits for the task token
 * Anything else is a configuration error (Mock.BadConfig), so a typo in a
 * resource map fails loudly instead of echoing.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <yogi/plugin.h>

static void sleep_seconds(double seconds)
{
    struct timespec ts = {(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static int mock_fail(const json_t *spec, yogi_error *err)
{
    const char *name = json_string_value(json_object_get(spec, "error"));
    const char *cause = json_string_value(json_object_get(spec, "cause"));
    return yogi_fail(err, name ? name : "", "%s", cause ? cause : "");
}

static int mock_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                       yogi_error *err)
{
    (void)state;
    const json_t *cfg = YOGI_HAS(call, resource_config) ? call->resource_config : NULL;
    const json_t *v;
    if (!cfg || json_object_get(cfg, "echo") || json_object_get(cfg, "callback")) {
        *output = json_incref(input);
        return YOGI_OK;
    }
    if ((v = json_object_get(cfg, "return")) != NULL) {
        *output = json_deep_copy(v);
        return YOGI_OK;
    }
    if ((v = json_object_get(cfg, "fail")) != NULL) return mock_fail(v, err);
    if ((v = json_object_get(cfg, "sleep")) != NULL && json_is_number(v)) {
        sleep_seconds(json_number_value(v));
        *output = json_incref(input);
        return YOGI_OK;
    }
    char *text = json_dumps(cfg, JSON_COMPACT);
    int rc = yogi_fail(err, "Mock.BadConfig", "unknown mock behaviour %s", text ? text : "?");
    free(text);
    return rc;
}

YOGI_PLUGIN(mock, NULL, mock_invoke, NULL)
