/*
 * frame.h — length-prefixed JSON frames between the engine and its workers.
 *
 * A frame is a 4-byte big-endian length followed by that many bytes of one
 * JSON object (UTF-8, compact). Frames larger than FRAME_MAX are refused on
 * both sides: a worker that sends one is broken and is killed; an input or
 * output that would need one fails with States.DataLimitExceeded.
 *
 * The engine side is non-blocking: frame_out queues bytes and writes what
 * the socket takes; frame_in accumulates what arrives and hands out whole
 * frames. The worker side is blocking (frame_send / frame_recv): a worker
 * does one thing at a time and has nothing else to wait for.
 */
#ifndef YOGI_FRAME_H
#define YOGI_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "host_error.h"
#include "yogi/plugin.h"

#define FRAME_MAX ((size_t)64 << 20) /* 64 MiB of JSON per frame */

/* A growable byte buffer; `pos` marks the bytes already consumed. */
typedef struct frame_buf {
    unsigned char *data;
    size_t len; /* bytes held */
    size_t pos; /* bytes consumed from the front */
    size_t cap;
} frame_buf;

void frame_buf_free(frame_buf *b);

/* Serialize msg as one frame appended to b. Returns 0, or -1 with err
 * (States.DataLimitExceeded when the JSON exceeds FRAME_MAX). */
int frame_encode(frame_buf *b, const json_t *msg, yogi_error *err) HOST_MUST_CHECK;

/* Send (fd is a socket) as much of b as it takes without blocking. Returns 1 when b is
 * empty, 0 when bytes remain (wait for POLLOUT), -1 on error (errno). */
int frame_flush(int fd, frame_buf *b);

/* Read what fd has without blocking into b. Returns the bytes read (> 0),
 * 0 at end of file, -1 with errno EAGAIN when nothing was there, or -1 on
 * error. */
ssize_t frame_fill(int fd, frame_buf *b);

/* Take one whole frame from b: 1 with *msg a new reference, 0 when the
 * frame is incomplete, -1 when b holds garbage (oversized, not a JSON
 * object) — with a cause in err. */
int frame_next(frame_buf *b, json_t **msg, yogi_error *err) HOST_MUST_CHECK;

/* Blocking I/O for the worker side. frame_send returns 0 or -1 (errno, or
 * err for oversized messages); frame_recv 1 with a message, 0 at end of
 * file, -1 on error or garbage. */
int frame_send(int fd, const json_t *msg, yogi_error *err) HOST_MUST_CHECK;
int frame_recv(int fd, json_t **msg, yogi_error *err) HOST_MUST_CHECK;

#endif
