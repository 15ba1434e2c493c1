/*
 * workflow_validate.c — checking a loaded definition against the Amazon
 * States Language (JSONPath and JSONata modes, variables included), as
 * AWS's validator does before it accepts a state machine.
 *
 * Design. The checks are driven by tables rather than by nested ifs:
 *   - `field_rules` names every field a state may carry, the state types
 *     that allow it and the function that checks its value; a field not in
 *     the table, or not allowed for the state's type, is an error (AWS
 *     rejects unknown fields too, and a misspelt "Nxet" must not pass);
 *   - `retrier_fields` / `catcher_fields` do the same for Retry and Catch;
 *   - each field belongs to JSONPath mode, JSONata mode or both, and the
 *     state's QueryLanguage (or the workflow's) decides which apply.
 * Variables: each machine knows the names assigned in it and in the
 * machines around it (`vars`), so a "$name" read in a JSONPath field that
 * nothing assigns is reported. JSONata expressions are compiled with
 * jsonata_compile, and a syntax error is placed at its character in the
 * file (workflow_string_position).
 * After the per-field checks, one function per state type checks the
 * relations between fields (exactly one of Next/End, Seconds vs SecondsPath,
 * HeartbeatSeconds below TimeoutSeconds...). Each machine (the top level, a
 * Parallel branch, a Map's ItemProcessor) is a scope: Next, Default and
 * Catch targets must name a state of the same scope, and every state of a
 * scope must be reachable from its StartAt.
 *
 * Invariants. Every problem is reported, not only the first: a check never
 * stops the walk, it appends a diagnostic and goes on. Every diagnostic
 * carries the position of the offending node (the key for "this field
 * should not be here", the value for "this value is wrong"), a stable code
 * and a message that says what to do. Paths, templates and Choice rules are
 * checked by asl.h's *_check functions (jsonpath.c, intrinsics.c,
 * dataflow.c, choice.c), so the validator and the executor
 * agree on what they accept.
 */
#include "workflow.h"

#include <ctype.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>

#include "asl.h"
#include "jsonata.h"

#define POINTER_MAX 2048
#define STATE_NAME_MAX 80
#define LABEL_MAX 40
#define VARIABLE_NAME_MAX 80
#define SECONDS_MAX 99999999 /* AWS's bound for TimeoutSeconds, IntervalSeconds... */
#define MAX_DELAY_SECONDS_MAX 31622400

enum state_type {
    PASS = 1 << 0,
    TASK = 1 << 1,
    CHOICE = 1 << 2,
    WAIT = 1 << 3,
    SUCCEED = 1 << 4,
    FAIL = 1 << 5,
    PARALLEL = 1 << 6,
    MAP = 1 << 7,
};

#define ALL_TYPES (PASS | TASK | CHOICE | WAIT | SUCCEED | FAIL | PARALLEL | MAP)
#define FLOWING (PASS | TASK | WAIT | PARALLEL | MAP) /* end with Next or End */
#define WITH_IO (ALL_TYPES & ~FAIL)                   /* InputPath, OutputPath */
#define WITH_RESULT (PASS | TASK | PARALLEL | MAP)    /* ResultPath, Parameters */
#define WITH_ERRORS (TASK | PARALLEL | MAP)           /* Retry, Catch, ResultSelector */

static const struct {
    const char *name;
    enum state_type type;
} state_types[] = {
    {"Pass", PASS},       {"Task", TASK}, {"Choice", CHOICE},     {"Wait", WAIT},
    {"Succeed", SUCCEED}, {"Fail", FAIL}, {"Parallel", PARALLEL}, {"Map", MAP},
};

/* The machine being checked: its States object, for Next targets. */
struct scope {
    json_t *states; /* NULL when the machine has none */
};

struct validator {
    const workflow_doc *doc;
    workflow_resource_known_fn known;
    void *ud;
    workflow_diags *diags;
    json_t *state_names; /* every state name of the whole machine → its pointer */
    json_t *labels;      /* every Map Label of the whole machine → its pointer */
    const struct scope *scope;
    json_t *vars;        /* names assigned in the current machine or an enclosing one */
    bool top_jsonata;    /* the workflow's QueryLanguage is JSONata */
    bool jsonata;        /* the state being checked is in JSONata mode */
    size_t problems;
};

/* ---- Reporting --------------------------------------------------------- */

static void vreport(struct validator *v, const char *pointer, bool at_key, const char *code,
                    const char *fmt, va_list ap)
{
    char message[sizeof v->diags->items[0].message];
    int line = 0, column = 0;
    vsnprintf(message, sizeof message, fmt, ap);
    if (at_key)
        workflow_key_position(v->doc, pointer, &line, &column);
    else
        workflow_position(v->doc, pointer, &line, &column);
    workflow_diags_add(v->diags, line, column, code, "%s", message);
    v->problems++;
}

