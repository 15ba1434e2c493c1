/*
 * frame.c — length-prefixed JSON frames (see frame.h for the format).
 *
 * Invariants: a frame_buf's live bytes are data[pos..len); frame_encode
 * reserves the 4 length bytes first and patches them once jansson has
 * written the body, so a message is serialized exactly once and never
 * copied. The reader grows its buffer to a whole frame as soon as the
 * length is known, so a 10 MB frame costs one allocation, not a doubling
 * series of them.
 */
#include "frame.h"
#include "host_error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)256 << 10)
#define KEEP_MAX ((size_t)1 << 20) /* an idle buffer larger than this is released */

void frame_buf_free(frame_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* An emptied buffer: keep small ones for reuse, release what one big frame
 * made big, so a worker that once passed 10 MB does not hold it forever. */
static void emptied(frame_buf *b)
{
    b->pos = b->len = 0;
    if (b->cap > KEEP_MAX) frame_buf_free(b);
}

/* Drop consumed bytes once they dominate the buffer. */
static void compact(frame_buf *b)
{
    if (b->pos == 0) return;
    if (b->pos == b->len) {
        b->pos = b->len = 0;
        return;
    }
    memmove(b->data, b->data + b->pos, b->len - b->pos);
    b->len -= b->pos;
    b->pos = 0;
}

static int reserve(frame_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra) return 0;
    compact(b);
    if (b->cap - b->len >= extra) return 0;
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < want) cap *= 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p) return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

static int append_cb(const char *bytes, size_t size, void *ud)
{
    frame_buf *b = ud;
    if (reserve(b, size) != 0) return -1;
    memcpy(b->data + b->len, bytes, size);
    b->len += size;
    return 0;
}

int frame_encode(frame_buf *b, const json_t *msg, yogi_error *err)
{
    if (reserve(b, 4) != 0) return host_fail(err, "States.Runtime", "out of memory");
    size_t start = b->len;
    b->len += 4;
    if (json_dump_callback(msg, append_cb, b, JSON_COMPACT) != 0) {
        b->len = start;
        return host_fail(err, "States.Runtime", "out of memory serializing a message");
    }
    size_t body = b->len - start - 4;
    if (body > FRAME_MAX) {
        b->len = start;
        host_fail(err, "States.DataLimitExceeded",
                  "a message of %zu bytes exceeds the %zu MiB frame limit", body,
                  FRAME_MAX >> 20);
        return -1;
    }
    unsigned char *h = b->data + start;
    h[0] = (unsigned char)(body >> 24);
    h[1] = (unsigned char)(body >> 16);
    h[2] = (unsigned char)(body >> 8);
    h[3] = (unsigned char)body;
    return 0;
}

int frame_flush(int fd, frame_buf *b)
{
    while (b->pos < b->len) {
        /* MSG_NOSIGNAL: a worker that died must not take the engine with it. */
        ssize_t n = send(fd, b->data + b->pos, b->len - b->pos, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (n < 0) return -1;
        b->pos += (size_t)n;
    }
    emptied(b);
    return 1;
}

ssize_t frame_fill(int fd, frame_buf *b)
{
    if (reserve(b, READ_CHUNK) != 0) {
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, b->data + b->len, b->cap - b->len);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) b->len += (size_t)n;
        return n;
    }
}

static size_t header_length(const unsigned char *h)
{
    return (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | (size_t)h[3];
}

static json_t *parse_object(const unsigned char *body, size_t len, yogi_error *err)
{
    json_error_t jerr;
    json_t *msg = json_loadb((const char *)body, len, JSON_ALLOW_NUL, &jerr);
    if (!msg) {
        host_fail(err, "States.Runtime", "malformed frame: %s", jerr.text);
        return NULL;
    }
    if (!json_is_object(msg)) {
        json_decref(msg);
        host_fail(err, "States.Runtime", "malformed frame: not a JSON object");
        return NULL;
    }
    return msg;
}

int frame_next(frame_buf *b, json_t **msg, yogi_error *err)
{
    size_t avail = b->len - b->pos;
    if (avail < 4) return 0;
    size_t body = header_length(b->data + b->pos);
    if (body > FRAME_MAX) {
        host_fail(err, "States.Runtime", "frame of %zu bytes exceeds the %zu MiB limit", body,
                  FRAME_MAX >> 20);
        return -1;
    }
    if (avail < 4 + body) {
        /* Make room for the whole frame now: one allocation per frame. */
        if (reserve(b, 4 + body - avail) != 0) {
            host_fail(err, "States.Runtime", "out of memory for a %zu-byte frame", body);
            return -1;
        }
        return 0;
    }
    *msg = parse_object(b->data + b->pos + 4, body, err);
    b->pos += 4 + body;
    if (b->pos == b->len) emptied(b);
    return *msg ? 1 : -1;
}

/* ---- blocking side (workers) ------------------------------------------ */

static int write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* 1 when len bytes were read, 0 at a clean end of file, -1 on error. */
static int read_all(int fd, unsigned char *p, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) {
            if (got == 0) return 0;
            errno = EPIPE;
            return -1;
        }
        got += (size_t)n;
    }
    return 1;
}

int frame_send(int fd, const json_t *msg, yogi_error *err)
{
    frame_buf b = {0};
    if (frame_encode(&b, msg, err) != 0) return -1;
    int rc = write_all(fd, b.data, b.len);
    if (rc != 0) host_fail(err, "States.Runtime", "cannot write a frame: %s", strerror(errno));
    frame_buf_free(&b);
    return rc;
}

int frame_recv(int fd, json_t **msg, yogi_error *err)
{
    unsigned char h[4];
    int rc = read_all(fd, h, 4);
    if (rc <= 0) {
        if (rc < 0) host_fail(err, "States.Runtime", "cannot read a frame: %s", strerror(errno));
        return rc;
    }
    size_t body = header_length(h);
    if (body > FRAME_MAX) {
        host_fail(err, "States.Runtime", "frame of %zu bytes exceeds the limit", body);
        return -1;
    }
    unsigned char *p = malloc(body ? body : 1);
    if (!p) return host_fail(err, "States.Runtime", "out of memory for a frame");
    rc = read_all(fd, p, body);
    if (rc == 1) {
        *msg = parse_object(p, body, err);
        rc = *msg ? 1 : -1;
    } else {
        host_fail(err, "States.Runtime", "truncated frame");
        rc = -1;
    }
    free(p);
    return rc;
}
