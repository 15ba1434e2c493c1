/*
 * badabi.c — a plugin built for an ABI this engine does not speak (tests).
 *
 * The engine must refuse it with Plugin.AbiMismatch and never call it.
 */
#include <stdlib.h>

#include <yogi/plugin.h>

static int badabi_invoke(void *state, const yogi_call *call, json_t *input, json_t **output,
                         yogi_error *err)
{
    abort(); /* never called: the ABI check comes first */
}

__attribute__((visibility("default"))) const yogi_plugin *yogi_plugin_entry(void);
const yogi_plugin *yogi_plugin_entry(void)
{
    static const yogi_plugin p = {YOGI_PLUGIN_ABI + 41, sizeof(yogi_plugin), "badabi", NULL,
                                  badabi_invoke, NULL};
    return &p;
}
