/*
 * test_jsonata.c — the JSONata evaluator through its public contract
 * (engine/jsonata.h): results, undefined, bindings, error codes with
 * positions, limits, the ASL extra functions, and hostile input (deep
 * nesting, runaway recursion, huge ranges, garbage) that must end in a named
 * error, never a crash. The reference suite itself runs in
 * tests/integration/jsonata_suite.sh.
 */
#include "jsonata.h"
#include "test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Evaluate src against input (JSON text or NULL); the result as compact
 * JSON text ("undefined" for no value, "error CODE@POS" for an error). */
static char *eval_text(const char *src, const char *input, const char *bindings, const jsonata_limits *lim)
{
    static char buf[4096];
    jsonata_error err;
    json_t *in = input ? json_loads(input, JSON_DECODE_ANY, NULL) : NULL;
    json_t *b = bindings ? json_loads(bindings, 0, NULL) : NULL;
    json_t *out = NULL;
    jsonata_expr *e = jsonata_compile(src, strlen(src), &err);
    int rc = e ? jsonata_evaluate(e, in, b, lim, &out, &err) : -1;
    if (rc != 0) {
        snprintf(buf, sizeof buf, "error %s@%zu", err.code, err.position);
    } else if (!out) {
        snprintf(buf, sizeof buf, "undefined");
    } else {
        char *s = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(buf, sizeof buf, "%s", s);
        free(s);
    }
    json_decref(out);
    json_decref(in);
    json_decref(b);
    jsonata_free(e);
    return buf;
}

static const char *const order =
    "{\"Account\":{\"Order\":[{\"id\":\"o1\",\"Product\":[{\"Name\":\"Hat\",\"Price\":34.45,\"Quantity\":2},"
    "{\"Name\":\"Scarf\",\"Price\":21.67,\"Quantity\":1}]},{\"id\":\"o2\",\"Product\":[{\"Name\":\"Hat\","
    "\"Price\":34.45,\"Quantity\":4}]}]}}";

static void test_paths_and_sequences(void)
{
    CHECK_STR(eval_text("Account.Order.Product.Name", order, NULL, NULL), "[\"Hat\",\"Scarf\",\"Hat\"]");
    CHECK_STR(eval_text("Account.Order[0].id", order, NULL, NULL), "\"o1\"");
    CHECK_STR(eval_text("Account.Order[1].Product.Name", order, NULL, NULL), "\"Hat\"");
    CHECK_STR(eval_text("Account.Order[1].Product[].Name", order, NULL, NULL), "[\"Hat\"]");
    CHECK_STR(eval_text("Account.Nothing", order, NULL, NULL), "undefined");
    CHECK_STR(eval_text("$sum(Account.Order.Product.(Price * Quantity))", order, NULL, NULL), "228.37");
    CHECK_STR(eval_text("Account.Order.Product[Price > 30].Quantity", order, NULL, NULL), "[2,4]");
    CHECK_STR(eval_text("**.Name[0]", order, NULL, NULL), "[\"Hat\",\"Scarf\",\"Hat\"]");
    CHECK_STR(eval_text("Account.Order.Product{Name: $sum(Quantity)}", order, NULL, NULL), "{\"Hat\":6,\"Scarf\":1}");
    CHECK_STR(eval_text("Account.Order#$i.Product[$i = 1].Quantity", order, NULL, NULL), "4");
    CHECK_STR(eval_text("Account.Order@$o.$o.Product@$p.{'o': $o.id, 'n': $p.Name}[2]", order, NULL, NULL),
              "{\"o\":\"o2\",\"n\":\"Hat\"}");
    CHECK_STR(eval_text("Account.Order.Product.%.id", order, NULL, NULL), "[\"o1\",\"o1\",\"o2\"]");
    CHECK_STR(eval_text("Account.Order.Product^(>Price, Name).Name", order, NULL, NULL), "[\"Hat\",\"Hat\",\"Scarf\"]");
    CHECK_STR(eval_text("[1..5][$ % 2 = 1]", NULL, NULL, NULL), "[1,3,5]");
    CHECK_STR(eval_text("$", "[1,2]", NULL, NULL), "[1,2]");
}

