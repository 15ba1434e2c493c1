/*
 * test.c — the runner behind test.h.
 *
 * Design: every test is forked so that a crash, an abort or a sanitizer
 * report fails one test and the suite goes on; the parent waits with a
 * timeout (TEST_TIMEOUT seconds, default 120) and kills a test that hangs.
 * The child reports skips through its exit status (77, as automake does).
 */
#include "test.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
/* Tests end with _exit (no atexit handlers in a forked child), which would
 * skip LeakSanitizer: run its check explicitly; a leak exits with status 23. */
#define LEAK_CHECK() __lsan_do_leak_check()
/* fontconfig (loaded by cairo and poppler in the PDF plugins) keeps its
 * configuration cache for the life of the process and has no one left to
 * free it at exit: that is the library's design, not a leak of ours. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}
#else
#define LEAK_CHECK() ((void)0)
#endif

int test_failures_;

void test_fail_(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "# %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
    test_failures_++;
}

void test_skip_(const char *reason)
{
    printf("# SKIP %s\n", reason);
    fflush(stdout);
    _exit(77);
}

const char *test_build_dir(void)
{
    static char path[PATH_MAX];
    if (path[0]) return path; /* resolved once, before the tests chdir away */
    const char *b = getenv("BUILD");
    if (!b || !*b) b = "build";
    if (!realpath(b, path)) snprintf(path, sizeof path, "%s", b);
    return path;
}

/* Poll for the child with a growing interval (1 ms up to 100 ms): quick
 * tests are reaped at once, slow ones cost few wakeups. */
static int wait_with_timeout(pid_t pid, int seconds)
{
    int status = 0;
    long waited_ms = 0, step_ms = 1;
    while (waited_ms < seconds * 1000L) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return status;
        struct timespec ts = {0, step_ms * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited_ms += step_ms;
        if (step_ms < 100) step_ms *= 2;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    printf("# timed out after %d s\n", seconds);
    return -1;
}

static void run_in_tmpdir(const test_case *t)
{
    char dir[] = "/tmp/yogi-test-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) {
        printf("# cannot make a temporary directory: %s\n", strerror(errno));
        _exit(1);
    }
    t->fn();
    fflush(stdout);
    LEAK_CHECK();
    if (test_failures_ == 0) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0) { /* leave it for inspection */ }
    } else {
        printf("# files kept in %s\n", dir);
    }
    _exit(test_failures_ ? 1 : 0);
}

int test_main(int argc, char **argv, const test_case *tests)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    const char *to = getenv("TEST_TIMEOUT");
    int timeout = to ? atoi(to) : 120;
    int n = 0, failed = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    (void)test_build_dir(); /* resolve before tests chdir away */
    for (const test_case *t = tests; t->name; t++) {
        if (filter && !strstr(t->name, filter)) continue;
        n++;
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) run_in_tmpdir(t);
        int status = wait_with_timeout(pid, timeout);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
            printf("ok %d %s # SKIP\n", n, t->name);
        } else if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            printf("ok %d %s\n", n, t->name);
        } else {
            if (status != -1 && WIFSIGNALED(status))
                printf("# killed by signal %d\n", WTERMSIG(status));
            printf("not ok %d %s\n", n, t->name);
            failed++;
        }
    }
    printf("1..%d\n", n);
    return failed ? 1 : 0;
}
