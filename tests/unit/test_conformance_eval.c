/*
 * test_conformance_eval.c — the AWS-recorded conformance cases that need
 * nothing but ASL evaluation, run straight through asl.h.
 *
 * The cases live in $YOGI_SHARED/conformance/asl (never in this repo). The
 * areas intrinsic_functions-*, als-intrinsic-*, choice_operators-* and
 * als-choice-* are single Pass states with Parameters, or a Choice state
 * leading to Pass states; a mini-interpreter (Pass, Choice, Succeed, Fail
 * with InputPath, Parameters, Result, ResultPath, OutputPath) validates
 * them as the workflow validator does (asl_payload_check,
 * asl_choice_check), runs them and
 * compares status, output, error and cause with expected.json the way
 * conformance/run.py does: numbers by value, "ignore" pointers, "$..Key"
 * and placeholder tokens honoured.
 *
 * Output: one TAP line per case (this program has its own main: a table of
 * test functions cannot list cases found at run time). Cases beyond reach
 * are SKIP, never pass: JSONata cases, state shapes the mini-interpreter
 * does not run, and the few aws-local-stepfunctions expectations that an
 * AWS recording in the same suite contradicts (listed in `disputed`).
 * With an argument, only case ids containing it run.
 */
#include "asl.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const areas[] = {"intrinsic_functions-", "als-intrinsic-", "choice_operators-",
                                    "als-choice-"};

/* als expectations that AWS recordings in the same suite contradict. */
static const struct {
    const char *id, *why;
} disputed[] = {
    {"als-intrinsic-StatesFormat-5", "als expects failure; AWS formats arrays (intrinsic_functions-format_2-7)"},
    {"als-intrinsic-StatesFormat-6", "als expects failure; AWS formats objects (intrinsic_functions-context_json_path)"},
    {"als-intrinsic-StatesMathRandom-5", "als expects failure; AWS accepts non-integer bounds (intrinsic_functions-math_random-0)"},
    {"als-intrinsic-StatesMathRandom-6", "als expects failure; AWS accepts non-integer bounds (intrinsic_functions-math_random-0)"},
    {"als-intrinsic-StatesJsonMerge-2", "als expects a run-time failure; the validator refuses the \"...\" literal, as AWS refuses invalid intrinsic syntax at creation"},
    {"als-intrinsic-StatesJsonMerge-3", "als expects a run-time failure; the validator refuses the \"...\" literal, as AWS refuses invalid intrinsic syntax at creation"},
    {"als-intrinsic-StatesJsonMerge-4", "als expects a run-time failure; the validator refuses the \"...\" literal, as AWS refuses invalid intrinsic syntax at creation"},
    {"als-intrinsic-StatesStringToJson-1", "als expects a run-time failure; the validator refuses the wrong argument count before any run"},
};

struct result {
    const char *status;  /* SUCCEEDED or FAILED */
    json_t *output;      /* when SUCCEEDED */
    yogi_error err;      /* when FAILED */
    char skip[256];      /* non-empty: beyond the mini-interpreter */
};

struct tally {
    int pass, fail, skip;
};

/* ---- the mini-interpreter ------------------------------------------------- */

static json_t *make_context(json_t *input, const char *state)
{
    return json_pack("{s:{s:s, s:O, s:s, s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s, s:i}}",
                     "Execution", "Id",
                     "arn:aws:states:us-east-1:111111111111:execution:sm-name:exec-name", "Input",
                     input, "Name", "exec-name", "RoleArn", "arn:aws:iam::111111111111:role/r",
                     "StartTime", "2024-01-01T00:00:00.000Z", "StateMachine", "Id",
                     "arn:aws:states:us-east-1:111111111111:stateMachine:sm-name", "Name", "sm-name",
                     "State", "Name", state, "EnteredTime", "2024-01-01T00:00:00.000Z",
                     "RetryCount", 0);
}

static bool only_known_fields(json_t *st, struct result *r)
{
    static const char *const known[] = {"Type", "Next", "End", "Comment", "InputPath",
                                        "OutputPath", "Parameters", "Result", "ResultPath",
                                        "Choices", "Default", "Error", "Cause"};
    const char *key;
    json_t *v;
    json_object_foreach(st, key, v) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) ok |= strcmp(key, known[i]) == 0;
        if (!ok) {
            snprintf(r->skip, sizeof r->skip, "field %s not in the mini-interpreter", key);
            return false;
        }
    }
    return true;
}

