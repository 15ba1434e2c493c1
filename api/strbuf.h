/*
 * strbuf.h — a growable, always NUL-terminated byte buffer for building
 * replies (iCalendar, CSV, Prometheus text). On allocation failure the
 * buffer is marked failed and further appends do nothing; check ->failed
 * once at the end instead of after every append.
 */
#ifndef YOGI_STRBUF_H
#define YOGI_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
    char *data;    /* NUL-terminated; NULL until the first append */
    size_t len;    /* bytes used, without the NUL */
    size_t cap;    /* bytes allocated */
    bool failed;   /* an allocation failed; contents are incomplete */
} strbuf;

void strbuf_append(strbuf *b, const char *data, size_t len);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data over (the caller frees it); NULL if failed. */
char *strbuf_take(strbuf *b, size_t *len);
void strbuf_free(strbuf *b);

#endif
