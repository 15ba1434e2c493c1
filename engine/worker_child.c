/*
 * worker_child.c — what a worker process does between fork and exit.
 *
 * Design: a worker is a plain blocking loop — read a task frame, run the
 * plugin, write the result frame — because it has exactly one thing to do
 * at a time; all the non-blocking cleverness lives in the engine (workers.c).
 * Plugins are dlopen'ed on first use and kept with their init state until
 * the worker exits, so a warm worker pays for an OCR engine once.
 *
 * Invariants:
 *   - the only fds are 0-2 and the socket (WORKER_SOCKET_FD); nothing the
 *     engine had open (the database above all) survives worker_isolate();
 *   - the child never returns into engine code and leaves with _exit(), so
 *     no atexit handler or stdio buffer of the engine runs twice;
 *   - frames are written whole: the crash handler only writes its "dying"
 *     frame when no other frame is half written (in_write is clear).
 *
 * Sandbox: before its first task the worker sets no_new_privs and a seccomp
 * allow-list (engine/sandbox.c); a forbidden call kills it (SIGSYS), which
 * fails only the task it was running.
 *
 * The crash handler (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) tells the
 * engine the worker's peak address-space size, so a crash caused by a
 * failed allocation under RLIMIT_AS can be reported as a memory-limit
 * failure; it then re-raises the signal so the worker dies of it.
 */
#include "host_error.h"
#include "worker_child.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frame.h"
#include "sandbox.h"

#define MAX_LOADED 32

typedef struct loaded_plugin {
    char name[65];
    void *handle;
    const yogi_plugin *entry;
    void *state;
    bool init_failed;
    yogi_error init_err;
} loaded_plugin;

/* The child's whole state: one worker per process, so globals are honest. */
static const workers_config *g_cfg;
static loaded_plugin g_plugins[MAX_LOADED];
static int g_nplugins;
static const char *g_current = "worker"; /* plugin being called, for log lines */
static uint64_t g_task_id;
static json_t *g_config;                  /* key → string, from config_path */
static volatile sig_atomic_t g_in_write;
static long g_limit_kb;                   /* RLIMIT_AS in force, 0 for none */
/* Plugins may use host services from their own threads: one frame or one
 * call-and-reply at a time on the socket. */
static pthread_mutex_t g_io = PTHREAD_MUTEX_INITIALIZER;
static yogi_host g_host;

/* ---- isolation ------------------------------------------------------- */

static void close_other_fds(void)
{
    if (close_range(WORKER_SOCKET_FD + 1, ~0U, 0) == 0) return;
    long max = sysconf(_SC_OPEN_MAX);
    for (long fd = WORKER_SOCKET_FD + 1; fd < (max > 0 ? max : 65536); fd++) close((int)fd);
}

static void reset_signals(void)
{
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, NULL);
    sa.sa_handler = SIG_IGN; /* a write to a dead engine is an error, not a death */
    sigaction(SIGPIPE, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

void worker_isolate(int keep, pid_t engine_pid)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != engine_pid) _exit(1); /* the engine died before prctl */
    setpgid(0, 0); /* the terminal's ^C is the engine's to handle, not ours */
    reset_signals();
    if (keep != WORKER_SOCKET_FD && dup2(keep, WORKER_SOCKET_FD) < 0) _exit(1);
    fcntl(WORKER_SOCKET_FD, F_SETFD, FD_CLOEXEC);
    close_other_fds();
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null >= 0 && null != 0) {
        dup2(null, 0);
        close(null);
    }
    dup2(2, 1); /* a plugin's stray printf must not corrupt anyone's stdout */
    setenv("OMP_THREAD_LIMIT", "1", 1);
}

/* ---- crash reporting ------------------------------------------------- */

static long vm_peak_kb(void)
{
    static char buf[4096]; /* static: the handler may run on a tiny stack */
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    char *p = strstr(buf, "VmPeak:");
    if (!p) return -1;
    long kb = 0;
    for (p += 7; *p == ' ' || *p == '\t'; p++) {}
    for (; *p >= '0' && *p <= '9'; p++) kb = kb * 10 + (*p - '0');
    return kb;
}

