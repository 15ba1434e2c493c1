/*
 * test_intrinsics.c — asl_intrinsic_eval / asl_intrinsic_check and the
 * digests behind States.Hash, table-driven.
 *
 * Each row: an expression, the input, and the expected result as JSON text,
 * or NULL and a fragment of the cause of the expected States.Runtime.
 */
#include "asl.h"
#include "hash.h"
#include "test.h"

#include <stdint.h>
#include <stdlib.h>

struct intrinsic_case {
    const char *expr;
    const char *input;
    const char *expect; /* JSON text, or NULL for an error */
    const char *cause;  /* fragment of the cause when expect is NULL */
};

static const struct intrinsic_case cases[] = {
    /* States.Format: Java renderings, escapes, placeholder counts */
    {"States.Format('a {} b {}', 1, 'x')", "{}", "\"a 1 b x\"", NULL},
    {"States.Format('{}', $.v)", "{\"v\": 1.1}", "\"1.1\"", NULL},
    {"States.Format('{}', $.v)", "{\"v\": 2.0}", "\"2.0\"", NULL},
    {"States.Format('{}', $.v)", "{\"v\": 1e21}", "\"1.0E21\"", NULL},
    {"States.Format('{}', $.v)", "{\"v\": 0.0001}", "\"1.0E-4\"", NULL},
    {"States.Format('{}', $.v)", "{\"v\": 1234567.5}", "\"1234567.5\"", NULL},
    {"States.Format('{}', $.v)", "{\"v\": 12345678.5}", "\"1.23456785E7\"", NULL},
    {"States.Format('{} {} {}', null, true, false)", "{}", "\"null true false\"", NULL},
    {"States.Format('{}', $.o)", "{\"o\": {\"a\": 1, \"b\": [1, \"x\"], \"c\": {\"d\": null}}}",
     "\"{a=1, b=[1, x], c={d=null}}\"", NULL},
    {"States.Format('\\{\\} and {}', 'x')", "{}", "\"{} and x\"", NULL},
    {"States.Format('it\\'s {}', 'ok')", "{}", "\"it's ok\"", NULL},
    {"States.Format('back\\\\slash')", "{}", "\"back\\\\slash\"", NULL},
    {"States.Format('{}, {}', 'a')", "{}", NULL, "placeholders"},
    {"States.Format('{}', 'a', 'b')", "{}", NULL, "placeholders"},
    {"States.Format(1)", "{}", NULL, "must be a string"},
    /* JSON conversions */
    {"States.StringToJson($.s)", "{\"s\": \"{\\\"a\\\": [1, 2.5]}\"}", "{\"a\": [1, 2.5]}", NULL},
    {"States.StringToJson('  ')", "{}", "null", NULL},
    {"States.StringToJson('-0')", "{}", "0", NULL},
    {"States.StringToJson('{bad')", "{}", NULL, "not valid JSON"},
    {"States.JsonToString($.v)", "{\"v\": {\"a\": 1.5, \"b\": [true, null, \"q\\\"\"]}}",
     "\"{\\\"a\\\":1.5,\\\"b\\\":[true,null,\\\"q\\\\\\\"\\\"]}\"", NULL},
    {"States.JsonToString($.v)", "{\"v\": 1.1}", "\"1.1\"", NULL},
    {"States.JsonToString($.missing)", "{}", NULL, "No results for path"},
    /* arrays */
    {"States.Array()", "{}", "[]", NULL},
    {"States.Array(1, -2.5, 'a', true, null, $.o)", "{\"o\": {\"k\": 1}}",
     "[1, -2.5, \"a\", true, null, {\"k\": 1}]", NULL},
    {"States.ArrayPartition($.a, 2)", "{\"a\": [1, 2, 3, 4, 5]}", "[[1, 2], [3, 4], [5]]", NULL},
    {"States.ArrayPartition($.a, 0)", "{\"a\": [1]}", NULL, "greater than 0"},
    {"States.ArrayPartition($.a, 1.5)", "{\"a\": [1]}", NULL, "an integer"},
    {"States.ArrayContains($.a, 2)", "{\"a\": [1, 2]}", "true", NULL},
    {"States.ArrayContains($.a, $.o)", "{\"a\": [{\"x\": [1]}], \"o\": {\"x\": [1]}}", "true", NULL},
    {"States.ArrayContains($.a, 'z')", "{\"a\": [1, 2]}", "false", NULL},
    {"States.ArrayRange(1, 9, 2)", "{}", "[1, 3, 5, 7, 9]", NULL},
    {"States.ArrayRange(9, 1, -3)", "{}", "[9, 6, 3]", NULL},
    {"States.ArrayRange(2, 1, 3)", "{}", "[]", NULL},
    {"States.ArrayRange(5, 5, 1)", "{}", "[5]", NULL},
    {"States.ArrayRange(0, 999, 1)", "{}", NULL, NULL}, /* exactly 1000: fine, checked below */
    {"States.ArrayRange(0, 1000, 1)", "{}", NULL, "1000"},
    {"States.ArrayRange(0, 9007199254740992, 1)", "{}", NULL, "1000"},
    {"States.ArrayRange(1, 2, 0)", "{}", NULL, "step"},
    {"States.ArrayRange($.n, 0, 1)", "{\"n\": -9223372036854775807}", NULL, "an integer"},
    {"States.ArrayGetItem($.a, $.n)", "{\"a\": [1], \"n\": -9223372036854775807}", NULL, "an integer"},
    {"States.ArrayGetItem($.a, 1)", "{\"a\": [\"x\", \"y\"]}", "\"y\"", NULL},
    {"States.ArrayGetItem($.a, 5)", "{\"a\": [\"x\"]}", "null", NULL},
    {"States.ArrayGetItem($.a, 'x')", "{\"a\": [\"x\"]}", NULL, "an integer"},
    {"States.ArrayLength($.a)", "{\"a\": [1, 2, 3]}", "3", NULL},
    {"States.ArrayLength($.a)", "{\"a\": \"no\"}", NULL, "an array"},
    {"States.ArrayUnique($.a)", "{\"a\": [1, 1, \"1\", [1], [1], {\"a\": 1}, {\"a\": 1}, null, null]}",
     "[1, \"1\", [1], {\"a\": 1}, null]", NULL},
    /* encodings and digests */
    {"States.Base64Encode('Data to encode')", "{}", "\"RGF0YSB0byBlbmNvZGU=\"", NULL},
    {"States.Base64Encode('ab')", "{}", "\"YWI=\"", NULL},
    {"States.Base64Encode('h\xc3\xa9')", "{}", "\"aMOp\"", NULL},
    {"States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "{}", "\"Data to encode\"", NULL},
    {"States.Base64Decode('YWI=')", "{}", "\"ab\"", NULL},
    {"States.Base64Decode('YWI')", "{}", NULL, "base64"},
    {"States.Base64Decode('Y=WI')", "{}", NULL, "base64"},
    {"States.Base64Decode('/w==')", "{}", NULL, "UTF-8"},
    {"States.Hash('input data', 'SHA-256')", "{}",
     "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"", NULL},
    {"States.Hash('x', 'SHA-3')", "{}", NULL, "unknown algorithm"},
    {"States.Hash(1, 'MD5')", "{}", NULL, "a string"},
    /* objects and numbers */
    {"States.JsonMerge($.a, $.b, false)", "{\"a\": {\"x\": {\"p\": 1}, \"y\": 2}, \"b\": {\"x\": {\"q\": 1}}}",
     "{\"x\": {\"q\": 1}, \"y\": 2}", NULL},
    {"States.JsonMerge($.a, $.b, true)", "{\"a\": {}, \"b\": {}}", NULL, "deep"},
    {"States.JsonMerge($.a, 'x', false)", "{\"a\": {}}", NULL, "an object"},
    {"States.MathAdd(1.5, -2.5)", "{}", "0", NULL},
    {"States.MathAdd(-1.51, 0)", "{}", "-2", NULL},
    {"States.MathAdd($.n, 1)", "{\"n\": 9223372036854775807}", NULL, "overflow"},
    {"States.MathAdd('1', 1)", "{}", NULL, "a number"},
    {"States.MathRandom(5, 6)", "{}", "5", NULL},
    {"States.MathRandom(6, 5)", "{}", NULL, "less than"},
    /* strings */
    {"States.StringSplit('a,b,,c', ',')", "{}", "[\"a\", \"b\", \"c\"]", NULL},
    {"States.StringSplit('a-b+c', '+-')", "{}", "[\"a\", \"b\", \"c\"]", NULL},
    {"States.StringSplit(',,,', ',')", "{}", "[]", NULL},
    {"States.StringSplit('x\xc3\xa9y\xc3\xa9z', '\xc3\xa9')", "{}", "[\"x\", \"y\", \"z\"]", NULL},
    {"States.StringSplit('abc', '')", "{}", "[\"abc\"]", NULL},
    /* nesting, spacing, context paths */
    {"States.ArrayGetItem(States.StringSplit($$.Execution.Name, '-'), 1)", "{}", "\"b\"", NULL},
    {"  States.ArrayLength( States.Array( 1 , 2 ) )  ", "{}", "2", NULL},
    {"States.Array($.a[?(@.x == 'a,b')].x)", "{\"a\": [{\"x\": \"a,b\"}]}", "[[\"a,b\"]]", NULL},
    {"States.Array($['a)b'])", "{\"a)b\": 1}", "[1]", NULL},
    /* syntax errors */
    {"States.Array(-0.5e1, 2E+2, -7)", "{}", "[-5.0, 200.0, -7]", NULL},
    {"States.Array(0x10)", "{}", NULL, "expected ','"},
    {"States.Array(1.)", "{}", NULL, "bad number"},
    {"States.Array(-)", "{}", NULL, "bad number"},
    {"States.Array(.5)", "{}", NULL, "unexpected character"},
    {"States.Nope(1)", "{}", NULL, "unknown function"},
    {"States.Array(1", "{}", NULL, "expected ','"},
    {"States.Array(1) x", "{}", NULL, "unexpected text"},
    {"States.Array('a)", "{}", NULL, "unterminated"},
    {"States.Array(\"a\")", "{}", NULL, "unexpected character"},
    {"States.ArrayLength()", "{}", NULL, "expected 1 argument"},
    {"States.UUID(1)", "{}", NULL, "expected 0 arguments"},
    {"", "{}", NULL, "expected a States"},
    {"$.a", "{}", NULL, "expected a States"},
};

/* Digests of pattern(n) = bytes (i * 7 + 3) % 256 for i < n, computed with
 * Python's hashlib: the padding boundaries of 64- and 128-byte blocks. */
static const struct { size_t len; const char *algo, *hex; } boundary_vectors[] = {
    {1, "MD5", "8666683506aacd900bbd5a74ac4edf68"},
    {1, "SHA-1", "9842926af7ca0a8cca12604f945414f07b01e13d"},
    {1, "SHA-256", "084fed08b978af4d7d196a7446a86b58009e636b611db16211b65a9aadff29c5"},
    {1, "SHA-384", "8a6c69af6fb6247635f837958446fb8f10e39bd5fbc244f7e635176339a3be614f6394247f01dbe1126c178c7bd48cb5"},
    {1, "SHA-512", "e45bf5817ddf94aa2f7a407071f0eedc6beb98f768b4cd33d1176d44d1563a45a5d7212290eb7670c6786b13591aedac86478993895e8b24e612014abaa6ba04"},
    {55, "MD5", "52c0e574e1198de5fe3f8f11440dcb1b"},
    {55, "SHA-1", "ddf57317ef34bfee3b6df83d359098930eb278bc"},
    {55, "SHA-256", "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b"},
    {55, "SHA-384", "fc2728f452750d08b5dbad1aea53202e7fc19c06894d13e36c433b0444a899277c49f16e0577c03db0f0605578836ef6"},
    {55, "SHA-512", "14fd424b1fcadee624da946ab03f7e1def7c0d6e00f689594319881a26ff30b875ba4c622ac13100c8cc784c9c2eb23159aecbb4a02e3999062f551193e2b256"},
    {56, "MD5", "46c9907fc908ee68b1e7b8e71286a518"},
    {56, "SHA-1", "a0d492bb0fc889d0eca3bc137066ab6f4f74f369"},
    {56, "SHA-256", "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27"},
    {56, "SHA-384", "6c969a865f38d2eaac60b7963a84c97ba27bcb76e589cbe1e2e89ead6aee4ad0337a4268f054be49c604ddd99692036d"},
    {56, "SHA-512", "480fa85be41ef55a41208ca28ffc8743c91cf7d24758defe6f95bfb16de614fc86b701034896b047dd571de4318853d80e0809df162f1752cb26da6ddb94a0dd"},
    {63, "MD5", "a62f6d59e837867693f042f5b8f5a236"},
    {63, "SHA-1", "c55856749bef509bdfe6bfebfc7bf4e793e82132"},
    {63, "SHA-256", "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055"},
    {63, "SHA-384", "be67a9a1162c1d97f183980dc811f4f4f835b8b850eb32ecbf87397b26369bc6646a8f2234940dcff142b627c8e21ebb"},
    {63, "SHA-512", "ecd42a703a4e93e163d60d55e3785b1a763838b0351bc2e6f7c94b4bfb24f9aa15da5d744ebcebe11f0fc4315d45ba3a047b6e60e07448357f2795bf34b73502"},
    {64, "MD5", "7160b8fb5e9e4023d549c3971fbaeead"},
    {64, "SHA-1", "bede92be29c3874e1b54ddc77988d606fc857a8e"},
    {64, "SHA-256", "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241"},
    {64, "SHA-384", "99d26430f561864c2f7d90b68650b960c86c85d6bf7f54ceeee404bdd59663a7f05588b5c750b862a2a24f6a9ad4c050"},
    {64, "SHA-512", "8f3cc30b3fb5bf963688a46488249248ac2c67f0f85a145233c6c1e3c16dcd1df634c07d1d31da02576f65b9cf64e1c3fdb318b689b8a14e2e9552bcf30fb133"},
    {65, "MD5", "70bd662e7aefbda85a0f7244167b7897"},
    {65, "SHA-1", "b05a80522b053d6dc7e0a517d0e70212c7dad11f"},
    {65, "SHA-256", "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e"},
    {65, "SHA-384", "cada16d798ec25243470f7827eb89a2402d52680b092dffc0f59f5a919e5058aebf7ad79dba85c61b179d23534d7c855"},
    {65, "SHA-512", "22050d1b2c5bd016c4b04c3e84f513ffbbbc057f83dc9ab196fee6684e5ee19d98b84c6538b3c5e1fc67dbc484e9d0a198254e41d0fa0cf5106991e106632419"},
    {111, "MD5", "13f00cb15f0c3fe588d1c17cde14b38f"},
    {111, "SHA-1", "4a01b1272627e5be00f57bc3c3029c23a452e629"},
    {111, "SHA-256", "67d9492e628fd376e0b2efec8ca2b99b123e202cf620deb270728df979b2f73e"},
    {111, "SHA-384", "341388a9dc2275074e90cf394323761919761c805fd9e370977c9966a0e8c81a52135f02577670b0071638a4a26dbc31"},
    {111, "SHA-512", "68cffa6d0d76f309c9ce0d35280939f8e25990c43b7b086ccdf709be35b07d4ddba599541ff2b1c19d34ea49aeafb9659adb7ac3c0b078bb30a22d57fc6687ef"},
    {112, "MD5", "5fe6a9f76b541ec645559589da9a088a"},
    {112, "SHA-1", "54c08c2a0ed21de25e3d8606c3929454eb1d3f8b"},
    {112, "SHA-256", "96b928cff8528dbb99602c709a65b846cb6467acb8b722f0d758e4dc27bfc508"},
    {112, "SHA-384", "619cc5d06138526d70659eccf602d197e63e1050e22039a7feb40a30a5b2b08fb03729e291df12f8c576e6f1cd8af22a"},
    {112, "SHA-512", "d0865c524d1dddf7c23b799c413f5adcd7caefd3f66a9b49750ec81066012c25a8bcf94ddea6dc525691673097ca40e0101e897fc97218cfdb0704084e2bef4b"},
    {119, "MD5", "e84905d4214f4d1ca56c2cdcc152b143"},
    {119, "SHA-1", "504e27376a6e0f0dba8295b85cb25dc4dfa17d23"},
    {119, "SHA-256", "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e"},
    {119, "SHA-384", "9c284d266fc91c33a7f6ecbb0326646b3ed15cc33fd8bf968267c21991ca1a434dd65c64ee22c7dd6f5423950f605560"},
    {119, "SHA-512", "236bdd7f38a611b5014b239245c381ae5d20a96f1e5b3178227c00056b7fa8c44ef54880085d82b7e20cd65f2bfda1326696c3f94a6a5bad0cb5ce289aa46167"},
    {127, "MD5", "acce2474d6cc8302120d09c818d17ef7"},
    {127, "SHA-1", "34d5e582029e9b9b85b2febe31da3db7cdabaaea"},
    {127, "SHA-256", "a8d23e75d936f303d248888d9b165ee543f4cbafcad3c9dd2a79bd84faa11d07"},
    {127, "SHA-384", "f8234ab81f5f9641c656680825a9bbb3c2616bcc80b65d5e479a4d96742e1b8742330c9e8256ef5f03caa932487044ca"},
    {127, "SHA-512", "e0b6a20f1c0c88970a9340152cd5a1c1ecf3d3b8de55102741879438079473540133b812706e5dbec322c8c9523b6fc8c6d16ee626e87ad5fe3d2916afedc369"},
    {128, "MD5", "10b2da1a82f16d99a81a7203fe9f02cb"},
    {128, "SHA-1", "a09133e6730ffe899efb70204cb5646cd5dc24ee"},
    {128, "SHA-256", "d2742f1f4ac6bb7ca2b239ee18402ba8b3f9f8e652d2a72973c2b9ba11c08cf6"},
    {128, "SHA-384", "e8480e9c4dd90f88104a79cbaccec48edbd798a142b4f241d726dc252f1502350e824c7d18dadd59d7d716919fb8f9bf"},
    {128, "SHA-512", "99b16f17aa0b969a5b8f08f367719d516e330ccd2660b6f0688ec031dbc783de50a1cd185a2568dba75070a2403d17d4741d163578515dfd2ff756ddfe4d47b1"},
    {129, "MD5", "03fefbbcebe2959cf2270241aafe0250"},
    {129, "SHA-1", "808aea332ce367541d37adae7f94e59c5c1a934e"},
    {129, "SHA-256", "307f8fc2c1622b92762e818d39a185d4d667ad49a4b07ceae1f4afa008a93ec4"},
    {129, "SHA-384", "430173387764874661acba1e914e50f6d0fbac534809e859b1da4396fad3d5f24c25c6a2d02486d8fbda3994713d981a"},
    {129, "SHA-512", "a1556e29185778aa5991e34b8884c840d589f0fbb4b8ed590e51e9ac4eb03a008125000db2671f8fe7f485b59a77b518670078ecb41a54b4cd02a7f1d2ca4c6d"},
    {1000, "MD5", "10046f077f2082ac19676b8079f1cb1a"},
    {1000, "SHA-1", "4231a8a50a10fa9758db8ec71fdef855b751048a"},
    {1000, "SHA-256", "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371"},
    {1000, "SHA-384", "94c38db521ca733b8904c2d14b6e82d33dcfcc26e1318c579dbee1fc2f472019034e792263b9d46e90e700de2f6e7e91"},
    {1000, "SHA-512", "00e36fccf193e59697a92b5ab24666ce6326d7fa16bf10832d0991ddc591112e9dfa6a636950ed9c4d67344a760654c2ff7785e1d60094d651038735b5dccabd"},
};

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!v) test_fail_(__FILE__, __LINE__, "bad test JSON: %s", text);
    return v;
}

