/*
 * test_validate_plugin.c — plugin:validate through the plugin ABI.
 *
 * A valid timetable passes unchanged but for sense warnings (overlaps,
 * times outside a school day, an end before its start); a timetable that
 * breaks the schema fails with Timetable.Invalid and a cause naming each
 * problem.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "yogi/plugin.h"
#include "test.h"

static const yogi_plugin *plugin(void)
{
    static const yogi_plugin *p;
    if (p)
        return p;
    char path[1024];
    snprintf(path, sizeof path, "%s/states/validate.so", test_build_dir());
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const yogi_plugin *(*entry)(void) = NULL;
    if (so)
        *(void **)&entry = dlsym(so, YOGI_PLUGIN_ENTRY_SYMBOL);
    p = entry ? entry() : NULL;
    return p;
}

/* Runs the plugin on a JSON text; the output or NULL, err filled. */
static json_t *run(const char *text, int *rc, yogi_error *err)
{
    yogi_call call = {.size = sizeof call, .execution_id = "t", .state_name = "ValidateData"};
    json_t *input = json_loads(text, 0, NULL), *out = NULL;
    memset(err, 0, sizeof *err);
    *rc = input ? plugin()->invoke(NULL, &call, input, &out, err) : -1;
    json_decref(input);
    return out;
}

#define NEED_PLUGIN()                              \
    do {                                           \
        if (!plugin())                             \
            SKIP("validate.so not built");         \
    } while (0)

static const char *warning(const json_t *out, size_t i)
{
    return json_string_value(json_array_get(json_object_get(out, "warnings"), i));
}

static void test_valid_passes(void)
{
    NEED_PLUGIN();
    int rc;
    yogi_error err;
    json_t *out = run("{\"title\": \"T\", \"layout\": \"days_rows\", \"confidence\": 0.99,"
                      " \"entries\": [{\"day\": \"Monday\", \"start\": \"09:00\", \"end\": \"10:00\","
                      " \"subject\": \"Maths\", \"kind\": \"lesson\", \"room\": null,"
                      " \"class\": \"7A\", \"confidence\": 0.9}]}",
                      &rc, &err);
    CHECK_INT(rc, YOGI_OK);
    CHECK_STR(json_string_value(json_object_get(out, "title")), "T");
    CHECK_INT(json_array_size(json_object_get(out, "entries")), 1);
    CHECK_INT(json_array_size(json_object_get(out, "warnings")), 0);
    json_decref(out);
}

static void test_sense_becomes_warnings(void)
{
    NEED_PLUGIN();
    int rc;
    yogi_error err;
    json_t *out = run("{\"timetable\": {\"confidence\": 0.5, \"warnings\": [\"kept\"], \"entries\": ["
                      "{\"day\": \"Monday\", \"start\": \"09:00\", \"end\": \"10:00\", \"subject\": \"A\"},"
                      "{\"day\": \"Monday\", \"start\": \"09:30\", \"end\": \"10:30\", \"subject\": \"B\"},"
                      "{\"day\": \"Tuesday\", \"start\": \"11:00\", \"end\": \"10:00\", \"subject\": \"C\"},"
                      "{\"day\": \"Friday\", \"start\": \"05:00\", \"end\": \"06:00\", \"subject\": \"D\"},"
                      "{\"day\": \"Friday\", \"start\": \"19:30\", \"end\": \"21:00\", \"subject\": \"E\"}]}}",
                      &rc, &err);
    CHECK_INT(rc, YOGI_OK);
    CHECK_INT(json_array_size(json_object_get(out, "warnings")), 5);
    CHECK_STR(warning(out, 0), "kept");
    CHECK_STR(warning(out, 1), "Monday 09:30-10:30: overlaps the entry before it");
    CHECK_STR(warning(out, 2), "Tuesday 11:00-10:00: ends before it starts");
    CHECK_STR(warning(out, 3), "Friday 05:00-06:00: outside a school day (06:00-20:00)");
    CHECK_STR(warning(out, 4), "Friday 19:30-21:00: outside a school day (06:00-20:00)");
    json_decref(out);
}

