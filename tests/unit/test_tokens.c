/*
 * test_tokens.c — the api_tokens table (engine/store_tokens.c): insert,
 * find, revoke, list, count; revoked tokens are never found again; bad roles
 * are refused by the schema and by the function.
 */
#include <string.h>

#include "store.h"
#include "test.h"
#include "tokens.h"

static store *open_store(void)
{
    yogi_error err = {{0}, {0}};
    store_options o = {.path = "tokens.db"};
    store *s = store_open(&o, &err);
    CHECK(s != NULL);
    if (s) CHECK_INT(tokens_init(s, &err), 0);
    if (s) CHECK_INT(tokens_init(s, &err), 0); /* idempotent */
    return s;
}

static void test_insert_find_revoke(void)
{
    store *s = open_store();
    if (!s) return;
    yogi_error err = {{0}, {0}};
    CHECK_INT(tokens_count(s), 0);
    CHECK_INT(tokens_insert(s, "00aa", "hash-a", "uploader", "laptop", &err), 0);
    CHECK_INT(tokens_insert(s, "00bb", "hash-b", "admin", NULL, &err), 0);
    CHECK_INT(tokens_insert(s, "00aa", "hash-c", "admin", NULL, &err), -1); /* ids are unique */
    char hash[TOKEN_HASH_MAX], role[TOKEN_ROLE_MAX];
    CHECK_INT(tokens_find(s, "00aa", hash, role), 0);
    CHECK_STR(hash, "hash-a");
    CHECK_STR(role, "uploader");
    CHECK_INT(tokens_find(s, "nope", hash, role), -1);
    CHECK_INT(tokens_revoke(s, "00aa", &err), 0);
    CHECK_INT(tokens_find(s, "00aa", hash, role), -1);
    CHECK_INT(tokens_revoke(s, "00aa", &err), -1);
    CHECK_STR(err.name, "TokenDoesNotExist");
    CHECK_INT(tokens_count(s), 2);
    json_t *list = tokens_list(s);
    CHECK_INT(json_array_size(list), 2);
    CHECK(json_is_integer(json_object_get(json_array_get(list, 0), "revoked")));
    CHECK(json_is_null(json_object_get(json_array_get(list, 1), "revoked")));
    CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "label")), "laptop");
    json_decref(list);
    store_close(s);
}

static void test_roles(void)
{
    store *s = open_store();
    if (!s) return;
    yogi_error err = {{0}, {0}};
    CHECK(tokens_role_valid("reviewer"));
    CHECK(tokens_role_valid("worker"));
    CHECK_INT(tokens_insert(s, "02", "h", "worker", "remote", &err), 0);
    CHECK(!tokens_role_valid("root"));
    CHECK(!tokens_role_valid(NULL));
    CHECK_INT(tokens_insert(s, "01", "h", "root", NULL, &err), -1);
    CHECK_STR(err.name, "InvalidRole");
    CHECK_INT(tokens_count(s), 1);
    store_close(s);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {TEST(test_insert_find_revoke), TEST(test_roles), {0}};
    return test_main(argc, argv, tests);
}
