/*
 * test_errors.c — the error table (engine/errors.def, errors.c): every name
 * once, every kind a real one, the families, and the kinds of the names the
 * HTTP API has always answered with a status of its own (the statuses are
 * the contract; tests/integration/api*.sh check them end to end).
 */
#include <string.h>

#include "errors.h"
#include "host_error.h"
#include "test.h"

static void test_names_unique(void)
{
    CHECK(ERR_COUNT > 0);
    for (int i = 0; i < ERR_COUNT; i++) {
        const char *a = error_name((error_id)i);
        CHECK(a != NULL && a[0] != '\0');
        for (int j = i + 1; a && j < ERR_COUNT; j++)
            if (!strcmp(a, error_name((error_id)j)))
                test_fail_(__FILE__, __LINE__, "\"%s\" is listed twice", a);
    }
    CHECK(error_name(ERR_COUNT) == NULL);
    CHECK_STR(error_name(ERR_ENGINE_STORAGE), "Engine.Storage");
}

static void test_kinds_of_api_names(void)
{
    static const struct {
        const char *name;
        error_kind kind;
    } want[] = {
        {"ExecutionAlreadyExists", ERROR_CONFLICT},  {"ExecutionDoesNotExist", ERROR_NOT_FOUND},
        {"ExecutionNotRedrivable", ERROR_CONFLICT},  {"StateMachineDoesNotExist", ERROR_NOT_FOUND},
        {"InvalidDefinition", ERROR_BAD_REQUEST},    {"InvalidExecutionInput", ERROR_BAD_REQUEST},
        {"InvalidName", ERROR_BAD_REQUEST},          {"TaskDoesNotExist", ERROR_NOT_FOUND},
        {"TaskTimedOut", ERROR_GONE},                {"DocumentDoesNotExist", ERROR_NOT_FOUND},
        {"FileDoesNotExist", ERROR_NOT_FOUND},       {"DigestMismatch", ERROR_BAD_REQUEST},
        {"TokenDoesNotExist", ERROR_NOT_FOUND},      {"Engine.Storage", ERROR_UNAVAILABLE},
        {"ExecutionNotRunning", ERROR_CONFLICT},     {"InvalidRole", ERROR_BAD_REQUEST},
        {"UserExists", ERROR_CONFLICT},              {"UserDoesNotExist", ERROR_NOT_FOUND},
        {"PasswordTooShort", ERROR_BAD_REQUEST},     {"PasswordTooLong", ERROR_BAD_REQUEST},
        {"Engine.Internal", ERROR_INTERNAL},         {"InvalidInput", ERROR_INTERNAL},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        if (error_kind_of(want[i].name) != want[i].kind)
            test_fail_(__FILE__, __LINE__, "%s is kind %d, expected %d", want[i].name,
                       (int)error_kind_of(want[i].name), (int)want[i].kind);
}

static void test_families_and_strangers(void)
{
    /* A plugin's document error is the upload's fault, whatever its name. */
    CHECK_INT(error_kind_of("Document.Unsupported"), ERROR_BAD_REQUEST);
    CHECK_INT(error_kind_of("Document.TooLarge"), ERROR_BAD_REQUEST);
    /* The family needs a member: the bare prefix is not one. */
    CHECK_INT(error_kind_of("Document."), ERROR_INTERNAL);
    CHECK_INT(error_kind_of("Document"), ERROR_INTERNAL);
    CHECK_INT(error_kind_of("Document.*"), ERROR_BAD_REQUEST); /* the entry itself */
    /* Names the table does not know are the host's failure, never the client's. */
    CHECK_INT(error_kind_of("Review.Rejected"), ERROR_INTERNAL);
    CHECK_INT(error_kind_of("executiondoesnotexist"), ERROR_INTERNAL);
    CHECK_INT(error_kind_of(""), ERROR_INTERNAL);
    CHECK_INT(error_kind_of(NULL), ERROR_INTERNAL);
}

static void test_host_fail(void)
{
    yogi_error err = {{0}, {0}};
    CHECK_INT(host_fail(&err, "Engine.Storage", "cannot open %s: %d", "x.db", 5), -1);
    CHECK_STR(err.name, "Engine.Storage");
    CHECK_STR(err.cause, "cannot open x.db: 5");
    char long_cause[6000];
    memset(long_cause, 'a', sizeof long_cause - 1);
    long_cause[sizeof long_cause - 1] = '\0';
    host_fail(&err, "Internal", "%s", long_cause); /* truncated, never overrun */
    CHECK_INT(strlen(err.cause), sizeof err.cause - 1);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {TEST(test_names_unique), TEST(test_kinds_of_api_names),
                                      TEST(test_families_and_strangers), TEST(test_host_fail),
                                      {0}};
    return test_main(argc, argv, tests);
}
