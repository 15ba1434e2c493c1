/*
 * test_workflow.c — the definition loader: YAML and JSON to a jansson tree
 * with positions, and every hazard a hostile or careless file can hold
 * (alias bombs, deep nesting, invalid UTF-8, duplicate keys, several
 * documents, odd keys and tags, huge and truncated input).
 */
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "workflow.h"

/* Parse `text`; on success returns the doc, on failure NULL with *code set
 * to the first diagnostic's code. */
static workflow_doc *parse(const char *text, workflow_diags *diags)
{
    return workflow_parse("t.yaml", text, strlen(text), diags);
}

/* The text must fail with exactly one diagnostic of `code`, with a position
 * when `line` is not 0. */
static void expect_failure(const char *text, size_t len, const char *code, int line, int column)
{
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("t.yaml", text, len, &diags);
    CHECK(doc == NULL);
    CHECK_INT(diags.count, 1);
    if (diags.count >= 1) {
        CHECK_STR(diags.items[0].code, code);
        CHECK(diags.items[0].message[0] != '\0');
        if (line) {
            CHECK_INT(diags.items[0].line, line);
            CHECK_INT(diags.items[0].column, column);
        }
    }
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

#define EXPECT_FAILURE(text, code, line, column)                                                   \
    expect_failure(text, strlen(text), code, line, column)

static void check_position(const workflow_doc *doc, const char *pointer, int line, int column)
{
    int l = 0, c = 0;
    CHECK(workflow_position(doc, pointer, &l, &c));
    if (l != line || c != column)
        test_fail_(__FILE__, __LINE__, "%s at %d:%d, expected %d:%d", pointer, l, c, line, column);
}

static void check_key_position(const workflow_doc *doc, const char *pointer, int line, int column)
{
    int l = 0, c = 0;
    CHECK(workflow_key_position(doc, pointer, &l, &c));
    if (l != line || c != column)
        test_fail_(__FILE__, __LINE__, "key of %s at %d:%d, expected %d:%d", pointer, l, c, line,
                   column);
}

static void test_block_yaml_positions(void)
{
    const char *yaml = "# a workflow\n"
                       "StartAt: Fetch\n"
                       "States:\n"
                       "  Fetch:\n"
                       "    Type: Task\n"
                       "    Retry:\n"
                       "      - ErrorEquals: [A, B]\n"
                       "  \"a/b~c\": {Type: Succeed}\n";
    workflow_diags diags = {0};
    workflow_doc *doc = parse(yaml, &diags);
    CHECK(doc != NULL);
    CHECK_INT(diags.count, 0);
    if (!doc) return;
    check_position(doc, "/StartAt", 2, 10);
    check_key_position(doc, "/StartAt", 2, 1);
    check_key_position(doc, "/States/Fetch", 4, 3);
    check_position(doc, "/States/Fetch/Type", 5, 11);
    check_position(doc, "/States/Fetch/Retry/0", 7, 9);
    check_position(doc, "/States/Fetch/Retry/0/ErrorEquals/1", 7, 26);
    check_key_position(doc, "/States/Fetch/Retry/0", 7, 9); /* an element: its value */
    check_position(doc, "/States/a~1b~0c/Type", 8, 19);
    /* Unknown pointers fall back to the nearest ancestor with a position. */
    check_position(doc, "/States/Fetch/Type/nothing", 5, 11);
    int l, c;
    CHECK(workflow_position(doc, "", &l, &c));
    CHECK_STR(json_string_value(json_object_get(workflow_definition(doc), "StartAt")), "Fetch");
    workflow_free(doc);
}

static void test_json_positions(void)
{
    const char *json =
        "{\n"
        "  \"StartAt\": \"A\",\n"
        "  \"States\": {\"A\": {\"Type\":\"Pass\",\"End\":true,\"R\":\"\\u00e9\\/\"}}\n"
        "}\n";
    workflow_diags diags = {0};
    workflow_doc *doc = parse(json, &diags);
    CHECK(doc != NULL);
    if (!doc) return;
    check_position(doc, "/StartAt", 2, 14);
    check_key_position(doc, "/States/A/End", 3, 34);
    check_position(doc, "/States/A/End", 3, 40);
    json_t *a = json_object_get(json_object_get(workflow_definition(doc), "States"), "A");
    CHECK(json_is_true(json_object_get(a, "End")));
    CHECK_STR(json_string_value(json_object_get(a, "R")), "\xc3\xa9/");
    workflow_free(doc);
}

/* YAML 1.2 core schema: plain scalars are typed, quoted ones stay strings. */
static void test_scalar_types(void)
{
    const char *yaml = "{i: 42, neg: -7, hex: 0x1F, oct: 0o17, f: 2.5, e: 1e3, n: null, tilde: ~,"
                       " empty: , t: true, F: False, s: hello, q: \"42\", sq: 'true', yes: yes,"
                       " on: on, max: 9223372036854775807, min: -9223372036854775808,"
                       " big: 9223372036854775808, date: 2026-01-01, str: !!str 12,"
                       " tf: !!float 1, lead: 007}";
    workflow_diags diags = {0};
    workflow_doc *doc = parse(yaml, &diags);
    CHECK(doc != NULL);
    if (!doc) return;
    json_t *d = workflow_definition(doc);
    CHECK(json_is_integer(json_object_get(d, "i")) &&
          json_integer_value(json_object_get(d, "i")) == 42);
    CHECK_INT(json_integer_value(json_object_get(d, "neg")), -7);
    CHECK_INT(json_integer_value(json_object_get(d, "hex")), 31);
    CHECK_INT(json_integer_value(json_object_get(d, "oct")), 15);
    CHECK(json_is_real(json_object_get(d, "f")) && json_real_value(json_object_get(d, "f")) == 2.5);
    CHECK(json_is_real(json_object_get(d, "e")) &&
          json_real_value(json_object_get(d, "e")) == 1000.0);
    CHECK(json_is_null(json_object_get(d, "n")));
    CHECK(json_is_null(json_object_get(d, "tilde")));
    CHECK(json_is_null(json_object_get(d, "empty")));
    CHECK(json_is_true(json_object_get(d, "t")));
    CHECK(json_is_false(json_object_get(d, "F")));
    CHECK_STR(json_string_value(json_object_get(d, "s")), "hello");
    CHECK_STR(json_string_value(json_object_get(d, "q")), "42");
    CHECK_STR(json_string_value(json_object_get(d, "sq")), "true");
    CHECK_STR(json_string_value(json_object_get(d, "yes")), "yes"); /* YAML 1.1 bools are strings */
    CHECK_STR(json_string_value(json_object_get(d, "on")), "on");
    CHECK(json_integer_value(json_object_get(d, "max")) == INT64_MAX);
    CHECK(json_integer_value(json_object_get(d, "min")) == INT64_MIN);
    CHECK(json_is_real(json_object_get(d, "big")));
    CHECK_STR(json_string_value(json_object_get(d, "date")), "2026-01-01");
    CHECK_STR(json_string_value(json_object_get(d, "str")), "12");
    CHECK(json_is_real(json_object_get(d, "tf")));
    CHECK_INT(json_integer_value(json_object_get(d, "lead")), 7);
    workflow_free(doc);
}

static void test_anchors_and_aliases(void)
{
    const char *yaml = "retry: &r [{ErrorEquals: [X], MaxAttempts: 2}]\n"
                       "a: *r\n"
                       "b: *r\n"
                       "s: &s text\n"
                       "t: *s\n";
    workflow_diags diags = {0};
    workflow_doc *doc = parse(yaml, &diags);
    CHECK(doc != NULL);
    if (!doc) return;
    json_t *d = workflow_definition(doc);
    CHECK(json_equal(json_object_get(d, "a"), json_object_get(d, "retry")));
    CHECK(json_equal(json_object_get(d, "b"), json_object_get(d, "retry")));
    /* A copy, not a shared node: changing one leaves the other alone. */
    CHECK(json_object_get(d, "a") != json_object_get(d, "retry"));
    CHECK_STR(json_string_value(json_object_get(d, "t")), "text");
    /* Nodes inside an alias report the alias's position. */
    check_position(doc, "/a", 2, 4);
    check_position(doc, "/a/0/MaxAttempts", 2, 4);
    workflow_free(doc);
}

/* The classic billion laughs: 9 levels of 9 aliases each. */
static void test_alias_bomb(void)
{
    char yaml[2048];
    size_t n = (size_t)snprintf(yaml, sizeof yaml,
                                "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (char c = 'b'; c <= 'i'; c++) {
        n += (size_t)snprintf(yaml + n, sizeof yaml - n, "%c: &%c [", c, c);
        for (int i = 0; i < 9; i++)
            n += (size_t)snprintf(yaml + n, sizeof yaml - n, "%s*%c", i ? ", " : "", c - 1);
        n += (size_t)snprintf(yaml + n, sizeof yaml - n, "]\n");
    }
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("bomb.yaml", yaml, n, &diags);
    CHECK(doc == NULL);
    CHECK(diags.count == 1 && strcmp(diags.items[0].code, "AliasBomb") == 0);
    CHECK(diags.count == 1 && diags.items[0].line >= 2);
    workflow_diags_clear(&diags);
}

static void test_undefined_and_recursive_alias(void)
{
    EXPECT_FAILURE("a: *nope\n", "UndefinedAlias", 1, 4);
    /* An anchor cannot be used inside its own node. */
    EXPECT_FAILURE("a: &x [1, *x]\n", "UndefinedAlias", 1, 11);
}

static char *nested(int depth, const char *open, const char *close)
{
    size_t len = strlen("a: ") + (size_t)depth * (strlen(open) + strlen(close)) + 2;
    char *s = malloc(len);
    size_t n = (size_t)snprintf(s, len, "a: ");
    for (int i = 0; i < depth; i++) n += (size_t)snprintf(s + n, len - n, "%s", open);
    for (int i = 0; i < depth; i++) n += (size_t)snprintf(s + n, len - n, "%s", close);
    snprintf(s + n, len - n, "\n");
    return s;
}

static void test_nesting_depth(void)
{
    /* The root mapping is level 1: a value may nest WORKFLOW_MAX_DEPTH - 1 deeper. */
    char *ok = nested(WORKFLOW_MAX_DEPTH - 1, "[", "]");
    workflow_diags diags = {0};
    workflow_doc *doc = parse(ok, &diags);
    CHECK(doc != NULL);
    workflow_free(doc);
    workflow_diags_clear(&diags);
    free(ok);
    char *deep = nested(WORKFLOW_MAX_DEPTH, "[", "]");
    EXPECT_FAILURE(deep, "TooDeep", 1, 4 + WORKFLOW_MAX_DEPTH - 1);
    free(deep);
    char *hundred = nested(100, "{a: ", "}");
    EXPECT_FAILURE(hundred, "TooDeep", 0, 0);
    free(hundred);
    char *json = nested(100000, "[", "]"); /* libyaml's own stacks must not blow up either */
    EXPECT_FAILURE(json, "TooDeep", 0, 0);
    free(json);
}

/* Aliases must not smuggle depth past the limit. */
static void test_nesting_through_aliases(void)
{
    char *inner = nested(40, "[", "]");
    size_t len = strlen(inner) + 200;
    char *yaml = malloc(len);
    snprintf(yaml, len, "x: &deep %s%s", inner + 3,
             "y: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[*deep]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
    EXPECT_FAILURE(yaml, "TooDeep", 0, 0);
    free(yaml);
    free(inner);
}

static void test_invalid_utf8(void)
{
    EXPECT_FAILURE("a: ok\nb: \xff\n", "InvalidUtf8", 2, 4);
    EXPECT_FAILURE("a: \xc0\xaf\n", "InvalidUtf8", 1, 4);            /* overlong '/' */
    EXPECT_FAILURE("a: \xed\xa0\x80\n", "InvalidUtf8", 1, 4);        /* a surrogate */
    EXPECT_FAILURE("a: \xf4\x90\x80\x80\n", "InvalidUtf8", 1, 4);    /* above U+10FFFF */
    EXPECT_FAILURE("a: \xe2\x82\n", "InvalidUtf8", 1, 4);            /* truncated */
    EXPECT_FAILURE("\xc3\xa9\xc3\xa9: \x80\n", "InvalidUtf8", 1, 5); /* columns count characters */
    const char utf16[] = "\xff\xfe"
                         "a\0:\0 \0"
                         "1\0";
    workflow_diags diags = {0};
    CHECK(workflow_parse("u16", utf16, sizeof utf16 - 1, &diags) == NULL);
    CHECK(diags.count == 1 && strstr(diags.items[0].message, "UTF-16") != NULL);
    workflow_diags_clear(&diags);
    /* A UTF-8 byte order mark is fine. */
    workflow_doc *doc = parse("\xef\xbb\xbf"
                              "a: 1\n",
                              &diags);
    CHECK(doc != NULL);
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

static void test_duplicate_keys(void)
{
    EXPECT_FAILURE("a: 1\nb: 2\na: 3\n", "DuplicateKey", 3, 1);
    EXPECT_FAILURE("{\"a\": 1, \"a\": 1}", "DuplicateKey", 1, 10);
    EXPECT_FAILURE("s:\n  x: {k: 1, k: 2}\n", "DuplicateKey", 2, 13);
    workflow_diags diags = {0};
    CHECK(parse("a: 1\nb: 2\na: 3\n", &diags) == NULL);
    CHECK(diags.count == 1 && strstr(diags.items[0].message, "line 1") != NULL);
    workflow_diags_clear(&diags);
}

static void test_documents(void)
{
    EXPECT_FAILURE("a: 1\n---\nb: 2\n", "MultipleDocuments", 2, 1);
    EXPECT_FAILURE("", "EmptyDocument", 0, 0);
    EXPECT_FAILURE("# only a comment\n\n", "EmptyDocument", 0, 0);
    EXPECT_FAILURE("---\n", "EmptyDocument", 0, 0);
    EXPECT_FAILURE("null\n", "EmptyDocument", 0, 0);
    workflow_diags diags = {0};
    workflow_doc *doc = parse("---\na: 1\n...\n", &diags); /* one explicit document is fine */
    CHECK(doc != NULL);
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

static void test_keys(void)
{
    EXPECT_FAILURE("200: ok\n", "NonStringKey", 1, 1);
    EXPECT_FAILURE("true: x\n", "NonStringKey", 1, 1);
    EXPECT_FAILURE("~: x\n", "NonStringKey", 1, 1);
    EXPECT_FAILURE("? [a, b]\n: x\n", "NonStringKey", 1, 3);
    EXPECT_FAILURE("k: &k a\n*k : x\n", "NonStringKey", 2, 1);
    EXPECT_FAILURE("\"a\\0b\": x\n", "NonStringKey", 1, 1);
    EXPECT_FAILURE("base: &b {x: 1}\nm:\n  <<: *b\n", "UnsupportedMergeKey", 3, 3);
    workflow_diags diags = {0};
    workflow_doc *doc = parse("\"200\": ok\n'true': x\n!!str 3: y\n", &diags);
    CHECK(doc != NULL);
    if (doc) CHECK_STR(json_string_value(json_object_get(workflow_definition(doc), "200")), "ok");
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

static void test_tags(void)
{
    EXPECT_FAILURE("a: !!binary aGVsbG8=\n", "UnsupportedTag", 1, 4);
    EXPECT_FAILURE("a: !custom x\n", "UnsupportedTag", 1, 4);
    EXPECT_FAILURE("a: !!set {x}\n", "UnsupportedTag", 1, 4);
    EXPECT_FAILURE("a: !!int twelve\n", "TagMismatch", 1, 4);
    EXPECT_FAILURE("a: !!bool 1\n", "TagMismatch", 1, 4);
    workflow_diags diags = {0};
    workflow_doc *doc = parse("a: !!map {x: !!seq [1]}\nb: ! 12\n", &diags);
    CHECK(doc != NULL);
    if (doc) CHECK_STR(json_string_value(json_object_get(workflow_definition(doc), "b")), "12");
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

static void test_numbers(void)
{
    EXPECT_FAILURE("a: .inf\n", "InvalidNumber", 1, 4);
    EXPECT_FAILURE("a: -.Inf\n", "InvalidNumber", 1, 4);
    EXPECT_FAILURE("a: .nan\n", "InvalidNumber", 1, 4);
    EXPECT_FAILURE("a: 1e999\n", "InvalidNumber", 1, 4);
    EXPECT_FAILURE("a: 0x10000000000000000\n", "InvalidNumber", 1, 4);
    char huge[400] = "a: 1";
    memset(huge + 4, '0', 330); /* 10^330: beyond int64 and double */
    EXPECT_FAILURE(huge, "InvalidNumber", 1, 4);
}

static void test_syntax_errors(void)
{
    EXPECT_FAILURE("a: [1, 2\n", "SyntaxError", 2, 1);
    EXPECT_FAILURE("a: 'open\n", "SyntaxError", 0, 0);
    EXPECT_FAILURE("{\"a\": 1,, }", "SyntaxError", 0, 0);
    EXPECT_FAILURE("a:\n\tb: 1\n", "SyntaxError", 0, 0);
    EXPECT_FAILURE("a: b: c\n", "SyntaxError", 1, 5);
    expect_failure("a: 1\nb: x\0y\n", 11, "SyntaxError", 2, 5); /* a NUL byte */
    EXPECT_FAILURE("a: \"\\ud800\"\n", "SyntaxError", 1, 7);      /* an escaped surrogate */
}

/* Every prefix of a real definition either loads or fails with a named
 * diagnostic; none crashes or leaks (run under the sanitizers). */
static void test_truncated_input(void)
{
    const char *yaml = "Comment: \"all the shapes\"\n"
                       "StartAt: A\n"
                       "States:\n"
                       "  A: &s {Type: Pass, Result: {x: [1, 2.5, 'q', null]}, Next: B}\n"
                       "  B:\n"
                       "    Type: Choice\n"
                       "    Choices:\n"
                       "      - {Variable: $.x, NumericEquals: 1, Next: A}\n"
                       "    Default: C\n"
                       "  C: {Type: Succeed, Comment: \"\\u00e9 |>\"}\n";
    size_t len = strlen(yaml);
    for (size_t n = 0; n <= len; n++) {
        workflow_diags diags = {0};
        workflow_doc *doc = workflow_parse("cut", yaml, n, &diags);
        if (!doc && diags.count == 0)
            test_fail_(__FILE__, __LINE__, "prefix %zu: no diagnostic", n);
        if (doc && diags.count != 0) test_fail_(__FILE__, __LINE__, "prefix %zu: diagnostics", n);
        workflow_free(doc);
        workflow_diags_clear(&diags);
    }
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("whole", yaml, len, &diags);
    CHECK(doc != NULL);
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

/* Deterministic mutations of a definition (bytes flipped, deleted,
 * duplicated): each one loads, or fails with diagnostics, and a loaded one
 * validates without crashing. Run under the sanitizers, this is a small
 * fuzzer. */
static void test_mutations(void)
{
    static const char seed[] = "StartAt: A\n"
                               "States:\n"
                               "  A: &p {Type: Pass, Result: {x: [1, 2.5, 'q', \"\\u00e9\"]}, Next: B}\n"
                               "  B:\n"
                               "    Type: Choice\n"
                               "    Choices:\n"
                               "      - {Variable: $.x, NumericEquals: 1, Next: C}\n"
                               "    Default: C\n"
                               "  C: {Type: Task, Resource: 'plugin:x', Retry: [{ErrorEquals: [E]}],"
                               " Catch: [{ErrorEquals: [States.ALL], Next: A}], End: true}\n";
    static const char alphabet[] = "{}[]:,&*!|>'\"\\- \n\t#?%@`~$.0aZ\x80\xc3";
    char text[sizeof seed * 2];
    unsigned state = 12345;
    int loaded = 0, refused = 0;
    for (int round = 0; round < 3000; round++) {
        size_t len = sizeof seed - 1;
        memcpy(text, seed, len);
        for (int edits = 1 + round % 4; edits > 0; edits--) {
            state = state * 1103515245u + 12345u;
            size_t at = (state >> 8) % len;
            char c = alphabet[(state >> 20) % (sizeof alphabet - 1)];
            if (state % 3 == 0) {
                text[at] = c; /* replace */
            } else if (state % 3 == 1 && len > 1) {
                memmove(text + at, text + at + 1, len - at - 1); /* delete */
                len--;
            } else if (len + 1 < sizeof text) {
                memmove(text + at + 1, text + at, len - at); /* insert */
                text[at] = c;
                len++;
            }
        }
        workflow_diags diags = {0};
        workflow_doc *doc = workflow_parse("fuzz", text, len, &diags);
        loaded += doc != NULL;
        refused += doc == NULL;
        if (doc) {
            CHECK_INT(diags.count, 0);
            (void)workflow_validate(doc, NULL, NULL, &diags);
        } else if (diags.count != 1) {
            test_fail_(__FILE__, __LINE__, "round %d: %zu diagnostics for a refused text", round,
                       diags.count);
        }
        workflow_free(doc);
        workflow_diags_clear(&diags);
    }
    /* Both paths were exercised. */
    if (loaded < 300 || refused < 300)
        test_fail_(__FILE__, __LINE__, "%d loaded, %d refused", loaded, refused);
}

static void test_huge_input(void)
{
    /* Over the limit: refused before parsing. */
    size_t len = (size_t)WORKFLOW_MAX_BYTES + 1;
    char *big = malloc(len);
    memset(big, ' ', len);
    big[0] = 'a', big[1] = ':';
    expect_failure(big, len, "TooLarge", 0, 0);
    /* Just under it: a large but valid JSON list of 200k numbers loads. */
    size_t n = 0;
    n += (size_t)snprintf(big + n, len - n, "{\"items\": [");
    for (int i = 0; i < 200000; i++)
        n += (size_t)snprintf(big + n, len - n, "%s%d", i ? "," : "", i);
    n += (size_t)snprintf(big + n, len - n, "]}");
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("big", big, n, &diags);
    CHECK(doc != NULL);
    if (doc) {
        CHECK_INT(json_array_size(json_object_get(workflow_definition(doc), "items")), 200000);
        check_position(doc, "/items/199999", 1, (int)n - 7);
    }
    workflow_free(doc);
    workflow_diags_clear(&diags);
    free(big);
}

/* JSON writes characters beyond U+FFFF as surrogate pairs, which YAML 1.1
 * (libyaml) refuses: JSON documents must load all the same, with exact
 * positions. */
static void test_json_surrogate_pairs(void)
{
    const char *json = "{\"a\": \"\\ud83d\\ude00!\", \"k\\ud83d\\ude00\": \"\\\\ud83d\",\n"
                       " \"c\": [1, {\"d\": 2}]}";
    workflow_diags diags = {0};
    workflow_doc *doc = parse(json, &diags);
    CHECK(doc != NULL);
    CHECK_INT(diags.count, 0);
    if (!doc) return;
    json_t *d = workflow_definition(doc);
    CHECK_STR(json_string_value(json_object_get(d, "a")), "\xf0\x9f\x98\x80!");
    CHECK_STR(json_string_value(json_object_get(d, "k\xf0\x9f\x98\x80")), "\\ud83d");
    check_position(doc, "/a", 1, 7);
    check_position(doc, "/c/1/d", 2, 17);
    workflow_free(doc);
    /* In YAML the escape stays an error, with a hint. */
    EXPECT_FAILURE("a: \"\\ud83d\\ude00\"\n", "SyntaxError", 1, 7);
    CHECK(parse("a: \"\\ud83d\\ude00\"\n", &diags) == NULL);
    CHECK(diags.count == 1 && strstr(diags.items[0].message, "\\U0001F600") != NULL);
    workflow_diags_clear(&diags);
}

/* Every JSON file of the conformance suite loads to what jansson reads. */
static void test_json_conformance_files(void)
{
    const char *shared = getenv("YOGI_SHARED");
    char pattern[4096];
    glob_t found;
    if (!shared || !*shared) SKIP("YOGI_SHARED not set");
    snprintf(pattern, sizeof pattern, "%s/conformance/asl/*/*.json", shared);
    if (glob(pattern, 0, NULL, &found) != 0) SKIP("no conformance files");
    int files = 0;
    for (size_t i = 0; i < found.gl_pathc; i++) {
        const char *path = found.gl_pathv[i];
        json_error_t error;
        json_t *want = json_load_file(path, JSON_DECODE_ANY, &error);
        if (!want || json_is_null(want)) { /* a null document is "empty" here */
            json_decref(want);
            continue;
        }
        workflow_diags diags = {0};
        workflow_doc *doc = workflow_parse_file(path, &diags);
        if (!doc || !json_equal(want, workflow_definition(doc)))
            test_fail_(__FILE__, __LINE__, "%s loads differently from jansson", path);
        files++;
        workflow_free(doc);
        workflow_diags_clear(&diags);
        json_decref(want);
    }
    globfree(&found);
    CHECK(files > 1000);
}

static void test_parse_file(void)
{
    workflow_diags diags = {0};
    CHECK(workflow_parse_file("does-not-exist.yaml", &diags) == NULL);
    CHECK(diags.count == 1 && strcmp(diags.items[0].code, "ReadError") == 0);
    workflow_diags_clear(&diags);
    CHECK(workflow_parse_file(".", &diags) == NULL);
    CHECK(diags.count == 1 && strcmp(diags.items[0].code, "ReadError") == 0);
    workflow_diags_clear(&diags);
    FILE *f = fopen("w.yaml", "w");
    fputs("StartAt: A\nStates: {A: {Type: Succeed}}\n", f);
    fclose(f);
    workflow_doc *doc = workflow_parse_file("w.yaml", &diags);
    CHECK(doc != NULL && diags.count == 0);
    workflow_free(doc);
    f = fopen("big.yaml", "w");
    for (unsigned i = 0; i <= WORKFLOW_MAX_BYTES / 16; i++) fputs("# padding......\n", f);
    fclose(f);
    CHECK(workflow_parse_file("big.yaml", &diags) == NULL);
    CHECK(diags.count == 1 && strcmp(diags.items[0].code, "TooLarge") == 0);
    workflow_diags_clear(&diags);
}

static void test_diags_print(void)
{
    workflow_diags diags = {0};
    workflow_diags_add(&diags, 3, 7, "UnknownState", "no state named '%s'", "X");
    workflow_diags_add(&diags, 0, 0, "TooLarge", "too big");
    FILE *f = fopen("out.txt", "w+");
    workflow_diags_print(&diags, "flow.yaml", f);
    rewind(f);
    char line[256];
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "flow.yaml:3:7: UnknownState: no state named 'X'\n");
    CHECK(fgets(line, sizeof line, f) != NULL);
    CHECK_STR(line, "flow.yaml: TooLarge: too big\n");
    fclose(f);
    workflow_diags_clear(&diags);
    CHECK(diags.count == 0 && diags.items == NULL);
    for (int i = 0; i < WORKFLOW_MAX_DIAGS + 50; i++) workflow_diags_add(&diags, 1, 1, "X", "x");
    CHECK_INT(diags.count, WORKFLOW_MAX_DIAGS + 1);
    CHECK_STR(diags.items[WORKFLOW_MAX_DIAGS].code, "TooManyProblems");
    workflow_diags_clear(&diags);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_block_yaml_positions),
        TEST(test_json_positions),
        TEST(test_scalar_types),
        TEST(test_anchors_and_aliases),
        TEST(test_alias_bomb),
        TEST(test_undefined_and_recursive_alias),
        TEST(test_nesting_depth),
        TEST(test_nesting_through_aliases),
        TEST(test_invalid_utf8),
        TEST(test_duplicate_keys),
        TEST(test_documents),
        TEST(test_keys),
        TEST(test_tags),
        TEST(test_numbers),
        TEST(test_syntax_errors),
        TEST(test_truncated_input),
        TEST(test_mutations),
        TEST(test_huge_input),
        TEST(test_json_surrogate_pairs),
        TEST(test_json_conformance_files),
        TEST(test_parse_file),
        TEST(test_diags_print),
        {0},
    };
    return test_main(argc, argv, tests);
}
