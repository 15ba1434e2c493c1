/*
 * cmd_worker.c — `yogi worker`: a remote worker on the Step Functions
 * Activity protocol, for a `yogi serve` engine or for AWS Step Functions.
 *
 *   yogi worker --endpoint URL --activity NAME[=PLUGIN]... [--concurrency N]
 *               [--token T] [--name NAME] [--heartbeat S] [--plugins DIR]
 *               [--config FILE] [--work-dir DIR] [--memory-mb N]
 *
 * NAME is an activity name or ARN ("ocr", "activity:ocr",
 * "arn:aws:states:REGION:ACCOUNT:activity:ocr"); PLUGIN the plugin that
 * serves it (default: the activity's name). Credentials: --token or
 * YOGI_WORKER_TOKEN (a worker token of the engine); without one, AWS
 * credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN sign every request with SigV4 (region from the
 * endpoint's host states.REGION.amazonaws.com, or AWS_REGION).
 *
 * While fewer than N tasks run, every activity has a long poll out and
 * the free slots are shared among the activities' polls (so a task may
 * wait for a plugin process when several polls answer at once: at most
 * N + activities tasks are in hand); each task runs through the same worker pool as the engine's
 * own (engine/workers.c: isolated processes, memory limit, plugins kept
 * warm). While a plugin runs, SendTaskHeartbeat goes out every --heartbeat
 * seconds, or three times per HeartbeatSeconds when a Yogi engine says it
 * (yogiHeartbeatSeconds), and at once when the plugin calls
 * yogi_host.heartbeat (at most once a second); a
 * heartbeat refused with TaskTimedOut means the engine has given the task
 * to someone else, so the plugin is stopped.
 *
 * Documents travel with the task: the files the input names (yogiFiles)
 * are fetched by SHA-256 with the task token into the task's own directory
 * and the input rewritten to name them; files the plugin writes under the
 * work directory and names in its output are stored back the same way and
 * the output rewritten to the engine's paths. The work directory is
 * emptied after each task.
 *
 * Failure handling: an unreachable endpoint is retried with exponential
 * back-off (0.5 s doubling to 30 s); an answer that cannot be delivered
 * is kept and retried the same way (an engine restart loses nothing); an
 * authentication error is fatal (exit 1), so a supervisor shows it.
 * SIGTERM or SIGINT drains: polling stops, running tasks finish and are
 * answered, then the worker exits 0.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "activities.h"
#include "clock.h"
#include "commands.h"
#include "host_error.h"
#include "workers.h"
#include "worker_http.h"

#define MAX_ACTIVITIES 16
#define MAX_CONCURRENCY 64
#define MAX_IN_HAND (MAX_CONCURRENCY + MAX_ACTIVITIES) /* each activity's poll may bring one */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000

typedef struct activity_spec {
    char arn[300];     /* as sent in activityArn */
    char plugin[65];
} activity_spec;

typedef struct running {
    bool used;
    uint64_t id;
    char token[1100];
    char dir[2200];            /* WORK/tN: this task's inputs */
    char exec_dir[2200];       /* WORK/work/tN: where pipeline plugins write */
    int activity;
    int64_t started_ms, last_heartbeat_ms;
    int64_t heartbeat_ms;      /* --heartbeat, or a third of the state's HeartbeatSeconds */
    bool heartbeat_now;        /* the plugin called yogi_host.heartbeat */
    json_t *fetched;           /* local path → the engine's path, for each input file */
} running;

typedef struct answer {
    char op[32];
    json_t *body;
    int64_t next_ms;
    int delay_ms;
    struct answer *next;
} answer;

