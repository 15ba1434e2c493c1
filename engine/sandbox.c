/*
 * sandbox.c — a plugin worker's system calls: an allow-list (libseccomp).
 *
 * A worker runs plugins on untrusted documents (image decoders, a PDF
 * parser, OCR): a bug there must not become a shell. Before its first task
 * a worker sets PR_SET_NO_NEW_PRIVS and installs a filter whose default is
 * to kill the process: only the calls below pass. What they allow: memory,
 * threads, files (plugins read the stored document and write scratch files
 * under the data directory), time, signals, and I/O on descriptors already
 * open (the engine's socket). What they leave out: execve and friends,
 * ptrace, mount, module and key management, and — unless the plugin needs
 * the network — socket()/connect(). A worker serves one class of plugins
 * (network or not, chosen by its first task; workers.c keeps the classes
 * apart), since a filter can never be loosened once installed.
 *
 * A forbidden call kills the worker with SIGSYS: the engine reports the
 * task failed ("worker ... died: Bad system call") and starts another
 * worker for the next task; nothing else is affected.
 */
#include "sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static const char *const network_builtin[] = {"llm", "notify"};

bool sandbox_plugin_needs_network(const char *plugin)
{
    if (!plugin) return false;
    for (size_t i = 0; i < sizeof network_builtin / sizeof *network_builtin; i++)
        if (!strcmp(plugin, network_builtin[i])) return true;
    const char *extra = getenv("YOGI_NETWORK_PLUGINS");
    size_t n = strlen(plugin);
    for (const char *p = extra; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && !strncmp(p, plugin, n)) return true;
        p += len + (p[len] == ',');
    }
    return false;
}

static const char *const allowed[] = {
    /* memory */
    "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "mincore", "mlock", "munlock",
    "membarrier", "memfd_create",
    /* threads, processes (no new programs) */
    "clone", "clone3", "futex", "futex_waitv", "set_robust_list", "get_robust_list",
    "set_tid_address", "rseq", "exit", "exit_group", "gettid", "getpid", "getppid", "getpgid",
    "getpgrp", "getuid", "geteuid", "getgid", "getegid", "getgroups", "getresuid", "getresgid",
    "sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
    "sched_getscheduler", "prctl", "arch_prctl", "prlimit64", "getrlimit", "setrlimit",
    "getrusage", "times", "wait4", "waitid", "getpriority", "setpriority", "capget",
    /* signals */
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigtimedwait", "rt_sigqueueinfo",
    "sigaltstack", "kill", "tgkill", "tkill", "restart_syscall", "pause", "rt_sigsuspend",
    "alarm", "getitimer", "setitimer", "msync", "mlock2", "munlockall",
    /* time */
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    "timer_create", "timer_settime", "timer_delete", "timerfd_create", "timerfd_settime",
    /* files */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "lseek",
    "open", "openat", "openat2", "close", "close_range", "creat", "stat", "fstat", "lstat",
    "newfstatat", "statx", "statfs", "fstatfs", "access", "faccessat", "faccessat2",
    "readlink", "readlinkat", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir",
    "unlink", "unlinkat", "rename", "renameat", "renameat2", "link", "linkat", "symlink",
    "symlinkat", "truncate", "ftruncate", "fsync", "fdatasync", "fallocate", "fadvise64",
    "getdents64", "chmod", "fchmod", "fchmodat", "umask", "utimensat", "flock", "fcntl",
    "ioctl", "dup", "dup2", "dup3", "pipe", "pipe2", "sendfile", "copy_file_range",
    "getxattr", "lgetxattr", "fgetxattr", "inotify_init1", "sync_file_range",
    /* waiting on descriptors already open */
    "poll", "ppoll", "select", "pselect6", "epoll_create1", "epoll_ctl", "epoll_wait",
    "epoll_pwait", "epoll_pwait2", "eventfd2",
    /* the engine's socket (and the network plugins' own, once connected) */
    "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
    "getsockopt", "setsockopt", "getsockname", "getpeername",
    /* misc */
    "uname", "sysinfo", "getrandom", "getcpu",
};

static const char *const network_only[] = {"socket", "connect", "bind", "socketpair"};

static bool under_instrumentation(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#else
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
#endif
}

static int allow_all(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        if (nr == __NR_SCMP_ERROR) continue; /* not on this architecture */
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0) return -1;
    }
    return 0;
}

int sandbox_apply(bool network)
{
    const char *mode = getenv("YOGI_SANDBOX");
    if ((mode && !strcmp(mode, "off")) || under_instrumentation()) return 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) return -1;
    int rc = allow_all(ctx, allowed, sizeof allowed / sizeof *allowed);
    if (rc == 0 && network)
        rc = allow_all(ctx, network_only, sizeof network_only / sizeof *network_only);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc == 0 ? 0 : -1;
}
