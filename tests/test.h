/*
 * test.h — a minimal test harness for unit tests (TAP-like output).
 *
 * A test program lists its tests in a table and calls test_main():
 *
 *     static void test_echo(void) { CHECK(1 + 1 == 2); CHECK_STR("a", "a"); }
 *     int main(int argc, char **argv) {
 *         static const test_case tests[] = { TEST(test_echo), {0} };
 *         return test_main(argc, argv, tests);
 *     }
 *
 * Each test runs in its own forked process (a crash fails that test only,
 * as in libuv's runner), with a timeout, in a fresh temporary directory
 * which is its working directory. Output: "ok N name", "not ok N name" with
 * the failed checks as "# file:line: ..." lines, "ok N name # SKIP reason".
 * tests/run.sh counts these lines across all suites. With an argument, only
 * tests whose names contain it run.
 */
#ifndef YOGI_TEST_H
#define YOGI_TEST_H

#include <stdio.h>
#include <string.h>

typedef struct test_case {
    const char *name;
    void (*fn)(void);
} test_case;

#define TEST(fn) {#fn, fn}

extern int test_failures_;
void test_fail_(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Mark the running test skipped and return from it (call via SKIP). */
void test_skip_(const char *reason);
int test_main(int argc, char **argv, const test_case *tests);
/* The build directory (env BUILD, default "build") as an absolute path. */
const char *test_build_dir(void);

#define CHECK(cond)                                                  \
    do {                                                             \
        if (!(cond)) test_fail_(__FILE__, __LINE__, "%s", #cond);    \
    } while (0)

#define CHECK_INT(a, b)                                                          \
    do {                                                                         \
        long long a_ = (long long)(a), b_ = (long long)(b);                      \
        if (a_ != b_) test_fail_(__FILE__, __LINE__, "%s == %lld, expected %lld", \
                                 #a, a_, b_);                                    \
    } while (0)

#define CHECK_STR(a, b)                                                              \
    do {                                                                             \
        const char *a_ = (a), *b_ = (b);                                             \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                       \
            test_fail_(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,      \
                       a_ ? a_ : "(null)", b_ ? b_ : "(null)");                      \
    } while (0)

#define SKIP(reason)            \
    do {                        \
        test_skip_(reason);     \
        return;                 \
    } while (0)

#endif