typedef struct worker_ctx {
    wh_client *http;
    worker_pool *pool;
    activity_spec specs[MAX_ACTIVITIES];
    int n_specs;
    int concurrency, heartbeat_s;
    char name[81], work[2048];
    running tasks[MAX_IN_HAND];
    answer *answers;
    uint64_t next_id;
    int64_t backoff_until_ms;
    int backoff_ms;
    bool fatal;
    unsigned long done, failed;
} worker_ctx;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("yogi worker: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static running *task_by_id(worker_ctx *w, uint64_t id)
{
    for (int i = 0; i < MAX_IN_HAND; i++)
        if (w->tasks[i].used && w->tasks[i].id == id) return &w->tasks[i];
    return NULL;
}

static int busy_count(worker_ctx *w)
{
    int n = 0;
    for (int i = 0; i < MAX_IN_HAND; i++) n += w->tasks[i].used;
    return n;
}

static void back_off(worker_ctx *w, const yogi_error *why)
{
    w->backoff_ms = w->backoff_ms ? w->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (w->backoff_ms > BACKOFF_MAX_MS) w->backoff_ms = BACKOFF_MAX_MS;
    w->backoff_until_ms = monotonic_ms() + w->backoff_ms;
    say("%s: %s; polling again in %.1f s", why->name, why->cause, w->backoff_ms / 1000.0);
}

static bool auth_error(long status, const char *name)
{
    return status == 401 || status == 403 || !strcmp(name, "AccessDeniedException") ||
           !strcmp(name, "UnrecognizedClientException") || !strcmp(name, "UnrecognizedClient");
}

/* ---- answers: delivered now, or kept and retried ----------------------------------- */

/* 1 delivered (or refused for good: nothing more to do), 0 try again later. */
static int deliver(worker_ctx *w, const char *op, json_t *body)
{
    long status = 0;
    json_t *reply = NULL;
    yogi_error err = {{0}, {0}};
    int rc = wh_call(w->http, op, body, 20, &status, &reply, &err);
    json_decref(reply);
    if (rc == 0) return 1;
    if (status >= 400 && status < 500) {
        say("%s refused: %s: %s", op, err.name, err.cause);
        return 1;
    }
    say("%s not delivered (%s); kept and retried", op, err.cause);
    return 0;
}

static void answer_later(worker_ctx *w, const char *op, json_t *body)
{
    answer *a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(body);
        return;
    }
    snprintf(a->op, sizeof a->op, "%s", op);
    a->body = body;
    a->delay_ms = BACKOFF_MIN_MS;
    a->next_ms = monotonic_ms() + a->delay_ms;
    a->next = w->answers;
    w->answers = a;
}

static void send_answer(worker_ctx *w, const char *op, json_t *body)
{
    if (deliver(w, op, body)) json_decref(body);
    else answer_later(w, op, body);
}

static void retry_answers(worker_ctx *w)
{
    int64_t now = monotonic_ms();
    for (answer **pp = &w->answers; *pp;) {
        answer *a = *pp;
        if (a->next_ms > now) {
            pp = &a->next;
            continue;
        }
        if (deliver(w, a->op, a->body)) {
            *pp = a->next;
            json_decref(a->body);
            free(a);
            continue;
        }
        a->delay_ms = a->delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : a->delay_ms * 2;
        a->next_ms = now + a->delay_ms;
        pp = &a->next;
    }
}

/* ---- documents in and out ---------------------------------------------------------- */

/* Replace every string equal to a key of `map` by its value, in place. */
static void rewrite_paths(json_t *v, json_t *map)
{
    size_t i;
    const char *k;
    json_t *x;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            json_t *to = json_is_string(x) ? json_object_get(map, json_string_value(x)) : NULL;
            if (to) json_array_set(v, i, to);
            else rewrite_paths(x, map);
        }
    } else if (json_is_object(v)) {
        json_object_foreach(v, k, x) {
            json_t *to = json_is_string(x) ? json_object_get(map, json_string_value(x)) : NULL;
            if (to) json_object_set(v, k, to);
            else rewrite_paths(x, map);
        }
    }
}

