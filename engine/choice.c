/*
 * choice.c — Choice rules (JSONPath mode).
 *
 * A rule is a boolean combination (And, Or, Not) or a test of one Variable:
 * a comparison against a literal (StringEquals: "x") or against another
 * path (StringEqualsPath: "$.y"), or a type test (IsNull, IsPresent...).
 * One table (`operators`) describes every test by its family and
 * relation, so evaluation and validation read the same facts.
 *
 * Semantics, as AWS runs them:
 *   - A comparison whose Variable has the wrong type is false, never an
 *     error (StringEquals on a number does not match).
 *   - A Variable that does not exist fails with States.Runtime ("The choice
 *     state's condition path references an invalid value"), except for
 *     IsPresent, which exists to test just that. A ...Path operand that does
 *     not exist fails the same way.
 *   - StringMatches: '*' matches any run of characters, "\*" a literal star
 *     and "\\" a backslash.
 *   - Timestamp comparisons parse both sides as RFC 3339 (asl_timestamp_parse)
 *     and are false when either does not parse.
 */
#include "asl.h"
#include "asl_private.h"

#include <stdio.h>
#include <string.h>

#define RUNTIME "States.Runtime"

enum family { F_STRING, F_NUMERIC, F_BOOLEAN, F_TIMESTAMP, F_MATCHES, F_TYPE };
enum relation { R_EQ, R_LT, R_GT, R_LE, R_GE };
enum type_test { T_NULL, T_PRESENT, T_NUMERIC, T_STRING, T_BOOLEAN, T_TIMESTAMP };

struct op {
    const char *name;
    enum family family;
    int relation;   /* enum relation, or enum type_test for F_TYPE */
    bool path;      /* the operand is a path to the value to compare with */
};

#define CMP(prefix, fam)                                                                  \
    {prefix "Equals", fam, R_EQ, false}, {prefix "EqualsPath", fam, R_EQ, true},          \
    {prefix "LessThan", fam, R_LT, false}, {prefix "LessThanPath", fam, R_LT, true},      \
    {prefix "GreaterThan", fam, R_GT, false}, {prefix "GreaterThanPath", fam, R_GT, true}, \
    {prefix "LessThanEquals", fam, R_LE, false},                                           \
    {prefix "LessThanEqualsPath", fam, R_LE, true},                                        \
    {prefix "GreaterThanEquals", fam, R_GE, false},                                        \
    {prefix "GreaterThanEqualsPath", fam, R_GE, true}

static const struct op operators[] = {
    CMP("String", F_STRING),
    CMP("Numeric", F_NUMERIC),
    CMP("Timestamp", F_TIMESTAMP),
    {"BooleanEquals", F_BOOLEAN, R_EQ, false},
    {"BooleanEqualsPath", F_BOOLEAN, R_EQ, true},
    {"StringMatches", F_MATCHES, R_EQ, false},
    {"IsNull", F_TYPE, T_NULL, false},
    {"IsPresent", F_TYPE, T_PRESENT, false},
    {"IsNumeric", F_TYPE, T_NUMERIC, false},
    {"IsString", F_TYPE, T_STRING, false},
    {"IsBoolean", F_TYPE, T_BOOLEAN, false},
    {"IsTimestamp", F_TYPE, T_TIMESTAMP, false},
};

static const struct op *find_op(const char *name)
{
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
        if (strcmp(operators[i].name, name) == 0) return &operators[i];
    return NULL;
}

/* The one operator member of a rule, or NULL (with *count of them). */
static const struct op *rule_op(json_t *rule, json_t **operand, int *count)
{
    const char *key;
    json_t *value;
    const struct op *found = NULL;
    *count = 0;
    json_object_foreach(rule, key, value) {
        const struct op *op = find_op(key);
        if (op) {
            found = op;
            *operand = value;
            ++*count;
        }
    }
    return *count == 1 ? found : NULL;
}

/* ---- matching ------------------------------------------------------------- */

/* Glob match with '*' and the escapes "\*" and "\\"; iterative, with one
 * backtrack point, so hostile patterns stay O(len(s) * len(pattern)). */
static bool string_matches(const char *s, const char *pat)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') {
            star = ++pat;
            resume = s;
            continue;
        }
        const char *lit = pat;
        if (*lit == '\\' && (lit[1] == '*' || lit[1] == '\\')) lit++;
        if (*lit && *lit == *s) {
            pat = lit + 1;
            s++;
        } else if (star) {
            pat = star;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pat == '*') pat++;
    return *pat == '\0';
}