static void test_operators_functions_lambdas(void)
{
    CHECK_STR(eval_text("1 + 2 * 3", NULL, NULL, NULL), "7");
    CHECK_STR(eval_text("'a' & 1 & true", NULL, NULL, NULL), "\"a1true\"");
    CHECK_STR(eval_text("3 in [1,2,3] and $not(false)", NULL, NULL, NULL), "true");
    CHECK_STR(eval_text("$x ? 'yes' : 'no'", NULL, "{\"x\": 0}", NULL), "\"no\"");
    CHECK_STR(eval_text("($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(10))", NULL, NULL, NULL), "3628800");
    CHECK_STR(eval_text("($add := function($a, $b){ $a + $b }; $inc := $add(?, 1); $map([1,2], $inc))", NULL, NULL, NULL),
              "[2,3]");
    CHECK_STR(eval_text("'hello' ~> $uppercase ~> $substring(1, 3)", NULL, NULL, NULL), "\"ELL\"");
    CHECK_STR(eval_text("$reduce([1,2,3,4], function($a, $b){ $a + $b })", NULL, NULL, NULL), "10");
    CHECK_STR(eval_text("$replace('2024-01-05', /(\\d+)-(\\d+)-(\\d+)/, '$3/$2/$1')", NULL, NULL, NULL), "\"05/01/2024\"");
    CHECK_STR(eval_text("$match('ab12cd345', /\\d+/).match", NULL, NULL, NULL), "[\"12\",\"345\"]");
    CHECK_STR(eval_text("$formatNumber(1234.5, '#,##0.00')", NULL, NULL, NULL), "\"1,234.50\"");
    CHECK_STR(eval_text("$formatInteger(1999, 'I')", NULL, NULL, NULL), "\"MCMXCIX\"");
    CHECK_STR(eval_text("$fromMillis(1510067557121, '[Y0001]-[M01]-[D01] [H01]:[m01]')", NULL, NULL, NULL),
              "\"2017-11-07 15:12\"");
    CHECK_STR(eval_text("$toMillis('2017-11-07T15:12:37.121Z')", NULL, NULL, NULL), "1510067557121");
    CHECK_STR(eval_text("$ ~> |Product|{'Total': Price * Quantity}, ['Quantity']|",
                        "{\"Product\":{\"Price\":2,\"Quantity\":3}}", NULL, NULL),
              "{\"Product\":{\"Price\":2,\"Total\":6}}");
    CHECK_STR(eval_text("$string(1/3)", NULL, NULL, NULL), "\"0.333333333333333\"");
}

static void test_errors_carry_code_and_position(void)
{
    CHECK_STR(eval_text("1 + ", NULL, NULL, NULL), "error S0207@4");
    CHECK_STR(eval_text("'abc", NULL, NULL, NULL), "error S0101@4");
    CHECK_STR(eval_text("(1; 2", NULL, NULL, NULL), "error S0203@5");
    CHECK_STR(eval_text("1 + 'a'", NULL, NULL, NULL), "error T2002@3");
    CHECK_STR(eval_text("$number('x')", NULL, NULL, NULL), "error D3030@8");
    CHECK_STR(eval_text("$sum('a')", NULL, NULL, NULL), "error T0412@5");
    CHECK_STR(eval_text("$nosuch(1)", NULL, NULL, NULL), "error T1006@8");
    CHECK_STR(eval_text("/[/", NULL, NULL, NULL), "error S0302@3");
    CHECK_STR(eval_text("/+/", NULL, NULL, NULL), "error S0303@3");
    CHECK_STR(eval_text("[1..20000000]", NULL, NULL, NULL), "error D2014@4");
    /* compile alone reports syntax errors (the validator's use) */
    jsonata_error err;
    CHECK(jsonata_compile("a.b[", 4, &err) == NULL);
    CHECK_STR(err.code, "S0207");
    CHECK(strlen(err.message) > 0);
}

static void test_limits(void)
{
    jsonata_limits lim = {.max_depth = 50};
    CHECK_STR(eval_text("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100))", NULL, NULL, &lim), "error U1001@40");
    /* tail calls run in constant depth */
    CHECK_STR(eval_text("($f := function($n, $a){ $n = 0 ? $a : $f($n - 1, $a + 1) }; $f(5000, 0))", NULL, NULL, &lim),
              "5000");
    jsonata_limits tl = {.time_limit_ms = 100};
    /* Runaway recursion is U1001 whichever limit stops it: depth, time, or
     * (a tail-recursive loop, which keeps its frames in the arena) the
     * working-memory cap, which on a fast machine can come before the
     * clock. Never a crash, never a different code by the machine's speed. */
    const char *r = eval_text("($f := function(){ $f() + 1 }; $f())", NULL, NULL, &tl);
    CHECK(strncmp(r, "error U1001", 11) == 0);
    r = eval_text("($f := function($n){ $f($n + 1) }; $f(0))", NULL, NULL, &tl);
    CHECK(strncmp(r, "error U1001", 11) == 0);
    jsonata_limits no_clock = {0};
    r = eval_text("($f := function($n){ $f($n + 1) }; $f(0))", NULL, NULL, &no_clock);
    CHECK(strncmp(r, "error U1001", 11) == 0);
}