/* Pass: InputPath → Parameters/Result → ResultPath → OutputPath. */
static int run_pass(json_t *st, json_t *input, json_t *ctx, json_t **out, yogi_error *err)
{
    json_t *effective = NULL, *result = NULL, *merged = NULL;
    int rc = asl_select(json_object_get(st, "InputPath"), input, ctx, &effective, err);
    if (rc == 0) {
        json_t *params = json_object_get(st, "Parameters"), *fixed = json_object_get(st, "Result");
        if (params) rc = asl_payload_eval(params, effective, ctx, &result, err);
        else result = json_incref(fixed ? fixed : effective);
    }
    if (rc == 0) rc = asl_result_path(json_object_get(st, "ResultPath"), input, result, &merged, err);
    if (rc == 0) rc = asl_select(json_object_get(st, "OutputPath"), merged, ctx, out, err);
    json_decref(effective);
    json_decref(result);
    json_decref(merged);
    return rc;
}

/* Choice: the Next of the first matching rule, else Default. */
static const char *run_choice(json_t *st, json_t *input, json_t *ctx, yogi_error *err)
{
    json_t *rule;
    size_t i;
    json_array_foreach(json_object_get(st, "Choices"), i, rule) {
        int m = asl_choice_eval(rule, input, ctx, err);
        if (m < 0) return NULL;
        if (m) return json_string_value(json_object_get(rule, "Next"));
    }
    const char *dflt = json_string_value(json_object_get(st, "Default"));
    if (!dflt) {
        snprintf(err->name, sizeof err->name, "States.NoChoiceMatched");
        snprintf(err->cause, sizeof err->cause, "No Choice rule matched");
    }
    return dflt;
}

/* One state; returns the next state's name, NULL at the end (r filled). */
static const char *step(json_t *st, json_t **data, json_t *ctx, struct result *r)
{
    const char *type = json_string_value(json_object_get(st, "Type"));
    json_t *out = NULL;
    if (!type || !only_known_fields(st, r)) return NULL;
    if (strcmp(type, "Choice") == 0) {
        const char *next = run_choice(st, *data, ctx, &r->err);
        if (!next) r->status = "FAILED";
        return next;
    }
    if (strcmp(type, "Fail") == 0) {
        const char *e = json_string_value(json_object_get(st, "Error"));
        const char *c = json_string_value(json_object_get(st, "Cause"));
        snprintf(r->err.name, sizeof r->err.name, "%s", e ? e : "");
        snprintf(r->err.cause, sizeof r->err.cause, "%s", c ? c : "");
        r->status = "FAILED";
        return NULL;
    }
    if (strcmp(type, "Pass") != 0 && strcmp(type, "Succeed") != 0) {
        snprintf(r->skip, sizeof r->skip, "state type %s not in the mini-interpreter", type);
        return NULL;
    }
    if (run_pass(st, *data, ctx, &out, &r->err) != 0) {
        r->status = "FAILED";
        return NULL;
    }
    json_decref(*data);
    *data = out;
    const char *next = json_string_value(json_object_get(st, "Next"));
    if (!next) r->status = "SUCCEEDED", r->output = json_incref(out);
    return next;
}

/* What the workflow validator checks before a run: templates and rules. */
static bool definition_valid(json_t *states, struct result *r)
{
    const char *name;
    json_t *st, *rule;
    char where[256], why[256];
    size_t i;
    json_object_foreach(states, name, st) {
        json_t *params = json_object_get(st, "Parameters");
        bool ok = !params || asl_payload_check(params, where, sizeof where, why, sizeof why);
        json_array_foreach(json_object_get(st, "Choices"), i, rule)
            ok = ok && asl_choice_check(rule, where, sizeof where, why, sizeof why);
        if (!ok) {
            r->status = "INVALID";
            snprintf(r->err.name, sizeof r->err.name, "States.Validation");
            snprintf(r->err.cause, sizeof r->err.cause, "%s: %s %s", name, where, why);
            return false;
        }
    }
    return true;
}

