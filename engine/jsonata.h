/*
 * jsonata.h — a JSONata 2.x evaluator over jansson values (the contract).
 *
 * The ASL executor uses it for QueryLanguage: JSONata states ({% ... %}
 * templates, Arguments, Output, Condition, Items, Assign); the validator uses
 * jsonata_compile alone to report syntax errors at their position.
 *
 * Conventions, as in asl.h:
 *   - json_t arguments are borrowed; a json_t ** out-parameter receives a new
 *     reference on success and is left untouched on failure.
 *   - Return 0 on success, -1 on failure with the error filled.
 *   - JSONata's "undefined" (no value: a path that matches nothing) is a
 *     success with *out set to NULL. A value that is JSON null is json_null().
 *   - Evaluation is bounded: depth and time limits end a runaway expression
 *     with an error (U1001 for stack depth, D1001-style codes as the
 *     reference implementation names them), never a crash.
 */
#ifndef YOGI_JSONATA_H
#define YOGI_JSONATA_H

#include <stddef.h>

#include <jansson.h>

typedef struct jsonata_expr jsonata_expr;

/* A JSONata error as the reference implementation reports it. */
typedef struct jsonata_error {
    char code[8];       /* "S0201", "T2001", "D3030", ... */
    size_t position;    /* 0-based offset in the expression: bytes of the UTF-8 source,
                           just past the offending token as the reference reports */
    char message[512];  /* human-readable, with the offending token where known */
} jsonata_error;

typedef struct jsonata_limits {
    int max_depth;      /* nested evaluation frames; 0 = default */
    long time_limit_ms; /* wall-clock budget for one evaluation; 0 = none */
    int asl_functions;  /* nonzero: also bind AWS's ASL extra functions */
} jsonata_limits;

/* Parse `src` (len bytes, UTF-8). NULL on a syntax error, with err filled
 * (code and position of the offending character). */
jsonata_expr *jsonata_compile(const char *src, size_t len, jsonata_error *err);

/* Evaluate against `input` (may be NULL: undefined). `bindings` is a JSON
 * object whose members are bound as $name variables (may be NULL). The
 * functions AWS adds for ASL ($partition, $range, $hash, $random, $uuid,
 * $parse) are part of the library when limits->asl_functions is set. */
int jsonata_evaluate(const jsonata_expr *expr, json_t *input, json_t *bindings,
                     const jsonata_limits *limits, json_t **out, jsonata_error *err);

void jsonata_free(jsonata_expr *expr);

#endif