/* A problem with the value at `pointer`. */
static void problem(struct validator *v, const char *pointer, const char *code, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
static void problem(struct validator *v, const char *pointer, const char *code, const char *fmt,
                    ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(v, pointer, false, code, fmt, ap);
    va_end(ap);
}

/* A problem with the member at `pointer` as a whole (shown at its key). */
static void problem_at_key(struct validator *v, const char *pointer, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem_at_key(struct validator *v, const char *pointer, const char *code,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(v, pointer, true, code, fmt, ap);
    va_end(ap);
}

/* out = base + "/" + token, the token escaped as RFC 6901 says. */
static void pointer_join(char *out, size_t cap, const char *base, const char *token)
{
    size_t n = strnlen(base, cap - 2);
    memmove(out, base, n);
    out[n++] = '/';
    for (const char *t = token; *t && n + 3 < cap; t++) {
        if (*t == '~' || *t == '/') {
            out[n++] = '~';
            out[n++] = *t == '~' ? '0' : '1';
        } else {
            out[n++] = *t;
        }
    }
    out[n < cap ? n : cap - 1] = '\0';
}

static void pointer_index(char *out, size_t cap, const char *base, size_t index)
{
    char token[24];
    snprintf(token, sizeof token, "%zu", index);
    pointer_join(out, cap, base, token);
}

static const char *json_type_name(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

/* ---- "Did you mean" ---------------------------------------------------- */

#define SUGGEST_MAX_LEN 32

static bool same_letter(char a, char b)
{
    return tolower((unsigned char)a) == tolower((unsigned char)b);
}

/* Edit distance ignoring case, with a swap of two neighbours counting as
 * one edit ("Tsak" is one typo from "Task"), between words of at most
 * SUGGEST_MAX_LEN characters; longer words are never close. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN) return SIZE_MAX;
    for (size_t i = 0; i <= la; i++) d[i][0] = (unsigned char)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (unsigned char)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            unsigned best = d[i - 1][j - 1] + !same_letter(a[i - 1], b[j - 1]);
            if (d[i - 1][j] + 1u < best) best = d[i - 1][j] + 1u;
            if (d[i][j - 1] + 1u < best) best = d[i][j - 1] + 1u;
            if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) &&
                same_letter(a[i - 2], b[j - 1]) && d[i - 2][j - 2] + 1u < best)
                best = d[i - 2][j - 2] + 1u;
            d[i][j] = (unsigned char)best;
        }
    }
    return d[la][lb];
}

/* The closest candidate offered so far to a misspelt word. */
struct suggestion {
    const char *word;
    const char *best;
    size_t distance;
    bool off; /* no more diagnostics will be kept: do not spend time */
};

static struct suggestion suggestion_for(const struct validator *v, const char *word)
{
    bool off = strlen(word) < 3 || v->diags->count >= WORKFLOW_MAX_DIAGS; /* "Z" is not "A" */
    return (struct suggestion){word, NULL, 0, off};
}

static void suggest(struct suggestion *s, const char *candidate)
{
    if (s->off) return;
    size_t limit = strlen(s->word) <= 4 ? 1 : 2; /* typos, not other words */
    size_t d = edit_distance(s->word, candidate);
    if (d <= limit && (!s->best || d < s->distance)) {
        s->best = candidate;
        s->distance = d;
    }
}

/* " (did you mean 'X'?)", or "" without a close candidate. */
static const char *did_you_mean(const struct suggestion *s, char *buf, size_t len)
{
    if (!s->best) return "";
    snprintf(buf, len, " (did you mean '%s'?)", s->best);
    return buf;
}

/* ---- Value checks shared by many fields -------------------------------- */

static bool expect_type(struct validator *v, const char *ptr, json_t *value, json_type type,
                        const char *what)
{
    if (json_typeof(value) == type) return true;
    problem(v, ptr, "InvalidType", "must be %s, not %s", what, json_type_name(value));
    return false;
}

static bool expect_string(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_type(v, ptr, value, JSON_STRING, "a string")) return false;
    if (json_string_length(value) > 0) return true;
    problem(v, ptr, "InvalidValue", "must not be empty");
    return false;
}

/* An integer in [min, max]; a real with an integral value is not one (AWS
 * rejects 1.0 where it wants an integer). */
static bool expect_integer(struct validator *v, const char *ptr, json_t *value, json_int_t min,
                           json_int_t max)
{
    if (!expect_type(v, ptr, value, JSON_INTEGER, "an integer")) return false;
    json_int_t n = json_integer_value(value);
    if (n >= min && n <= max) return true;
    problem(v, ptr, "InvalidValue", "must be between %lld and %lld, not %lld", (long long)min,
            (long long)max, (long long)n);
    return false;
}

static void check_string(struct validator *v, const char *ptr, json_t *value)
{
    expect_type(v, ptr, value, JSON_STRING, "a string");
}

/* ---- Variables --------------------------------------------------------- */

/* Each "$name" in `text` (a path, or an intrinsic call's arguments; quoted
 * strings skipped) must name a variable assigned in this machine or an
 * enclosing one: a reference to anything else could only fail at run time. */
static void check_variable_refs(struct validator *v, const char *ptr, const char *text)
{
    char quote = 0;
    for (const char *p = text; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == quote) quote = 0;
            continue;
        }
        if (*p == '\'' || *p == '"') {
            quote = *p;
            continue;
        }
        if (*p != '$' || (p > text && p[-1] == '$')) continue;
        size_t n = asl_variable_name_length(p + 1, p + 1 + strlen(p + 1));
        if (n == 0) continue;
        char name[VARIABLE_NAME_MAX + 8];
        snprintf(name, sizeof name, "%.*s", (int)(n < VARIABLE_NAME_MAX + 4 ? n : VARIABLE_NAME_MAX + 4), p + 1);
        if (!json_object_get(v->vars, name))
            problem(v, ptr, "UnknownVariable",
                    "no state of this machine or an enclosing one assigns the variable '$%s'; "
                    "assign it with Assign first, or read the input ($.%s)",
                    name, name);
        p += n;
    }
}

/* Every string value of a template member "key.$" (and a Choice rule's
 * Variable and ...Path operands) may read variables. */
static void check_template_refs(struct validator *v, const char *ptr, json_t *value)
{
    const char *key;
    json_t *item;
    size_t i;
    char at[POINTER_MAX];
    json_object_foreach (value, key, item) {
        size_t n = strlen(key);
        pointer_join(at, sizeof at, ptr, key);
        if (json_is_string(item) && n > 2 && strcmp(key + n - 2, ".$") == 0)
            check_variable_refs(v, at, json_string_value(item));
        else
            check_template_refs(v, at, item);
    }
    json_array_foreach (value, i, item) {
        pointer_index(at, sizeof at, ptr, i);
        check_template_refs(v, at, item);
    }
}

static void check_path_text(struct validator *v, const char *ptr, const char *path, bool reference)
{
    char why[256] = "";
    if (asl_path_check(path, reference, why, sizeof why)) {
        check_variable_refs(v, ptr, path);
        return;
    }
    problem(v, ptr, reference ? "InvalidReferencePath" : "InvalidPath",
            "'%s' is not a valid %s: %s", path, reference ? "reference path" : "path", why);
}

/* InputPath, OutputPath: a path, or null (meaning {}). */
static void check_path_or_null(struct validator *v, const char *ptr, json_t *value)
{
    if (json_is_null(value)) return;
    if (expect_type(v, ptr, value, JSON_STRING, "a path (\"$.field\") or null"))
        check_path_text(v, ptr, json_string_value(value), false);
}

/* ResultPath: a reference path, or null (discard the result). */
static void check_result_path(struct validator *v, const char *ptr, json_t *value)
{
    if (json_is_null(value)) return;
    if (!expect_type(v, ptr, value, JSON_STRING, "a reference path (\"$.field\") or null"))
        return;
    const char *path = json_string_value(value);
    if (path[0] == '$' && asl_variable_name_length(path + 1, path + strlen(path)) > 0)
        problem(v, ptr, "InvalidReferencePath",
                "'%s' names a variable: ResultPath places the result into the input; assign "
                "variables with Assign",
                path);
    else
        check_path_text(v, ptr, path, true);
}

static void check_reference_path(struct validator *v, const char *ptr, json_t *value)
{
    if (expect_type(v, ptr, value, JSON_STRING, "a reference path (\"$.field\")"))
        check_path_text(v, ptr, json_string_value(value), true);
}

/* Fail's ErrorPath and CausePath: a path or an intrinsic function call. */
static void check_path_or_intrinsic(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_type(v, ptr, value, JSON_STRING, "a path or an intrinsic function")) return;
    const char *text = json_string_value(value);
    char why[256] = "";
    if (strncmp(text, "States.", 7) != 0)
        check_path_text(v, ptr, text, false);
    else if (asl_intrinsic_check(text, why, sizeof why))
        check_variable_refs(v, ptr, text);
    else
        problem(v, ptr, "InvalidIntrinsic", "'%s' is not a valid intrinsic function call: %s", text,
                why);
}

/* Parameters, ResultSelector, ItemSelector: every "key.$" holds a valid
 * path or intrinsic. */
static void check_template(struct validator *v, const char *ptr, json_t *value)
{
    char where[POINTER_MAX] = "", why[256] = "", at[POINTER_MAX * 2];
    if (asl_payload_check(value, where, sizeof where, why, sizeof why)) {
        check_template_refs(v, ptr, value);
        return;
    }
    snprintf(at, sizeof at, "%s%s", ptr, where);
    problem(v, at, "InvalidTemplate",
            "%s; a \"key.$\" value must be a path ($.x, $$.x) or an "
            "intrinsic function (States.Format(...))",
            why);
}

static void check_seconds(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 1, SECONDS_MAX);
}

static void check_wait_seconds(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 0, SECONDS_MAX);
}

