/*
 * test_documents.c — the documents store (engine/store_documents.c): the
 * durable file and its row, updates, timetable versions, listing with a
 * cursor, orphan sweeping, and the refusals (unknown fields, bad statuses,
 * unknown documents).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "documents.h"
#include "store.h"
#include "test.h"

static store *open_store(void)
{
    yogi_error err = {0};
    store_options o = {.path = "yogi.db"};
    store *s = store_open(&o, &err);
    if (!s) test_fail_(__FILE__, __LINE__, "store_open: %s", err.cause);
    if (s && documents_init(s, &err) != 0)
        test_fail_(__FILE__, __LINE__, "documents_init: %s", err.cause);
    return s;
}

static bool create(store *s, const char *text, char *id, char *path, size_t path_len)
{
    yogi_error err = {0};
    document_new doc = {text, strlen(text), "../../etc/passwd", "image/png", "tok1"};
    if (documents_create(s, "data", &doc, id, path, path_len, &err) != 0) {
        test_fail_(__FILE__, __LINE__, "documents_create: %s: %s", err.name, err.cause);
        return false;
    }
    return true;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_create_stores_file_then_row(void)
{
    store *s = open_store();
    if (!s) return;
    char id[DOCUMENT_ID_MAX], path[4096];
    if (!create(s, "hello", id, path, sizeof path)) return;
    CHECK_INT(strlen(id), 32);
    CHECK(path[0] == '/' && strstr(path, "/data/documents/") != NULL);
    CHECK(strstr(path, "passwd") == NULL); /* the upload's name is never a path */
    CHECK_STR(read_file(path), "hello");
    char again[4096];
    CHECK_INT(documents_file_path(s, id, again, sizeof again), 0);
    CHECK_STR(again, path);
    json_t *d = documents_get(s, id);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "received");
    CHECK_STR(json_string_value(json_object_get(d, "filename")), "../../etc/passwd");
    CHECK_INT(json_integer_value(json_object_get(d, "bytes")), 5);
    /* sha256("hello") */
    CHECK_STR(json_string_value(json_object_get(d, "sha256")),
              "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    CHECK(json_is_string(json_object_get(d, "created")));
    json_decref(d);
    CHECK(documents_get(s, "nope") == NULL);
    store_close(s);
}

static void test_update_and_refusals(void)
{
    store *s = open_store();
    char id[DOCUMENT_ID_MAX], path[4096];
    if (!s || !create(s, "x", id, path, sizeof path)) return;
    yogi_error err = {0};
    json_t *f = json_pack("{s:s, s:f, s:b, s:s}", "status", "needs_review", "confidence", 0.5,
                          "needs_review", 1, "route", "review");
    CHECK_INT(documents_update(s, id, f, &err), 0);
    json_decref(f);
    json_t *d = documents_get(s, id);
    CHECK_STR(json_string_value(json_object_get(d, "status")), "needs_review");
    CHECK(json_real_value(json_object_get(d, "confidence")) == 0.5);
    CHECK(json_is_true(json_object_get(d, "needs_review")));
    json_decref(d);
    f = json_pack("{s:s}", "path", "/etc/shadow");
    CHECK_INT(documents_update(s, id, f, &err), -1);
    CHECK_STR(err.name, "InvalidInput");
    json_decref(f);
    f = json_pack("{s:s}", "status", "exploded");
    CHECK_INT(documents_update(s, id, f, &err), -1);
    json_decref(f);
    f = json_pack("{s:i}", "status", 3);
    CHECK_INT(documents_update(s, id, f, &err), -1);
    json_decref(f);
    f = json_pack("{s:s}", "status", "completed");
    CHECK_INT(documents_update(s, "0123", f, &err), -1);
    CHECK_STR(err.name, "DocumentDoesNotExist");
    json_decref(f);
    store_close(s);
}

static void test_timetable_versions(void)
{
    store *s = open_store();
    char id[DOCUMENT_ID_MAX], path[4096];
    if (!s || !create(s, "x", id, path, sizeof path)) return;
    yogi_error err = {0};
    CHECK(documents_timetable(s, id) == NULL);
    json_t *t1 = json_pack("{s:f, s:[]}", "confidence", 0.7, "entries");
    json_t *t2 = json_pack("{s:f, s:[{s:s}]}", "confidence", 1.0, "entries", "day", "Monday");
    CHECK_INT(documents_save_timetable(s, id, t1, "extracted", &err), 0);
    CHECK_INT(documents_save_timetable(s, id, t2, "reviewed", &err), 0);
    json_t *latest = documents_timetable(s, id);
    CHECK(json_equal(latest, t2));
    json_decref(latest);
    CHECK_INT(documents_save_timetable(s, id, t1, "guessed", &err), -1);
    CHECK_INT(documents_save_timetable(s, "missing", t1, "extracted", &err), -1);
    json_decref(t1);
    json_decref(t2);
    store_close(s);
}

/* A step that runs again after a crash between its save and its commit
 * passes the same key: one version, not two. */