/* Append the decimal digits of v to p; async-signal-safe. */
static char *put_long(char *p, long v)
{
    char digits[24];
    int n = 0;
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    do digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n > 0) *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *s)
{
    while (*s) *p++ = *s++;
    return p;
}

static void crash_handler(int sig)
{
    int saved = errno;
    if (!g_in_write) {
        char frame[128], *p = frame + 4;
        p = put_str(p, "{\"t\":\"dying\",\"signal\":");
        p = put_long(p, sig);
        p = put_str(p, ",\"vm_peak_kb\":");
        p = put_long(p, vm_peak_kb());
        p = put_str(p, ",\"limit_kb\":");
        p = put_long(p, g_limit_kb);
        p = put_str(p, "}");
        size_t body = (size_t)(p - frame - 4);
        frame[0] = frame[1] = frame[2] = 0;
        frame[3] = (char)body;
        /* Never block a dying process: a full socket loses the report. */
        ssize_t unused = send(WORKER_SOCKET_FD, frame, body + 4, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)unused;
    }
    errno = saved;
    raise(sig); /* SA_RESETHAND made it fatal; delivered when we return */
}

static void install_crash_handler(void)
{
    static char altstack[64 * 1024]; /* a stack overflow still gets reported */
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_handler = crash_handler,
                           .sa_flags = SA_RESETHAND | SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
}

static void apply_memory_limit(long mb)
{
    if (mb <= 0) return;
    /* RLIMIT_AS counts reserved address space, and glibc reserves 64 MiB
     * for each thread's malloc arena: a plugin with a few threads would
     * hit the limit without using the memory. */
    mallopt(M_ARENA_MAX, 2);
#if defined(__SANITIZE_ADDRESS__)
    /* ASan reserves terabytes of shadow address space: RLIMIT_AS would
     * kill the worker at its first allocation. */
    fprintf(stderr, "yogi worker: memory limit not applied under AddressSanitizer\n");
#else
    struct rlimit rl = {.rlim_cur = (rlim_t)mb << 20, .rlim_max = (rlim_t)mb << 20};
    if (setrlimit(RLIMIT_AS, &rl) == 0)
        g_limit_kb = mb * 1024;
    else
        fprintf(stderr, "yogi worker: cannot set a memory limit of %ld MB: %s\n", mb,
                strerror(errno));
#endif
}

/* ---- host services (yogi_host) --------------------------------------- */

/* Write one encoded frame whole; the caller holds g_io. */
static int write_frame_locked(const frame_buf *b)
{
    int rc = 0;
    g_in_write = 1;
    for (size_t off = b->pos; off < b->len;) {
        ssize_t n = write(WORKER_SOCKET_FD, b->data + off, b->len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        off += (size_t)n;
    }
    g_in_write = 0;
    return rc;
}

static int send_frame_locked(const json_t *msg, yogi_error *err)
{
    frame_buf b = {0};
    int rc = frame_encode(&b, msg, err);
    if (rc == 0 && write_frame_locked(&b) != 0) {
        host_fail(err, "Host.Unavailable", "cannot write to the engine: %s", strerror(errno));
        rc = -1;
    }
    frame_buf_free(&b);
    return rc;
}

static int send_frame(const json_t *msg, yogi_error *err)
{
    pthread_mutex_lock(&g_io);
    int rc = send_frame_locked(msg, err);
    pthread_mutex_unlock(&g_io);
    return rc;
}

static void host_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    const char *lv = level >= 0 && level <= 3 ? names[level] : "info";
    fprintf(stderr, "yogi[%s] %s: %s\n", g_current, lv, line);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1])) s[--n] = '\0';
    return s;
}

/* `key = value` lines; `#` starts a comment line; "quotes" are optional. */
static json_t *load_config(const char *path)
{
    json_t *table = json_object();
    FILE *f = path ? fopen(path, "re") : NULL;
    if (!f) return table;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        char *eq = strchr(s, '=');
        if (*s == '#' || *s == '\0' || !eq) continue;
        *eq = '\0';
        char *key = trim(s), *value = trim(eq + 1);
        size_t n = strlen(value);
        if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
            value[n - 1] = '\0';
            value++;
        }
        if (*key) json_object_set_new(table, key, json_string(value));
    }
    fclose(f);
    return table;
}

