/*
 * asl.h — pure evaluation of Amazon States Language (JSONPath mode).
 *
 * Everything here is a function of its arguments: no I/O, no clock except
 * where ASL itself asks for one (States.UUID, States.MathRandom without a
 * seed). The executor (exec.c) calls these to move data through a state;
 * the validator (workflow.c) calls the *_check functions to reject bad paths
 * and templates before a workflow is ever run.
 *
 * Conventions for every function below:
 *   - json_t arguments are borrowed; a json_t ** out-parameter receives a new
 *     reference on success and is left untouched on failure.
 *   - Return 0 on success, -1 on failure with err filled: err->name is the
 *     States.* error AWS reports at run time (States.Runtime for a path that
 *     matches nothing and for a failed intrinsic, as executions on AWS show
 *     it) and err->cause the text AWS would give, as close as we know it,
 *     without AWS's "An error occurred while executing the state 'X'
 *     (entered at the event id #N). " prefix, which the executor adds.
 *   - `ctx` is the context object ($$): {"Execution": {...}, "State": {...},
 *     "StateMachine": {...}, "Task": {"Token": ...}, "Map": {"Item": ...}}.
 */
#ifndef YOGI_ASL_H
#define YOGI_ASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "yogi/plugin.h" /* yogi_error */

/* ---- Workflow variables ------------------------------------------------ */

/* The executor passes the variables visible to a state (an object, name →
 * value) as this member of ctx. "$name", "$name.a[0]"... read them wherever
 * a path may be written; "$$" paths never see the member. */
#define ASL_CTX_VARIABLES "$variables"

/* Length of the variable name at s (a letter, '_' or a non-ASCII byte, then
 * those or digits), 0 when s does not start one. */
size_t asl_variable_name_length(const char *s, const char *end);

/* ---- JSONPath ---------------------------------------------------------- */

/* Evaluate `path` ("$", "$.a.b", "$['a b'][0]", "$.a[*].b", "$..x",
 * "$.a[?(@.x > 1)]", "$.a[1:3]", or "$$.Execution.Id" against ctx) on
 * `root`. A definite path yields the value; an indefinite one (wildcards,
 * slices, filters, deep scan, unions) yields an array of matches, possibly
 * empty. A definite path that matches nothing fails with States.Runtime and
 * Jayway's cause, e.g. "Invalid path '$.a' : No results for path: $['a']"
 * (what AWS shows for InputPath and OutputPath). ctx may be NULL. */
int asl_path_get(const char *path, json_t *root, json_t *ctx, json_t **out, yogi_error *err);

/* A path written in a state field (ErrorPath, CausePath, a template's
 * "key.$"...): as asl_path_get, but a path that matches nothing fails with
 * the wording AWS uses for fields: "The JSONPath '$.x' specified for the
 * field 'ErrorPath' could not be found in the input '<input as JSON>'". */
int asl_field_path_get(const char *field, const char *path, json_t *input, json_t *ctx,
                       json_t **out, yogi_error *err);

/* True when `path` is syntactically valid. With `reference_only`, only
 * Reference Paths (no wildcards, filters, slices or deep scan; what
 * ResultPath and Choice Variable allow) are accepted. On false, `why` gets
 * a short reason. */
bool asl_path_check(const char *path, bool reference_only, char *why, size_t why_len);

/* ---- Intrinsic functions ----------------------------------------------- */

/* Evaluate an intrinsic call such as "States.Format('{} x', $.a)" (nested
 * calls allowed; arguments may be paths into input or "$$" paths into ctx).
 * Fails with States.Runtime for bad syntax or arguments. */
int asl_intrinsic_eval(const char *expr, json_t *input, json_t *ctx, json_t **out,
                       yogi_error *err);

/* Syntax check for the validator (function known, arity plausible, quoting). */
bool asl_intrinsic_check(const char *expr, char *why, size_t why_len);

/* ---- Payload templates and the data-flow chain ------------------------- */

/* Parameters / ResultSelector / ItemSelector / Map Parameters: copy the
 * template, replacing every "key.$": "<path or intrinsic>" member by
 * "key": value, recursively through objects and arrays. A path that
 * matches nothing fails with States.Runtime: "The JSONPath '$.x' specified
 * for the field 'key.$' could not be found in the input '<input JSON>'". */
int asl_payload_eval(json_t *tmpl, json_t *input, json_t *ctx, json_t **out, yogi_error *err);

/* Validator companion: every ".$" value is a valid path or intrinsic. On
 * false, `where` gets the JSON pointer (relative to tmpl) of the first bad
 * member and `why` the reason. */
bool asl_payload_check(json_t *tmpl, char *where, size_t where_len, char *why, size_t why_len);

/* InputPath / OutputPath: absent → the value itself; JSON null → {}; a
 * path → its value. `path` is the member as written (may be NULL for
 * absent, or a json null). */
int asl_select(json_t *path, json_t *value, json_t *ctx, json_t **out, yogi_error *err);

/* ResultPath: absent → result; null → raw input unchanged; a reference
 * path → a copy of raw input with result placed there (creating objects
 * on the way). Fails with States.Runtime when the path runs through a
 * non-object. */
int asl_result_path(json_t *path, json_t *raw_input, json_t *result, json_t **out,
                    yogi_error *err);

/* ---- Choice ------------------------------------------------------------ */

/* Evaluate one Choice rule (a comparison, And/Or/Not, Is* tests,
 * StringMatches, and the ...Path forms) against `input`. Returns 1 when
 * the rule matches, 0 when it does not, -1 with err on a runtime error.
 * A Variable of the wrong type for the comparison is no match. A Variable
 * or ...Path operand that does not exist is States.Runtime ("Invalid path
 * '$.x': The choice state's condition path references an invalid value."),
 * as on AWS, except for IsPresent, which tests exactly that. */
int asl_choice_eval(json_t *rule, json_t *input, json_t *ctx, yogi_error *err);

/* Validator companion: the rule is well-formed (exactly one operator,
 * operand of the right type, nested rules well-formed; "Next" is not
 * checked, since only top-level rules carry it). `where` gets the JSON
 * pointer (relative to rule) of the first bad member. */
bool asl_choice_check(json_t *rule, char *where, size_t where_len, char *why, size_t why_len);

/* ---- Timestamps -------------------------------------------------------- */

/* Parse an RFC 3339 timestamp as ASL accepts it ("2016-03-14T01:59:00Z",
 * fractional seconds and offsets allowed, upper-case T and Z). On success
 * stores Unix milliseconds in *ms and returns true. */
bool asl_timestamp_parse(const char *s, int64_t *ms);

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant); any year. */
int64_t asl_days_from_civil(int64_t y, int m, int d);

#endif