static bool relation_holds(enum relation r, int c)
{
    switch (r) {
    case R_EQ: return c == 0;
    case R_LT: return c < 0;
    case R_GT: return c > 0;
    case R_LE: return c <= 0;
    default: return c >= 0;
    }
}

static int compare_numbers(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    double x = asl_number(a), y = asl_number(b);
    return x < y ? -1 : x > y;
}

static bool type_test(enum type_test t, const json_t *v)
{
    int64_t ms;
    switch (t) {
    case T_NULL: return json_is_null(v);
    case T_PRESENT: return true;
    case T_NUMERIC: return json_is_number(v);
    case T_STRING: return json_is_string(v);
    case T_BOOLEAN: return json_is_boolean(v);
    default: return json_is_string(v) && asl_timestamp_parse(json_string_value(v), &ms);
    }
}

/* The test itself, once both sides are known; false on a type mismatch. */
static bool test_values(const struct op *op, const json_t *v, const json_t *operand)
{
    int64_t x, y;
    switch (op->family) {
    case F_STRING:
        return json_is_string(v) && json_is_string(operand) &&
               relation_holds(op->relation, strcmp(json_string_value(v), json_string_value(operand)));
    case F_NUMERIC:
        return json_is_number(v) && json_is_number(operand) &&
               relation_holds(op->relation, compare_numbers(v, operand));
    case F_BOOLEAN:
        return json_is_boolean(v) && json_is_boolean(operand) &&
               json_is_true(v) == json_is_true(operand);
    case F_TIMESTAMP:
        return json_is_string(v) && json_is_string(operand) &&
               asl_timestamp_parse(json_string_value(v), &x) &&
               asl_timestamp_parse(json_string_value(operand), &y) &&
               relation_holds(op->relation, x < y ? -1 : x > y);
    case F_MATCHES:
        return json_is_string(v) && json_is_string(operand) &&
               string_matches(json_string_value(v), json_string_value(operand));
    case F_TYPE:
        return json_is_boolean(operand) && type_test(op->relation, v) == json_is_true(operand);
    }
    return false;
}

/* ---- evaluation ----------------------------------------------------------- */

static int invalid_path(const char *path, yogi_error *err)
{
    return host_fail(err, RUNTIME, "Invalid path '%s': The choice state's condition path "
                     "references an invalid value.", path);
}

static int eval_test(json_t *rule, json_t *input, json_t *ctx, yogi_error *err)
{
    json_t *operand = NULL, *var = json_object_get(rule, "Variable");
    int count;
    const struct op *op = rule_op(rule, &operand, &count);
    if (!op || !json_is_string(var))
        return host_fail(err, RUNTIME, "Invalid Choice rule: it needs a Variable and exactly one "
                         "comparison operator");
    const char *path = json_string_value(var);
    json_t *value = NULL, *other = NULL;
    yogi_error ignored;
    if (asl_path_get(path, input, ctx, &value, &ignored) != 0) {
        if (op->family == F_TYPE && op->relation == T_PRESENT)
            return json_is_boolean(operand) && json_is_false(operand);
        return invalid_path(path, err);
    }
    if (op->path) {
        const char *opath = json_is_string(operand) ? json_string_value(operand) : "";
        if (asl_path_get(opath, input, ctx, &other, &ignored) != 0) {
            json_decref(value);
            return invalid_path(opath, err);
        }
    }
    bool match = test_values(op, value, other ? other : operand);
    json_decref(value);
    json_decref(other);
    return match;
}

static int eval_rule(json_t *rule, json_t *input, json_t *ctx, int depth, yogi_error *err)
{
    json_t *sub;
    size_t i;
    if (!json_is_object(rule)) return host_fail(err, RUNTIME, "Invalid Choice rule: not an object");
    if (depth > ASL_MAX_DEPTH) return host_fail(err, RUNTIME, "Choice rules nested too deeply");
    if ((sub = json_object_get(rule, "Not"))) {
        int r = eval_rule(sub, input, ctx, depth + 1, err);
        return r < 0 ? r : !r;
    }
    json_t *all = json_object_get(rule, "And"), *any = json_object_get(rule, "Or");
    if (all || any) {
        bool is_and = all != NULL;
        json_array_foreach(is_and ? all : any, i, sub) {
            int r = eval_rule(sub, input, ctx, depth + 1, err);
            if (r < 0 || r != is_and) return r;
        }
        return is_and;
    }
    return eval_test(rule, input, ctx, err);
}

int asl_choice_eval(json_t *rule, json_t *input, json_t *ctx, yogi_error *err)
{
    return eval_rule(rule, input, ctx, 0, err);
}

/* ---- validation ----------------------------------------------------------- */

struct checker {
    char *where, *why;
    size_t where_len, why_len;
};

