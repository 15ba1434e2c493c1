/*
 * resources.c — which plugin serves a Task's Resource.
 *
 *   plugin:NAME                       NAME.so, no configuration
 *   plugin:NAME.waitForTaskToken      the same, as a callback task
 *   anything else                     looked up in the resource map
 *
 * The resource map (a JSON file, --resources) lets AWS-authored definitions
 * run unchanged: each key is a Resource string as written (an AWS Lambda
 * ARN, "arn:aws:states:::lambda:invoke"), each value one of
 *
 *   "plugin:NAME"                               an alias
 *   {"plugin": "NAME", "config": {...}}          an alias with configuration
 *   {"echo": {}} | {"return": V} | {"fail": {...}} | {"sleep": N} | {"callback": ...}
 *                                               the conformance harness
 *                                               shorthand, served by `mock`
 *
 * A key may be written with or without a trailing ".waitForTaskToken".
 *
 * Activities (served by remote workers, see activities.h): a Resource
 * "arn:aws:states:REGION:ACCOUNT:activity:NAME" or "activity:NAME", or a
 * map value naming one ("activity:NAME", an activity ARN, or
 * {"activity": "NAME"}) — so "plugin:ocr" can be moved to remote workers
 * by the resource map alone, without editing the workflow.
 */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"
#include "host_error.h"

#define CALLBACK_SUFFIX ".waitForTaskToken"

static bool strip_suffix(const char *resource, char *out, size_t len)
{
    size_t n = strlen(resource), k = strlen(CALLBACK_SUFFIX);
    bool has = n > k && strcmp(resource + n - k, CALLBACK_SUFFIX) == 0;
    snprintf(out, len, "%.*s", (int)(has ? n - k : n), resource);
    return has;
}

static bool plugin_name_ok(const char *name)
{
    if (!*name || strlen(name) > 64) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

static bool from_plugin_uri(const char *s, char *plugin, size_t len)
{
    char base[512];
    if (strncmp(s, "plugin:", 7) != 0) return false;
    strip_suffix(s + 7, base, sizeof base);
    if (!plugin_name_ok(base)) return false;
    snprintf(plugin, len, "%s", base);
    return true;
}

static bool from_map_value(json_t *v, char *plugin, size_t len, json_t **config)
{
    if (json_is_string(v)) return from_plugin_uri(json_string_value(v), plugin, len);
    if (!json_is_object(v)) return false;
    const char *name = json_string_value(json_object_get(v, "plugin"));
    if (name) {
        if (!plugin_name_ok(name)) return false;
        snprintf(plugin, len, "%s", name);
        json_t *c = json_object_get(v, "config");
        *config = c ? json_incref(c) : NULL;
        return true;
    }
    static const char *const shorthand[] = {"echo", "return", "fail", "sleep", "callback"};
    for (size_t i = 0; i < sizeof shorthand / sizeof shorthand[0]; i++) {
        if (!json_object_get(v, shorthand[i])) continue;
        snprintf(plugin, len, "mock");
        *config = json_incref(v);
        return true;
    }
    return false;
}

bool resource_resolve(engine *e, const char *resource, char *plugin, size_t plugin_len,
                      json_t **config)
{
    *config = NULL;
    if (!resource) return false;
    if (from_plugin_uri(resource, plugin, plugin_len)) return true;
    if (!e->resource_map) return false;
    json_t *v = json_object_get(e->resource_map, resource);
    if (!v) {
        char base[1024];
        strip_suffix(resource, base, sizeof base);
        v = json_object_get(e->resource_map, base);
    }
    return v && from_map_value(v, plugin, plugin_len, config);
}

int resource_map_load(engine *e, const char *path, yogi_error *err)
{
    if (!path || !*path) return 0;
    json_error_t jerr;
    json_t *map = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!map)
        return host_fail(err, "Engine.ResourceMap", "%s:%d:%d: %s", path, jerr.line,
                         jerr.column, jerr.text);
    if (!json_is_object(map)) {
        json_decref(map);
        return host_fail(err, "Engine.ResourceMap", "%s: the resource map must be an object",
                         path);
    }
    json_decref(e->resource_map);
    e->resource_map = map;
    return 0;
}

bool resource_activity(engine *e, const char *resource, char name[ACTIVITY_NAME_MAX])
{
    if (!resource) return false;
    if (activity_name_from(resource, name)) return true;
    json_t *v = e->resource_map ? json_object_get(e->resource_map, resource) : NULL;
    if (json_is_string(v)) return activity_name_from(json_string_value(v), name);
    const char *n = json_string_value(json_object_get(v, "activity"));
    if (!n || !activity_name_valid(n)) return false;
    snprintf(name, ACTIVITY_NAME_MAX, "%s", n);
    return true;
}
