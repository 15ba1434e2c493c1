/*
 * test_choice.c — Choice rules and RFC 3339 timestamps, table-driven.
 *
 * Each row: a rule, an input, and the expected verdict (1 match, 0 no
 * match, -1 States.Runtime).
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

struct choice_case {
    const char *rule, *input;
    int expect;
};

#define V "\"Variable\": \"$.v\", "

static const struct choice_case cases[] = {
    /* strings */
    {"{" V "\"StringEquals\": \"a\"}", "{\"v\": \"a\"}", 1},
    {"{" V "\"StringEquals\": \"a\"}", "{\"v\": \"b\"}", 0},
    {"{" V "\"StringEquals\": \"1\"}", "{\"v\": 1}", 0},
    {"{" V "\"StringLessThan\": \"b\"}", "{\"v\": \"a\"}", 1},
    {"{" V "\"StringLessThan\": \"a\"}", "{\"v\": \"a\"}", 0},
    {"{" V "\"StringLessThanEquals\": \"a\"}", "{\"v\": \"a\"}", 1},
    {"{" V "\"StringGreaterThan\": \"a\"}", "{\"v\": \"ab\"}", 1},
    {"{" V "\"StringGreaterThanEquals\": \"b\"}", "{\"v\": \"a\"}", 0},
    {"{" V "\"StringEqualsPath\": \"$.w\"}", "{\"v\": \"x\", \"w\": \"x\"}", 1},
    {"{" V "\"StringEqualsPath\": \"$.w\"}", "{\"v\": \"x\", \"w\": 1}", 0},
    {"{" V "\"StringEqualsPath\": \"$.missing\"}", "{\"v\": \"x\"}", -1},
    /* StringMatches */
    {"{" V "\"StringMatches\": \"log-*.txt\"}", "{\"v\": \"log-2024.txt\"}", 1},
    {"{" V "\"StringMatches\": \"log-*.txt\"}", "{\"v\": \"log-2024.txt.gz\"}", 0},
    {"{" V "\"StringMatches\": \"*\"}", "{\"v\": \"\"}", 1},
    {"{" V "\"StringMatches\": \"a*b*c\"}", "{\"v\": \"aXbYbZc\"}", 1},
    {"{" V "\"StringMatches\": \"a\\\\*b\"}", "{\"v\": \"a*b\"}", 1},
    {"{" V "\"StringMatches\": \"a\\\\*b\"}", "{\"v\": \"aXb\"}", 0},
    {"{" V "\"StringMatches\": \"a\\\\\\\\b\"}", "{\"v\": \"a\\\\b\"}", 1},
    {"{" V "\"StringMatches\": \"*a*a*a*a*a*a*a*a*b\"}", "{\"v\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", 0},
    /* numbers */
    {"{" V "\"NumericEquals\": 1}", "{\"v\": 1.0}", 1},
    {"{" V "\"NumericEquals\": 1}", "{\"v\": \"1\"}", 0},
    {"{" V "\"NumericEquals\": 9007199254740993}", "{\"v\": 9007199254740992}", 0},
    {"{" V "\"NumericLessThan\": 1.5}", "{\"v\": 1}", 1},
    {"{" V "\"NumericGreaterThan\": 1.5}", "{\"v\": 1}", 0},
    {"{" V "\"NumericLessThanEquals\": 1}", "{\"v\": 1}", 1},
    {"{" V "\"NumericGreaterThanEquals\": -1}", "{\"v\": -1e3}", 0},
    {"{" V "\"NumericEqualsPath\": \"$.w\"}", "{\"v\": 2, \"w\": 2.0}", 1},
    {"{" V "\"NumericGreaterThanPath\": \"$.w\"}", "{\"v\": 3, \"w\": 2}", 1},
    {"{" V "\"NumericLessThan\": 1}", "{\"v\": true}", 0},
    /* booleans */
    {"{" V "\"BooleanEquals\": true}", "{\"v\": true}", 1},
    {"{" V "\"BooleanEquals\": false}", "{\"v\": 0}", 0},
    {"{" V "\"BooleanEqualsPath\": \"$.w\"}", "{\"v\": false, \"w\": false}", 1},
    /* timestamps */
    {"{" V "\"TimestampEquals\": \"2020-01-01T00:00:00Z\"}", "{\"v\": \"2020-01-01T01:00:00+01:00\"}", 1},
    {"{" V "\"TimestampLessThan\": \"2020-01-01T00:00:00Z\"}", "{\"v\": \"2019-12-31T23:59:59.999Z\"}", 1},
    {"{" V "\"TimestampGreaterThan\": \"2020-01-01T00:00:00Z\"}", "{\"v\": \"2020-01-01T00:00:00.001Z\"}", 1},
    {"{" V "\"TimestampGreaterThanEquals\": \"2020-01-01T00:00:00Z\"}", "{\"v\": \"2020-01-01 00:00:00Z\"}", 0},
    {"{" V "\"TimestampLessThanEquals\": \"2020-01-01T00:00:00Z\"}", "{\"v\": 5}", 0},
    {"{" V "\"TimestampLessThanPath\": \"$.w\"}", "{\"v\": \"2020-01-01T00:00:00Z\", \"w\": \"2021-01-01T00:00:00Z\"}", 1},
    /* type tests */
    {"{" V "\"IsNull\": true}", "{\"v\": null}", 1},
    {"{" V "\"IsNull\": false}", "{\"v\": null}", 0},
    {"{" V "\"IsPresent\": true}", "{\"v\": null}", 1},
    {"{" V "\"IsPresent\": true}", "{}", 0},
    {"{" V "\"IsPresent\": false}", "{}", 1},
    {"{" V "\"IsNumeric\": true}", "{\"v\": 1.5}", 1},
    {"{" V "\"IsNumeric\": true}", "{\"v\": \"1.5\"}", 0},
    {"{" V "\"IsString\": true}", "{\"v\": \"\"}", 1},
    {"{" V "\"IsBoolean\": false}", "{\"v\": 1}", 1},
    {"{" V "\"IsTimestamp\": true}", "{\"v\": \"2016-03-14T01:59:00Z\"}", 1},
    {"{" V "\"IsTimestamp\": true}", "{\"v\": \"2016-02-30T01:59:00Z\"}", 0},
    /* missing Variable: States.Runtime, except IsPresent */
    {"{" V "\"StringEquals\": \"a\"}", "{}", -1},
    {"{" V "\"IsNull\": true}", "{}", -1},
    /* And, Or, Not */
    {"{\"And\": [{" V "\"NumericGreaterThan\": 1}, {" V "\"NumericLessThan\": 3}]}", "{\"v\": 2}", 1},
    {"{\"And\": [{" V "\"NumericGreaterThan\": 1}, {" V "\"NumericLessThan\": 2}]}", "{\"v\": 2}", 0},
    {"{\"Or\": [{" V "\"StringEquals\": \"x\"}, {" V "\"StringEquals\": \"y\"}]}", "{\"v\": \"y\"}", 1},
    {"{\"Or\": [{" V "\"IsPresent\": false}, {\"Variable\": \"$.w\", \"IsNull\": true}]}", "{\"v\": 1}", -1},
    {"{\"Not\": {" V "\"StringEquals\": \"x\"}}", "{\"v\": \"y\"}", 1},
    {"{\"Not\": {\"Not\": {" V "\"BooleanEquals\": true}}}", "{\"v\": true}", 1},
    {"{\"Variable\": \"$$.Execution.Name\", \"StringEquals\": \"run-1\"}", "{}", 1},
    {"{\"Variable\": \"$.l[*]\", \"IsPresent\": true}", "{}", 1},
};