static bool check_fail(struct checker *ck, const char *where, const char *why)
{
    if (ck->where && ck->where_len) snprintf(ck->where, ck->where_len, "%s", where);
    if (ck->why && ck->why_len) snprintf(ck->why, ck->why_len, "%s", why);
    return false;
}

static bool operand_ok(const struct op *op, json_t *operand, char *why, size_t why_len)
{
    int64_t ms;
    if (op->path) return json_is_string(operand) && asl_path_check(json_string_value(operand), false, why, why_len);
    switch (op->family) {
    case F_STRING:
    case F_MATCHES: return json_is_string(operand);
    case F_NUMERIC: return json_is_number(operand);
    case F_BOOLEAN:
    case F_TYPE: return json_is_boolean(operand);
    case F_TIMESTAMP:
        return json_is_string(operand) && asl_timestamp_parse(json_string_value(operand), &ms);
    }
    return false;
}

static bool check_rule(json_t *rule, const char *where, int depth, struct checker *ck);

static bool check_list(json_t *list, const char *where, int depth, struct checker *ck)
{
    char sub[512];
    json_t *item;
    size_t i;
    if (!json_is_array(list) || json_array_size(list) == 0)
        return check_fail(ck, where, "And/Or needs a non-empty array of rules");
    json_array_foreach(list, i, item) {
        if (snprintf(sub, sizeof sub, "%s/%zu", where, i) >= (int)sizeof sub)
            return check_fail(ck, where, "Choice rules nested too deeply");
        if (!check_rule(item, sub, depth + 1, ck)) return false;
    }
    return true;
}

static bool check_test(json_t *rule, const char *where, struct checker *ck)
{
    char sub[512], why[256] = "";
    json_t *operand = NULL, *var = json_object_get(rule, "Variable");
    int count;
    const struct op *op = rule_op(rule, &operand, &count);
    if (count != 1) return check_fail(ck, where, count ? "more than one comparison operator" : "no comparison operator, And, Or or Not");
    if (snprintf(sub, sizeof sub, "%s/Variable", where) >= (int)sizeof sub) return check_fail(ck, where, "Choice rules nested too deeply");
    if (!json_is_string(var)) return check_fail(ck, sub, "Variable must be a string path");
    if (!asl_path_check(json_string_value(var), false, why, sizeof why)) return check_fail(ck, sub, why);
    if (snprintf(sub, sizeof sub, "%s/%s", where, op->name) >= (int)sizeof sub) return check_fail(ck, where, "Choice rules nested too deeply");
    if (!operand_ok(op, operand, why, sizeof why)) {
        if (!why[0]) snprintf(why, sizeof why, "the operand of %s has the wrong type", op->name);
        return check_fail(ck, sub, why);
    }
    const char *key;
    json_t *value;
    json_object_foreach(rule, key, value) {
        if (strcmp(key, "Variable") && strcmp(key, "Next") && strcmp(key, "Comment") && !find_op(key)) {
            if (snprintf(sub, sizeof sub, "%s/%s", where, key) >= (int)sizeof sub) return check_fail(ck, where, "Choice rules nested too deeply");
            return check_fail(ck, sub, "unknown field in a Choice rule");
        }
    }
    return true;
}

static bool check_rule(json_t *rule, const char *where, int depth, struct checker *ck)
{
    char sub[512];
    if (!json_is_object(rule)) return check_fail(ck, where, "a Choice rule must be an object");
    if (depth > ASL_MAX_DEPTH) return check_fail(ck, where, "Choice rules nested too deeply");
    json_t *not_rule = json_object_get(rule, "Not");
    json_t *all = json_object_get(rule, "And"), *any = json_object_get(rule, "Or");
    if ((not_rule != NULL) + (all != NULL) + (any != NULL) > 1)
        return check_fail(ck, where, "a rule has one of And, Or and Not");
    if (not_rule) {
        if (snprintf(sub, sizeof sub, "%s/Not", where) >= (int)sizeof sub) return check_fail(ck, where, "Choice rules nested too deeply");
        return check_rule(not_rule, sub, depth + 1, ck);
    }
    if (all || any) {
        if (snprintf(sub, sizeof sub, "%s/%s", where, all ? "And" : "Or") >= (int)sizeof sub) return check_fail(ck, where, "Choice rules nested too deeply");
        return check_list(all ? all : any, sub, depth, ck);
    }
    return check_test(rule, where, ck);
}

bool asl_choice_check(json_t *rule, char *where, size_t where_len, char *why, size_t why_len)
{
    struct checker ck = {where, why, where_len, why_len};
    return check_rule(rule, "", 0, &ck);
}