static void test_keyed_save_is_applied_once(void)
{
    store *s = open_store();
    char id[DOCUMENT_ID_MAX], path[4096];
    if (!s || !create(s, "x", id, path, sizeof path)) return;
    yogi_error err = {0};
    json_t *t1 = json_pack("{s:f, s:[]}", "confidence", 0.9, "entries");
    json_t *t2 = json_pack("{s:f, s:[]}", "confidence", 1.0, "entries");
    CHECK_INT(documents_save_timetable_once(s, id, t1, "reviewed", "exec1/Save", &err), 0);
    CHECK_INT(documents_save_timetable_once(s, id, t1, "reviewed", "exec1/Save", &err), 0);
    CHECK_INT(documents_timetable_versions(s, id), 1);
    CHECK_INT(documents_save_timetable_once(s, id, t2, "reviewed", "exec2/Save", &err), 0);
    CHECK_INT(documents_timetable_versions(s, id), 2);
    CHECK_INT(documents_save_timetable(s, id, t2, "extracted", &err), 0);
    CHECK_INT(documents_save_timetable(s, id, t2, "extracted", &err), 0);
    CHECK_INT(documents_timetable_versions(s, id), 4);
    json_decref(t1);
    json_decref(t2);
    store_close(s);
}

static void test_list_pages_newest_first(void)
{
    store *s = open_store();
    if (!s) return;
    char ids[5][DOCUMENT_ID_MAX], path[4096];
    for (int i = 0; i < 5; i++)
        if (!create(s, "x", ids[i], path, sizeof path)) return;
    yogi_error err = {0};
    json_t *f = json_pack("{s:s}", "status", "completed");
    CHECK_INT(documents_update(s, ids[1], f, &err), 0);
    json_decref(f);
    json_t *seen = json_object();
    const char *cursor = NULL;
    json_t *page = NULL;
    for (int round = 0; round < 5; round++) {
        json_t *next_page = documents_list(s, NULL, NULL, 2, cursor);
        json_decref(page);
        page = next_page;
        if (!page) break;
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(page, "documents"), i, d)
            json_object_set(seen, json_string_value(json_object_get(d, "id")), json_true());
        cursor = json_string_value(json_object_get(page, "next"));
        if (!cursor) break;
    }
    CHECK_INT(json_object_size(seen), 5); /* every document once, across pages */
    json_decref(page);
    json_decref(seen);
    json_t *done = documents_list(s, "completed", NULL, 10, NULL);
    CHECK_INT(json_array_size(json_object_get(done, "documents")), 1);
    CHECK(json_is_null(json_object_get(done, "next")));
    json_decref(done);
    json_t *mine = documents_list(s, NULL, "tok1", 10, NULL);
    CHECK_INT(json_array_size(json_object_get(mine, "documents")), 5);
    json_decref(mine);
    CHECK(documents_list(s, NULL, NULL, 10, "garbage") == NULL);
    store_close(s);
}

static void test_sweep_removes_only_orphans(void)
{
    store *s = open_store();
    char id[DOCUMENT_ID_MAX], path[4096];
    if (!s || !create(s, "kept", id, path, sizeof path)) return;
    mkdir("data/documents/ab", 0700);
    FILE *f = fopen("data/documents/ab/abababababababababababababababab", "w");
    if (f) fclose(f);
    f = fopen("data/documents/ab/abab.tmp", "w");
    if (f) fclose(f);
    int removed = -1;
    yogi_error err = {{0}, {0}};
    CHECK_INT(documents_sweep_orphans(s, "data", &removed, &err), 0);
    CHECK_INT(removed, 2);
    CHECK_STR(read_file(path), "kept");
    CHECK(access("data/documents/ab/abab.tmp", F_OK) != 0);
    store_close(s);
}

/* A database that cannot say whether a row names a file must not have the
 * file removed on a guess: the sweep stops with Engine.Storage. */
static void test_sweep_removes_nothing_when_the_database_fails(void)
{
    store *s = open_store();
    char id[DOCUMENT_ID_MAX], path[4096];
    if (!s || !create(s, "kept", id, path, sizeof path)) return;
    yogi_error err = {{0}, {0}};
    CHECK_INT(store_migrate(s, "test_breaks_documents", 1,
                            "ALTER TABLE documents RENAME TO documents_gone", &err), 0);
    int removed = -1;
    CHECK_INT(documents_sweep_orphans(s, "data", &removed, &err), -1);
    CHECK_STR(err.name, "Engine.Storage");
    CHECK_INT(removed, 0);
    CHECK_STR(read_file(path), "kept");
    store_close(s);
}

int main(int argc, char **argv)
{
    static const test_case tests[] = {
        TEST(test_create_stores_file_then_row),
        TEST(test_update_and_refusals),
        TEST(test_timetable_versions),
        TEST(test_keyed_save_is_applied_once),
        TEST(test_list_pages_newest_first),
        TEST(test_sweep_removes_only_orphans),
        TEST(test_sweep_removes_nothing_when_the_database_fails),
        {0},
    };
    return test_main(argc, argv, tests);
}