static int fetch_inputs(worker_ctx *w, running *t, json_t *files, json_t *map, yogi_error *err)
{
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *sha = json_string_value(json_object_get(f, "sha256"));
        if (!path || !sha || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) continue;
        /* The name the file gets here: the engine's base name, unless it
         * could climb out of this task's directory. */
        const char *base = strrchr(path, '/');
        base = base && base[1] && base[1] != '.' ? base + 1 : "file";
        char dir[PATH_MAX], dest[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/%.16s", t->dir, sha);
        if ((size_t)snprintf(dest, sizeof dest, "%s/%s", dir, base) >= sizeof dest)
            return host_fail(err, "Worker.Files", "path too long");
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return host_fail(err, "Worker.Files", "mkdir %s: %s", dir, strerror(errno));
        if (access(dest, R_OK) != 0 && wh_fetch(w->http, t->token, sha, dest, err) != 0) return -1;
        json_object_set_new(map, path, json_string(dest));
    }
    return 0;
}

/* Strings of the output naming files under the work directory: stored back. */
static int collect_outputs(worker_ctx *w, running *t, json_t *v, json_t *map, yogi_error *err)
{
    size_t i, n = strlen(w->work);
    const char *k;
    json_t *x;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        struct stat st;
        char remote[PATH_MAX];
        if (strncmp(s, w->work, n) != 0 || s[n] != '/' || json_object_get(map, s) ||
            stat(s, &st) != 0 || !S_ISREG(st.st_mode))
            return 0;
        if (wh_store(w->http, t->token, s, remote, sizeof remote, err) != 0) return -1;
        json_object_set_new(map, s, json_string(remote));
        return 0;
    }
    if (json_is_array(v))
        json_array_foreach(v, i, x) if (collect_outputs(w, t, x, map, err) != 0) return -1;
    if (json_is_object(v))
        json_object_foreach(v, k, x) if (collect_outputs(w, t, x, map, err) != 0) return -1;
    return 0;
}

/* ---- tasks ---------------------------------------------------------------------------- */

static void fail_task(worker_ctx *w, const char *token, const char *error, const char *cause)
{
    char c[32768];
    snprintf(c, sizeof c, "%s", cause ? cause : "");
    send_answer(w, "SendTaskFailure",
                json_pack("{s:s, s:s, s:s}", "taskToken", token, "error", error, "cause", c));
    w->failed++;
}

static void task_end(worker_ctx *w, running *t)
{
    remove_tree(t->dir);
    remove_tree(t->exec_dir);
    json_decref(t->fetched);
    t->fetched = NULL;
    t->used = false;
}

static void start_task(worker_ctx *w, int spec, json_t *reply)
{
    const char *token = json_string_value(json_object_get(reply, "taskToken"));
    const char *text = json_string_value(json_object_get(reply, "input"));
    running *t = NULL;
    for (int i = 0; i < MAX_IN_HAND && !t; i++)
        if (!w->tasks[i].used) t = &w->tasks[i];
    if (!t || strlen(token) >= sizeof t->token) {
        fail_task(w, token, "Worker.Overloaded", "the worker had no free slot");
        return;
    }
    memset(t, 0, sizeof *t);
    t->used = true;
    t->id = ++w->next_id;
    t->activity = spec;
    t->started_ms = t->last_heartbeat_ms = monotonic_ms();
    /* A Yogi engine says the state's HeartbeatSeconds: beat three times in it. */
    json_int_t state_hb = json_integer_value(json_object_get(reply, "yogiHeartbeatSeconds"));
    t->heartbeat_ms = (int64_t)w->heartbeat_s * 1000;
    if (state_hb > 0 && state_hb * 1000 / 3 < t->heartbeat_ms)
        t->heartbeat_ms = state_hb * 1000 / 3;
    snprintf(t->token, sizeof t->token, "%s", token);
    snprintf(t->dir, sizeof t->dir, "%s/t%llu", w->work, (unsigned long long)t->id);
    snprintf(t->exec_dir, sizeof t->exec_dir, "%s/work/t%llu", w->work, (unsigned long long)t->id);
    yogi_error err = {{0}, {0}};
    json_t *input = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL, *map = json_object();
    char exec_id[32];
    snprintf(exec_id, sizeof exec_id, "t%llu", (unsigned long long)t->id);
    t->fetched = json_object();
    if (!input) host_fail(&err, "Worker.InvalidInput", "the task's input is not JSON text");
    else if (mkdir(t->dir, 0700) != 0)
        host_fail(&err, "Worker.Files", "mkdir: %s", strerror(errno));
    else if (fetch_inputs(w, t, json_object_get(reply, "yogiFiles"), map, &err) == 0) {
        rewrite_paths(input, map);
        const char *engine_path;
        json_t *local;
        json_object_foreach(map, engine_path, local)
            json_object_set_new(t->fetched, json_string_value(local), json_string(engine_path));
        workers_task wt = {.task_id = t->id, .plugin = w->specs[spec].plugin, .input = input,
                           .resource = w->specs[spec].arn, .execution_id = exec_id,
                           .execution_name = exec_id, .state_name = w->specs[spec].plugin,
                           .task_token = t->token};
        if (workers_submit(w->pool, &wt, &err) == 0) {
            err.name[0] = '\0';
            say("task t%llu (%s) started", (unsigned long long)t->id, w->specs[spec].plugin);
        }
    }
    json_decref(input);
    json_decref(map);
    if (err.name[0]) {
        fail_task(w, t->token, err.name, err.cause);
        task_end(w, t);
    }
}

