/*
 * test_users.c — engine/store_users.c: users (unique names whatever the
 * case, roles from the user_roles table, disable), sessions (found while
 * live, gone after expiry, a disable or a new password), feeds, the audit
 * log; and a token tied to a user.
 */
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "store.h"
#include "test.h"
#include "tokens.h"
#include "users.h"

static store *open_store(void)
{
    yogi_error err = {{0}, {0}};
    unlink("users.db");
    store_options o = {.path = "users.db", .ephemeral = true};
    store *s = store_open(&o, &err);
    CHECK(s != NULL);
    if (s) CHECK_INT(tokens_init(s, &err), 0); /* users' tables too */
    if (s) CHECK_INT(users_init(s, &err), 0);  /* idempotent */
    return s;
}

static void test_users(void)
{
    store *s = open_store();
    if (!s) return;
    yogi_error err = {{0}, {0}};
    int64_t id = 0;
    CHECK_INT(users_count(s), 0);
    CHECK_INT(users_add(s, "tina", "teacher", "$argon2id$x", &id, &err), 0);
    CHECK(id > 0);
    CHECK(users_add(s, "TINA", "admin", "$argon2id$y", NULL, &err) != 0);
    CHECK_STR(err.name, "UserExists");
    CHECK(users_add(s, "bob", "wizard", "h", NULL, &err) != 0);
    CHECK_STR(err.name, "InvalidRole");
    CHECK(users_add(s, "a/b", "teacher", "h", NULL, &err) != 0);
    CHECK_STR(err.name, "InvalidName");
    CHECK(users_add(s, "", "teacher", "h", NULL, &err) != 0);
    user u;
    CHECK_INT(users_find(s, "Tina", &u), 0);
    CHECK_STR(u.role, "teacher");
    CHECK_STR(u.pwhash, "$argon2id$x");
    CHECK_INT(users_update(s, "tina", NULL, "reviewer", -1, &err), 0);
    CHECK_INT(users_find_id(s, id, &u), 0);
    CHECK_STR(u.role, "reviewer");
    CHECK(users_update(s, "nobody", NULL, NULL, 1, &err) != 0);
    CHECK_STR(err.name, "UserDoesNotExist");
    json_t *list = users_list(s);
    CHECK_INT(json_array_size(list), 1);
    CHECK(json_object_get(json_array_get(list, 0), "pwhash") == NULL);
    json_decref(list);
    store_close(s);
}

static void test_sessions(void)
{
    store *s = open_store();
    if (!s) return;
    yogi_error err = {{0}, {0}};
    int64_t id;
    CHECK_INT(users_add(s, "rita", "reviewer", "$argon2id$z", &id, &err), 0);
    CHECK_INT(sessions_create(s, "h1", id, "csrf1", 2000000000, &err), 0);
    CHECK_INT(sessions_create(s, "h2", id, "csrf2", 1000, &err), 0); /* long expired */
    user u;
    char csrf[SESSION_CSRF_MAX];
    CHECK_INT(sessions_find(s, "h1", 1700000000, &u, csrf), 0);
    CHECK_STR(csrf, "csrf1");
    CHECK_STR(u.name, "rita");
    CHECK_STR(u.pwhash, ""); /* a session never carries the hash */
    CHECK_INT(sessions_find(s, "h2", 1700000000, &u, csrf), -1);
    CHECK_INT(sessions_find(s, "nope", 1700000000, &u, csrf), -1);
    CHECK_INT(users_update(s, "rita", "$argon2id$new", NULL, -1, &err), 0);
    CHECK_INT(sessions_find(s, "h1", 1700000000, &u, csrf), -1); /* new password: out */
    CHECK_INT(sessions_create(s, "h3", id, "c", 2000000000, &err), 0);
    CHECK_INT(users_update(s, "rita", NULL, NULL, 1, &err), 0);
    CHECK_INT(sessions_find(s, "h3", 1700000000, &u, csrf), -1); /* disabled: out */
    CHECK_INT(users_find(s, "rita", &u), 0);
    CHECK(u.disabled);
    store_close(s);
}

static void test_feeds_tokens_audit(void)
{
    store *s = open_store();
    if (!s) return;
    yogi_error err = {{0}, {0}};
    int64_t id;
    CHECK_INT(users_add(s, "tom", "teacher", "h", &id, &err), 0);
    CHECK(!users_has_feed(s, id));
    CHECK_INT(users_set_feed(s, id, "feedhash", &err), 0);
    user u;
    CHECK_INT(users_find_feed(s, "feedhash", &u), 0);
    CHECK_STR(u.name, "tom");
    CHECK_INT(users_set_feed(s, id, NULL, &err), 0); /* revoked */
    CHECK_INT(users_find_feed(s, "feedhash", &u), -1);
    CHECK_INT(tokens_insert(s, "00aa", "hash", "uploader", NULL, &err), 0);
    CHECK(tokens_user(s, "00aa") == 0);
    CHECK_INT(tokens_set_user(s, "00aa", id, &err), 0);
    CHECK(tokens_user(s, "00aa") == id);
    json_t *tl = tokens_list(s);
    CHECK_STR(json_string_value(json_object_get(json_array_get(tl, 0), "user")), "tom");
    json_decref(tl);
    CHECK_INT(audit_record(s, "root", "document.delete", "abc"), 0);
    json_t *log = audit_list(s, 10);
    CHECK_INT(json_array_size(log), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(log, 0), "action")),
              "document.delete");
    json_decref(log);
    store_close(s);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {TEST(test_users), TEST(test_sessions),
                                      TEST(test_feeds_tokens_audit), {0}};
    return test_main(argc, argv, tests);
}
