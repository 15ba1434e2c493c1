/*
 * engine_bench.c — engine throughput against SQLite's own commit rate,
 * measured side by side in one run (the machines are shared and noisy, so
 * only ratios from one run mean anything).
 *
 *   raw      single-row INSERT commits/s through the store, same pragmas
 *            (WAL, synchronous=FULL) and the same file system as the engine
 *   chain    tasks/s for one execution of 500 Task states on `echo`
 *            (each task: a commit before dispatch, a worker round trip)
 *   map      state transitions/s for a Map of 200 iterations x 10 Task
 *            states on `echo`, all iterations at once: concurrent
 *            executions share commits (group commit)
 *
 * Each measurement runs ROUNDS times, interleaved (raw, chain, map, raw,
 * ...), and the medians are printed with the ratios and the targets
 * (chain >= 0.5x raw, map >= 2x raw).
 *
 *   engine_bench PLUGIN_DIR SCRATCH_DIR
 */
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "store.h"

#define ROUNDS 5
#define WORKERS 8
#define CHAIN_TASKS 500
#define MAP_ITEMS 200
#define MAP_STATES 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double raw_commits_per_s(const char *dir, int round)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/raw-%d.db", dir, round);
    store_options o = {.path = path};
    yogi_error err = {{0}, {0}};
    store *s = store_open(&o, &err);
    if (!s) {
        fprintf(stderr, "raw: %s\n", err.cause);
        exit(1);
    }
    int n = 0;
    double t0 = now_s();
    while (n < 2000 && (n < 50 || now_s() - t0 < 2.0)) {
        if (store_probe_commit(s, &err) != 0) {
            fprintf(stderr, "raw: %s\n", err.cause);
            exit(1);
        }
        n++;
    }
    double dt = now_s() - t0;
    store_close(s);
    return n / dt;
}

static char *chain_yaml(void)
{
    size_t cap = CHAIN_TASKS * 96 + 64, len = 0;
    char *y = malloc(cap);
    len += (size_t)snprintf(y + len, cap - len, "StartAt: T0\nStates:\n");
    for (int i = 0; i < CHAIN_TASKS; i++) {
        if (i + 1 < CHAIN_TASKS)
            len += (size_t)snprintf(y + len, cap - len,
                                    "  T%d: {Type: Task, Resource: plugin:echo, Next: T%d}\n", i, i + 1);
        else
            len += (size_t)snprintf(y + len, cap - len,
                                    "  T%d: {Type: Task, Resource: plugin:echo, End: true}\n", i);
    }
    return y;
}

static char *map_yaml(void)
{
    size_t cap = MAP_STATES * 96 + 256, len = 0;
    char *y = malloc(cap);
    len += (size_t)snprintf(y + len, cap - len,
                            "StartAt: M\nStates:\n  M:\n    Type: Map\n    End: true\n"
                            "    ItemProcessor:\n      StartAt: S0\n      States:\n");
    for (int i = 0; i < MAP_STATES; i++) {
        if (i + 1 < MAP_STATES)
            len += (size_t)snprintf(y + len, cap - len,
                                    "        S%d: {Type: Task, Resource: plugin:echo, Next: S%d}\n",
                                    i, i + 1);
        else
            len += (size_t)snprintf(y + len, cap - len,
                                    "        S%d: {Type: Task, Resource: plugin:echo, End: true}\n", i);
    }
    return y;
}

/* Seconds to run one execution of `yaml` with `input` to its end. */
static double run_once(const char *plugins, const char *dir, const char *yaml, json_t *input)
{
    engine_options o = {.data_dir = dir, .plugin_dir = plugins, .workers = WORKERS};
    yogi_error err = {{0}, {0}};
    engine *e = engine_open(&o, &err);
    if (!e || engine_put_workflow(e, "bench", yaml, strlen(yaml), &err) < 0) {
        fprintf(stderr, "engine: %s: %s\n", err.name, err.cause);
        exit(1);
    }
    char id[64];
    engine_start_request req = {.workflow = "bench", .input = input};
    double t0 = now_s();
    if (engine_start(e, &req, id, &err) != 0) exit(1);
    for (;;) {
        json_t *d = engine_describe(e, id);
        const char *status = json_string_value(json_object_get(d, "status"));
        bool done = status && strcmp(status, "RUNNING") != 0;
        if (done && strcmp(status, "SUCCEEDED") != 0) {
            fprintf(stderr, "bench execution %s: %s\n", status,
                    json_string_value(json_object_get(d, "cause")));
            exit(1);
        }
        json_decref(d);
        if (done) break;
        struct pollfd p = {.fd = engine_fd(e), .events = POLLIN};
        poll(&p, 1, engine_timeout_ms(e));
        engine_run_once(e);
    }
    double dt = now_s() - t0;
    engine_close(e);
    return dt;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: engine_bench PLUGIN_DIR SCRATCH_DIR\n");
        return 2;
    }
    const char *plugins = argv[1], *scratch = argv[2];
    char *chain = chain_yaml(), *map = map_yaml();
    json_t *items = json_array();
    for (int i = 0; i < MAP_ITEMS; i++) json_array_append_new(items, json_integer(i));
    double raw[ROUNDS], chain_rate[ROUNDS], map_rate[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        char dir[PATH_MAX];
        raw[r] = raw_commits_per_s(scratch, r);
        snprintf(dir, sizeof dir, "%s/chain-%d", scratch, r);
        chain_rate[r] = CHAIN_TASKS / run_once(plugins, dir, chain, NULL);
        snprintf(dir, sizeof dir, "%s/map-%d", scratch, r);
        map_rate[r] = (MAP_ITEMS * MAP_STATES) / run_once(plugins, dir, map, items);
        fprintf(stderr, "round %d: raw %.0f commits/s, chain %.0f tasks/s, map %.0f transitions/s\n",
                r + 1, raw[r], chain_rate[r], map_rate[r]);
    }
    double mr = median(raw, ROUNDS), mc = median(chain_rate, ROUNDS), mm = median(map_rate, ROUNDS);
    printf("raw SQLite single-row commits/s (WAL, synchronous=FULL): %.0f\n", mr);
    printf("task chain (%d Task states on echo), tasks/s:           %.0f   ratio %.2fx raw (target >= 0.5x)\n",
           CHAIN_TASKS, mc, mc / mr);
    printf("Map %d iterations x %d Task states, transitions/s:      %.0f   ratio %.2fx raw (target >= 2x)\n",
           MAP_ITEMS, MAP_STATES, mm, mm / mr);
    printf("(medians of %d interleaved rounds; %d worker processes)\n", ROUNDS, WORKERS);
    json_decref(items);
    free(chain);
    free(map);
    return 0;
}
