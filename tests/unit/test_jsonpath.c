/*
 * test_jsonpath.c — asl_path_get and asl_path_check, table-driven.
 *
 * Each row: a path, an input document, and either the expected value (as
 * JSON text) or NULL and a fragment of the expected error cause.
 */
#include "asl.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

static const char *const doc =
    "{\"a\": {\"b\": 1, \"c\": [10, 20, 30, 40]}, \"x y\": 2, \"n\": null,"
    " \"items\": [{\"id\": 1, \"price\": 5, \"tag\": \"cheap\"},"
    "            {\"id\": 2, \"price\": 15, \"tag\": \"dear\"},"
    "            {\"id\": 3, \"price\": 25}],"
    " \"s\": \"text\", \"deep\": {\"id\": 9, \"more\": {\"id\": 10}}}";

struct path_case {
    const char *path;
    const char *expect; /* JSON text, or NULL for an error */
    const char *cause;  /* fragment of the cause when expect is NULL */
};

static const struct path_case cases[] = {
    /* definite paths */
    {"$", NULL, NULL},
    {"$.a.b", "1", NULL},
    {"$['a']['b']", "1", NULL},
    {"$[\"a\"].b", "1", NULL},
    {"$['x y']", "2", NULL},
    {"$.n", "null", NULL},
    {"$.a.c[0]", "10", NULL},
    {"$.a.c[3]", "40", NULL},
    {"$.a.c[-1]", "40", NULL},
    {"$.a.c[-4]", "10", NULL},
    {"$.items[1].tag", "\"dear\"", NULL},
    /* misses on definite paths: Jayway's messages */
    {"$.missing", NULL, "Invalid path '$.missing' : No results for path: $['missing']"},
    {"$.no.such.path", NULL, "Missing property in path $['no']"},
    {"$.a.missing", NULL, "No results for path: $['a']['missing']"},
    {"$.a.c[4]", NULL, "No results for path: $['a']['c'][4]"},
    {"$.a.c[-5]", NULL, "No results"},
    {"$.s.x", NULL, "Expected to find an object with property ['x'] in path $['s']"},
    {"$.a.b[0]", NULL, "No results"},
    /* indefinite paths: arrays of matches, never errors */
    {"$.a.c[*]", "[10, 20, 30, 40]", NULL},
    {"$.a.*", "[1, [10, 20, 30, 40]]", NULL},
    {"$.a.c[1:3]", "[20, 30]", NULL},
    {"$.a.c[:2]", "[10, 20]", NULL},
    {"$.a.c[2:]", "[30, 40]", NULL},
    {"$.a.c[-2:]", "[30, 40]", NULL},
    {"$.a.c[::2]", "[10, 30]", NULL},
    {"$.a.c[::-1]", "[40, 30, 20, 10]", NULL},
    {"$.a.c[1:100]", "[20, 30, 40]", NULL},
    {"$.a.c[0,2]", "[10, 30]", NULL},
    {"$['a','s']", "[{\"b\": 1, \"c\": [10, 20, 30, 40]}, \"text\"]", NULL},
    {"$.items[*].id", "[1, 2, 3]", NULL},
    {"$.items[*].tag", "[\"cheap\", \"dear\"]", NULL},
    {"$.nothing[*]", "[]", NULL},
    {"$.nothing[1:5].x", "[]", NULL},
    {"$..id", "[1, 2, 3, 9, 10]", NULL},
    {"$.deep..id", "[9, 10]", NULL},
    {"$..c[0]", "[10]", NULL},
    {"$..nope", "[]", NULL},
    /* filters */
    {"$.items[?(@.price > 10)].id", "[2, 3]", NULL},
    {"$.items[?(@.price >= 15)].id", "[2, 3]", NULL},
    {"$.items[?(@.price < 15)].id", "[1]", NULL},
    {"$.items[?(@.price <= 15)].id", "[1, 2]", NULL},
    {"$.items[?(@.price == 15)].id", "[2]", NULL},
    {"$.items[?(@.price != 15)].id", "[1, 3]", NULL},
    {"$.items[?(@.tag)].id", "[1, 2]", NULL},
    {"$.items[?(!@.tag)].id", "[3]", NULL},
    {"$.items[?(@.tag == 'dear')].id", "[2]", NULL},
    {"$.items[?(@.tag == \"cheap\")].id", "[1]", NULL},
    {"$.items[?(@.price > 1 && @.price < 20)].id", "[1, 2]", NULL},
    {"$.items[?(@.price < 10 || @.price > 20)].id", "[1, 3]", NULL},
    {"$.items[?((@.price < 10 || @.price > 20) && @.tag)].id", "[1]", NULL},
    {"$.items[?(@.tag =~ /^de.*/)].id", "[2]", NULL},
    {"$.items[?(@.tag =~ /DEAR/i)].id", "[2]", NULL},
    {"$.items[?(@.price > $.a.b)].id", "[1, 2, 3]", NULL},
    {"$.a.c[?(@ > 15)]", "[20, 30, 40]", NULL},
    {"$.items[?(@.price > 'x')].id", "[]", NULL},
    {"$.items[?(@.price == 1.5e1)].id", "[2]", NULL},
    {"$.items[?(@.price > -1)].id", "[1, 2, 3]", NULL},
};

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!v) test_fail_(__FILE__, __LINE__, "bad test JSON: %s", text);
    return v;
}

