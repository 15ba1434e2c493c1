/*
 * users.h — people who sign in, their browser sessions and their calendar
 * feeds (tables of their own in the engine's database; implemented in
 * engine/store_users.c, modules "users" and "sessions").
 *
 * A user has a unique name, a role ("teacher", "reviewer" or "admin"), a
 * password hash (an Argon2id string made by api/password.c: this module
 * never sees a password), and may be disabled, which ends its sessions and
 * its tokens at once. Rows are never deleted, so a name is never reused for
 * someone else's documents.
 *
 * A session or a feed is known by the SHA-256 of its secret only; the
 * caller hashes (api/), so a copy of the database opens no session.
 */
#ifndef YOGI_USERS_H
#define YOGI_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "host_error.h"
#include "store.h"
#include "yogi/plugin.h"

#define USER_NAME_MAX 64
#define USER_ROLE_MAX 16
#define USER_HASH_MAX 256 /* an Argon2id string is about 100 characters */

typedef struct user {
    int64_t id;
    char name[USER_NAME_MAX];
    char role[USER_ROLE_MAX];
    char pwhash[USER_HASH_MAX];
    bool disabled;
} user;

/* Create the tables (idempotent). */
int users_init(store *s, yogi_error *err) HOST_MUST_CHECK;

/* True for the roles a person can have: "teacher", "reviewer", "admin". */
bool users_role_valid(const char *role);
/* True for a name of 1-63 characters from [A-Za-z0-9._-] (it appears in URL paths). */
bool users_name_valid(const char *name);

/* UserExists, InvalidRole, InvalidName. *id_out may be NULL. */
int users_add(store *s, const char *name, const char *role, const char *pwhash,
              int64_t *id_out, yogi_error *err) HOST_MUST_CHECK;
/* 0 and *out filled, -1 when there is no such user. */
int users_find(store *s, const char *name, user *out);
int users_find_id(store *s, int64_t id, user *out);
/* Any of pwhash, role (NULL = unchanged) and disabled (-1 = unchanged, 0, 1).
 * Disabling or a new password ends the user's sessions. UserDoesNotExist. */
int users_update(store *s, const char *name, const char *pwhash, const char *role,
                 int disabled, yogi_error *err) HOST_MUST_CHECK;
/* [{"id","name","role","created","disabled"}...], by name. */
json_t *users_list(store *s);
int users_count(store *s);

/* ---- sessions ---------------------------------------------------------- */

#define SESSION_HASH_MAX 65
#define SESSION_CSRF_MAX 65

int sessions_create(store *s, const char *id_hash, int64_t user_id, const char *csrf,
                    int64_t expires, yogi_error *err) HOST_MUST_CHECK;
/* The user and CSRF secret of a live session (not expired, user enabled). */
int sessions_find(store *s, const char *id_hash, int64_t now, user *u,
                  char csrf_out[SESSION_CSRF_MAX]);
int sessions_delete(store *s, const char *id_hash);

/* ---- calendar feeds ------------------------------------------------------ */

/* Set (or with NULL clear) the user's feed secret hash. */
int users_set_feed(store *s, int64_t user_id, const char *feed_hash, yogi_error *err)
    HOST_MUST_CHECK;
/* The enabled user whose feed has this hash. */
int users_find_feed(store *s, const char *feed_hash, user *out);
bool users_has_feed(store *s, int64_t user_id);

#endif