/* A warning plugin:timetable already gave is not repeated. */
static void test_warnings_not_repeated(void)
{
    NEED_PLUGIN();
    int rc;
    yogi_error err;
    json_t *out = run("{\"confidence\": 0.5, \"warnings\": [\"Monday 09:30-10:30: overlaps the entry"
                      " before it\"], \"entries\": ["
                      "{\"day\": \"Monday\", \"start\": \"09:00\", \"end\": \"10:00\", \"subject\": \"A\"},"
                      "{\"day\": \"Monday\", \"start\": \"09:30\", \"end\": \"10:30\", \"subject\": \"B\"}]}",
                      &rc, &err);
    CHECK_INT(rc, YOGI_OK);
    CHECK_INT(json_array_size(json_object_get(out, "warnings")), 1);
    json_decref(out);
}

static void expect_invalid(const char *text, const char *needle)
{
    int rc;
    yogi_error err;
    json_t *out = run(text, &rc, &err);
    if (rc != YOGI_FAILED || strcmp(err.name, "Timetable.Invalid") != 0 ||
        !strstr(err.cause, needle))
        test_fail_(__FILE__, __LINE__, "%s: got rc %d %s: %s (wanted \"%s\")", text, rc, err.name,
                   err.cause, needle);
    json_decref(out);
}

static void test_schema_problems_fail(void)
{
    NEED_PLUGIN();
    expect_invalid("[]", "not a timetable object");
    expect_invalid("{\"confidence\": 1}", "entries: must be an array");
    expect_invalid("{\"confidence\": 1, \"entries\": []}", "entries: no entries");
    expect_invalid("{\"entries\": [{\"day\": \"Monday\", \"start\": \"09:00\", \"end\": \"10:00\","
                   " \"subject\": \"A\"}]}", "confidence: must be a number");
    expect_invalid("{\"confidence\": 1.5, \"entries\": [1]}", "entries[0]: an entry must be an object");
    expect_invalid("{\"confidence\": 1, \"entries\": [{\"day\": \"Mon\", \"start\": \"09:00\","
                   " \"end\": \"10:00\", \"subject\": \"A\"}]}", "entries[0].day: must be");
    expect_invalid("{\"confidence\": 1, \"entries\": [{\"day\": \"Monday\", \"start\": \"9:00\","
                   " \"end\": \"24:00\", \"subject\": \"A\"}]}", "entries[0].start: must be HH:MM");
    expect_invalid("{\"confidence\": 1, \"entries\": [{\"day\": \"Monday\", \"start\": \"09:00\","
                   " \"end\": \"24:00\", \"subject\": \"A\"}]}", "entries[0].end: must be HH:MM");
    expect_invalid("{\"confidence\": 1, \"entries\": [{\"day\": \"Monday\", \"start\": \"09:00\","
                   " \"end\": \"10:00\", \"subject\": \"\"}]}", "subject: must be a non-empty");
    expect_invalid("{\"confidence\": 1, \"entries\": [{\"day\": \"Monday\", \"start\": \"09:00\","
                   " \"end\": \"10:00\", \"subject\": \"A\", \"kind\": \"nap\"}]}", "kind: must be");
    expect_invalid("{\"confidence\": 1, \"entries\": [{\"day\": \"Monday\", \"start\": \"09:00\","
                   " \"end\": \"10:00\", \"subject\": \"A\", \"room\": 12}]}", "room: must be");
    expect_invalid("{\"confidence\": 1, \"title\": 3, \"entries\": [{\"day\": \"Monday\","
                   " \"start\": \"09:00\", \"end\": \"10:00\", \"subject\": \"A\"}]}", "title: must be");
}

/* Many problems: the cause stays within its buffer and says how many. */
static void test_many_problems_truncate(void)
{
    NEED_PLUGIN();
    json_t *entries = json_array();
    for (int i = 0; i < 500; i++)
        json_array_append_new(entries, json_pack("{s:s}", "day", "Caturday"));
    json_t *tt = json_pack("{s:f, s:o}", "confidence", 0.5, "entries", entries);
    char *text = json_dumps(tt, 0);
    int rc;
    yogi_error err;
    json_t *out = run(text, &rc, &err);
    CHECK_INT(rc, YOGI_FAILED);
    CHECK(strncmp(err.cause, "2000 problems", 13) == 0);
    CHECK(strlen(err.cause) < sizeof err.cause);
    free(text);
    json_decref(tt);
    json_decref(out);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_valid_passes),
        TEST(test_sense_becomes_warnings),
        TEST(test_warnings_not_repeated),
        TEST(test_schema_problems_fail),
        TEST(test_many_problems_truncate),
        {0},
    };
    return test_main(argc, argv, tests);
}