static void test_path_table(void)
{
    json_t *root = parse(doc);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct path_case *c = &cases[i];
        json_t *out = NULL;
        yogi_error err = {{0}, {0}};
        int rc = asl_path_get(c->path, root, NULL, &out, &err);
        if (!c->expect && !c->cause) { /* "$": the root itself */
            CHECK(rc == 0 && out == root);
        } else if (c->expect) {
            json_t *want = parse(c->expect);
            if (rc != 0 || !json_equal(out, want))
                test_fail_(__FILE__, __LINE__, "%s: got %s (%s)", c->path,
                           out ? json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY) : "error", err.cause);
            json_decref(want);
        } else {
            CHECK_INT(rc, -1);
            CHECK_STR(err.name, "States.Runtime");
            if (!strstr(err.cause, c->cause))
                test_fail_(__FILE__, __LINE__, "%s: cause \"%s\" lacks \"%s\"", c->path, err.cause, c->cause);
        }
        json_decref(out);
    }
    json_decref(root);
}

static void test_context_paths(void)
{
    json_t *root = parse("{\"a\": 1}");
    json_t *ctx = parse("{\"Execution\": {\"Id\": \"arn:x\", \"Input\": {\"k\": [1, 2]}}}");
    json_t *out = NULL;
    yogi_error err;
    CHECK_INT(asl_path_get("$$.Execution.Id", root, ctx, &out, &err), 0);
    CHECK_STR(json_string_value(out), "arn:x");
    json_decref(out);
    CHECK_INT(asl_path_get("$$.Execution.Input.k[1]", root, ctx, &out, &err), 0);
    CHECK_INT(json_integer_value(out), 2);
    json_decref(out);
    CHECK_INT(asl_path_get("$$", root, ctx, &out, &err), 0);
    CHECK(out == ctx);
    json_decref(out);
    CHECK_INT(asl_path_get("$$.Task.Token", root, ctx, &out, &err), -1);
    CHECK_INT(asl_path_get("$$.Execution.Id", root, NULL, &out, &err), -1);
    json_decref(root);
    json_decref(ctx);
}

/* Paths that must be refused by the syntax check, and why. */
static void test_check_rejects(void)
{
    static const char *const bad[] = {
        "", "a.b", ".a", "$.", "$..", "$.a.", "$[", "$[0", "$['a", "$['a']x", "$.a[?(@.x]",
        "$.a[?@.x]", "$.a[?()]", "$.a[::0]", "$.a[x]", "$.a[99999999999999999999999]",
        "$.a..", "$ .a", "$.a[?(@.x =~ 'y')]", "$.a[?(@.x == )]", "$.[0]",
        "$.a[?(@.x == 0x10)]", "$.a[?(@.x == 1e999)]", "$.a[?(@.x == nan)]",
    };
    char why[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (asl_path_check(bad[i], false, why, sizeof why))
            test_fail_(__FILE__, __LINE__, "accepted bad path \"%s\"", bad[i]);
        else CHECK(why[0] != '\0');
    }
    CHECK(asl_path_check(NULL, false, why, sizeof why) == false);
}

static void test_check_reference_paths(void)
{
    static const struct {
        const char *path;
        bool reference;
    } rows[] = {
        {"$", true}, {"$.a.b", true}, {"$['a b'][3]", true}, {"$.a[-1]", true},
        {"$.a[*]", false}, {"$..a", false}, {"$.a[1:2]", false}, {"$.a[?(@.x)]", false},
        {"$['a','b']", false}, {"$.*", false},
    };
    char why[128];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        CHECK(asl_path_check(rows[i].path, false, why, sizeof why));
        if (asl_path_check(rows[i].path, true, why, sizeof why) != rows[i].reference)
            test_fail_(__FILE__, __LINE__, "%s: reference check wrong", rows[i].path);
    }
}

