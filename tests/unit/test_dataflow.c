/*
 * test_dataflow.c — payload templates, InputPath/OutputPath and ResultPath.
 */
#include "asl.h"
#include "test.h"

#include <stdlib.h>

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!v) test_fail_(__FILE__, __LINE__, "bad test JSON: %s", text);
    return v;
}

static bool same(json_t *got, const char *want_text)
{
    json_t *want = parse(want_text);
    bool ok = got && json_equal(got, want);
    if (!ok) {
        char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        printf("# got %s, want %s\n", g ? g : "(nothing)", want_text);
        free(g);
    }
    json_decref(want);
    return ok;
}

struct payload_case {
    const char *tmpl, *input;
    const char *expect; /* JSON text, or NULL for an error */
    const char *cause;
};

static const struct payload_case payload_cases[] = {
    {"{\"a\": 1, \"b\": \"$.x\"}", "{\"x\": 2}", "{\"a\": 1, \"b\": \"$.x\"}", NULL},
    {"{\"b.$\": \"$.x\"}", "{\"x\": 2}", "{\"b\": 2}", NULL},
    {"{\"all.$\": \"$\"}", "[1]", "{\"all\": [1]}", NULL},
    {"{\"n\": {\"m\": [{\"v.$\": \"$.x\"}, \"$.x\"]}}", "{\"x\": true}",
     "{\"n\": {\"m\": [{\"v\": true}, \"$.x\"]}}", NULL},
    {"{\"ids.$\": \"$.l[*].id\"}", "{\"l\": [{\"id\": 1}, {\"id\": 2}]}", "{\"ids\": [1, 2]}", NULL},
    {"{\"none.$\": \"$.l[*].id\"}", "{}", "{\"none\": []}", NULL},
    {"{\"f.$\": \"States.Format('{}!', $.x)\"}", "{\"x\": \"hi\"}", "{\"f\": \"hi!\"}", NULL},
    {"{\"id.$\": \"$$.Execution.Id\"}", "{}", "{\"id\": \"arn:exec\"}", NULL},
    {"{\"k.$\": \"$.nope\"}", "{\"x\": 1}", NULL,
     "The JSONPath '$.nope' specified for the field 'k.$' could not be found in the input '{\"x\":1}'"},
    {"{\"k.$\": 5}", "{}", NULL, "must be a STRING"},
    {"{\"k.$\": \"$[\"}", "{}", NULL, "Invalid path '$['"},
    {"{\"k.$\": \"States.Nope()\"}", "{}", NULL, "unknown function"},
    {"[{\"a.$\": \"$.x\"}, 3]", "{\"x\": 0}", "[{\"a\": 0}, 3]", NULL},
    {"{\".$\": \"$.x\"}", "{\"x\": 0}", "{\".$\": \"$.x\"}", NULL},
};

static void test_payload_table(void)
{
    json_t *ctx = parse("{\"Execution\": {\"Id\": \"arn:exec\"}}");
    for (size_t i = 0; i < sizeof payload_cases / sizeof payload_cases[0]; i++) {
        const struct payload_case *c = &payload_cases[i];
        json_t *tmpl = parse(c->tmpl), *input = parse(c->input), *out = NULL;
        yogi_error err = {{0}, {0}};
        int rc = asl_payload_eval(tmpl, input, ctx, &out, &err);
        if (c->expect) {
            if (rc != 0 || !same(out, c->expect))
                test_fail_(__FILE__, __LINE__, "template %s (%s)", c->tmpl, err.cause);
        } else {
            CHECK_INT(rc, -1);
            CHECK_STR(err.name, "States.Runtime");
            if (!strstr(err.cause, c->cause))
                test_fail_(__FILE__, __LINE__, "%s: cause \"%s\" lacks \"%s\"", c->tmpl, err.cause, c->cause);
        }
        json_decref(out);
        json_decref(tmpl);
        json_decref(input);
    }
    json_decref(ctx);
}

static void test_payload_check(void)
{
    static const struct {
        const char *tmpl, *where; /* where: NULL when valid */
    } rows[] = {
        {"{\"a\": 1, \"b.$\": \"$.x\", \"c\": [{\"d.$\": \"States.Array()\"}]}", NULL},
        {"{\"b.$\": \"$[\"}", "/b.$"},
        {"{\"a\": {\"b/c\": [0, {\"d~.$\": 1}]}}", "/a/b~1c/1/d~0.$"},
        {"{\"a\": [{\"x.$\": \"States.Format(\"}]}", "/a/0/x.$"},
        {"{\"x.$\": \"nonsense\"}", "/x.$"},
    };
    char where[256], why[256];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *tmpl = parse(rows[i].tmpl);
        where[0] = why[0] = '\0';
        bool ok = asl_payload_check(tmpl, where, sizeof where, why, sizeof why);
        if (ok != (rows[i].where == NULL))
            test_fail_(__FILE__, __LINE__, "check(%s) = %d", rows[i].tmpl, ok);
        else if (!ok) {
            CHECK_STR(where, rows[i].where);
            CHECK(why[0] != '\0');
        }
        json_decref(tmpl);
    }
}

static void test_select(void)
{
    json_t *v = parse("{\"a\": {\"b\": [1, 2]}}"), *out = NULL, *p;
    yogi_error err;
    CHECK_INT(asl_select(NULL, v, NULL, &out, &err), 0);
    CHECK(out == v);
    json_decref(out);
    CHECK_INT(asl_select(json_null(), v, NULL, &out, &err), 0);
    CHECK(same(out, "{}"));
    json_decref(out);
    p = json_string("$.a.b[1]");
    CHECK_INT(asl_select(p, v, NULL, &out, &err), 0);
    CHECK(same(out, "2"));
    json_decref(out);
    json_decref(p);
    p = json_string("$.NoSuchInputPath");
    CHECK_INT(asl_select(p, v, NULL, &out, &err), -1);
    CHECK_STR(err.name, "States.Runtime");
    CHECK_STR(err.cause, "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']");
    json_decref(p);
    p = json_integer(3);
    CHECK_INT(asl_select(p, v, NULL, &out, &err), -1);
    json_decref(p);
    json_decref(v);
}