static const char *host_config(const char *key)
{
    if (!key || !*key) return NULL;
    char env[256] = "YOGI_";
    size_t n = 5;
    for (const char *k = key; *k && n < sizeof env - 1; k++) {
        char c = *k;
        env[n++] = c == '.' || c == '-' ? '_' : (c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
    }
    env[n] = '\0';
    const char *v = getenv(env);
    if (v) return v;
    if (!g_config) g_config = load_config(g_cfg->config_path);
    return json_string_value(json_object_get(g_config, key));
}

static const char *member_str(const json_t *obj, const char *key, const char *fallback)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : fallback;
}

/* yogi_host.call, as the plugin sees it: the plugin ABI's YOGI_OK /
 * YOGI_FAILED (the engine's host operations answer 0 / -1). */
static int host_call(const char *op, json_t *args, json_t **result, yogi_error *err)
{
    *result = NULL;
    json_t *msg = json_pack("{s:s, s:I, s:s, s:O?}", "t", "call", "id", (json_int_t)g_task_id,
                            "op", op ? op : "", "args", args);
    if (!msg) return yogi_fail(err, "Host.Failed", "the arguments cannot be encoded");
    json_t *reply = NULL;
    pthread_mutex_lock(&g_io);
    int rc = send_frame_locked(msg, err);
    if (rc == 0 && frame_recv(WORKER_SOCKET_FD, &reply, err) != 1) {
        yogi_fail(err, "Host.Unavailable", "the engine did not answer '%s'", op);
        rc = -1;
    }
    pthread_mutex_unlock(&g_io);
    json_decref(msg);
    if (rc != 0) return YOGI_FAILED;
    int ok = json_is_true(json_object_get(reply, "ok"));
    if (ok) {
        *result = json_incref(json_object_get(reply, "result"));
        if (!*result) *result = json_null();
    } else {
        yogi_fail(err, member_str(reply, "error", "Host.Failed"), "%s",
                  member_str(reply, "cause", ""));
    }
    json_decref(reply);
    return ok ? YOGI_OK : YOGI_FAILED;
}

static void host_heartbeat(void)
{
    json_t *msg = json_pack("{s:s, s:I}", "t", "heartbeat", "id", (json_int_t)g_task_id);
    yogi_error err;
    if (msg) send_frame(msg, &err);
    json_decref(msg);
}

static void host_retry_after(double seconds)
{
    if (!(seconds > 0)) return;
    if (seconds > 86400) seconds = 86400;
    json_t *msg = json_pack("{s:s, s:I, s:I}", "t", "retry_after", "id", (json_int_t)g_task_id,
                            "ms", (json_int_t)(seconds * 1000));
    yogi_error err;
    if (msg) send_frame(msg, &err);
    json_decref(msg);
}

static void init_host(void)
{
    g_host = (yogi_host){
        .abi_version = YOGI_PLUGIN_ABI,
        .size = sizeof(yogi_host),
        .log = host_log,
        .config = host_config,
        .data_dir = g_cfg->data_dir ? g_cfg->data_dir : ".",
        .call = host_call,
        .heartbeat = host_heartbeat,
        .retry_after = host_retry_after,
    };
}

/* ---- plugins --------------------------------------------------------- */

bool plugin_name_valid(const char *name)
{
    size_t n = 0;
    if (!name) return false;
    for (; name[n]; n++) {
        char c = name[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || n >= 64) return false;
    }
    return n > 0;
}

static bool is_elf(const char *path)
{
    unsigned char magic[4] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, magic, sizeof magic);
    close(fd);
    return n == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

typedef const yogi_plugin *entry_fn(void);