static json_t *context(void)
{
    return parse("{\"Execution\": {\"Name\": \"a-b-c\"}}");
}

static void check_case(const struct intrinsic_case *c, json_t *ctx)
{
    json_t *input = parse(c->input), *out = NULL;
    yogi_error err = {{0}, {0}};
    int rc = asl_intrinsic_eval(c->expr, input, ctx, &out, &err);
    if (c->expect) {
        json_t *want = parse(c->expect);
        char *got = out ? json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        if (rc != 0 || !json_equal(out, want))
            test_fail_(__FILE__, __LINE__, "%s: got %s (%s)", c->expr, got ? got : "error", err.cause);
        free(got);
        json_decref(want);
    } else if (c->cause) {
        CHECK_INT(rc, -1);
        CHECK_STR(err.name, "States.Runtime");
        if (!strstr(err.cause, c->cause))
            test_fail_(__FILE__, __LINE__, "%s: cause \"%s\" lacks \"%s\"", c->expr, err.cause, c->cause);
        CHECK(out == NULL);
    }
    json_decref(out);
    json_decref(input);
}

static void test_intrinsic_table(void)
{
    json_t *ctx = context();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], ctx);
    json_decref(ctx);
}

/* The syntax check accepts what evaluates and refuses what cannot parse. */
static void test_intrinsic_check(void)
{
    char why[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct intrinsic_case *c = &cases[i];
        bool syntax = !c->cause || (!strstr(c->cause, "unknown function") && !strstr(c->cause, "expected") &&
                                    !strstr(c->cause, "unterminated") && !strstr(c->cause, "unexpected") &&
                                    !strstr(c->cause, "bad number"));
        if (asl_intrinsic_check(c->expr, why, sizeof why) != syntax)
            test_fail_(__FILE__, __LINE__, "check(%s) != %d (%s)", c->expr, syntax, why);
    }
    CHECK(!asl_intrinsic_check("States.Array($.a[)", why, sizeof why));
    CHECK(!asl_intrinsic_check(NULL, why, sizeof why));
}

