/*
 * cmd_invoke.c — `yogi invoke`: run one task of one plugin, print its output.
 *
 *   yogi invoke PLUGIN [--input JSON|@FILE|@-] [--resource-config JSON|@FILE]
 *               [--plugins DIR] [--config FILE] [--data-dir DIR]
 *               [--memory-mb N] [--timeout S] [--repeat N] [--workers N]
 *
 * For plugin authors: the task runs exactly as under the engine — in a
 * real worker pool of one isolated process, with the memory limit, the
 * crash handling and the named errors — but without a database, so host
 * calls (yogi_host.call) fail with Host.Unsupported. The output goes to
 * stdout as JSON; a failure goes to stderr as {"error":..,"cause":..} with
 * exit status 1; bad usage exits with 2. --repeat runs the same task many
 * times through --workers processes and reports the rate on stderr: the
 * cost of a warm round trip, for benchmarks and for plugin authors.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "commands.h"
#include "host_error.h"
#include "workers.h"

/* The run of --repeat tasks; one task without it. */
typedef struct invoke_run {
    long submitted, done, failed;
    json_t *output;              /* the latest successful output */
    yogi_error err;              /* the first failure */
} invoke_run;

static void on_done(void *ud, uint64_t task_id, bool ok, json_t *output, const yogi_error *err)
{
    invoke_run *r = ud;
    (void)task_id;
    r->done++;
    if (ok) {
        json_decref(r->output);
        r->output = json_incref(output);
    } else if (r->failed++ == 0) {
        r->err = *err;
    }
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
            "  --timeout S               give up after S seconds (default: wait)\n"
            "  --repeat N                run the task N times, report tasks/s on stderr\n"
            "  --workers N               worker processes for --repeat (default 1)\n",
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
    if (!v && jerr.line > 0)
        fprintf(stderr, "yogi invoke: %s: %s (line %d)\n", what, jerr.text, jerr.line);
    else if (!v)
        fprintf(stderr, "yogi invoke: %s: %s\n", what, jerr.text);
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

static bool past(int64_t deadline)
{
    return deadline && monotonic_ms() >= deadline;
}

/* Keep a window of tasks in flight until `repeat` are done or the
 * deadline (0: none) passes. */
static void run_tasks(worker_pool *pool, workers_task *task, long repeat, int window,
                      invoke_run *r, int64_t deadline)
{
    while (r->done < repeat && !past(deadline)) {
        while (r->submitted < repeat && r->submitted - r->done < window) {
            yogi_error err = {.name = ""};
            task->task_id = (uint64_t)++r->submitted;
            if (workers_submit(pool, task, &err) != 0) {
                r->err = err;
                r->failed = r->done = repeat;
                return;
            }
        }
        int wait = workers_timeout_ms(pool);
        if (deadline) {
            int64_t left = deadline - monotonic_ms();
            if (wait < 0 || wait > left) wait = (int)(left > 0 ? left : 0);
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
    else /* not UTF-8: say it plainly rather than not at all */
        fprintf(stderr, "%s: %s", err->name, err->cause);
    fputc('\n', stderr);
    json_decref(e);
}

typedef struct invoke_options {
    const char *plugin, *plugin_dir, *config_path, *data_dir;
    json_t *input, *resource_config;
    long memory_mb, timeout_s, repeat, workers;
} invoke_options;

static bool replace_json(json_t **slot, const char *what, const char *arg)
{
    json_decref(*slot);
    *slot = load_json_arg(what, arg);
    return *slot != NULL;
}

/* Returns 0 to run, HELP_SHOWN after --help (YOGI_EXIT_OK is 0 too, so
 * it cannot say "done"), or YOGI_EXIT_USAGE. */
#define HELP_SHOWN (-1)
static int parse_options(int argc, char **argv, invoke_options *o)
{
    static const struct option longopts[] = {
        {"input", required_argument, NULL, 'i'},
        {"resource-config", required_argument, NULL, 'r'},
        {"plugins", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"memory-mb", required_argument, NULL, 'm'},
        {"timeout", required_argument, NULL, 't'},
        {"repeat", required_argument, NULL, 'n'},
        {"workers", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
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
        case 'n': if (!parse_long(optarg, 1, 1L << 40, &o->repeat)) goto bad_number; break;
        case 'w': if (!parse_long(optarg, 1, 256, &o->workers)) goto bad_number; break;
        case 'h': usage(stdout); return HELP_SHOWN;
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

static void report_rate(const invoke_options *o, const invoke_run *r, int64_t elapsed_ms)
{
    double s = (double)(elapsed_ms > 0 ? elapsed_ms : 1) / 1000.0;
    fprintf(stderr, "yogi invoke: %ld tasks of %s in %.3f s: %.0f tasks/s with %ld worker%s\n",
            r->done, o->plugin, s, (double)r->done / s, o->workers, o->workers > 1 ? "s" : "");
}

static int invoke(const invoke_options *o)
{
    invoke_run r = {0};
    yogi_error err = {.name = ""};
    workers_config cfg = {
        .plugin_dir = o->plugin_dir, .data_dir = o->data_dir, .config_path = o->config_path,
        .max_workers = (int)o->workers, .memory_limit_mb = o->memory_mb, .on_done = on_done,
        .ud = &r,
    };
    worker_pool *pool = workers_create(&cfg, &err);
    if (!pool) {
        print_error(&err);
        return YOGI_EXIT_FAILED;
    }
    workers_task task = {
        .plugin = o->plugin, .input = o->input, .resource_config = o->resource_config,
        .resource = o->plugin, .execution_id = "invoke", .execution_name = "invoke",
        .state_name = "Invoke",
        .deadline_ms = o->timeout_s ? (int64_t)time(NULL) * 1000 + o->timeout_s * 1000 : 0,
    };
    int64_t t0 = monotonic_ms();
    run_tasks(pool, &task, o->repeat, (int)o->workers * 4, &r,
              o->timeout_s ? t0 + o->timeout_s * 1000 : 0);
    int64_t elapsed = monotonic_ms() - t0;
    workers_destroy(pool); /* cancels whatever still runs */
    if (r.done < o->repeat && !r.failed)
        host_fail(&r.err, "States.Timeout", "plugin %s did not finish within %ld s", o->plugin,
                  o->timeout_s);
    if (o->repeat > 1) report_rate(o, &r, elapsed);
    int rc = YOGI_EXIT_OK;
    if (r.failed || r.done < o->repeat) {
        print_error(&r.err);
        rc = YOGI_EXIT_FAILED;
    } else {
        json_dumpf(r.output, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
        fputc('\n', stdout);
    }
    json_decref(r.output);
    return rc;
}

int cmd_invoke(int argc, char **argv)
{
    invoke_options o = {.plugin_dir = cli_default_plugin_dir(), .data_dir = ".",
                        .memory_mb = 2048, .repeat = 1, .workers = 1};
    int rc = parse_options(argc, argv, &o);
    if (rc == 0) {
        if (!o.input) o.input = json_object();
        rc = invoke(&o);
    } else if (rc == HELP_SHOWN) {
        rc = YOGI_EXIT_OK;
    }
    json_decref(o.input);
    json_decref(o.resource_config);
    return rc;
}