static void check_nonneg_integer(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 0, INT32_MAX);
}

static void check_percentage(struct validator *v, const char *ptr, json_t *value)
{
    if (!json_is_number(value)) {
        problem(v, ptr, "InvalidType", "must be a number, not %s", json_type_name(value));
    } else if (json_number_value(value) < 0 || json_number_value(value) > 100) {
        problem(v, ptr, "InvalidValue", "must be a percentage between 0 and 100");
    }
}

static void check_timestamp(struct validator *v, const char *ptr, json_t *value)
{
    int64_t ms;
    if (!expect_type(v, ptr, value, JSON_STRING, "a timestamp string")) return;
    if (!asl_timestamp_parse(json_string_value(value), &ms))
        problem(v, ptr, "InvalidTimestamp",
                "'%s' is not an RFC 3339 timestamp; write e.g. \"2026-03-14T01:59:00Z\"",
                json_string_value(value));
}

/* ---- Query languages ---------------------------------------------------- */

static bool is_jsonata_template(const json_t *value)
{
    const char *s = json_string_value(value);
    size_t n = s ? strlen(s) : 0;
    return n >= 4 && strncmp(s, "{%", 2) == 0 && strcmp(s + n - 2, "%}") == 0;
}

static void check_query_language(struct validator *v, const char *ptr, json_t *value)
{
    const char *lang = json_string_value(value);
    bool top = strcmp(ptr, "/QueryLanguage") == 0;
    if (lang && strcmp(lang, "JSONPath") == 0 && !top && v->top_jsonata)
        problem(v, ptr, "InvalidQueryLanguage",
                "the workflow's QueryLanguage is JSONata, so a state cannot go back to "
                "JSONPath; write this state in JSONata or remove the top-level QueryLanguage");
    else if (!lang || (strcmp(lang, "JSONPath") != 0 && strcmp(lang, "JSONata") != 0))
        problem(v, ptr, "InvalidValue", "QueryLanguage must be \"JSONPath\" or \"JSONata\"");
}

/* Every "{% ... %}" string in `value`, at any depth, must compile; a syntax
 * error is shown at the character the JSONata parser stopped at. */
static void check_jsonata_value(struct validator *v, const char *ptr, json_t *value)
{
    const char *key;
    json_t *item;
    size_t i;
    char at[POINTER_MAX];
    json_object_foreach (value, key, item) {
        pointer_join(at, sizeof at, ptr, key);
        check_jsonata_value(v, at, item);
    }
    json_array_foreach (value, i, item) {
        pointer_index(at, sizeof at, ptr, i);
        check_jsonata_value(v, at, item);
    }
    if (!is_jsonata_template(value)) return;
    const char *text = json_string_value(value), *src = text + 2;
    size_t len = strlen(text) - 4;
    jsonata_error jerr;
    memset(&jerr, 0, sizeof jerr);
    jsonata_expr *expr = jsonata_compile(src, len, &jerr);
    if (expr) {
        jsonata_free(expr);
        return;
    }
    /* jerr.position counts characters of src; the string's own starts 2 earlier. */
    size_t chars = 2, bytes = 0;
    while (bytes < len && chars - 2 < jerr.position)
        if (((unsigned char)src[bytes++] & 0xC0) != 0x80) chars++;
    int line = 0, column = 0;
    workflow_string_position(v->doc, ptr, chars, &line, &column);
    workflow_diags_add(v->diags, line, column, "InvalidJSONata", "%s: %s", jerr.code,
                       jerr.message);
    v->problems++;
}

/* A field of the other query language than the state's. */
static void wrong_language(struct validator *v, const char *ptr)
{
    const char *field = strrchr(ptr, '/') + 1;
    if (v->jsonata)
        problem_at_key(v, ptr, "JSONPathOnlyField",
                       "'%s' is a JSONPath field and this state is in JSONata mode; use "
                       "Arguments, Output, Items, Assign or Condition with {%% ... %%} "
                       "expressions instead",
                       field);
    else
        problem_at_key(v, ptr, "JSONataOnlyField",
                       "'%s' is a JSONata field and this state is in JSONPath mode; add "
                       "\"QueryLanguage\": \"JSONata\" to the state (or the workflow), or use "
                       "Parameters, ResultSelector, ResultPath, OutputPath",
                       field);
}

/* Arguments, Output, Items: JSONata only. */
static void check_jsonata(struct validator *v, const char *ptr, json_t *value)
{
    if (v->jsonata) check_jsonata_value(v, ptr, value);
    else wrong_language(v, ptr);
}

static void check_unsupported(struct validator *v, const char *ptr, json_t *value)
{
    problem_at_key(v, ptr, "Unsupported",
                   "'%s' is not supported: it needs AWS services Yogi does not have; remove it",
                   strrchr(ptr, '/') + 1);
}

/* Assign (JSONPath mode): an object whose keys name variables ("name", or
 * "name.$" with a path or intrinsic as value). */
static void check_assign(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_type(v, ptr, value, JSON_OBJECT, "an object of variable names and values"))
        return;
    const char *key;
    json_t *item;
    char at[POINTER_MAX];
    json_object_foreach (value, key, item) {
        size_t n = strlen(key);
        if (n > 2 && strcmp(key + n - 2, ".$") == 0) n -= 2;
        pointer_join(at, sizeof at, ptr, key);
        if (v->jsonata && n != strlen(key))
            problem_at_key(v, at, "InvalidVariableName",
                           "in JSONata mode a variable is assigned as \"name\": \"{%% ... %%}\", "
                           "without \".$\"");
        else if (n == 0 || asl_variable_name_length(key, key + n) != n)
            problem_at_key(v, at, "InvalidVariableName",
                           "'%.*s' is not a variable name: start with a letter or '_', then "
                           "letters, digits or '_'",
                           (int)n, key);
        else if (n > VARIABLE_NAME_MAX)
            problem_at_key(v, at, "InvalidVariableName",
                           "a variable name has at most %d characters", VARIABLE_NAME_MAX);
        else if (n == 6 && strncmp(key, "states", 6) == 0)
            problem_at_key(v, at, "InvalidVariableName",
                           "'states' is reserved ($states is the state's input, result and "
                           "context in JSONata mode)");
    }
    if (v->jsonata) check_jsonata_value(v, ptr, value);
    else check_template(v, ptr, value);
}

/* ResultPath in a catcher: JSONPath only. */
static void check_catcher_result_path(struct validator *v, const char *ptr, json_t *value)
{
    if (v->jsonata) wrong_language(v, ptr);
    else check_result_path(v, ptr, value);
}

/* ---- Transitions ------------------------------------------------------- */

static void check_target(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_string(v, ptr, value)) return;
    const char *target = json_string_value(value);
    if (json_object_get(v->scope->states, target)) return;
    if (json_object_get(v->state_names, target)) {
        problem(v, ptr, "UnknownState",
                "state '%s' is in another branch or iterator; a transition must stay within its "
                "own States",
                target);
        return;
    }
    struct suggestion hint = suggestion_for(v, target);
    const char *name;
    json_t *state;
    char buf[128];
    json_object_foreach (v->scope->states, name, state)
        suggest(&hint, name);
    problem(v, ptr, "UnknownState", "no state named '%s' in this States object%s; fix the name or "
            "add the state", target, did_you_mean(&hint, buf, sizeof buf));
}

