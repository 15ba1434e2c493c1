/*
 * framing.h — request-head checks shared by the router and the fuzzer.
 */
#ifndef YOGI_API_FRAMING_H
#define YOGI_API_FRAMING_H

#include <stddef.h>

struct evkeyvalq;

/* Why these headers frame a request ambiguously (request smuggling), or
 * NULL when they do not: more than one Content-Length, one that is not
 * digits, a Transfer-Encoding other than one "chunked", both at once, more
 * than one Host. */
const char *http_framing_problem(const struct evkeyvalq *headers);

/* The path as the access log shows it: a task token (the segment after
 * /v1/tasks/) becomes "<token>". */
void http_redact_path(const char *path, char *out, size_t len);

#endif
