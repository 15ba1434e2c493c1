/*
 * hello_plugin.c — a complete, minimal Yogi state plugin.
 *
 * Build and try it (from the repository, after `make`):
 *
 *     mkdir -p /tmp/plugins
 *     cc -std=c11 -Wall -Wextra -O2 -fPIC -shared -fvisibility=hidden \
 *        -Iinclude $(pkg-config --cflags jansson) \
 *        -o /tmp/plugins/hello.so docs/examples/hello_plugin.c $(pkg-config --libs jansson)
 *     build/yogi invoke hello --plugins /tmp/plugins --input '{"name": "Ada"}'
 *
 * It greets input.name with the configured greeting ("hello.greeting" in
 * the config file, or YOGI_HELLO_GREETING in the environment) and counts
 * the tasks its worker has served — state kept warm between tasks.
 */
#include <stdlib.h>

#include <yogi/plugin.h>

typedef struct hello {
    const yogi_host *host; /* lives as long as the worker */
    const char *greeting;
    long served;
} hello;

static int hello_init(const yogi_host *host, void **state, yogi_error *err)
{
    hello *h = calloc(1, sizeof *h);
    if (!h) return yogi_fail(err, "Hello.OutOfMemory", "cannot allocate the plugin state");
    h->host = host;
    h->greeting = host->config("hello.greeting");
    if (!h->greeting) h->greeting = "Hello";
    *state = h;
    return YOGI_OK;
}

static int hello_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                        yogi_error *err)
{
    hello *h = state;
    const char *name = json_string_value(json_object_get(input, "name"));
    if (!name || !*name)
        return yogi_fail(err, "Hello.NoName", "input.name must be a non-empty string");
    h->served++;
    h->host->log(YOGI_LOG_INFO, "greeting %s (task %ld of this worker, state %s)", name,
                 h->served, call->state_name ? call->state_name : "?");
    /* A new reference: the engine takes it over. */
    *output = json_pack("{s:s+++, s:I}", "greeting", h->greeting, ", ", name, "!", "served",
                        (json_int_t)h->served);
    if (!*output) return yogi_fail(err, "Hello.Encoding", "the name is not valid UTF-8");
    return YOGI_OK;
}

static void hello_destroy(void *state)
{
    free(state);
}

/* Exports yogi_plugin_entry(); the first argument must match hello.so. */
YOGI_PLUGIN(hello, hello_init, hello_invoke, hello_destroy)
