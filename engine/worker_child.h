/*
 * worker_child.h — the child side of the worker pool (internal to workers.c).
 *
 * A worker is a forked child of the engine that serves tasks over one
 * socket until the socket reaches end of file. Everything here runs in
 * the child, after fork and before any exec.
 *
 * Messages (JSON objects, see frame.h), "t" giving the type:
 *   engine → worker  {"t":"task","id":N,"plugin":P,"input":X,"call":{...}}
 *                    {"t":"reply","ok":B,"result":X | "error":E,"cause":C}
 *   worker → engine  {"t":"result","id":N,"ok":true,"output":X}
 *                    {"t":"result","id":N,"ok":false,"error":E,"cause":C[,"retire":true]}
 *                    {"t":"call","id":N,"op":O,"args":X}   (answered by "reply")
 *                    {"t":"heartbeat","id":N}
 *                    {"t":"dying","signal":S,"vm_peak_kb":K,"limit_kb":L}
 *                      (from the crash handler; L is the RLIMIT_AS in force, 0 if none)
 */
#ifndef YOGI_WORKER_CHILD_H
#define YOGI_WORKER_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

#include "host_error.h"
#include "workers.h"

/* The fd a worker's socket has in the child. */
#define WORKER_SOCKET_FD 3

/* A plugin name is [A-Za-z0-9_-]{1,64}: it becomes a file name. */
bool plugin_name_valid(const char *name);

/* dlopen DIR/NAME.so and check its entry. On failure returns -1 with err:
 * Plugin.NotFound, Plugin.NotAPlugin, Plugin.LoadFailed (a shared object
 * dlopen refuses: a missing library, the memory limit) or
 * Plugin.AbiMismatch. */
int plugin_open(const char *dir, const char *name, void **handle, const yogi_plugin **entry,
                yogi_error *err) HOST_MUST_CHECK;

/* Cut a fresh child loose from the engine: die with it, own process group,
 * default signal dispositions, stdin from /dev/null, stdout to stderr, no
 * fd but 0-2 and `keep` (moved to WORKER_SOCKET_FD, close-on-exec),
 * OMP_THREAD_LIMIT=1. Exits the child if the engine is already gone. */
void worker_isolate(int keep, pid_t engine_pid);

/* Serve tasks on WORKER_SOCKET_FD until end of file; never returns. */
__attribute__((noreturn)) void worker_child_main(const workers_config *cfg);

#endif