static void on_done(void *ud, uint64_t id, bool ok, json_t *output, const yogi_error *err)
{
    worker_ctx *w = ud;
    running *t = task_by_id(w, id);
    if (!t) return;
    double secs = (monotonic_ms() - t->started_ms) / 1000.0;
    if (!ok) {
        say("task t%llu (%s) failed after %.1f s: %s", (unsigned long long)id,
            w->specs[t->activity].plugin, secs, err->name[0] ? err->name : "States.TaskFailed");
        fail_task(w, t->token, err->name[0] ? err->name : "States.TaskFailed", err->cause);
        task_end(w, t);
        return;
    }
    /* Input files the output names again go back under their own names;
     * only new files are stored. */
    json_t *out = json_deep_copy(output ? output : json_null()), *map = json_copy(t->fetched);
    yogi_error ferr = {{0}, {0}};
    if (!wh_is_aws(w->http) && collect_outputs(w, t, out, map, &ferr) != 0) {
        fail_task(w, t->token, ferr.name, ferr.cause);
    } else {
        if (json_is_string(out) && json_object_get(map, json_string_value(out))) {
            json_t *to = json_incref(json_object_get(map, json_string_value(out)));
            json_decref(out);
            out = to;
        }
        rewrite_paths(out, map);
        /* Said before the answer leaves, as "failed" is: a line without
         * "done" or "failed" after "started" means no answer was sent. */
        say("task t%llu (%s) done in %.1f s", (unsigned long long)id,
            w->specs[t->activity].plugin, secs);
        char *text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
        send_answer(w, "SendTaskSuccess",
                    json_pack("{s:s, s:s}", "taskToken", t->token, "output", text ? text : "null"));
        free(text);
        w->done++;
    }
    json_decref(out);
    json_decref(map);
    task_end(w, t);
}

static void on_plugin_heartbeat(void *ud, uint64_t id)
{
    running *t = task_by_id(ud, id);
    if (t) t->heartbeat_now = true;
}

static void send_heartbeats(worker_ctx *w)
{
    int64_t now = monotonic_ms();
    for (int i = 0; i < MAX_IN_HAND; i++) {
        running *t = &w->tasks[i];
        if (!t->used) continue;
        bool due = now - t->last_heartbeat_ms >= t->heartbeat_ms;
        if (!due && !(t->heartbeat_now && now - t->last_heartbeat_ms >= 1000)) continue;
        t->last_heartbeat_ms = now;
        t->heartbeat_now = false;
        json_t *body = json_pack("{s:s}", "taskToken", t->token), *reply = NULL;
        long status = 0;
        yogi_error err = {{0}, {0}};
        if (wh_call(w->http, "SendTaskHeartbeat", body, 10, &status, &reply, &err) != 0 &&
            (!strcmp(err.name, "TaskTimedOut") || !strcmp(err.name, "TaskDoesNotExist"))) {
            say("task t%llu: %s; stopping its plugin", (unsigned long long)t->id, err.name);
            workers_cancel(w->pool, t->id);
            task_end(w, t);
        }
        json_decref(body);
        json_decref(reply);
    }
}

