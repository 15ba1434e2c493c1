/*
 * yogi/plugin.h — the state plugin ABI.
 *
 * A state plugin is a shared object, NAME.so in the plugin directory, that
 * serves Task states whose Resource is "plugin:NAME" (or an alias of it in
 * the resource map). It exports exactly one symbol, a function:
 *
 *     const yogi_plugin *yogi_plugin_entry(void);
 *
 * (a function, not a data symbol, as PostgreSQL's PG_MODULE_MAGIC does:
 * dlsym is only guaranteed to work for functions). The engine loads the
 * object with dlopen(RTLD_NOW | RTLD_LOCAL) inside a worker process, checks
 * abi_version and size, calls init once per worker, invoke once per task and
 * destroy when the worker retires. A plugin therefore keeps expensive state
 * (an OCR engine, an HTTP connection pool) warm across tasks in `state`.
 *
 * Compatibility: yogi_host and yogi_call only ever grow at their end; each
 * carries its own size so a plugin built against an older header can check
 * that a member exists before it reads it (YOGI_HAS(ptr, member)). A plugin
 * whose abi_version differs from YOGI_PLUGIN_ABI is refused at load with a
 * named error, never called.
 *
 * Ownership (jansson's terms):
 *   - `input` is borrowed: read it, do not decref it, do not keep it.
 *   - `*output` must be a new reference (or NULL, meaning JSON null); the
 *     engine takes it over and decrefs it.
 *   - strings in yogi_host and yogi_call belong to the host and live for the
 *     duration of the call (host strings: for the life of the worker).
 *
 * Errors: invoke returns YOGI_OK or YOGI_FAILED. On failure it fills `err`
 * with an error name and a cause, like a Step Functions task failure
 * ("Document.Unsupported", "not a PNG, JPEG, TIFF, WebP, BMP or PDF"), and
 * the workflow's Retry/Catch rules match on that name. Use yogi_fail().
 *
 * Isolation: plugins run in worker processes that never touch the database.
 * A plugin that crashes, exceeds the worker memory limit or runs past its
 * task timeout fails only its own task (States.TaskFailed / States.Timeout);
 * the worker is replaced. Plugins must not install signal handlers for
 * SIGSEGV/SIGABRT nor fork without exec.
 */
#ifndef YOGI_PLUGIN_H
#define YOGI_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change; growth at the end of a struct is not
 * one (it is detected through the size members). */
#define YOGI_PLUGIN_ABI 1

/* The one symbol a plugin exports. */
#define YOGI_PLUGIN_ENTRY_SYMBOL "yogi_plugin_entry"

enum { YOGI_OK = 0, YOGI_FAILED = 1 };

/* Log levels for yogi_host.log. */
enum { YOGI_LOG_ERROR = 0, YOGI_LOG_WARN = 1, YOGI_LOG_INFO = 2, YOGI_LOG_DEBUG = 3 };

/* True when a struct that carries its own size has member m. */
#define YOGI_HAS(p, m) \
    ((p) != NULL && (size_t)(p)->size >= offsetof(__typeof__(*(p)), m) + sizeof((p)->m))

/* A task failure: an error name matched by Retry/Catch, and a cause for people. */
typedef struct yogi_error {
    char name[128];   /* e.g. "Document.TooLarge"; empty means "States.TaskFailed" */
    char cause[4096]; /* human-readable; truncated if longer */
} yogi_error;

/* Services the engine offers to a plugin; filled by the host, read-only.
 * The functions may be called from any thread of the plugin. */
typedef struct yogi_host {
    uint32_t abi_version; /* YOGI_PLUGIN_ABI of the host */
    uint32_t size;        /* sizeof(yogi_host) as the host knows it */

    /* Log a line to the service log, tagged with the plugin name. */
    void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

    /* A configuration value ("llm.provider", "notify.webhook_url"), or NULL.
     * Environment variables YOGI_<KEY> (dots become underscores, upper case)
     * override the config file. The string lives as long as the worker. */
    const char *(*config)(const char *key);

    /* The service's data directory (documents, blobs); never NULL. */
    const char *data_dir;

    /* Ask the engine process to perform an operation it owns (the database is
     * the engine's alone), e.g. "documents.update". Blocks until the engine
     * answers. `args` is borrowed; on YOGI_OK *result is a new reference. */
    int (*call)(const char *op, json_t *args, json_t **result, yogi_error *err);

    /* Tell the engine the task is alive (resets HeartbeatSeconds). */
    void (*heartbeat)(void);

    /* The failure this task is about to report is transient and must not be
     * retried sooner than `seconds` from now (an HTTP Retry-After). Call it
     * before invoke returns YOGI_FAILED; the workflow's Retry then waits at
     * least that long. Added after the first release of ABI 1: check
     * YOGI_HAS(host, retry_after) before calling. */
    void (*retry_after)(double seconds);
} yogi_host;

/* What the engine knows about one task invocation. */
typedef struct yogi_call {
    uint32_t size;                 /* sizeof(yogi_call) as the host knows it */
    const char *execution_id;      /* the execution's id */
    const char *execution_name;    /* the execution's name */
    const char *state_name;        /* the Task state's name */
    const char *resource;          /* the Resource string as written */
    const char *task_token;        /* $$.Task.Token for .waitForTaskToken, else NULL */
    const json_t *resource_config; /* "config" of the resource map entry, or NULL */
    int attempt;                   /* 0 on the first try, 1 on the first retry... */
    int64_t deadline_ms;           /* Unix ms when the task times out, or 0 */
} yogi_call;

/* What a plugin exports through yogi_plugin_entry(). */
typedef struct yogi_plugin {
    uint32_t abi_version; /* YOGI_PLUGIN_ABI the plugin was built against */
    uint32_t size;        /* sizeof(yogi_plugin) */
    const char *name;     /* must equal the file's NAME in NAME.so */

    /* Once per worker, before the first invoke. *state is the plugin's own.
     * May be NULL. On YOGI_FAILED every task of this plugin fails with err. */
    int (*init)(const yogi_host *host, void **state, yogi_error *err);

    /* Once per task. See the ownership rules above. */
    int (*invoke)(void *state, const yogi_call *call, json_t *input, json_t **output,
                  yogi_error *err);

    /* When the worker retires. May be NULL. */
    void (*destroy)(void *state);
} yogi_plugin;

/* Fill err and return YOGI_FAILED: `return yogi_fail(err, "X.Y", "why %d", n);` */
static inline int yogi_fail(yogi_error *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int yogi_fail(yogi_error *err, const char *name, const char *fmt, ...)
{
    va_list ap;
    snprintf(err->name, sizeof err->name, "%s", name);
    va_start(ap, fmt);
    vsnprintf(err->cause, sizeof err->cause, fmt, ap);
    va_end(ap);
    return YOGI_FAILED;
}

/* Define the entry point: YOGI_PLUGIN(echo, echo_init, echo_invoke, echo_destroy) */
#define YOGI_PLUGIN(NAME, INIT, INVOKE, DESTROY)                                      \
    __attribute__((visibility("default"))) const yogi_plugin *yogi_plugin_entry(void); \
    const yogi_plugin *yogi_plugin_entry(void)                                        \
    {                                                                                 \
        static const yogi_plugin p = {YOGI_PLUGIN_ABI, sizeof(yogi_plugin), #NAME,    \
                                      INIT, INVOKE, DESTROY};                         \
        return &p;                                                                    \
    }

#ifdef __cplusplus
}
#endif
#endif
