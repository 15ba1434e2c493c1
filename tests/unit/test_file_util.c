/*
 * test_file_util.c — read_whole_file() (engine/file_util.c): a file's bytes
 * exactly (NULs included, a NUL after them), the empty file, the limit on
 * both sides, and each failure named: a missing path and a directory are
 * File.Unreadable, a file over the limit and an endless device
 * (/dev/zero) File.TooLarge, a pipe read to its end.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_util.h"
#include "test.h"

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fwrite(data, 1, len, f) == len);
    fclose(f);
}

static void test_reads_exact_bytes(void)
{
    static const char data[] = "a\0b\nc";
    write_file("f.bin", data, sizeof data - 1);
    size_t len = 99;
    yogi_error err = {{0}, {0}};
    char *buf = read_whole_file("f.bin", 64, &len, &err);
    CHECK(buf != NULL && len == sizeof data - 1);
    CHECK(buf && memcmp(buf, data, sizeof data - 1) == 0 && buf[len] == '\0');
    free(buf);
    write_file("empty", "", 0);
    buf = read_whole_file("empty", 64, &len, &err);
    CHECK(buf != NULL && len == 0 && buf[0] == '\0');
    free(buf);
}

static void test_limit(void)
{
    write_file("ten", "0123456789", 10);
    size_t len = 0;
    yogi_error err = {{0}, {0}};
    char *buf = read_whole_file("ten", 10, &len, &err);
    CHECK(buf != NULL && len == 10);
    free(buf);
    CHECK(read_whole_file("ten", 9, &len, &err) == NULL);
    CHECK_STR(err.name, FILE_ERR_TOO_LARGE);
    CHECK(strstr(err.cause, "10 bytes") != NULL);
    memset(&err, 0, sizeof err);
    CHECK(read_whole_file("/dev/zero", 1000, &len, &err) == NULL);
    CHECK_STR(err.name, FILE_ERR_TOO_LARGE);
}

static void test_unreadable(void)
{
    size_t len = 0;
    yogi_error err = {{0}, {0}};
    CHECK(read_whole_file("no-such-file", 10, &len, &err) == NULL);
    CHECK_STR(err.name, FILE_ERR_UNREADABLE);
    CHECK(strstr(err.cause, "No such file") != NULL);
    memset(&err, 0, sizeof err);
    CHECK(read_whole_file(".", 10, &len, &err) == NULL);
    CHECK_STR(err.name, FILE_ERR_UNREADABLE);
}

static void test_pipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    static const char data[] = "{\"from\": \"a pipe\"}";
    CHECK(write(fds[1], data, sizeof data - 1) == (ssize_t)(sizeof data - 1));
    close(fds[1]);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[0]);
    size_t len = 0;
    yogi_error err = {{0}, {0}};
    char *buf = read_whole_file(path, 1 << 20, &len, &err);
    CHECK(buf != NULL && len == sizeof data - 1 && !strcmp(buf, data));
    free(buf);
    close(fds[0]);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {TEST(test_reads_exact_bytes), TEST(test_limit),
                                      TEST(test_unreadable), TEST(test_pipe), {0}};
    return test_main(argc, argv, tests);
}