static void check_end(struct validator *v, const char *ptr, json_t *value)
{
    if (!json_is_true(value))
        problem(v, ptr, "InvalidValue", "End must be true (or leave it out and give Next)");
}

/* ---- Task -------------------------------------------------------------- */

static void check_resource(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_string(v, ptr, value)) return;
    const char *resource = json_string_value(value);
    if (v->known && !v->known(resource, v->ud))
        problem(v, ptr, "UnknownResource",
                "nothing serves '%s': install the plugin (plugin:NAME needs NAME.so in the plugin "
                "directory) or map the resource in the resource map",
                resource);
}

/* ---- Retry and Catch --------------------------------------------------- */

static void check_error_equals(struct validator *v, const char *ptr, json_t *value, bool is_last)
{
    if (!expect_type(v, ptr, value, JSON_ARRAY, "a list of error names")) return;
    if (json_array_size(value) == 0) {
        problem(v, ptr, "EmptyErrorEquals",
                "ErrorEquals must name at least one error "
                "(\"States.ALL\" matches every error)");
        return;
    }
    size_t i;
    json_t *name;
    char at[POINTER_MAX];
    json_array_foreach (value, i, name) {
        pointer_index(at, sizeof at, ptr, i);
        if (!expect_string(v, at, name)) continue;
        if (strcmp(json_string_value(name), "States.ALL") != 0) continue;
        if (json_array_size(value) > 1)
            problem(v, at, "StatesAllNotAlone",
                    "\"States.ALL\" must be the only error name in its ErrorEquals");
        if (!is_last)
            problem(v, at, "StatesAllNotLast",
                    "a retrier or catcher with \"States.ALL\" must be the last one; move it to the "
                    "end");
    }
}

static void check_interval(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 1, SECONDS_MAX);
}

static void check_max_attempts(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 0, SECONDS_MAX);
}

static void check_backoff_rate(struct validator *v, const char *ptr, json_t *value)
{
    if (!json_is_number(value))
        problem(v, ptr, "InvalidType", "must be a number, not %s", json_type_name(value));
    else if (json_number_value(value) < 1.0)
        problem(v, ptr, "InvalidValue", "BackoffRate must be at least 1.0");
}

static void check_max_delay(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 1, MAX_DELAY_SECONDS_MAX);
}

static void check_jitter(struct validator *v, const char *ptr, json_t *value)
{
    const char *s = json_string_value(value);
    if (!s || (strcmp(s, "FULL") != 0 && strcmp(s, "NONE") != 0))
        problem(v, ptr, "InvalidValue", "JitterStrategy must be \"FULL\" or \"NONE\"");
}

typedef void field_check(struct validator *v, const char *ptr, json_t *value);

struct member_rule {
    const char *name;
    field_check *check; /* NULL: any value */
};

static const struct member_rule retrier_fields[] = {
    {"ErrorEquals", NULL}, /* checked with the retrier's place in the list */
    {"IntervalSeconds", check_interval},
    {"MaxAttempts", check_max_attempts},
    {"BackoffRate", check_backoff_rate},
    {"MaxDelaySeconds", check_max_delay},
    {"JitterStrategy", check_jitter},
    {"Comment", check_string},
    {NULL, NULL},
};

static const struct member_rule catcher_fields[] = {
    {"ErrorEquals", NULL},
    {"Next", check_target},
    {"ResultPath", check_catcher_result_path},
    {"Comment", check_string},
    {"Assign", check_assign},
    {"Output", check_jsonata},
    {NULL, NULL},
};

static const struct member_rule *member_rule_find(const struct member_rule *rules, const char *name)
{
    for (; rules->name; rules++)
        if (strcmp(rules->name, name) == 0) return rules;
    return NULL;
}

/* Check every member of `object` against `rules`; `what` names the object
 * in messages ("a retrier"). */
static void check_members(struct validator *v, const char *ptr, json_t *object,
                          const struct member_rule *rules, const char *what)
{
    const char *key;
    json_t *value;
    char at[POINTER_MAX];
    json_object_foreach (object, key, value) {
        pointer_join(at, sizeof at, ptr, key);
        const struct member_rule *rule = member_rule_find(rules, key);
        if (!rule) {
            struct suggestion hint = suggestion_for(v, key);
            char buf[128];
            for (const struct member_rule *r = rules; r->name; r++) suggest(&hint, r->name);
            problem_at_key(v, at, "UnknownField", "unknown field '%s' in %s%s; remove it", key,
                           what, did_you_mean(&hint, buf, sizeof buf));
        } else if (rule->check) {
            rule->check(v, at, value);
        }
    }
}

/* Retry or Catch: a list of objects, each with a non-empty ErrorEquals. */
static void check_handlers(struct validator *v, const char *ptr, json_t *value,
                           const struct member_rule *rules, const char *what)
{
    if (!expect_type(v, ptr, value, JSON_ARRAY, "a list")) return;
    size_t i, n = json_array_size(value);
    json_t *handler;
    char at[POINTER_MAX], field[POINTER_MAX];
    json_array_foreach (value, i, handler) {
        pointer_index(at, sizeof at, ptr, i);
        if (!expect_type(v, at, handler, JSON_OBJECT, "an object")) continue;
        check_members(v, at, handler, rules, what);
        json_t *errors = json_object_get(handler, "ErrorEquals");
        pointer_join(field, sizeof field, at, "ErrorEquals");
        if (errors)
            check_error_equals(v, field, errors, i + 1 == n);
        else
            problem(v, at, "MissingField", "%s needs ErrorEquals", what);
        if (rules == catcher_fields && !json_object_get(handler, "Next"))
            problem(v, at, "MissingNext", "a catcher needs Next: the state to go to on a match");
    }
}

static void check_retry(struct validator *v, const char *ptr, json_t *value)
{
    check_handlers(v, ptr, value, retrier_fields, "a retrier");
}

static void check_catch(struct validator *v, const char *ptr, json_t *value)
{
    check_handlers(v, ptr, value, catcher_fields, "a catcher");
}

/* ---- Choice ------------------------------------------------------------ */

/* Variables of a rule and of its nested And/Or/Not rules must be reference
 * paths. asl_choice_check has passed, so the structure is sound. */
static void check_choice_variables(struct validator *v, const char *ptr, json_t *rule)
{
    char at[POINTER_MAX];
    json_t *variable = json_object_get(rule, "Variable");
    if (json_is_string(variable)) {
        pointer_join(at, sizeof at, ptr, "Variable");
        check_path_text(v, at, json_string_value(variable), true);
    }
    const char *key;
    json_t *operand;
    json_object_foreach (rule, key, operand) {
        size_t n = strlen(key);
        if (n <= 4 || strcmp(key + n - 4, "Path") != 0 || !json_is_string(operand)) continue;
        pointer_join(at, sizeof at, ptr, key);
        check_variable_refs(v, at, json_string_value(operand));
    }
    static const char *const lists[] = {"And", "Or"};
    for (size_t l = 0; l < 2; l++) {
        json_t *nested = json_object_get(rule, lists[l]), *item;
        size_t i;
        char list[POINTER_MAX];
        pointer_join(list, sizeof list, ptr, lists[l]);
        json_array_foreach (nested, i, item) {
            pointer_index(at, sizeof at, list, i);
            check_choice_variables(v, at, item);
        }
    }
    json_t *negated = json_object_get(rule, "Not");
    if (json_is_object(negated)) {
        pointer_join(at, sizeof at, ptr, "Not");
        check_choice_variables(v, at, negated);
    }
}