static void run_machine(json_t *def, json_t *input, struct result *r)
{
    json_t *states = json_object_get(def, "States"), *data = json_incref(input);
    const char *name = json_string_value(json_object_get(def, "StartAt"));
    if (!definition_valid(states, r)) name = NULL;
    if (json_object_get(def, "QueryLanguage") && strcmp(json_string_value(json_object_get(def, "QueryLanguage")), "JSONPath"))
        snprintf(r->skip, sizeof r->skip, "QueryLanguage");
    for (int hops = 0; name && !r->skip[0] && !r->status && hops < 16; hops++) {
        json_t *st = json_object_get(states, name);
        json_t *ctx = make_context(input, name);
        if (!st) snprintf(r->skip, sizeof r->skip, "no state %s", name);
        else name = step(st, &data, ctx, r);
        json_decref(ctx);
    }
    if (!r->status && !r->skip[0]) snprintf(r->skip, sizeof r->skip, "machine did not end");
    json_decref(data);
}

/* ---- comparing with expected.json ----------------------------------------- */

/* Delete the member a JSON pointer names ("/output/a/b"), if present. */
static void remove_pointer(json_t *root, const char *ptr)
{
    const char *last = strrchr(ptr, '/');
    json_t *parent = root;
    if (!last) return;
    for (const char *tok = ptr; parent && tok < last;) {
        const char *next = strchr(tok + 1, '/');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(next - tok - 1), tok + 1);
        parent = json_is_array(parent) ? json_array_get(parent, strtoul(name, NULL, 10))
                                       : json_object_get(parent, name);
        tok = next;
    }
    if (json_is_object(parent)) json_object_del(parent, last + 1);
}

static void remove_key_everywhere(json_t *v, const char *key)
{
    const char *k;
    json_t *child;
    size_t i;
    if (json_is_object(v)) {
        json_object_del(v, key);
        json_object_foreach(v, k, child) remove_key_everywhere(child, key);
    }
    json_array_foreach(v, i, child) remove_key_everywhere(child, key);
}

/* Expected text with placeholder tokens standing for any text. */
static bool text_matches(const char *exp, const char *act, json_t *tokens)
{
    json_t *tok;
    size_t i, best_len = 0;
    const char *best = NULL;
    json_array_foreach(tokens, i, tok) { /* the earliest token in exp */
        const char *at = strstr(exp, json_string_value(tok));
        if (at && (!best || at < best)) best = at, best_len = json_string_length(tok);
    }
    if (!best) return strcmp(exp, act) == 0;
    size_t lit = (size_t)(best - exp);
    if (strncmp(exp, act, lit) != 0) return false;
    for (const char *rest = act + lit;; rest++) { /* the token takes 0..n characters */
        if (text_matches(best + best_len, rest, tokens)) return true;
        if (!*rest) return false;
    }
}

static bool values_match(json_t *exp, json_t *act, json_t *tokens)
{
    const char *key;
    json_t *e;
    size_t i;
    if (json_is_number(exp) && json_is_number(act))
        return (json_is_integer(exp) ? (double)json_integer_value(exp) : json_real_value(exp)) ==
               (json_is_integer(act) ? (double)json_integer_value(act) : json_real_value(act));
    if (json_typeof(exp) != json_typeof(act)) return false;
    if (json_is_string(exp)) return text_matches(json_string_value(exp), json_string_value(act), tokens);
    if (json_is_object(exp)) {
        if (json_object_size(exp) != json_object_size(act)) return false;
        json_object_foreach(exp, key, e) {
            json_t *a = json_object_get(act, key);
            if (!a || !values_match(e, a, tokens)) return false;
        }
        return true;
    }
    if (json_is_array(exp)) {
        if (json_array_size(exp) != json_array_size(act)) return false;
        json_array_foreach(exp, i, e) if (!values_match(e, json_array_get(act, i), tokens)) return false;
        return true;
    }
    return json_equal(exp, act);
}

static json_t *actual_object(const struct result *r)
{
    if (strcmp(r->status, "SUCCEEDED") == 0)
        return json_pack("{s:s, s:O}", "status", r->status, "output", r->output);
    return json_pack("{s:s, s:s, s:s}", "status", r->status, "error", r->err.name, "cause",
                     r->err.cause);
}