static void test_hostile_input(void)
{
    /* deep nesting is an error, not a stack overflow */
    size_t n = 100000;
    char *deep = malloc(2 * n + 2);
    memset(deep, '(', n);
    deep[n] = '1';
    memset(deep + n + 1, ')', n);
    deep[2 * n + 1] = 0;
    CHECK(strncmp(eval_text(deep, NULL, NULL, NULL), "error U1001", 11) == 0);
    memset(deep, '[', n);
    deep[n] = 0;
    CHECK(strncmp(eval_text(deep, NULL, NULL, NULL), "error ", 6) == 0);
    free(deep);
    /* unbounded non-tail recursion without limits set: the default depth ends it */
    CHECK(strncmp(eval_text("($f := function($n){ 1 + $f($n) }; $f(1))", NULL, NULL, NULL), "error U1001", 11) == 0);
    static const char *const junk[] = {"", ")", "$$$$", "{", "a..b", "function($x)", "`abc", "/* x", "\"\\u12\"",
                                       "1e999", "@", "#", "$f(?)", "||", "a[", "{'a':}", "(a;;)", "&", "~>", "?"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        const char *r = eval_text(junk[i], "{\"a\":1}", NULL, NULL);
        CHECK(r != NULL);
    }
    CHECK_STR(eval_text("", NULL, NULL, NULL), "error S0207@0");
}

static void *deep_in_thread(void *arg)
{
    (void)arg;
    return strdup(eval_text("($f := function($n){ 1 + $f($n) }; $f(1))", NULL, NULL, NULL));
}

/* A thread with a small stack: the guard on the real stack ends the
 * recursion with U1001 before the default depth limit would. */
static void test_small_stack_thread(void)
{
    pthread_attr_t attr;
    pthread_t t;
    void *r = NULL;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    CHECK(pthread_create(&t, &attr, deep_in_thread, NULL) == 0);
    pthread_join(t, &r);
    pthread_attr_destroy(&attr);
    CHECK(r && strncmp(r, "error U1001", 11) == 0);
    free(r);
}

static jsonata_expr *shared_expr;

static void *eval_shared(void *arg)
{
    json_t *in = json_pack("{s:[s,s,s]}", "words", "b-2", "a-1", "c-3");
    long ok = 0;
    for (int i = 0; i < 200; i++) {
        json_t *out = NULL;
        jsonata_error err;
        if (jsonata_evaluate(shared_expr, in, NULL, NULL, &out, &err) == 0) {
            char *s = json_dumps(out, JSON_ENCODE_ANY | JSON_COMPACT);
            ok += strcmp(s, "[\"1\",\"2\",\"3\"]") == 0;
            free(s);
            json_decref(out);
        }
    }
    json_decref(in);
    (void)arg;
    return (void *)ok;
}

/* One compiled expression (with a regex literal) evaluated on four threads
 * at once, as Map iterations may: every evaluation gets the right answer. */
static void test_shared_expression_threads(void)
{
    const char *src = "$sort(words).$replace($, /^[a-z]-/, '')";
    jsonata_error err;
    shared_expr = jsonata_compile(src, strlen(src), &err);
    CHECK(shared_expr != NULL);
    pthread_t t[4];
    for (int i = 0; i < 4; i++) CHECK(pthread_create(&t[i], NULL, eval_shared, NULL) == 0);
    long total = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    CHECK_INT(total, 800);
    jsonata_free(shared_expr);
}

static void test_asl_functions(void)
{
    jsonata_limits asl = {.asl_functions = 1};
    CHECK_STR(eval_text("$partition([1,2,3,4,5], 2)", NULL, NULL, &asl), "[[1,2],[3,4],[5]]");
    CHECK_STR(eval_text("$range(0, 10, 5)", NULL, NULL, &asl), "[0,5,10]");
    CHECK_STR(eval_text("$hash('abc', 'SHA-256')", NULL, NULL, &asl),
              "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"");
    CHECK_STR(eval_text("$parse('{\"a\": [1, true]}').a", NULL, NULL, &asl), "[1,true]");
    CHECK_STR(eval_text("$length($uuid())", NULL, NULL, &asl), "36");
    const char *r = eval_text("$random() < 1", NULL, NULL, &asl);
    CHECK_STR(r, "true");
    /* without the ASL flag, $partition is not a function */
    CHECK_STR(eval_text("$partition([1], 1)", NULL, NULL, NULL), "error T1006@11");
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_paths_and_sequences),
        TEST(test_operators_functions_lambdas),
        TEST(test_errors_carry_code_and_position),
        TEST(test_limits),
        TEST(test_hostile_input),
        TEST(test_small_stack_thread),
        TEST(test_shared_expression_threads),
        TEST(test_asl_functions),
        {0},
    };
    return test_main(argc, argv, tests);
}