/* ---- polling -------------------------------------------------------------------------- */

static void start_polls(worker_ctx *w)
{
    if (stop_requested || monotonic_ms() < w->backoff_until_ms) return;
    int free_slots = w->concurrency - busy_count(w);
    if (free_slots <= 0) return;
    /* Every activity has a poll out; free slots beyond that are shared
     * round-robin, so at most max(free, activities) polls are out. */
    for (int round = 0; round < free_slots; round++) {
        for (int spec = 0; spec < w->n_specs; spec++) {
            int mine = wh_polls_in_flight(w->http, spec), all = wh_polls_in_flight(w->http, -1);
            if (mine > round || (mine > 0 && all >= free_slots)) continue;
            yogi_error err = {{0}, {0}};
            if (wh_poll_start(w->http, w->specs[spec].arn, w->name, spec, &err) != 0) {
                back_off(w, &err);
                return;
            }
        }
    }
}

static void handle_polls(worker_ctx *w)
{
    int spec;
    long status;
    json_t *reply;
    yogi_error err = {{0}, {0}};
    while (wh_poll_next(w->http, &spec, &status, &reply, &err)) {
        const char *type = json_string_value(json_object_get(reply, "__type"));
        const char *name = type && strchr(type, '#') ? strchr(type, '#') + 1 : type ? type : "";
        const char *token = json_string_value(json_object_get(reply, "taskToken"));
        if (status == 200 && token && *token) {
            w->backoff_ms = 0;
            start_task(w, spec, reply);
        } else if (status == 200) {
            w->backoff_ms = 0; /* the long poll ended empty */
        } else if (status && auth_error(status, name)) {
            const char *msg = json_string_value(json_object_get(reply, "message"));
            if (!msg) /* the API's own shape: a 401 for a bad bearer token */
                msg = json_string_value(json_object_get(json_object_get(reply, "error"), "message"));
            say("not allowed to poll %s (HTTP %ld %s: %s); stopping", w->specs[spec].arn, status,
                name, msg ? msg : "");
            w->fatal = true;
            stop_requested = 1;
        } else {
            if (status)
                host_fail(&err, name[0] ? name : "Worker.Http", "GetActivityTask: HTTP %ld", status);
            back_off(w, &err);
        }
        json_decref(reply);
    }
}