/* A JSONata Choice rule: Condition (a template or a boolean), Output,
 * Assign, Next, Comment; none of JSONPath's comparisons. */
static void check_jsonata_rule(struct validator *v, const char *ptr, json_t *rule)
{
    char at[POINTER_MAX];
    const char *key;
    json_t *value;
    json_t *condition = json_object_get(rule, "Condition");
    if (!condition)
        problem_at_key(v, ptr, "MissingField",
                       "a JSONata Choice rule needs Condition: \"{%% boolean expression %%}\"");
    else if (!json_is_boolean(condition) && !is_jsonata_template(condition))
        problem(v, ptr, "InvalidValue", "Condition must be \"{%% ... %%}\" or a boolean");
    json_object_foreach (rule, key, value) {
        pointer_join(at, sizeof at, ptr, key);
        if (!strcmp(key, "Condition") || !strcmp(key, "Output"))
            check_jsonata_value(v, at, value);
        else if (strcmp(key, "Next") != 0 && strcmp(key, "Comment") != 0 &&
                 strcmp(key, "Assign") != 0)
            wrong_language(v, at);
    }
}

static void check_choice_rule(struct validator *v, const char *ptr, json_t *rule)
{
    char at[POINTER_MAX], where[POINTER_MAX] = "", why[256] = "";
    if (!expect_type(v, ptr, rule, JSON_OBJECT, "a Choice rule object")) return;
    json_t *next = json_object_get(rule, "Next");
    pointer_join(at, sizeof at, ptr, "Next");
    if (next)
        check_target(v, at, next);
    else
        problem(v, ptr, "MissingNext", "a Choice rule needs Next: the state to go to on a match");
    json_t *assign = json_object_get(rule, "Assign");
    if (assign) {
        pointer_join(at, sizeof at, ptr, "Assign");
        check_assign(v, at, assign);
    }
    if (v->jsonata) {
        check_jsonata_rule(v, ptr, rule);
        return;
    }
    static const char *const jsonata[] = {"Condition", "Output"};
    bool jsonata_only = false;
    for (size_t i = 0; i < sizeof jsonata / sizeof jsonata[0]; i++) {
        if (!json_object_get(rule, jsonata[i])) continue;
        pointer_join(at, sizeof at, ptr, jsonata[i]);
        check_jsonata(v, at, json_object_get(rule, jsonata[i]));
        jsonata_only = jsonata_only || i == 0;
    }
    if (jsonata_only) return;
    /* The rule proper, without the members only a top-level rule has. */
    json_t *bare = json_copy(rule);
    if (!bare) return;
    json_object_del(bare, "Next");
    json_object_del(bare, "Comment");
    json_object_del(bare, "Assign");
    json_object_del(bare, "Output");
    if (asl_choice_check(bare, where, sizeof where, why, sizeof why)) {
        check_choice_variables(v, ptr, bare);
    } else {
        snprintf(at, sizeof at, "%s%s", ptr, where);
        problem(v, at, "InvalidChoiceRule", "%s", why);
    }
    json_decref(bare);
}

static void check_choices(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_type(v, ptr, value, JSON_ARRAY, "a list of Choice rules")) return;
    if (json_array_size(value) == 0)
        problem(v, ptr, "InvalidValue", "Choices must hold at least one rule");
    size_t i;
    json_t *rule;
    char at[POINTER_MAX];
    json_array_foreach (value, i, rule) {
        pointer_index(at, sizeof at, ptr, i);
        check_choice_rule(v, at, rule);
    }
}

/* ---- Parallel and Map: nested machines --------------------------------- */

enum machine_kind { MACHINE_TOP, MACHINE_BRANCH, MACHINE_PROCESSOR };

static void check_machine(struct validator *v, const char *ptr, json_t *machine,
                          enum machine_kind kind);

static void check_branches(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_type(v, ptr, value, JSON_ARRAY, "a list of branches")) return;
    if (json_array_size(value) == 0)
        problem(v, ptr, "InvalidValue", "Branches must hold at least one branch");
    size_t i;
    json_t *branch;
    char at[POINTER_MAX];
    json_array_foreach (value, i, branch) {
        pointer_index(at, sizeof at, ptr, i);
        check_machine(v, at, branch, MACHINE_BRANCH);
    }
}

static void check_processor(struct validator *v, const char *ptr, json_t *value)
{
    check_machine(v, ptr, value, MACHINE_PROCESSOR);
}

static void check_processor_mode(struct validator *v, const char *ptr, json_t *value)
{
    const char *mode = json_string_value(value);
    if (mode && strcmp(mode, "INLINE") == 0) return;
    if (mode && strcmp(mode, "DISTRIBUTED") == 0)
        problem(v, ptr, "Unsupported", "Distributed Map is not supported; use Mode: INLINE");
    else
        problem(v, ptr, "InvalidValue", "Mode must be \"INLINE\" (or \"DISTRIBUTED\")");
}

static void check_execution_type(struct validator *v, const char *ptr, json_t *value)
{
    const char *type = json_string_value(value);
    if (!type || (strcmp(type, "STANDARD") != 0 && strcmp(type, "EXPRESS") != 0))
        problem(v, ptr, "InvalidValue", "ExecutionType must be \"STANDARD\" or \"EXPRESS\"");
}

static const struct member_rule processor_config_fields[] = {
    {"Mode", check_processor_mode},
    {"ExecutionType", check_execution_type},
    {NULL, NULL},
};

static void check_processor_config(struct validator *v, const char *ptr, json_t *value)
{
    if (expect_type(v, ptr, value, JSON_OBJECT, "an object"))
        check_members(v, ptr, value, processor_config_fields, "ProcessorConfig");
}

/* A Map's Label names its runs: unique, short, no characters that would
 * need quoting (AWS's naming rules for labels). */
static void check_label(struct validator *v, const char *ptr, json_t *value)
{
    if (!expect_string(v, ptr, value)) return;
    const char *label = json_string_value(value);
    if (strlen(label) > LABEL_MAX || strpbrk(label, " \t\n<>{}[]?*\"#%\\^|~`$&,;:/"))
        problem(v, ptr, "InvalidLabel",
                "a Label has at most %d characters and no spaces, brackets, wildcards or "
                "punctuation such as \"#%%\\^|~`$&,;:/",
                LABEL_MAX);
    json_t *first = json_object_get(v->labels, label);
    int line = 0, column = 0;
    if (first) {
        workflow_position(v->doc, json_string_value(first), &line, &column);
        problem(v, ptr, "DuplicateLabel", "Label '%s' is already used on line %d; make it unique",
                label, line);
    } else {
        json_object_set_new(v->labels, label, json_string(ptr));
    }
}

/* ---- States ------------------------------------------------------------ */

/* Which query language a field belongs to. */
enum field_lang {
    BOTH = 0,
    JSONPATH_ONLY,
    JSONATA_ONLY,
    TEMPLATE_IN_JSONATA, /* both; in JSONata mode the value may be "{% ... %}" */
};

