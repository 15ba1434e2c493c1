/*
 * plugin_config.h — reading numeric settings through yogi_host.config,
 * shared by the pipeline plugins (header-only: each plugin is its own
 * shared object). A missing, malformed or non-positive value means the
 * default, so a typo in the config file can never set a limit to zero.
 */
#ifndef YOGI_STATES_PLUGIN_CONFIG_H
#define YOGI_STATES_PLUGIN_CONFIG_H

#include <errno.h>
#include <stdlib.h>

#include "yogi/plugin.h"

static inline long config_long(const yogi_host *host, const char *key, long fallback)
{
    const char *v = host && host->config ? host->config(key) : NULL;
    if (!v || !*v) return fallback;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return errno || *end || n <= 0 ? fallback : n;
}

#endif