static void test_array_range_limit(void)
{
    json_t *out = NULL, *input = json_object();
    yogi_error err;
    CHECK_INT(asl_intrinsic_eval("States.ArrayRange(0, 999, 1)", input, NULL, &out, &err), 0);
    CHECK_INT(json_array_size(out), 1000);
    CHECK_INT(json_integer_value(json_array_get(out, 999)), 999);
    json_decref(out);
    json_decref(input);
}

static void test_random_and_uuid(void)
{
    json_t *out = NULL, *again = NULL, *input = json_object();
    yogi_error err;
    for (int i = 0; i < 200; i++) {
        CHECK_INT(asl_intrinsic_eval("States.MathRandom(-3, 4)", input, NULL, &out, &err), 0);
        CHECK(json_integer_value(out) >= -3 && json_integer_value(out) < 4);
        json_decref(out);
    }
    /* a seed makes the result repeatable */
    CHECK_INT(asl_intrinsic_eval("States.MathRandom(0, 1000000, 42)", input, NULL, &out, &err), 0);
    CHECK_INT(asl_intrinsic_eval("States.MathRandom(0, 1000000, 42)", input, NULL, &again, &err), 0);
    CHECK(json_equal(out, again));
    json_decref(out);
    json_decref(again);
    CHECK_INT(asl_intrinsic_eval("States.UUID()", input, NULL, &out, &err), 0);
    CHECK_INT(asl_intrinsic_eval("States.UUID()", input, NULL, &again, &err), 0);
    const char *u = json_string_value(out);
    CHECK(u && strlen(u) == 36 && u[8] == '-' && u[13] == '-' && u[14] == '4' && u[18] == '-' &&
          strchr("89ab", u[19]) && u[23] == '-');
    CHECK(!json_equal(out, again));
    json_decref(out);
    json_decref(again);
    json_decref(input);
}