static const struct field_rule {
    const char *name;
    unsigned types;     /* the state types that allow the field */
    field_check *check; /* NULL: any value */
    enum field_lang lang;
} field_rules[] = {
    {"Type", ALL_TYPES, NULL, BOTH}, /* checked first, by check_state */
    {"Comment", ALL_TYPES, check_string, BOTH},
    {"QueryLanguage", ALL_TYPES, check_query_language, BOTH},
    {"InputPath", WITH_IO, check_path_or_null, JSONPATH_ONLY},
    {"OutputPath", WITH_IO, check_path_or_null, JSONPATH_ONLY},
    {"Next", FLOWING, check_target, BOTH},
    {"End", FLOWING, check_end, BOTH},
    {"ResultPath", WITH_RESULT, check_result_path, JSONPATH_ONLY},
    {"Parameters", WITH_RESULT, check_template, JSONPATH_ONLY},
    {"ResultSelector", WITH_ERRORS, check_template, JSONPATH_ONLY},
    {"Result", PASS, NULL, JSONPATH_ONLY},
    {"Retry", WITH_ERRORS, check_retry, BOTH},
    {"Catch", WITH_ERRORS, check_catch, BOTH},
    {"Resource", TASK, check_resource, BOTH},
    {"TimeoutSeconds", TASK, check_seconds, TEMPLATE_IN_JSONATA},
    {"TimeoutSecondsPath", TASK, check_reference_path, JSONPATH_ONLY},
    {"HeartbeatSeconds", TASK, check_seconds, TEMPLATE_IN_JSONATA},
    {"HeartbeatSecondsPath", TASK, check_reference_path, JSONPATH_ONLY},
    {"Credentials", TASK, check_unsupported, BOTH},
    {"Choices", CHOICE, check_choices, BOTH},
    {"Default", CHOICE, check_target, BOTH},
    {"Seconds", WAIT, check_wait_seconds, TEMPLATE_IN_JSONATA},
    {"SecondsPath", WAIT, check_reference_path, JSONPATH_ONLY},
    {"Timestamp", WAIT, check_timestamp, TEMPLATE_IN_JSONATA},
    {"TimestampPath", WAIT, check_reference_path, JSONPATH_ONLY},
    {"Error", FAIL, check_string, TEMPLATE_IN_JSONATA},
    {"Cause", FAIL, check_string, TEMPLATE_IN_JSONATA},
    {"ErrorPath", FAIL, check_path_or_intrinsic, JSONPATH_ONLY},
    {"CausePath", FAIL, check_path_or_intrinsic, JSONPATH_ONLY},
    {"Branches", PARALLEL, check_branches, BOTH},
    {"ItemProcessor", MAP, check_processor, BOTH},
    {"Iterator", MAP, check_processor, BOTH},
    {"ItemsPath", MAP, check_reference_path, JSONPATH_ONLY},
    {"ItemSelector", MAP, check_template, TEMPLATE_IN_JSONATA},
    {"MaxConcurrency", MAP, check_nonneg_integer, TEMPLATE_IN_JSONATA},
    {"MaxConcurrencyPath", MAP, check_reference_path, JSONPATH_ONLY},
    {"ToleratedFailureCount", MAP, check_nonneg_integer, TEMPLATE_IN_JSONATA},
    {"ToleratedFailureCountPath", MAP, check_reference_path, JSONPATH_ONLY},
    {"ToleratedFailurePercentage", MAP, check_percentage, TEMPLATE_IN_JSONATA},
    {"ToleratedFailurePercentagePath", MAP, check_reference_path, JSONPATH_ONLY},
    {"Label", MAP, check_label, BOTH},
    {"ItemReader", MAP, check_unsupported, BOTH},
    {"ResultWriter", MAP, check_unsupported, BOTH},
    {"ItemBatcher", MAP, check_unsupported, BOTH},
    {"Assign", ALL_TYPES & ~(SUCCEED | FAIL), check_assign, BOTH},
    {"Arguments", TASK | PARALLEL, check_jsonata, JSONATA_ONLY},
    {"Output", ALL_TYPES & ~FAIL, check_jsonata, JSONATA_ONLY},
    {"Items", MAP, check_jsonata, JSONATA_ONLY},
};

static const struct field_rule *field_rule_find(const char *name)
{
    for (size_t i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++)
        if (strcmp(field_rules[i].name, name) == 0) return &field_rules[i];
    return NULL;
}

/* The field of this state type closest to a misspelt `name`. */
static struct suggestion field_hint(const struct validator *v, const char *name,
                                    enum state_type type)
{
    struct suggestion hint = suggestion_for(v, name);
    for (size_t i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++)
        if (field_rules[i].types & type) suggest(&hint, field_rules[i].name);
    return hint;
}

static void check_state_fields(struct validator *v, const char *ptr, json_t *state,
                               enum state_type type, const char *type_name)
{
    const char *key;
    json_t *value;
    char at[POINTER_MAX];
    json_object_foreach (state, key, value) {
        pointer_join(at, sizeof at, ptr, key);
        const struct field_rule *rule = field_rule_find(key);
        struct suggestion hint = field_hint(v, key, type);
        char buf[128];
        if (rule && (rule->types & type)) {
            if ((rule->lang == JSONPATH_ONLY && v->jsonata) ||
                (rule->lang == JSONATA_ONLY && !v->jsonata))
                wrong_language(v, at);
            else if (rule->lang == TEMPLATE_IN_JSONATA && v->jsonata &&
                     (is_jsonata_template(value) || strcmp(key, "ItemSelector") == 0))
                check_jsonata_value(v, at, value);
            else if (rule->check)
                rule->check(v, at, value);
        } else if (rule) {
            problem_at_key(v, at, "UnknownField", "a %s state does not take '%s'; remove it",
                           type_name, key);
        } else {
            problem_at_key(v, at, "UnknownField", "unknown field '%s' in a %s state%s; remove it",
                           key, type_name, did_you_mean(&hint, buf, sizeof buf));
        }
    }
}

/* At most one of two fields that say the same thing two ways. */
static void at_most_one(struct validator *v, const char *ptr, json_t *state, const char *a,
                        const char *b)
{
    char at[POINTER_MAX];
    if (!json_object_get(state, a) || !json_object_get(state, b)) return;
    pointer_join(at, sizeof at, ptr, b);
    problem_at_key(v, at, "ConflictingFields", "give either %s or %s, not both", a, b);
}

static void check_transition(struct validator *v, const char *ptr, json_t *state)
{
    json_t *next = json_object_get(state, "Next"), *end = json_object_get(state, "End");
    char at[POINTER_MAX];
    if (next && end) {
        pointer_join(at, sizeof at, ptr, "End");
        problem_at_key(v, at, "ConflictingFields", "give either Next or \"End\": true, not both");
    } else if (!next && !end) {
        problem_at_key(v, ptr, "MissingNext",
                       "the state needs Next (the state that follows) or \"End\": true");
    }
}

static void require(struct validator *v, const char *ptr, json_t *state, const char *field,
                    const char *type_name)
{
    if (!json_object_get(state, field))
        problem_at_key(v, ptr, "MissingField", "a %s state needs %s", type_name, field);
}

