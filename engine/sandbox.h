/*
 * sandbox.h — the system calls a plugin worker may make (engine/sandbox.c).
 */
#ifndef YOGI_SANDBOX_H
#define YOGI_SANDBOX_H

#include <stdbool.h>

/* Plugins that talk to the network (the LLM reviewer, webhooks): their
 * workers may create and connect sockets. Built in: llm, notify; more with
 * the environment variable YOGI_NETWORK_PLUGINS="name,name". */
bool sandbox_plugin_needs_network(const char *plugin);

/* PR_SET_NO_NEW_PRIVS and the seccomp allow-list, for this process and the
 * threads it creates from now on. Any other call kills the process (the
 * task fails, the worker is replaced). Returns 0, or -1 when the kernel
 * refuses (the caller goes on unsandboxed and says so). Not applied under
 * valgrind or a sanitizer build, whose runtimes make calls of their own;
 * YOGI_SANDBOX=off turns it off for debugging. */
int sandbox_apply(bool network);

#endif
