/*
 * cmd_invoke.c — `yogi invoke`: run one task of one plugin, print its output.
 *
 *   yogi invoke PLUGIN [--input JSON|@FILE|@-] [--resource-config JSON|@FILE]
 *               [--plugins DIR] [--config FILE] [--data-dir DIR]
 *               [--memory-mb N] [--timeout S]
 *
 * For plugin authors: the task runs exactly as under the engine — in a
 * real worker pool of one isolated process, with the memory limit, the
 * crash handling and the named errors — but without a database, so host
 * calls (yogi_host.call) fail with Host.Unsupported. The output goes to
 * stdout as JSON; a failure goes to stderr as {"error":..,"cause":..} with
 * exit status 1; bad usage exits with 2.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "workers.h"

typedef struct invoke_result {
    bool done, ok;
    json_t *output;
    yogi_error err;
} invoke_result;

static void on_done(void *ud, uint64_t task_id, bool ok, json_t *output, const yogi_error *err)
{
    invoke_result *r = ud;
    (void)task_id;
    r->done = true;
    r->ok = ok;
    if (ok) r->output = json_incref(output);
    else r->err = *err;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: yogi invoke PLUGIN [options]\n"
            "  --input JSON|@FILE|@-     the task input (default {})\n"
            "  --resource-config JSON|@FILE  the resource map entry's config\n"
            "  --plugins DIR             where PLUGIN.so lives (default %s)\n"
            "  --config FILE             yogi config file for yogi_host.config\n"
            "  --data-dir DIR            yogi_host.data_dir (default .)\n"
            "  --memory-mb N             worker memory limit, 0 for none (default 2048)\n"
            "  --timeout S               give up after S seconds (default: wait)\n",
            cli_default_plugin_dir());
}

/* JSON text, @FILE or @- (stdin), any JSON value. */
static json_t *load_json_arg(const char *what, const char *arg)
{
    json_error_t jerr;
    json_t *v;
    if (strcmp(arg, "@-") == 0) v = json_loadf(stdin, JSON_DECODE_ANY, &jerr);
    else if (arg[0] == '@') v = json_load_file(arg + 1, JSON_DECODE_ANY, &jerr);
    else v = json_loads(arg, JSON_DECODE_ANY, &jerr);
    if (!v) fprintf(stderr, "yogi invoke: %s: %s (line %d)\n", what, jerr.text, jerr.line);
    return v;
}

static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return false;
    *out = v;
    return true;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drive the pool until the task is done or the deadline (0: none) passes. */
static void run_until_done(worker_pool *pool, invoke_result *r, int64_t deadline)
{
    while (!r->done) {
        int wait = workers_timeout_ms(pool);
        if (deadline) {
            int64_t left = deadline - mono_ms();
            if (left <= 0) return;
            if (wait < 0 || wait > left) wait = (int)left;
        }
        struct pollfd p = {.fd = workers_fd(pool), .events = POLLIN};
        if (poll(&p, 1, wait) < 0 && errno != EINTR) return;
        workers_process(pool);
    }
}

static void print_error(const yogi_error *err)
{
    json_t *e = json_pack("{s:s, s:s}", "error", err->name, "cause", err->cause);
    if (e) json_dumpf(e, stderr, JSON_COMPACT);
    fputc('\n', stderr);
    json_decref(e);
}

typedef struct invoke_options {
    const char *plugin, *plugin_dir, *config_path, *data_dir;
    json_t *input, *resource_config;
    long memory_mb, timeout_s;
} invoke_options;

static bool replace_json(json_t **slot, const char *what, const char *arg)
{
    json_decref(*slot);
    *slot = load_json_arg(what, arg);
    return *slot != NULL;
}

/* Returns 0, YOGI_EXIT_OK for --help, or YOGI_EXIT_USAGE. */
static int parse_options(int argc, char **argv, invoke_options *o)
{
    static const struct option longopts[] = {
        {"input", required_argument, NULL, 'i'},   {"resource-config", required_argument, NULL, 'r'},
        {"plugins", required_argument, NULL, 'p'}, {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'}, {"memory-mb", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': if (!replace_json(&o->input, "--input", optarg)) return YOGI_EXIT_USAGE;
                  break;
        case 'r': if (!replace_json(&o->resource_config, "--resource-config", optarg))
                      return YOGI_EXIT_USAGE;
                  break;
        case 'p': o->plugin_dir = optarg; break;
        case 'c': o->config_path = optarg; break;
        case 'd': o->data_dir = optarg; break;
        case 'm': if (!parse_long(optarg, 0, 1L << 30, &o->memory_mb)) goto bad_number; break;
        case 't': if (!parse_long(optarg, 0, 1L << 30, &o->timeout_s)) goto bad_number; break;
        case 'h': usage(stdout); return YOGI_EXIT_OK;
        default: usage(stderr); return YOGI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    o->plugin = argv[optind];
    return 0;

bad_number:
    fprintf(stderr, "yogi invoke: '%s' is not a valid number\n", optarg);
    return YOGI_EXIT_USAGE;
}

static int invoke(const invoke_options *o)
{
    invoke_result r = {0};
    yogi_error err = {.name = ""};
    workers_config cfg = {
        .plugin_dir = o->plugin_dir, .data_dir = o->data_dir, .config_path = o->config_path,
        .max_workers = 1, .memory_limit_mb = o->memory_mb, .on_done = on_done, .ud = &r,
    };
    worker_pool *pool = workers_create(&cfg, &err);
    if (!pool) {
        print_error(&err);
        return YOGI_EXIT_FAILED;
    }
    workers_task task = {
        .task_id = 1, .plugin = o->plugin, .input = o->input,
        .resource_config = o->resource_config, .resource = o->plugin,
        .execution_id = "invoke", .execution_name = "invoke", .state_name = "Invoke",
        .deadline_ms = o->timeout_s ? (int64_t)time(NULL) * 1000 + o->timeout_s * 1000 : 0,
    };
    if (workers_submit(pool, &task, &err) == 0)
        run_until_done(pool, &r, o->timeout_s ? mono_ms() + o->timeout_s * 1000 : 0);
    else
        r = (invoke_result){.done = true, .err = err};
    if (!r.done) {
        workers_cancel(pool, 1);
        yogi_fail(&r.err, "States.Timeout", "plugin %s did not finish within %ld s", o->plugin,
                  o->timeout_s);
    }
    workers_destroy(pool);
    if (!r.ok) {
        print_error(&r.err);
        return YOGI_EXIT_FAILED;
    }
    json_dumpf(r.output, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fputc('\n', stdout);
    json_decref(r.output);
    return YOGI_EXIT_OK;
}

int cmd_invoke(int argc, char **argv)
{
    invoke_options o = {.plugin_dir = cli_default_plugin_dir(), .data_dir = ".",
                        .memory_mb = 2048};
    int rc = parse_options(argc, argv, &o);
    if (rc == 0) {
        if (!o.input) o.input = json_object();
        rc = invoke(&o);
    }
    json_decref(o.input);
    json_decref(o.resource_config);
    return rc;
}