static int check_entry(const yogi_plugin *p, const char *name, yogi_error *err)
{
    if (!p) return host_fail(err, "Plugin.NotAPlugin", "%s.so: its entry returned NULL", name);
    if (p->abi_version != YOGI_PLUGIN_ABI)
        return host_fail(err, "Plugin.AbiMismatch",
                         "%s.so was built for plugin ABI %u; this engine speaks ABI %d", name,
                         p->abi_version, YOGI_PLUGIN_ABI);
    if (p->size < offsetof(yogi_plugin, destroy) + sizeof p->destroy)
        return host_fail(err, "Plugin.AbiMismatch",
                         "%s.so: its yogi_plugin is %u bytes, at least %zu expected", name,
                         p->size, offsetof(yogi_plugin, destroy) + sizeof p->destroy);
    if (!p->name || strcmp(p->name, name) != 0)
        return host_fail(err, "Plugin.NotAPlugin", "%s.so calls itself '%s'", name,
                         p->name ? p->name : "(null)");
    if (!p->invoke) return host_fail(err, "Plugin.NotAPlugin", "%s.so has no invoke", name);
    return 0;
}

int plugin_open(const char *dir, const char *name, void **handle, const yogi_plugin **entry,
                yogi_error *err)
{
    char path[4096];
    if (!plugin_name_valid(name))
        return host_fail(err, "Plugin.NotFound", "'%s' is not a plugin name",
                         name ? name : "(null)");
    snprintf(path, sizeof path, "%s/%s.so", dir ? dir : ".", name);
    if (access(path, R_OK) != 0)
        return host_fail(err, "Plugin.NotFound", "no plugin '%s' (%s: %s)", name, path,
                         strerror(errno));
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        /* A shared object that will not load (a library missing, no memory
         * left under the limit) is not the same mistake as a stray file. */
        const char *why = dlerror();
        return host_fail(err, is_elf(path) ? "Plugin.LoadFailed" : "Plugin.NotAPlugin",
                         "cannot load %s: %s", path, why ? why : "unknown error");
    }
    void *sym = dlsym(h, YOGI_PLUGIN_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(h);
        return host_fail(err, "Plugin.NotAPlugin", "%s has no %s()", path,
                         YOGI_PLUGIN_ENTRY_SYMBOL);
    }
    entry_fn *fn;
    memcpy(&fn, &sym, sizeof fn); /* POSIX: dlsym's object pointer holds a function */
    const yogi_plugin *p = fn();
    if (check_entry(p, name, err) != 0) {
        dlclose(h);
        return -1;
    }
    *handle = h;
    *entry = p;
    return 0;
}

/* The loaded plugin NAME, loading and initialising it on first use. A
 * failed init is remembered: the task fails and the worker retires. */
static loaded_plugin *plugin_get(const char *name, yogi_error *err)
{
    for (int i = 0; i < g_nplugins; i++)
        if (strcmp(g_plugins[i].name, name) == 0) return &g_plugins[i];
    if (g_nplugins == MAX_LOADED) {
        host_fail(err, "States.TaskFailed", "a worker holds at most %d plugins", MAX_LOADED);
        return NULL;
    }
    loaded_plugin *lp = &g_plugins[g_nplugins];
    memset(lp, 0, sizeof *lp);
    if (plugin_open(g_cfg->plugin_dir, name, &lp->handle, &lp->entry, err) != 0) return NULL;
    snprintf(lp->name, sizeof lp->name, "%s", name);
    g_nplugins++;
    g_current = lp->name;
    if (lp->entry->init && lp->entry->init(&g_host, &lp->state, &lp->init_err) != YOGI_OK) {
        lp->init_failed = true;
        if (!lp->init_err.name[0])
            snprintf(lp->init_err.name, sizeof lp->init_err.name, "States.TaskFailed");
    }
    return lp;
}

static void destroy_plugins(void)
{
    for (int i = g_nplugins - 1; i >= 0; i--) {
        loaded_plugin *lp = &g_plugins[i];
        g_current = lp->name;
        if (!lp->init_failed && lp->entry->destroy) lp->entry->destroy(lp->state);
    }
}

/* ---- tasks ----------------------------------------------------------- */

static void send_failure(uint64_t id, const yogi_error *err, bool retire)
{
    const char *name = err->name[0] ? err->name : "States.TaskFailed";
    json_t *msg = json_pack("{s:s, s:I, s:b, s:s, s:s, s:b}", "t", "result", "id",
                            (json_int_t)id, "ok", 0, "error", name, "cause", err->cause,
                            "retire", retire);
    if (!msg) /* a cause that is not UTF-8 */
        msg = json_pack("{s:s, s:I, s:b, s:s, s:s, s:b}", "t", "result", "id", (json_int_t)id,
                        "ok", 0, "error", "States.TaskFailed", "cause",
                        "the plugin's error was not valid UTF-8", "retire", retire);
    yogi_error unused;
    if (!msg || send_frame(msg, &unused) != 0) _exit(1); /* the engine sees us die */
    json_decref(msg);
}