static void check_task(struct validator *v, const char *ptr, json_t *state)
{
    require(v, ptr, state, "Resource", "Task");
    at_most_one(v, ptr, state, "TimeoutSeconds", "TimeoutSecondsPath");
    at_most_one(v, ptr, state, "HeartbeatSeconds", "HeartbeatSecondsPath");
    json_t *timeout = json_object_get(state, "TimeoutSeconds");
    json_t *heartbeat = json_object_get(state, "HeartbeatSeconds");
    if (json_is_integer(timeout) && json_is_integer(heartbeat) &&
        json_integer_value(heartbeat) >= json_integer_value(timeout)) {
        char at[POINTER_MAX];
        pointer_join(at, sizeof at, ptr, "HeartbeatSeconds");
        problem(v, at, "HeartbeatNotBelowTimeout",
                "HeartbeatSeconds (%lld) must be less than TimeoutSeconds (%lld)",
                (long long)json_integer_value(heartbeat), (long long)json_integer_value(timeout));
    }
}

static void check_wait(struct validator *v, const char *ptr, json_t *state)
{
    static const char *const forms[] = {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"};
    int given = 0;
    for (size_t i = 0; i < 4; i++) given += json_object_get(state, forms[i]) != NULL;
    if (given == 0)
        problem_at_key(v, ptr, "MissingField",
                       "a Wait state needs one of Seconds, SecondsPath, Timestamp, TimestampPath");
    else if (given > 1)
        problem_at_key(v, ptr, "ConflictingFields",
                       "a Wait state takes exactly one of Seconds, SecondsPath, Timestamp, "
                       "TimestampPath");
}

static void check_fail(struct validator *v, const char *ptr, json_t *state)
{
    at_most_one(v, ptr, state, "Error", "ErrorPath");
    at_most_one(v, ptr, state, "Cause", "CausePath");
}

static void check_map(struct validator *v, const char *ptr, json_t *state)
{
    if (!json_object_get(state, "ItemProcessor") && !json_object_get(state, "Iterator"))
        problem_at_key(v, ptr, "MissingField", "a Map state needs ItemProcessor");
    at_most_one(v, ptr, state, "ItemProcessor", "Iterator");
    at_most_one(v, ptr, state, "ItemSelector", "Parameters");
    at_most_one(v, ptr, state, "MaxConcurrency", "MaxConcurrencyPath");
    at_most_one(v, ptr, state, "ToleratedFailureCount", "ToleratedFailureCountPath");
    at_most_one(v, ptr, state, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
}

/* Relations between fields, per state type. */
static void check_state_shape(struct validator *v, const char *ptr, json_t *state,
                              enum state_type type)
{
    if (type & FLOWING) check_transition(v, ptr, state);
    switch (type) {
    case TASK: check_task(v, ptr, state); break;
    case WAIT: check_wait(v, ptr, state); break;
    case FAIL: check_fail(v, ptr, state); break;
    case MAP: check_map(v, ptr, state); break;
    case CHOICE: require(v, ptr, state, "Choices", "Choice"); break;
    case PARALLEL: require(v, ptr, state, "Branches", "Parallel"); break;
    case PASS:
    case SUCCEED: break;
    }
}

static bool state_type_of(const char *name, enum state_type *type)
{
    for (size_t i = 0; i < sizeof state_types / sizeof state_types[0]; i++) {
        if (strcmp(state_types[i].name, name) == 0) {
            *type = state_types[i].type;
            return true;
        }
    }
    return false;
}

static void check_state_name(struct validator *v, const char *ptr, const char *name)
{
    json_t *first = json_object_get(v->state_names, name);
    int line = 0, column = 0;
    if (first) {
        workflow_key_position(v->doc, json_string_value(first), &line, &column);
        problem_at_key(v, ptr, "DuplicateStateName",
                       "state name '%s' is already used on line %d; state names must be unique in "
                       "the whole state machine, branches and item processors included",
                       name, line);
    } else {
        json_object_set_new(v->state_names, name, json_string(ptr));
    }
    if (name[0] == '\0' || strlen(name) > STATE_NAME_MAX)
        problem_at_key(v, ptr, "InvalidStateName", "a state name must have 1 to %d characters",
                       STATE_NAME_MAX);
}

static void check_state(struct validator *v, const char *ptr, const char *name, json_t *state)
{
    check_state_name(v, ptr, name);
    if (!expect_type(v, ptr, state, JSON_OBJECT, "a state object")) return;
    json_t *type_value = json_object_get(state, "Type");
    char at[POINTER_MAX];
    enum state_type type;
    if (!type_value) {
        problem_at_key(
            v, ptr, "MissingField",
            "state '%s' needs Type (Pass, Task, Choice, Wait, Succeed, Fail, Parallel or "
            "Map)",
            name);
        return;
    }
    pointer_join(at, sizeof at, ptr, "Type");
    if (!json_is_string(type_value) || !state_type_of(json_string_value(type_value), &type)) {
        struct suggestion hint =
            suggestion_for(v, json_is_string(type_value) ? json_string_value(type_value) : "");
        char buf[128];
        for (size_t i = 0; i < sizeof state_types / sizeof state_types[0]; i++)
            suggest(&hint, state_types[i].name);
        problem(v, at, "UnknownStateType",
                "Type must be one of Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map%s",
                did_you_mean(&hint, buf, sizeof buf));
        return;
    }
    const char *lang = json_string_value(json_object_get(state, "QueryLanguage"));
    v->jsonata = lang ? strcmp(lang, "JSONata") == 0 : v->top_jsonata;
    check_state_fields(v, ptr, state, type, json_string_value(type_value));
    check_state_shape(v, ptr, state, type);
}

/* ---- Machines ---------------------------------------------------------- */

/* Queue `target` when it names a state not seen yet. */
static void reach(json_t *states, json_t *reached, json_t *queue, json_t *target)
{
    const char *name = json_string_value(target);
    if (!name || !json_object_get(states, name) || json_object_get(reached, name)) return;
    json_object_set_new(reached, name, json_true());
    json_array_append(queue, target);
}

/* Mark every state reachable from `start` along Next, Default,
 * Choices[].Next and Catch[].Next. A work list rather than recursion: a
 * 4 MiB file can chain a hundred thousand states. */
static void mark_reachable(json_t *states, json_t *reached, json_t *start)
{
    json_t *queue = json_array(), *item;
    if (!queue) return;
    reach(states, reached, queue, start);
    for (size_t next = 0; next < json_array_size(queue); next++) {
        json_t *state = json_object_get(states, json_string_value(json_array_get(queue, next)));
        size_t i;
        reach(states, reached, queue, json_object_get(state, "Next"));
        reach(states, reached, queue, json_object_get(state, "Default"));
        json_array_foreach (json_object_get(state, "Choices"), i, item)
            reach(states, reached, queue, json_object_get(item, "Next"));
        json_array_foreach (json_object_get(state, "Catch"), i, item)
            reach(states, reached, queue, json_object_get(item, "Next"));
    }
    json_decref(queue);
}

static void check_reachable(struct validator *v, const char *states_ptr, json_t *states,
                            json_t *start)
{
    json_t *reached = json_object();
    if (!reached) return;
    mark_reachable(states, reached, start);
    const char *name;
    json_t *state;
    char at[POINTER_MAX];
    json_object_foreach (states, name, state) {
        if (json_object_get(reached, name)) continue;
        pointer_join(at, sizeof at, states_ptr, name);
        problem_at_key(v, at, "UnreachableState",
                       "state '%s' cannot be reached from StartAt; remove it or add a transition "
                       "to it",
                       name);
    }
    json_decref(reached);
}

static void check_top_timeout(struct validator *v, const char *ptr, json_t *value)
{
    expect_integer(v, ptr, value, 1, SECONDS_MAX);
}

static void check_version(struct validator *v, const char *ptr, json_t *value)
{
    const char *version = json_string_value(value);
    if (!version || strcmp(version, "1.0") != 0)
        problem(v, ptr, "InvalidValue", "Version must be \"1.0\"");
}

static const struct member_rule top_fields[] = {
    {"StartAt", NULL},
    {"States", NULL},
    {"Comment", check_string},
    {"Version", check_version},
    {"TimeoutSeconds", check_top_timeout},
    {"QueryLanguage", check_query_language},
    {NULL, NULL},
};

static const struct member_rule branch_fields[] = {
    {"StartAt", NULL},
    {"States", NULL},
    {"Comment", check_string},
    {NULL, NULL},
};

static const struct member_rule processor_fields[] = {
    {"StartAt", NULL},
    {"States", NULL},
    {"Comment", check_string},
    {"ProcessorConfig", check_processor_config},
    {NULL, NULL},
};

/* A machine must be able to end: one state at least is a Succeed, a Fail
 * or has "End": true. */
static void check_has_end(struct validator *v, const char *states_ptr, json_t *states)
{
    const char *name;
    json_t *state;
    json_object_foreach (states, name, state) {
        const char *type = json_string_value(json_object_get(state, "Type"));
        if (json_is_true(json_object_get(state, "End"))) return;
        if (type && (strcmp(type, "Succeed") == 0 || strcmp(type, "Fail") == 0)) return;
    }
    problem_at_key(v, states_ptr, "MissingEndState",
                   "no state ends the machine; give one \"End\": true or add a Succeed or Fail "
                   "state");
}

static void add_assigned(json_t *names, json_t *assign)
{
    const char *key;
    json_t *item;
    json_object_foreach (assign, key, item) {
        size_t n = strlen(key);
        char name[VARIABLE_NAME_MAX + 8];
        if (n > 2 && strcmp(key + n - 2, ".$") == 0) n -= 2;
        if (n > VARIABLE_NAME_MAX) continue; /* reported by check_assign */
        snprintf(name, sizeof name, "%.*s", (int)n, key);
        json_object_set_new(names, name, json_true());
    }
}

/* The variables a machine's states assign, added to those of the enclosing
 * machines: what the machine's references may name. A new object. */
static json_t *machine_vars(json_t *outer, json_t *states)
{
    json_t *names = outer ? json_copy(outer) : json_object(), *state, *item;
    const char *name;
    size_t i;
    json_object_foreach (states, name, state) {
        add_assigned(names, json_object_get(state, "Assign"));
        json_array_foreach (json_object_get(state, "Choices"), i, item)
            add_assigned(names, json_object_get(item, "Assign"));
        json_array_foreach (json_object_get(state, "Catch"), i, item)
            add_assigned(names, json_object_get(item, "Assign"));
    }
    return names;
}

/* StartAt and States of a machine, then every state, then reachability. */
static void check_states(struct validator *v, const char *ptr, json_t *machine)
{
    json_t *start = json_object_get(machine, "StartAt");
    json_t *states = json_object_get(machine, "States");
    char states_ptr[POINTER_MAX], at[POINTER_MAX];
    pointer_join(states_ptr, sizeof states_ptr, ptr, "States");
    if (!states) {
        problem_at_key(v, ptr, "MissingField", "the state machine needs States");
    } else if (expect_type(v, states_ptr, states, JSON_OBJECT, "an object of states") &&
               json_object_size(states) == 0) {
        problem(v, states_ptr, "InvalidValue", "States must hold at least one state");
    }
    if (!json_is_object(states)) states = NULL;
    const struct scope scope = {states}, *outer = v->scope;
    v->scope = &scope;
    json_t *outer_vars = v->vars;
    bool outer_jsonata = v->jsonata; /* the Map or Parallel state being checked */
    v->vars = machine_vars(outer_vars, states);
    const char *name;
    json_t *state;
    size_t problems_before = v->problems;
    json_object_foreach (states, name, state) {
        pointer_join(at, sizeof at, states_ptr, name);
        check_state(v, at, name, state);
    }
    /* A missing end is worth saying only when the states are otherwise
     * sound: a missing or unknown Next already explains it. */
    if (states && json_object_size(states) > 0 && v->problems == problems_before)
        check_has_end(v, states_ptr, states);
    pointer_join(at, sizeof at, ptr, "StartAt");
    if (!start)
        problem_at_key(v, ptr, "MissingField", "the state machine needs StartAt: the first state");
    else if (states && json_object_size(states) > 0 && expect_string(v, at, start))
        check_target(v, at, start);
    if (states && json_is_string(start) && json_object_get(states, json_string_value(start)))
        check_reachable(v, states_ptr, states, start);
    v->scope = outer;
    json_decref(v->vars);
    v->vars = outer_vars;
    v->jsonata = outer_jsonata;
}

static void check_machine(struct validator *v, const char *ptr, json_t *machine,
                          enum machine_kind kind)
{
    static const char *const what[] = {"a state machine", "a Parallel branch", "an ItemProcessor"};
    static const struct member_rule *const rules[] = {top_fields, branch_fields, processor_fields};
    if (!json_is_object(machine)) {
        problem(v, ptr, "InvalidType", "%s must be an object with StartAt and States, not %s",
                what[kind], json_type_name(machine));
        return;
    }
    check_members(v, ptr, machine, rules[kind], what[kind]);
    check_states(v, ptr, machine);
}

/* Order the diagnostics from `first` on by position, keeping the order of
 * those at one position (an insertion sort: there are at most
 * WORKFLOW_MAX_DIAGS, and a trailing TooManyProblems entry stays last). */
static void sort_by_position(workflow_diags *diags, size_t first)
{
    size_t end = diags->count > WORKFLOW_MAX_DIAGS ? WORKFLOW_MAX_DIAGS : diags->count;
    for (size_t i = first + 1; i < end; i++) {
        workflow_diag d = diags->items[i];
        size_t j = i;
        while (j > first &&
               (diags->items[j - 1].line > d.line ||
                (diags->items[j - 1].line == d.line && diags->items[j - 1].column > d.column))) {
            diags->items[j] = diags->items[j - 1];
            j--;
        }
        diags->items[j] = d;
    }
}

bool workflow_validate(const workflow_doc *doc, workflow_resource_known_fn known, void *ud,
                       workflow_diags *diags)
{
    struct validator v = {
        .doc = doc,
        .known = known,
        .ud = ud,
        .diags = diags,
        .state_names = json_object(), .labels = json_object(),
    };
    if (!v.state_names || !v.labels) {
        json_decref(v.state_names);
        json_decref(v.labels);
        workflow_diags_add(diags, 0, 0, "OutOfMemory", "out of memory while validating");
        return false;
    }
    size_t first = diags->count;
    const char *lang =
        json_string_value(json_object_get(workflow_definition(doc), "QueryLanguage"));
    v.top_jsonata = lang && strcmp(lang, "JSONata") == 0;
    check_machine(&v, "", workflow_definition(doc), MACHINE_TOP);
    sort_by_position(diags, first);
    json_decref(v.state_names);
    json_decref(v.labels);
    return v.problems == 0;
}
