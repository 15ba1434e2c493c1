/*
 * host_error.h — the host's one error convention.
 *
 * Inside the host (engine, api, cli) a function that acts returns 0 or -1
 * and fills a yogi_error (name + cause). YOGI_OK / YOGI_FAILED are the
 * plugin ABI's (include/yogi/plugin.h) and stay at that boundary. host_fail
 * fills the error through the ABI's yogi_fail and gives the host's -1:
 *
 *     if (!f) return host_fail(err, "Engine.Storage", "cannot open %s", path);
 */
#ifndef YOGI_HOST_ERROR_H
#define YOGI_HOST_ERROR_H

#include "yogi/plugin.h"

#define host_fail(err, ...) (yogi_fail((err), __VA_ARGS__), -1)

#endif