static void test_hash_vectors(void)
{
    static const struct { const char *algo, *msg, *hex; } fips[] = {
        {"MD5", "", "d41d8cd98f00b204e9800998ecf8427e"},
        {"MD5", "abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"SHA-1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {"SHA-1", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {"SHA-256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"SHA-256", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"SHA-384", "abc", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                           "8086072ba1e7cc2358baeca134c825a7"},
        {"SHA-512", "abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                           "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
    };
    char hex[2 * HASH_MAX_DIGEST + 1];
    for (size_t i = 0; i < sizeof fips / sizeof fips[0]; i++) {
        CHECK(hash_hex(fips[i].algo, fips[i].msg, strlen(fips[i].msg), hex));
        CHECK_STR(hex, fips[i].hex);
    }
    unsigned char msg[1000];
    for (size_t i = 0; i < sizeof msg; i++) msg[i] = (unsigned char)((i * 7 + 3) % 256);
    for (size_t i = 0; i < sizeof boundary_vectors / sizeof boundary_vectors[0]; i++) {
        CHECK(hash_hex(boundary_vectors[i].algo, msg, boundary_vectors[i].len, hex));
        if (strcmp(hex, boundary_vectors[i].hex) != 0)
            test_fail_(__FILE__, __LINE__, "%s of %zu bytes: %s", boundary_vectors[i].algo,
                       boundary_vectors[i].len, hex);
    }
    CHECK(!hash_hex("SHA-224", "", 0, hex));
    CHECK(!hash_hex("md5", "", 0, hex));
}

/* Hostile input: huge, deep, long strings, invalid UTF-8, many arguments. */
static void test_hostile_intrinsics(void)
{
    json_t *out = NULL, *input = json_object();
    yogi_error err;
    char why[256];
    /* 10,001 characters: over the Base64/Hash limit */
    char *big = malloc(10001 + 64);
    memcpy(big, "States.Base64Encode('", 21);
    memset(big + 21, 'a', 10001);
    memcpy(big + 21 + 10001, "')", 3);
    CHECK_INT(asl_intrinsic_eval(big, input, NULL, &out, &err), -1);
    CHECK(strstr(err.cause, "10000") != NULL);
    /* nesting 100 deep is refused cleanly */
    size_t depth = 100, k = 0;
    char *nested = malloc(depth * 20 + 16);
    for (size_t i = 0; i < depth; i++) k += (size_t)snprintf(nested + k, 20, "States.Array(");
    nested[k++] = '1';
    for (size_t i = 0; i < depth; i++) nested[k++] = ')';
    nested[k] = '\0';
    CHECK_INT(asl_intrinsic_eval(nested, input, NULL, &out, &err), -1);
    CHECK(strstr(err.cause, "nested") != NULL);
    CHECK(!asl_intrinsic_check(nested, why, sizeof why));
    /* a huge expression */
    char *huge = malloc(100000);
    memset(huge, ' ', 99999);
    huge[99999] = '\0';
    memcpy(huge, "States.Array(1)", 15);
    CHECK_INT(asl_intrinsic_eval(huge, input, NULL, &out, &err), -1);
    /* invalid UTF-8 inside a literal, and a number too large for a double */
    CHECK_INT(asl_intrinsic_eval("States.Array('\xff\xfe')", input, NULL, &out, &err), -1);
    CHECK_INT(asl_intrinsic_eval("States.Array(1e999)", input, NULL, &out, &err), -1);
    CHECK_INT(asl_intrinsic_eval("States.Array(99999999999999999999)", input, NULL, &out, &err), 0);
    CHECK(json_is_real(json_array_get(out, 0)));
    json_decref(out);
    /* ArrayUnique over 200,000 items stays linear */
    json_t *many = json_array(), *holder = json_object();
    for (int i = 0; i < 200000; i++) json_array_append_new(many, json_integer(i % 1000));
    json_array_append_new(many, json_real(5.0)); /* equal to 5: dropped */
    json_object_set_new(holder, "a", many);
    CHECK_INT(asl_intrinsic_eval("States.ArrayUnique($.a)", holder, NULL, &out, &err), 0);
    CHECK_INT(json_array_size(out), 1000);
    CHECK_INT(json_integer_value(json_array_get(out, 999)), 999);
    json_decref(out);
    json_decref(holder);
    free(huge);
    free(nested);
    free(big);
    json_decref(input);
}

/* Mutations of valid expressions (fixed seed, so failures reproduce):
 * every one either evaluates or fails with a named error, never crashes. */
static void test_fuzz_intrinsics(void)
{
    static const char *const seeds[] = {
        "States.Format('a {} b \\{\\}', States.Array(1, 'x', $.a[0]))",
        "States.ArrayGetItem(States.StringSplit($$.Execution.Name, '-'), States.MathAdd(1, -1))",
        "States.JsonMerge(States.StringToJson('{\"a\": [1, 2.5e3]}'), $.o, false)",
        "States.Hash(States.Base64Encode('x'), 'SHA-512')",
    };
    static const char alphabet[] = "()',$.[]{}\\ -1e@?*:\"States.Arrayx";
    json_t *input = parse("{\"a\": [1, 2], \"o\": {\"k\": null}}"), *ctx = context();
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    char buf[256], why[128];
    for (int round = 0; round < 20000; round++) {
        snprintf(buf, sizeof buf, "%s", seeds[round % 4]);
        for (int m = 0; m < 1 + round % 4; m++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t len = strlen(buf), at = (size_t)(rng >> 33) % (len + 1);
            char ch = alphabet[(rng >> 17) % (sizeof alphabet - 1)];
            if ((rng & 3) == 0 && len > 0) memmove(buf + at, buf + at + 1, len - at); /* delete */
            else if ((rng & 3) == 1 && len + 2 < sizeof buf) {                         /* insert */
                memmove(buf + at + 1, buf + at, len - at + 1);
                buf[at] = ch;
            } else if (at < len) buf[at] = ch;                                         /* replace */
        }
        json_t *out = NULL;
        yogi_error err = {{0}, {0}};
        int rc = asl_intrinsic_eval(buf, input, ctx, &out, &err);
        if (rc == 0) CHECK(out != NULL);
        else CHECK(strcmp(err.name, "States.Runtime") == 0 && err.cause[0] && out == NULL);
        json_decref(out);
        (void)asl_intrinsic_check(buf, why, sizeof why);
    }
    json_decref(input);
    json_decref(ctx);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_intrinsic_table), TEST(test_intrinsic_check), TEST(test_array_range_limit),
        TEST(test_random_and_uuid), TEST(test_hash_vectors),    TEST(test_hostile_intrinsics),
        TEST(test_fuzz_intrinsics),
        {0},
    };
    return test_main(argc, argv, tests);
}