/* ---- set-up ----------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: yogi worker --endpoint URL --activity NAME[=PLUGIN]... [--concurrency N]\n"
            "                   [--token T] [--name NAME] [--heartbeat S] [--plugins DIR]\n"
            "                   [--config FILE] [--work-dir DIR] [--memory-mb N]\n\n"
            "  --endpoint URL      the engine (http://host:8080) or\n"
            "                      https://states.REGION.amazonaws.com\n"
            "  --activity A[=P]    activity name or ARN A served by plugin P (default: A's name)\n"
            "  --concurrency N     tasks at once (default: the number of CPUs)\n"
            "  --token T           a worker token (or YOGI_WORKER_TOKEN); without one, AWS\n"
            "                      credentials from the environment sign with SigV4\n"
            "  --heartbeat S       SendTaskHeartbeat every S seconds while a task runs (10)\n");
}

static int add_activity(worker_ctx *w, const char *arg)
{
    char arn[300], name[ACTIVITY_NAME_MAX];
    const char *eq = strrchr(arg, '=');
    snprintf(arn, sizeof arn, "%.*s", (int)(eq ? (size_t)(eq - arg) : strlen(arg)), arg);
    if (w->n_specs == MAX_ACTIVITIES) return -1;
    activity_spec *s = &w->specs[w->n_specs];
    if (activity_name_from(arn, name)) snprintf(s->arn, sizeof s->arn, "%s", arn);
    else if (activity_name_valid(arn)) {
        snprintf(name, sizeof name, "%.80s", arn);
        snprintf(s->arn, sizeof s->arn, "activity:%.80s", arn);
    } else {
        fprintf(stderr, "yogi worker: '%s' is not an activity name or ARN\n", arn);
        return -1;
    }
    const char *plugin = eq ? eq + 1 : name;
    if (!activity_name_valid(plugin) || strlen(plugin) > 64) {
        fprintf(stderr, "yogi worker: '%s' is not a plugin name\n", plugin);
        return -1;
    }
    memcpy(s->plugin, plugin, strlen(plugin) + 1);
    w->n_specs++;
    return 0;
}

typedef struct worker_args {
    const char *endpoint, *token, *plugins, *config, *work_dir, *name;
    long concurrency, heartbeat, memory_mb;
} worker_args;

static int parse_args(int argc, char **argv, worker_ctx *w, worker_args *a)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, 0, 'e'}, {"activity", required_argument, 0, 'a'},
        {"concurrency", required_argument, 0, 'c'}, {"token", required_argument, 0, 't'},
        {"name", required_argument, 0, 'n'},     {"heartbeat", required_argument, 0, 'H'},
        {"plugins", required_argument, 0, 'p'},  {"config", required_argument, 0, 'C'},
        {"work-dir", required_argument, 0, 'w'}, {"memory-mb", required_argument, 0, 'm'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
    };
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        long *num = c == 'c'   ? &a->concurrency
                    : c == 'H' ? &a->heartbeat
                    : c == 'm' ? &a->memory_mb
                               : NULL;
        if (num) {
            errno = 0;
            *num = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || *num < 1 || *num > 1000000) {
                fprintf(stderr, "yogi worker: '%s' is not a positive number\n", optarg);
                return -1;
            }
            continue;
        }
        switch (c) {
        case 'e': a->endpoint = optarg; break;
        case 'a': if (add_activity(w, optarg) != 0) return -1; break;
        case 't': a->token = optarg; break;
        case 'n': a->name = optarg; break;
        case 'p': a->plugins = optarg; break;
        case 'C': a->config = optarg; break;
        case 'w': a->work_dir = optarg; break;
        case 'h': usage(stdout); exit(YOGI_EXIT_OK);
        default: return -1;
        }
    }
    if (optind < argc || !a->endpoint || w->n_specs == 0) {
        fprintf(stderr, "yogi worker: --endpoint and at least one --activity are required\n");
        return -1;
    }
    if (a->concurrency > MAX_CONCURRENCY) a->concurrency = MAX_CONCURRENCY;
    return 0;
}

/* Region of https://states.REGION.amazonaws.com, else AWS_REGION. */
static void region_of(const char *endpoint, char *region, size_t len)
{
    const char *p = strstr(endpoint, "states."), *q = p ? strstr(p + 7, ".amazonaws.com") : NULL;
    const char *env = getenv("AWS_REGION");
    if (q) snprintf(region, len, "%.*s", (int)(q - p - 7), p + 7);
    else snprintf(region, len, "%s", env && *env ? env : "us-east-1");
}

static int open_http(worker_ctx *w, const worker_args *a)
{
    char region[64];
    region_of(a->endpoint, region, sizeof region);
    const char *token = a->token ? a->token : getenv("YOGI_WORKER_TOKEN");
    wh_auth auth = {.token = token && *token ? token : NULL,
                    .access_key = getenv("AWS_ACCESS_KEY_ID"),
                    .secret_key = getenv("AWS_SECRET_ACCESS_KEY"),
                    .session_token = getenv("AWS_SESSION_TOKEN"), .region = region};
    if (!auth.token && !(auth.access_key && auth.secret_key))
        say("no --token, YOGI_WORKER_TOKEN or AWS credentials: requests go unauthenticated");
    yogi_error err = {{0}, {0}};
    w->http = wh_new(a->endpoint, &auth, &err);
    if (!w->http) say("%s: %s", err.name, err.cause);
    return w->http ? 0 : -1;
}