static void test_choice_table(void)
{
    json_t *ctx = parse("{\"Execution\": {\"Name\": \"run-1\"}}");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *rule = parse(cases[i].rule), *input = parse(cases[i].input);
        yogi_error err = {{0}, {0}};
        int got = asl_choice_eval(rule, input, ctx, &err);
        if (got != cases[i].expect)
            test_fail_(__FILE__, __LINE__, "%s on %s: %d, expected %d (%s)", cases[i].rule,
                       cases[i].input, got, cases[i].expect, err.cause);
        if (got < 0) {
            CHECK_STR(err.name, "States.Runtime");
            CHECK(strstr(err.cause, "The choice state's condition path references an invalid value") != NULL);
        }
        json_decref(rule);
        json_decref(input);
    }
    json_decref(ctx);
}

static void test_choice_check(void)
{
    static const struct {
        const char *rule, *where; /* where: NULL when valid */
    } rows[] = {
        {"{" V "\"StringEquals\": \"a\", \"Next\": \"S\"}", NULL},
        {"{\"And\": [{" V "\"IsNull\": true}, {\"Not\": {" V "\"NumericEquals\": 1}}], \"Next\": \"S\"}", NULL},
        {"{" V "\"TimestampEquals\": \"2020-01-01T00:00:00Z\"}", NULL},
        {"{" V "\"StringEquals\": 1}", "/StringEquals"},
        {"{" V "\"NumericEquals\": \"1\"}", "/NumericEquals"},
        {"{" V "\"BooleanEquals\": 1}", "/BooleanEquals"},
        {"{" V "\"IsNull\": \"yes\"}", "/IsNull"},
        {"{" V "\"TimestampEquals\": \"yesterday\"}", "/TimestampEquals"},
        {"{" V "\"StringEqualsPath\": \"nope\"}", "/StringEqualsPath"},
        {"{\"Variable\": \"v\", \"StringEquals\": \"a\"}", "/Variable"},
        {"{\"Variable\": 3, \"StringEquals\": \"a\"}", "/Variable"},
        {"{" V "\"StringEquals\": \"a\", \"NumericEquals\": 1}", ""},
        {"{" V "\"Next\": \"S\"}", ""},
        {"{" V "\"StringEquals\": \"a\", \"Bogus\": 1}", "/Bogus"},
        {"{\"And\": []}", "/And"},
        {"{\"Or\": [{" V "\"IsNull\": true}, {" V "\"Nope\": 1}]}", "/Or/1"},
        {"{\"Not\": {\"And\": [{\"Variable\": \"$[\", \"IsNull\": true}]}}", "/Not/And/0/Variable"},
        {"{\"And\": [], \"Or\": []}", ""},
        {"[]", ""},
    };
    char where[128], why[128];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *rule = parse(rows[i].rule);
        where[0] = why[0] = '\0';
        bool ok = asl_choice_check(rule, where, sizeof where, why, sizeof why);
        if (ok != (rows[i].where == NULL))
            test_fail_(__FILE__, __LINE__, "check(%s) = %d (%s)", rows[i].rule, ok, why);
        else if (!ok) {
            CHECK_STR(where, rows[i].where);
            CHECK(why[0] != '\0');
        }
        json_decref(rule);
    }
}

