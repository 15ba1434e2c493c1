/*
 * file_util.c — read_whole_file() (file_util.h).
 *
 * A regular file's size is known before reading: a file over the limit is
 * refused without allocating, and the buffer is allocated once. Anything
 * else that can be read (a pipe, /dev/stdin for `yogi run --input @...`)
 * is read in growing steps, and refused as soon as it passes the limit.
 * Either way one byte past the limit is asked for, so a file that grows
 * while it is read is still refused rather than cut short. EINTR is
 * retried; the descriptor is close-on-exec, since plugin workers fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_util.h"
#include "host_error.h"

/* Reads into *buf (capacity *cap, grown as needed up to max_bytes + 1 bytes
 * of content plus the NUL); returns the count read or -1 with errno set. */
static ssize_t read_all(int fd, char **buf, size_t *cap, size_t max_bytes)
{
    size_t got = 0;
    for (;;) {
        if (got + 1 >= *cap) {
            if (*cap > max_bytes + 1) return (ssize_t)got; /* past the limit: stop */
            size_t want = *cap * 2 > max_bytes + 2 ? max_bytes + 2 : *cap * 2;
            char *grown = realloc(*buf, want);
            if (!grown) return errno = ENOMEM, -1;
            *buf = grown;
            *cap = want;
        }
        ssize_t r = read(fd, *buf + got, *cap - 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) return (ssize_t)got;
        got += (size_t)r;
    }
}

char *read_whole_file(const char *path, size_t max_bytes, size_t *len, yogi_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        host_fail(err, FILE_ERR_UNREADABLE, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    size_t cap = 4096;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        if ((uintmax_t)st.st_size > max_bytes) {
            host_fail(err, FILE_ERR_TOO_LARGE, "the file is %jd bytes; the limit is %zu bytes",
                      (intmax_t)st.st_size, max_bytes);
            goto out_close;
        }
        cap = (size_t)st.st_size + 2; /* the content, one byte to see growth, the NUL */
    }
    buf = malloc(cap);
    ssize_t got = buf ? read_all(fd, &buf, &cap, max_bytes) : (errno = ENOMEM, -1);
    if (got < 0) {
        host_fail(err, errno == ENOMEM ? FILE_ERR_NO_MEMORY : FILE_ERR_UNREADABLE,
                  "cannot read: %s", strerror(errno));
    } else if ((size_t)got > max_bytes) {
        host_fail(err, FILE_ERR_TOO_LARGE, "the file is over the limit of %zu bytes", max_bytes);
    } else {
        buf[got] = '\0';
        *len = (size_t)got;
        close(fd);
        return buf;
    }
    free(buf);
    buf = NULL;
out_close:
    close(fd);
    return buf;
}