static int open_pool(worker_ctx *w, const worker_args *a)
{
    workers_config wc = {
        .plugin_dir = a->plugins ? a->plugins : cli_default_plugin_dir(), .data_dir = w->work,
        .config_path = a->config, .max_workers = (int)a->concurrency,
        .memory_limit_mb = a->memory_mb, .on_done = on_done, .on_heartbeat = on_plugin_heartbeat,
        .ud = w,
    };
    for (int i = 0; i < w->n_specs; i++) {
        yogi_error err = {{0}, {0}};
        if (!workers_plugin_probe(wc.plugin_dir, w->specs[i].plugin, &err)) {
            say("%s: %s", err.name, err.cause);
            return -1;
        }
    }
    yogi_error err = {{0}, {0}};
    w->pool = workers_create(&wc, &err);
    if (!w->pool) say("%s: %s", err.name, err.cause);
    return w->pool ? 0 : -1;
}

static int make_work_dir(worker_ctx *w, const worker_args *a)
{
    if (a->work_dir) {
        snprintf(w->work, sizeof w->work, "%s", a->work_dir);
        if (mkdir(w->work, 0700) != 0 && errno != EEXIST) return -1;
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(w->work, sizeof w->work, "%s/yogi-worker-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(w->work)) return -1;
    }
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/work", w->work);
    mkdir(sub, 0700);
    if (!realpath(w->work, sub) || strlen(sub) >= sizeof w->work) return -1;
    memcpy(w->work, sub, strlen(sub) + 1);
    return 0;
}

static void run_loop(worker_ctx *w)
{
    bool draining = false;
    for (;;) {
        if (stop_requested && !draining) {
            draining = true;
            wh_abort_polls(w->http);
            if (!w->fatal)
                say("stopping: finishing %d running task(s), then exiting", busy_count(w));
        }
        if (draining && busy_count(w) == 0 && (!w->answers || w->fatal)) break;
        start_polls(w);
        int t = workers_timeout_ms(w->pool);
        wh_wait(w->http, workers_fd(w->pool), t < 0 || t > 200 ? 200 : t);
        workers_process(w->pool);
        handle_polls(w);
        send_heartbeats(w);
        retry_answers(w);
    }
}

int cmd_worker(int argc, char **argv)
{
    static worker_ctx w;
    worker_args a = {.concurrency = sysconf(_SC_NPROCESSORS_ONLN), .heartbeat = 10,
                     .memory_mb = 2048};
    memset(&w, 0, sizeof w);
    if (parse_args(argc, argv, &w, &a) != 0) {
        usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    w.concurrency = a.concurrency > 0 ? (int)a.concurrency : 1;
    w.heartbeat_s = (int)a.heartbeat;
    if (a.name) snprintf(w.name, sizeof w.name, "%s", a.name);
    else {
        char host[64] = "worker";
        gethostname(host, sizeof host - 1);
        snprintf(w.name, sizeof w.name, "%s-%ld", host, (long)getpid());
    }
    if (make_work_dir(&w, &a) != 0) {
        say("cannot create the work directory: %s", strerror(errno));
        return YOGI_EXIT_FAILED;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (open_pool(&w, &a) != 0 || open_http(&w, &a) != 0) {
        if (w.pool) workers_destroy(w.pool);
        if (!a.work_dir) remove_tree(w.work);
        return YOGI_EXIT_FAILED;
    }
    say("%s polling %s for %d activit%s with concurrency %d", w.name, a.endpoint, w.n_specs,
        w.n_specs == 1 ? "y" : "ies", w.concurrency);
    run_loop(&w);
    say("stopped: %lu task(s) done, %lu failed", w.done, w.failed);
    workers_destroy(w.pool);
    wh_free(w.http);
    if (!a.work_dir) remove_tree(w.work);
    return w.fatal ? YOGI_EXIT_FAILED : YOGI_EXIT_OK;
}