static void test_field_path(void)
{
    json_t *input = parse("{\"Error\": \"E\", \"n\": 1}"), *out = NULL;
    yogi_error err;
    CHECK_INT(asl_field_path_get("ErrorPath", "$.Error", input, NULL, &out, &err), 0);
    CHECK_STR(json_string_value(out), "E");
    json_decref(out);
    CHECK_INT(asl_field_path_get("ErrorPath", "$.ErrorX", input, NULL, &out, &err), -1);
    CHECK_STR(err.name, "States.Runtime");
    CHECK_STR(err.cause, "The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be "
                         "found in the input '{\"Error\":\"E\",\"n\":1}'");
    CHECK_INT(asl_field_path_get("CausePath", "$[", input, NULL, &out, &err), -1);
    CHECK(strstr(err.cause, "Invalid path '$['") != NULL);
    CHECK_INT(asl_field_path_get("CausePath", NULL, input, NULL, &out, &err), -1);
    json_decref(input);
}

struct result_case {
    const char *path;   /* JSON text of the ResultPath member; NULL when absent */
    const char *input, *result;
    const char *expect; /* NULL: an error */
};

static const struct result_case result_cases[] = {
    {NULL, "{\"a\": 1}", "{\"r\": 2}", "{\"r\": 2}"},
    {"null", "{\"a\": 1}", "{\"r\": 2}", "{\"a\": 1}"},
    {"\"$\"", "{\"a\": 1}", "7", "7"},
    {"\"$.r\"", "{\"a\": 1}", "7", "{\"a\": 1, \"r\": 7}"},
    {"\"$.a\"", "{\"a\": 1}", "7", "{\"a\": 7}"},
    {"\"$.x.y.z\"", "{\"a\": 1}", "[7]", "{\"a\": 1, \"x\": {\"y\": {\"z\": [7]}}}"},
    {"\"$.x.y\"", "{\"x\": {\"k\": 0}}", "7", "{\"x\": {\"k\": 0, \"y\": 7}}"},
    {"\"$['odd key']\"", "{}", "1", "{\"odd key\": 1}"},
    {"\"$.l[1]\"", "{\"l\": [0, 0]}", "9", "{\"l\": [0, 9]}"},
    {"\"$.l[-1].v\"", "{\"l\": [{}, {}]}", "9", "{\"l\": [{}, {\"v\": 9}]}"},
    {"\"$.l[5]\"", "{\"l\": [0]}", "9", NULL},
    {"\"$.a.b\"", "{\"a\": 1}", "9", NULL},
    {"\"$.r\"", "\"text\"", "9", NULL},
    {"\"$.a[*]\"", "{\"a\": [1]}", "9", NULL},
    {"\"$$.Execution\"", "{}", "9", NULL},
    {"\"x\"", "{}", "9", NULL},
    {"5", "{}", "9", NULL},
};

static void test_result_path_table(void)
{
    for (size_t i = 0; i < sizeof result_cases / sizeof result_cases[0]; i++) {
        const struct result_case *c = &result_cases[i];
        json_t *path = c->path ? parse(c->path) : NULL, *input = parse(c->input);
        json_t *result = parse(c->result), *before = json_deep_copy(input), *out = NULL;
        yogi_error err = {{0}, {0}};
        int rc = asl_result_path(path, input, result, &out, &err);
        if (c->expect) {
            if (rc != 0 || !same(out, c->expect))
                test_fail_(__FILE__, __LINE__, "ResultPath %s (%s)", c->path ? c->path : "absent", err.cause);
        } else {
            CHECK_INT(rc, -1);
            CHECK_STR(err.name, "States.Runtime");
            CHECK(out == NULL);
        }
        CHECK(json_equal(input, before)); /* the raw input is never changed */
        json_decref(out);
        json_decref(path);
        json_decref(input);
        json_decref(result);
        json_decref(before);
    }
}

/* Hostile templates: deeply nested, huge, invalid UTF-8 keys survive. */
static void test_hostile_templates(void)
{
    json_t *tmpl = json_object(), *cur = tmpl, *out = NULL, *input = parse("{\"x\": 1}");
    yogi_error err;
    for (int i = 0; i < 1000; i++) {
        json_t *next = json_array();
        json_t *obj = json_object();
        json_array_append_new(next, obj);
        json_object_set_new(cur, "k", next);
        cur = obj;
    }
    json_object_set_new(cur, "v.$", json_string("$.x"));
    CHECK_INT(asl_payload_eval(tmpl, input, NULL, &out, &err), 0);
    json_decref(out);
    char where[64], why[64];
    CHECK(asl_payload_check(tmpl, where, sizeof where, why, sizeof why));
    json_object_set_new(cur, "v.$", json_string("$["));
    CHECK(!asl_payload_check(tmpl, where, sizeof where, why, sizeof why));
    CHECK(strncmp(where, "/k/0/k/0", 8) == 0); /* truncated, still a prefix */
    json_decref(tmpl);
    json_decref(input);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_payload_table), TEST(test_payload_check),     TEST(test_select),
        TEST(test_field_path),
        TEST(test_result_path_table), TEST(test_hostile_templates), {0},
    };
    return test_main(argc, argv, tests);
}
