/*
 * asl_private.h — helpers shared by the ASL evaluation files (jsonpath.c,
 * intrinsics.c, dataflow.c, choice.c, asl_text.c); not part of the engine's
 * contract (that is asl.h).
 */
#ifndef YOGI_ASL_PRIVATE_H
#define YOGI_ASL_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "host_error.h"
#include "yogi/plugin.h"

/* Bounds that keep hostile input from exhausting the stack or memory. */
#define ASL_MAX_DEPTH 64         /* nested intrinsic calls, filter parentheses */
#define ASL_MAX_PATH_LEN 4096    /* bytes of one JSONPath */
#define ASL_MAX_EXPR_LEN 16384   /* bytes of one intrinsic expression */

/* A double as Java's Double.toString prints it (what AWS prints): the
 * shortest decimal that reads back to the same double, "1.0" for integral
 * values, "1.0E10" style beyond [1e-3, 1e7). */
void asl_format_double(double d, char *buf, size_t len);

/* A JSON number (integer or real) as AWS prints it in text. */
void asl_format_number(const json_t *num, char *buf, size_t len);

/* Compact JSON as Jackson writes it (States.JsonToString, error causes):
 * no spaces, reals in Java notation. Returns malloc'd text or NULL. */
char *asl_json_compact(const json_t *value);

/* A value as Java's toString renders it inside States.Format: strings
 * raw, null "null", objects "{a=1, b=[1, 2]}", arrays "[1, 2]". Returns
 * malloc'd text or NULL. */
char *asl_java_string(const json_t *value);

/* Value equality as AWS compares JSON (ArrayContains, ArrayUnique):
 * structural, with integers and reals equal when numerically equal. */
bool asl_json_equal(const json_t *a, const json_t *b);

/* A number literal as JSON writes it (-?int(.frac)?(e[+-]?int)?) starting
 * at s and ending before `end`: a new json integer (when it has no fraction
 * or exponent and fits) or real, with *len set to its length; NULL when s
 * does not start with one or it overflows a double. */
json_t *asl_number_literal(const char *s, const char *end, size_t *len);

/* A number's value as a double (integers converted). */
double asl_number(const json_t *num);

/* A growable text buffer; on allocation failure `failed` is set and
 * further appends are ignored. */
typedef struct asl_buf {
    char *data;  /* NUL-terminated when non-NULL */
    size_t len;  /* bytes used, without the NUL */
    size_t cap;  /* bytes allocated */
    bool failed; /* an allocation failed */
} asl_buf;

void asl_buf_add(asl_buf *b, const char *s, size_t n);
void asl_buf_adds(asl_buf *b, const char *s);
/* The text (caller frees), or NULL after a failure (buffer freed). */
char *asl_buf_take(asl_buf *b);

/* A parsed JSONPath, for callers that walk it themselves (ResultPath
 * writes through a Reference Path). */
typedef struct asl_path asl_path;

asl_path *asl_path_parse(const char *text, char *why, size_t why_len);
void asl_path_free(asl_path *path);
/* "$name...": the workflow variable the path starts on, else NULL. */
const char *asl_path_variable(const asl_path *path);
/* Only names and indexes, no deep scan: a Reference Path. */
bool asl_path_is_reference(const asl_path *path);
/* Starts with "$$" (the context object). */
bool asl_path_is_context(const asl_path *path);
size_t asl_path_length(const asl_path *path);
/* Step i of a Reference Path: its member name, or NULL when it is an
 * array index (then *index is set; negative counts from the end). */
const char *asl_path_step(const asl_path *path, size_t i, long *index);

#endif
