/*
 * host_error.h — the host's one error convention.
 *
 * Inside the host (engine, api, cli) a function that acts returns 0 or -1
 * and fills a yogi_error (name + cause). YOGI_OK / YOGI_FAILED are the
 * plugin ABI's (include/yogi/plugin.h) and stay at that boundary: the code
 * that calls a plugin's init/invoke (engine/worker_child.c) and the host
 * call a plugin makes (worker_child.c's host_call) translate between the
 * two. host_fail fills the error and gives the host's -1, as a return value
 * or as a statement before a cleanup jump:
 *
 *     if (!f) return host_fail(err, "Engine.Storage", "cannot open %s", path);
 *
 * Every name given here is listed, with its kind, in engine/errors.def
 * (tests/integration/error_names.sh keeps that true).
 */
#ifndef YOGI_HOST_ERROR_H
#define YOGI_HOST_ERROR_H

#include <stdarg.h>
#include <stdio.h>

#include "yogi/plugin.h"

/* On a host function that acts: a caller that drops its result does not
 * compile (-Werror). Where a failure really may be ignored, say so and why:
 * `if (f(...) != 0) { ... log ... }`. */
#define HOST_MUST_CHECK __attribute__((warn_unused_result))

static inline int host_fail(yogi_error *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int host_fail(yogi_error *err, const char *name, const char *fmt, ...)
{
    va_list ap;
    snprintf(err->name, sizeof err->name, "%s", name);
    va_start(ap, fmt);
    vsnprintf(err->cause, sizeof err->cause, fmt, ap);
    va_end(ap);
    return -1;
}

#endif
