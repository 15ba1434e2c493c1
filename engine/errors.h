/*
 * errors.h — the host's error names and their kinds (the table is
 * engine/errors.def).
 *
 * A kind is what a caller can do about an error, not where it came from:
 * the HTTP API answers each kind with one status (api/json_reply.c), the
 * CLI and logs show the name. A name the table does not know (a plugin's
 * own, "Review.Rejected") is ERROR_INTERNAL.
 */
#ifndef YOGI_ERRORS_H
#define YOGI_ERRORS_H

typedef enum error_kind {
    ERROR_INTERNAL,     /* the host failed or was misused; nothing the caller did */
    ERROR_BAD_REQUEST,  /* the request is malformed or breaks a rule; do not repeat it */
    ERROR_UNAUTHORISED, /* no credentials, or ones that prove nothing */
    ERROR_FORBIDDEN,    /* credentials known, but not for this */
    ERROR_NOT_FOUND,    /* what the request names does not exist */
    ERROR_CONFLICT,     /* it exists, but its state forbids this now */
    ERROR_GONE,         /* it existed and has expired */
    ERROR_UNAVAILABLE,  /* a resource (the database) failed; nothing changed, try later */
} error_kind;

typedef enum error_id {
#define YOGI_ERROR(ID, NAME, KIND) ERR_##ID,
#include "errors.def"
#undef YOGI_ERROR
    ERR_COUNT
} error_id;

/* The name of a table entry ("ExecutionDoesNotExist"); NULL out of range. */
const char *error_name(error_id id);

/* The kind of a name: its own entry, else its family's ("Document.*"),
 * else ERROR_INTERNAL. NULL and "" are ERROR_INTERNAL. */
error_kind error_kind_of(const char *name);

#endif
