/*
 * invoke_plugin.c — run one plugin task outside the engine (a dev tool).
 *
 *     invoke_plugin PLUGIN.so INPUT.json     prints the output JSON, or the
 *                                            error name and cause (exit 1)
 *
 * It loads the plugin as the worker does (dlopen, the entry symbol, the ABI
 * check) with a minimal host, so the timetable builder can be iterated on
 * cached OCR words in milliseconds, without the engine.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "yogi/plugin.h"

static void host_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%d] ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *host_config(const char *key)
{
    (void)key;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: invoke_plugin PLUGIN.so INPUT.json\n");
        return 2;
    }
    void *so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    const yogi_plugin *(*entry)(void) = NULL;
    if (so)
        *(void **)&entry = dlsym(so, YOGI_PLUGIN_ENTRY_SYMBOL);
    const yogi_plugin *p = entry ? entry() : NULL;
    if (!p || p->abi_version != YOGI_PLUGIN_ABI) {
        fprintf(stderr, "invoke_plugin: %s: not a plugin (%s)\n", argv[1], dlerror());
        return 2;
    }
    json_error_t jerr;
    json_t *input = json_load_file(argv[2], 0, &jerr);
    if (!input) {
        fprintf(stderr, "invoke_plugin: %s: %s\n", argv[2], jerr.text);
        return 2;
    }
    yogi_host host = {YOGI_PLUGIN_ABI, sizeof host, host_log, host_config, "/tmp", NULL, NULL};
    yogi_call call = {.size = sizeof call, .execution_id = "dev", .state_name = "Dev"};
    yogi_error err = {{0}, {0}};
    void *state = NULL;
    json_t *out = NULL;
    int rc = p->init ? p->init(&host, &state, &err) : YOGI_OK;
    if (rc == YOGI_OK)
        rc = p->invoke(state, &call, input, &out, &err);
    if (rc == YOGI_OK) {
        json_dumpf(out, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        fprintf(stderr, "%s: %s\n", err.name[0] ? err.name : "States.TaskFailed", err.cause);
    }
    if (p->destroy)
        p->destroy(state);
    json_decref(out);
    json_decref(input);
    dlclose(so);
    return rc == YOGI_OK ? 0 : 1;
}