/* Compare; on a mismatch print both sides as TAP comments. */
static bool compare_case(json_t *expected, const struct result *r)
{
    json_t *exp = json_deep_copy(expected), *act = actual_object(r), *tokens = json_array(), *ig;
    size_t i;
    json_object_del(exp, "history");
    json_object_del(exp, "history_unordered");
    json_object_del(exp, "normalize");
    json_array_foreach(json_object_get(expected, "ignore"), i, ig) {
        const char *s = json_string_value(ig);
        if (!s) continue;
        if (s[0] == '/') remove_pointer(exp, s), remove_pointer(act, s);
        else if (strncmp(s, "$..", 3) == 0) remove_key_everywhere(exp, s + 3), remove_key_everywhere(act, s + 3);
        else json_array_append(tokens, ig);
    }
    json_object_del(exp, "ignore");
    bool ok = values_match(exp, act, tokens);
    if (!ok) {
        char *e = json_dumps(exp, JSON_COMPACT), *a = json_dumps(act, JSON_COMPACT);
        printf("# expected %.600s\n#   actual %.600s\n", e ? e : "?", a ? a : "?");
        free(e);
        free(a);
    }
    json_decref(exp);
    json_decref(act);
    json_decref(tokens);
    return ok;
}

/* ---- driving the cases ---------------------------------------------------- */

static json_t *load(const char *dir, const char *id, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", dir, id, file);
    return json_load_file(path, JSON_DECODE_ANY, NULL);
}

static const char *disputed_reason(const char *id)
{
    for (size_t i = 0; i < sizeof disputed / sizeof disputed[0]; i++)
        if (strcmp(disputed[i].id, id) == 0) return disputed[i].why;
    return NULL;
}

/* Run one case: 1 pass, 0 fail, -1 skip (with the reason in skip). */
static int run_case(const char *dir, const char *id, char *skip, size_t skip_len)
{
    json_t *meta = load(dir, id, "meta.json"), *def = load(dir, id, "definition.json");
    json_t *input = load(dir, id, "input.json"), *expected = load(dir, id, "expected.json");
    struct result r = {0};
    int verdict = -1;
    const char *lang = json_string_value(json_object_get(meta, "query_language"));
    const char *why = disputed_reason(id);
    if (!meta || !def || !input || !expected) snprintf(skip, skip_len, "unreadable case files");
    else if (!lang || strcmp(lang, "JSONPath") != 0) snprintf(skip, skip_len, "JSONata case");
    else if (why) snprintf(skip, skip_len, "%s", why);
    else {
        run_machine(def, input, &r);
        if (r.skip[0]) snprintf(skip, skip_len, "%s", r.skip);
        else verdict = compare_case(expected, &r);
    }
    json_decref(r.output);
    json_decref(meta);
    json_decref(def);
    json_decref(input);
    json_decref(expected);
    return verdict;
}

static int area_of(const char *id)
{
    for (size_t i = 0; i < sizeof areas / sizeof areas[0]; i++)
        if (strncmp(id, areas[i], strlen(areas[i])) == 0) return (int)i;
    return -1;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    const char *shared = getenv("YOGI_SHARED");
    char dir[512];
    struct dirent **names = NULL;
    struct tally tally[sizeof areas / sizeof areas[0]] = {{0}};
    int n = 0, failed = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(dir, sizeof dir, "%s/conformance/asl", shared ? shared : "");
    int count = shared ? scandir(dir, &names, NULL, by_name) : -1;
    if (count < 0) {
        printf("ok 1 conformance_eval # SKIP no conformance cases (YOGI_SHARED unset)\n1..1\n");
        return 0;
    }
    for (int i = 0; i < count; i++) {
        const char *id = names[i]->d_name;
        int area = area_of(id);
        char skip[300] = "";
        if (area >= 0 && !(argc > 1 && !strstr(id, argv[1]))) {
            int v = run_case(dir, id, skip, sizeof skip);
            struct tally *t = &tally[area];
            if (v < 0) printf("ok %d %s # SKIP %s\n", ++n, id, skip), t->skip++;
            else if (v) printf("ok %d %s\n", ++n, id), t->pass++;
            else printf("not ok %d %s\n", ++n, id), t->fail++, failed++;
        }
        free(names[i]);
    }
    free(names);
    for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
        printf("# %-22s %3d passed, %3d failed, %3d skipped\n", areas[a], tally[a].pass,
               tally[a].fail, tally[a].skip);
    printf("1..%d\n", n);
    return failed ? 1 : 0;
}