/* Hostile input: long paths, deep filters, deep documents, bad UTF-8. */
static void test_hostile_paths(void)
{
    char why[128];
    size_t n = 100000;
    char *long_path = malloc(n + 1);
    long_path[0] = '$';
    for (size_t i = 1; i < n; i++) long_path[i] = i % 2 ? '.' : 'a';
    long_path[n] = '\0';
    CHECK(!asl_path_check(long_path, false, why, sizeof why));
    json_t *out = NULL, *root = json_object();
    yogi_error err;
    CHECK_INT(asl_path_get(long_path, root, NULL, &out, &err), -1);
    CHECK_STR(err.name, "States.Runtime");

    /* 2000 nested parentheses in a filter: refused, no stack overflow */
    size_t depth = 2000, k = 0;
    char *filter = malloc(depth * 2 + 64);
    k += (size_t)snprintf(filter, 16, "$.a[?(");
    for (size_t i = 0; i < depth; i++) filter[k++] = '(';
    k += (size_t)snprintf(filter + k, 8, "@.x");
    for (size_t i = 0; i < depth; i++) filter[k++] = ')';
    snprintf(filter + k, 4, ")]");
    CHECK(!asl_path_check(filter, false, why, sizeof why));

    /* a document 5000 levels deep under a deep scan */
    json_t *deep = json_object(), *cur = deep;
    for (int i = 0; i < 5000; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, "k", next);
        cur = next;
    }
    json_object_set_new(cur, "id", json_integer(7));
    CHECK_INT(asl_path_get("$..id", deep, NULL, &out, &err), 0);
    CHECK_INT(json_array_size(out), 1);
    json_decref(out);

    /* names with invalid UTF-8 simply do not match */
    CHECK_INT(asl_path_get("$['\xff\xfe']", root, NULL, &out, &err), -1);
    json_decref(deep);
    json_decref(root);
    free(filter);
    free(long_path);
}

/* Mutations of valid paths (fixed seed): each parses and evaluates or is
 * refused with a reason; none crashes. */
static void test_fuzz_paths(void)
{
    static const char *const seeds[] = {
        "$.items[?(@.price > 10 && (@.tag == 'x' || !@.id))].id",
        "$..a['b c','d'][1:-1:2][*]",
        "$$.Execution.Input[0].k[-1]",
        "$.a[?(@.t =~ /^x.*$/i)]",
    };
    static const char alphabet[] = "$.[]()?@'\"*:,-=!<>&|/\\ 0a1~";
    json_t *root = parse(doc), *ctx = parse("{\"Execution\": {\"Input\": [{\"k\": [1]}]}}");
    uint64_t rng = 42;
    char buf[256], why[128];
    for (int round = 0; round < 20000; round++) {
        snprintf(buf, sizeof buf, "%s", seeds[round % 4]);
        for (int m = 0; m < 1 + round % 4; m++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t len = strlen(buf), at = (size_t)(rng >> 33) % (len + 1);
            char ch = alphabet[(rng >> 17) % (sizeof alphabet - 1)];
            if ((rng & 3) == 0 && len > 0) memmove(buf + at, buf + at + 1, len - at);
            else if ((rng & 3) == 1 && len + 2 < sizeof buf) {
                memmove(buf + at + 1, buf + at, len - at + 1);
                buf[at] = ch;
            } else if (at < len) buf[at] = ch;
        }
        bool valid = asl_path_check(buf, false, why, sizeof why);
        json_t *out = NULL;
        yogi_error err = {{0}, {0}};
        int rc = asl_path_get(buf, root, ctx, &out, &err);
        if (rc == 0) CHECK(valid && out != NULL);
        else CHECK(strcmp(err.name, "States.Runtime") == 0 && out == NULL);
        json_decref(out);
    }
    json_decref(root);
    json_decref(ctx);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_path_table),          TEST(test_context_paths),
        TEST(test_check_rejects),       TEST(test_check_reference_paths),
        TEST(test_hostile_paths),       TEST(test_fuzz_paths),          {0},
    };
    return test_main(argc, argv, tests);
}