static void send_output(uint64_t id, json_t *output)
{
    yogi_error err = {.name = ""};
    json_t *msg = json_pack("{s:s, s:I, s:b, s:O}", "t", "result", "id", (json_int_t)id, "ok",
                            1, "output", output ? output : json_null());
    frame_buf b = {0};
    if (!msg || frame_encode(&b, msg, &err) != 0) {
        json_decref(msg);
        if (!err.name[0]) host_fail(&err, "States.Runtime", "out of memory for the output");
        send_failure(id, &err, false);
        return;
    }
    json_decref(msg);
    pthread_mutex_lock(&g_io);
    if (write_frame_locked(&b) != 0) _exit(1); /* the engine sees us die */
    pthread_mutex_unlock(&g_io);
    frame_buf_free(&b);
}

static const char *call_str(const json_t *call, const char *key)
{
    return json_string_value(json_object_get(call, key));
}

/* Before the first plugin is loaded: the worker's class (network or not)
 * is its first task's, and workers.c sends it only tasks of that class.
 * The memory limit comes after the filter, whose construction allocates:
 * under a tiny limit the plugin, not libseccomp, must be what fails. */
static void sandbox_once(const char *plugin)
{
    static bool applied;
    if (applied) return;
    applied = true;
    if (sandbox_apply(sandbox_plugin_needs_network(plugin)) != 0)
        host_log(YOGI_LOG_WARN, "no system call filter: %s", strerror(errno));
    apply_memory_limit(g_cfg->memory_limit_mb);
}

static void serve_task(const json_t *msg)
{
    uint64_t id = (uint64_t)json_integer_value(json_object_get(msg, "id"));
    const char *plugin = json_string_value(json_object_get(msg, "plugin"));
    json_t *input = json_object_get(msg, "input");
    const json_t *c = json_object_get(msg, "call");
    yogi_error err = {.name = ""};
    g_task_id = id; /* a host call or heartbeat from init belongs to this task */
    sandbox_once(plugin);
    loaded_plugin *lp = plugin_get(plugin ? plugin : "", &err);
    if (!lp || lp->init_failed) {
        send_failure(id, lp ? &lp->init_err : &err, lp != NULL);
        return;
    }
    const json_t *rc_json = json_object_get(c, "resource_config");
    yogi_call call = {
        .size = sizeof(yogi_call),
        .execution_id = call_str(c, "execution_id"),
        .execution_name = call_str(c, "execution_name"),
        .state_name = call_str(c, "state_name"),
        .resource = call_str(c, "resource"),
        .task_token = call_str(c, "task_token"),
        .resource_config = json_is_null(rc_json) ? NULL : rc_json,
        .attempt = (int)json_integer_value(json_object_get(c, "attempt")),
        .deadline_ms = json_integer_value(json_object_get(c, "deadline_ms")),
    };
    json_t *output = NULL;
    g_current = lp->name;
    int rc = lp->entry->invoke(lp->state, &call, input ? input : json_null(), &output, &err);
    if (rc == YOGI_OK) {
        send_output(id, output);
    } else {
        if (!err.name[0] && !err.cause[0])
            snprintf(err.cause, sizeof err.cause, "plugin %s failed without a cause", lp->name);
        send_failure(id, &err, false);
    }
    json_decref(output);
    g_task_id = 0;
}

void worker_child_main(const workers_config *cfg)
{
    g_cfg = cfg;
    install_crash_handler(); /* the memory limit is set with the sandbox, at the first task */
    init_host();
    for (;;) {
        json_t *msg = NULL;
        yogi_error err;
        if (frame_recv(WORKER_SOCKET_FD, &msg, &err) != 1) break;
        const char *type = json_string_value(json_object_get(msg, "t"));
        if (type && strcmp(type, "task") == 0) serve_task(msg);
        json_decref(msg);
    }
    destroy_plugins();
    fflush(stderr);
    _exit(0);
}