static void test_timestamps(void)
{
    static const struct {
        const char *text;
        bool ok;
        long long ms;
    } rows[] = {
        {"1970-01-01T00:00:00Z", true, 0},
        {"2016-03-14T01:59:00Z", true, 1457920740000LL},
        {"2016-03-14T01:59:00.5Z", true, 1457920740500LL},
        {"2016-03-14T01:59:00.123456789Z", true, 1457920740123LL},
        {"2016-03-14T03:59:00+02:00", true, 1457920740000LL},
        {"2016-03-13T23:59:00-02:00", true, 1457920740000LL},
        {"2000-02-29T00:00:00Z", true, 951782400000LL},
        {"1969-12-31T23:59:59Z", true, -1000},
        {"2100-02-29T00:00:00Z", false, 0},
        {"2016-13-05T21:29:29Z", false, 0},
        {"2016-12-05T25:29:29Z", false, 0},
        {"2016-12-05T21:60:29Z", false, 0},
        {"2016-12-05T21:29:60Z", false, 0},
        {"2016-12-05 21:29:29Z", false, 0},
        {"2016-12-05T21:29:29", false, 0},
        {"2016-12-05t21:29:29z", false, 0},
        {"05-12-2016T21:29:29Z", false, 0},
        {"2016-12-05T21:29:29.Z", false, 0},
        {"2016-12-05T21:29:29.1234567890Z", false, 0},
        {"2016-12-05T21:29:29+2:00", false, 0},
        {"2016-12-05T21:29:29+19:00", false, 0},
        {"2016-12-05T21:29:29Z ", false, 0},
        {"2016-12-05T21:29Z", false, 0},
        {"", false, 0},
        {"2016-12-05T21:29:29\xff", false, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t ms = 0;
        bool ok = asl_timestamp_parse(rows[i].text, &ms);
        if (ok != rows[i].ok || (ok && ms != rows[i].ms))
            test_fail_(__FILE__, __LINE__, "%s: ok=%d ms=%lld", rows[i].text, ok, (long long)ms);
    }
    int64_t ms;
    CHECK(!asl_timestamp_parse(NULL, &ms));
}

/* Hostile rules: nesting deeper than the bound fails cleanly. */
static void test_hostile_rules(void)
{
    json_t *rule = parse("{\"Variable\": \"$.v\", \"IsNull\": true}"), *input = parse("{\"v\": null}");
    for (int i = 0; i < 200; i++) rule = json_pack("{s:o}", "Not", rule);
    yogi_error err;
    char where[64], why[64];
    CHECK_INT(asl_choice_eval(rule, input, NULL, &err), -1);
    CHECK(!asl_choice_check(rule, where, sizeof where, why, sizeof why));
    json_decref(rule);
    json_decref(input);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_choice_table), TEST(test_choice_check), TEST(test_timestamps),
        TEST(test_hostile_rules), {0},
    };
    return test_main(argc, argv, tests);
}
