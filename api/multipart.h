/*
 * multipart.h — a strict multipart/form-data parser (RFC 7578, RFC 2046 §5.1).
 *
 * Parts point into the caller's body (no copies of the data); names are
 * copied. Anything that is not well-formed — no or a bad boundary, a missing
 * delimiter, a truncated body, a part without Content-Disposition: form-data
 * and a name, header lines without CRLF or over the limits, too many parts —
 * is refused with a reason for the 400 reply. Preamble and epilogue are
 * allowed, as the RFC says, and ignored.
 */
#ifndef YOGI_MULTIPART_H
#define YOGI_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_NAME_MAX 128
#define MULTIPART_FILENAME_MAX 256
#define MULTIPART_TYPE_MAX 128

typedef struct multipart_part {
    char name[MULTIPART_NAME_MAX];         /* the form field's name */
    char filename[MULTIPART_FILENAME_MAX]; /* "" when absent; last path component only */
    char content_type[MULTIPART_TYPE_MAX]; /* "" when absent */
    const unsigned char *data;             /* into the body */
    size_t len;
} multipart_part;

/* The boundary from a Content-Type header value; false when it is not
 * multipart/form-data with a valid boundary. */
bool multipart_boundary(const char *content_type, char *out, size_t out_len);

/* A client's file name for display: the last path component only (a client
 * may send "C:\\x\\..\\y.png"), without control characters. */
void multipart_clean_filename(const char *in, char *out, size_t out_len);

/* Parse; returns the number of parts (<= max_parts) or -1 with `why` set. */
int multipart_parse(const char *boundary, const unsigned char *body, size_t len,
                    multipart_part *parts, int max_parts, char *why, size_t why_len);

#endif
