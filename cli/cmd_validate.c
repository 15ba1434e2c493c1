/*
 * cmd_validate.c — `yogi validate`: load and check workflow files, and
 * report every problem as "file:line:column: code: message".
 *
 * A Task's Resource is known when a plugin serves it: "plugin:NAME" or
 * "plugin:NAME.waitForTaskToken" with NAME.so in the plugin directory, or a
 * key of the resource map (e.g. "arn:aws:states:::lambda:invoke", with or
 * without ".waitForTaskToken") whose value names such a plugin — the rules
 * of engine/resources.c, so that what validates here is what the engine
 * accepts; and an activity ("activity:NAME", an activity ARN, or a map
 * value naming one), which remote workers serve. Problems go to stderr, "FILE: ok" to stdout, so that
 * `yogi validate *.yaml 2>problems.txt` separates them.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "activities.h"
#include "workflow.h"

#define PLUGIN_PREFIX "plugin:"
#define CALLBACK_SUFFIX ".waitForTaskToken"

struct resolver {
    const char *plugin_dir;
    json_t *map; /* the resource map, or NULL */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: yogi validate [--plugins DIR] [--resources MAP.json] FILE...\n"
            "\n"
            "Check workflow definitions (ASL in YAML or JSON) and report every problem as\n"
            "FILE:LINE:COLUMN: CODE: MESSAGE on stderr; print FILE: ok for each good file.\n"
            "\n"
            "  --plugins DIR         where NAME.so serves plugin:NAME (default: %s)\n"
            "  --resources MAP.json  the resource map: Resource string -> \"plugin:NAME\" or\n"
            "                        {\"plugin\": NAME, \"config\": {...}}\n"
            "  -h, --help            this help\n"
            "\n"
            "Exit status: 0 when every file is valid, 2 otherwise.\n",
            cli_default_plugin_dir());
}

/* A plugin name is a file name in the plugin directory: no path, no dots,
 * at most 64 characters (as engine/resources.c has it). */
static bool plugin_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > 64) return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

static bool plugin_exists(const char *dir, const char *name, size_t len)
{
    char path[PATH_MAX];
    struct stat st;
    int n = snprintf(path, sizeof path, "%s/%.*s.so", dir, (int)len, name);
    return n > 0 && (size_t)n < sizeof path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "NAME" or "NAME.waitForTaskToken" → the length of NAME. */
static size_t without_callback_suffix(const char *name)
{
    size_t len = strlen(name), suffix = strlen(CALLBACK_SUFFIX);
    if (len > suffix && strcmp(name + len - suffix, CALLBACK_SUFFIX) == 0) return len - suffix;
    return len;
}

/* True when "plugin:NAME[.waitForTaskToken]" names a plugin in the directory. */
static bool plugin_uri_served(const char *dir, const char *uri)
{
    if (strncmp(uri, PLUGIN_PREFIX, strlen(PLUGIN_PREFIX)) != 0) return false;
    const char *name = uri + strlen(PLUGIN_PREFIX);
    size_t len = without_callback_suffix(name);
    return plugin_name_ok(name, len) && plugin_exists(dir, name, len);
}

/* A resource map value: "plugin:NAME", {"plugin": NAME, "config": ...}, or
 * the conformance harness's shorthand ({"echo": {}}, {"return": V}...),
 * which the `mock` plugin serves. */
static bool map_value_served(const char *dir, json_t *value)
{
    static const char *const shorthand[] = {"echo", "return", "fail", "sleep", "callback"};
    char activity[ACTIVITY_NAME_MAX];
    if (json_is_string(value) && activity_name_from(json_string_value(value), activity))
        return true;
    if (activity_name_valid(json_string_value(json_object_get(value, "activity")))) return true;
    if (json_is_string(value)) return plugin_uri_served(dir, json_string_value(value));
    const char *name = json_string_value(json_object_get(value, "plugin"));
    if (name) return plugin_name_ok(name, strlen(name)) && plugin_exists(dir, name, strlen(name));
    for (size_t i = 0; i < sizeof shorthand / sizeof shorthand[0]; i++)
        if (json_object_get(value, shorthand[i])) return plugin_exists(dir, "mock", 4);
    return false;
}

static bool resource_known(const char *resource, void *ud)
{
    const struct resolver *r = ud;
    char activity[ACTIVITY_NAME_MAX];
    if (activity_name_from(resource, activity)) return true; /* remote workers serve it */
    if (plugin_uri_served(r->plugin_dir, resource)) return true;
    if (!r->map) return false;
    json_t *value = json_object_get(r->map, resource);
    if (!value) {
        char base[1024];
        snprintf(base, sizeof base, "%.*s", (int)without_callback_suffix(resource), resource);
        value = json_object_get(r->map, base);
    }
    return value && map_value_served(r->plugin_dir, value);
}

static json_t *load_resource_map(const char *path)
{
    json_error_t error;
    json_t *map = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!map) {
        fprintf(stderr, "%s:%d:%d: InvalidResourceMap: %s\n", path, error.line, error.column,
                error.text);
        return NULL;
    }
    if (!json_is_object(map)) {
        fprintf(stderr,
                "%s: InvalidResourceMap: the resource map must be a JSON object whose "
                "keys are Resource strings\n",
                path);
        json_decref(map);
        return NULL;
    }
    return map;
}

static bool validate_file(const char *path, struct resolver *r)
{
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse_file(path, &diags);
    bool ok = doc && workflow_validate(doc, resource_known, r, &diags);
    if (ok)
        printf("%s: ok\n", path);
    else
        workflow_diags_print(&diags, path, stderr);
    workflow_free(doc);
    workflow_diags_clear(&diags);
    return ok;
}

/* The value of --name VALUE or --name=VALUE at argv[*i], or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) != 0) return NULL;
    if (argv[*i][len] == '=') return argv[*i] + len + 1;
    if (argv[*i][len] != '\0' || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

int cmd_validate(int argc, char **argv)
{
    struct resolver r = {cli_default_plugin_dir(), NULL};
    const char *map_path = NULL, *value;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return YOGI_EXIT_OK;
        } else if ((value = option_value(argc, argv, &i, "--plugins"))) {
            r.plugin_dir = value;
        } else if ((value = option_value(argc, argv, &i, "--resources"))) {
            map_path = value;
        } else {
            fprintf(stderr, "yogi validate: unknown or incomplete option '%s'\n", argv[i]);
            usage(stderr);
            return YOGI_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "yogi validate: no FILE given\n");
        usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    if (map_path && !(r.map = load_resource_map(map_path))) return YOGI_EXIT_USAGE;
    bool all_ok = true;
    for (; i < argc; i++) all_ok = validate_file(argv[i], &r) && all_ok;
    json_decref(r.map);
    return all_ok ? YOGI_EXIT_OK : YOGI_EXIT_USAGE;
}
