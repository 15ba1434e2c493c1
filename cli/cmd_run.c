/*
 * cmd_run.c — `yogi run`: one execution, in the foreground, to its end.
 *
 * The workflow file is registered under its base name (a changed file
 * becomes a new version; a running execution keeps the version it started
 * with). With --data the database persists: run the same command again
 * after a kill -9 and it attaches to the execution by --name and input and
 * resumes it from its last committed transition. Without --data a temporary
 * directory is used and removed at exit (its database skips fsync:
 * nothing in it outlives the process).
 *
 * Output: one JSON object on stdout, {"status":"SUCCEEDED","output":...} or
 * {"status":"FAILED"|"TIMED_OUT"|"ABORTED","error":...,"cause":...}, with
 * "history" (event types in order) under --history. Exit 0 on SUCCEEDED,
 * 1 on another end, 2 on a usage or validation error.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "engine.h"
#include "file_util.h"
#include "workflow.h"

#define MAX_INPUT_FILE (64u << 20)

struct run_args {
    const char *workflow_path, *input_arg, *name, *data_dir, *resources, *plugins;
    bool history;
    int workers;
};

static void run_usage(FILE *out)
{
    fprintf(out,
            "usage: yogi run WORKFLOW [--input JSON|@FILE] [--name NAME] [--data DIR]\n"
            "                [--resources MAP.json] [--plugins DIR] [--workers N] [--history]\n\n"
            "Runs one execution of WORKFLOW (ASL in YAML or JSON) to its end and prints\n"
            "{\"status\":...,\"output\"|\"error\",\"cause\":...} on stdout.\n"
            "  --input      the execution input, as JSON text or @FILE (default {})\n"
            "  --name       the execution name; with --data, running again attaches to it\n"
            "  --data       keep the database in DIR (default: a temporary directory)\n"
            "  --resources  a resource map: Resource strings to plugins\n"
            "  --plugins    the plugin directory (default: beside the binary)\n"
            "  --history    add \"history\": the event types in order\n"
            "Exit status: 0 SUCCEEDED, 1 FAILED/TIMED_OUT/ABORTED, 2 usage or validation error.\n");
}

static int parse_run_args(int argc, char **argv, struct run_args *a)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},   {"name", required_argument, NULL, 'n'},
        {"data", required_argument, NULL, 'd'},    {"resources", required_argument, NULL, 'r'},
        {"plugins", required_argument, NULL, 'p'}, {"workers", required_argument, NULL, 'w'},
        {"history", no_argument, NULL, 'H'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "i:n:d:r:p:w:Hh", opts, NULL)) != -1) {
        switch (c) {
        case 'i': a->input_arg = optarg; break;
        case 'n': a->name = optarg; break;
        case 'd': a->data_dir = optarg; break;
        case 'r': a->resources = *optarg ? optarg : NULL; break;
        case 'p': a->plugins = optarg; break;
        case 'w': a->workers = (int)strtol(optarg, NULL, 10); break;
        case 'H': a->history = true; break;
        case 'h': run_usage(stdout); exit(YOGI_EXIT_OK);
        default: run_usage(stderr); return -1;
        }
    }
    if (optind != argc - 1) {
        run_usage(stderr);
        return -1;
    }
    a->workflow_path = argv[optind];
    return 0;
}

static json_t *load_input(const char *arg)
{
    json_error_t jerr;
    json_t *input;
    if (!arg) return json_object();
    if (arg[0] == '@') {
        size_t len = 0;
        yogi_error err = {{0}, {0}};
        char *text = read_whole_file(arg + 1, MAX_INPUT_FILE, &len, &err);
        if (!text) {
            fprintf(stderr, "yogi run: cannot read input %s: %s: %s\n", arg + 1, err.name,
                    err.cause);
            return NULL;
        }
        input = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        free(text);
    } else {
        input = json_loads(arg, JSON_DECODE_ANY, &jerr);
    }
    if (!input)
        fprintf(stderr, "yogi run: InvalidExecutionInput: %d:%d: %s\n", jerr.line, jerr.column,
                jerr.text);
    return input;
}

/* The workflow's name: the file's base name without extension, made safe. */
static void workflow_name(const char *path, char *out, size_t len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = 0;
    for (const char *p = base; *p && *p != '.' && n + 1 < len; p++)
        out[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                          (*p >= '0' && *p <= '9') || *p == '-' ? *p : '_');
    out[n] = '\0';
    if (n == 0) snprintf(out, len, "workflow");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void wait_until_done(engine *e, const char *id, json_t **desc)
{
    for (;;) {
        *desc = engine_describe(e, id);
        const char *status = json_string_value(json_object_get(*desc, "status"));
        if (!status || strcmp(status, "RUNNING") != 0) return;
        json_decref(*desc);
        struct pollfd p = {.fd = engine_fd(e), .events = POLLIN};
        poll(&p, 1, engine_timeout_ms(e));
        engine_run_once(e);
    }
}

static json_t *history_types(engine *e, const char *id)
{
    json_t *types = json_array();
    int64_t after = 0;
    for (;;) {
        json_t *page = engine_history(e, id, after, 1000);
        size_t i;
        json_t *ev;
        json_array_foreach(json_object_get(page, "events"), i, ev) {
            json_array_append(types, json_object_get(ev, "type"));
            after = json_integer_value(json_object_get(ev, "id"));
        }
        bool more = !json_is_null(json_object_get(page, "next"));
        json_decref(page);
        if (!more) return types;
    }
}

static int print_result(engine *e, const char *id, json_t *desc, bool history)
{
    const char *status = json_string_value(json_object_get(desc, "status"));
    json_t *out = json_pack("{s:s}", "status", status ? status : "UNKNOWN");
    if (status && strcmp(status, "SUCCEEDED") == 0) {
        json_object_set(out, "output", json_object_get(desc, "output"));
    } else {
        json_object_set(out, "error", json_object_get(desc, "error"));
        json_object_set(out, "cause", json_object_get(desc, "cause"));
    }
    json_object_set_new(out, "execution_id", json_string(id));
    if (history) json_object_set_new(out, "history", history_types(e, id));
    char *text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
    puts(text ? text : "{}");
    free(text);
    json_decref(out);
    return status && strcmp(status, "SUCCEEDED") == 0 ? YOGI_EXIT_OK : YOGI_EXIT_FAILED;
}

static int run_execution(engine *e, const struct run_args *a, const char *text, size_t len,
                         json_t *input)
{
    char name[128], id[64];
    yogi_error err = {{0}, {0}};
    workflow_name(a->workflow_path, name, sizeof name);
    if (engine_put_workflow(e, name, text, len, &err) < 0) {
        fprintf(stderr, "%s\n", err.cause);
        return YOGI_EXIT_USAGE;
    }
    engine_start_request req = {.workflow = name, .input = input, .name = a->name};
    if (engine_start(e, &req, id, &err) != 0) {
        fprintf(stderr, "yogi run: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_USAGE;
    }
    json_t *desc = NULL;
    wait_until_done(e, id, &desc);
    int rc = print_result(e, id, desc, a->history);
    json_decref(desc);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    struct run_args a = {0};
    if (parse_run_args(argc, argv, &a) != 0) return YOGI_EXIT_USAGE;
    size_t len = 0;
    yogi_error err = {{0}, {0}};
    char *text = read_whole_file(a.workflow_path, WORKFLOW_MAX_BYTES, &len, &err);
    if (!text) {
        fprintf(stderr, "yogi run: cannot read %s: %s: %s\n", a.workflow_path, err.name,
                err.cause);
        return YOGI_EXIT_USAGE;
    }
    json_t *input = load_input(a.input_arg);
    char tmp[] = "/tmp/yogi-run-XXXXXX";
    bool temporary = !a.data_dir;
    if (!input || (temporary && !mkdtemp(tmp))) {
        free(text);
        json_decref(input);
        return YOGI_EXIT_USAGE;
    }
    engine_options o = {.data_dir = temporary ? tmp : a.data_dir,
                        .plugin_dir = a.plugins ? a.plugins : cli_default_plugin_dir(),
                        .resource_map = a.resources, .workers = a.workers,
                        .ephemeral = temporary};
    engine *e = engine_open(&o, &err);
    int rc = YOGI_EXIT_USAGE;
    if (!e)
        fprintf(stderr, "yogi run: %s: %s\n", err.name, err.cause);
    else
        rc = run_execution(e, &a, text, len, input);
    engine_close(e);
    if (temporary) nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(text);
    json_decref(input);
    return rc;
}
