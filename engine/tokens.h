/*
 * tokens.h — API bearer tokens (a table of their own in the engine's
 * database; implemented in engine/store_tokens.c).
 *
 * A token is shown to its owner once and never stored: the table keeps its
 * public id (used to find the row and to revoke it), the SHA-256 of the whole
 * token as hex, and a role. Hashing and the constant-time comparison are the
 * caller's (api/auth.c), so that no secret ever reaches this module.
 *
 * Roles: "uploader" (uploads documents, sees its own), "reviewer" (the review
 * queue and the documents in it), "admin" (everything), "worker" (a remote
 * worker: the activity endpoint only).
 */
#ifndef YOGI_TOKENS_H
#define YOGI_TOKENS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "host_error.h"
#include "store.h"
#include "yogi/plugin.h"

#define TOKEN_ID_MAX 24   /* public ids are 16 hex digits */
#define TOKEN_ROLE_MAX 16
#define TOKEN_HASH_MAX 65 /* SHA-256 as hex, NUL-terminated */

/* Create the table (idempotent). */
int tokens_init(store *s, yogi_error *err) HOST_MUST_CHECK;

/* True for "uploader", "reviewer", "admin" and "worker". */
bool tokens_role_valid(const char *role);

/* Insert a token row. label is free text for people (may be NULL). */
int tokens_insert(store *s, const char *id, const char *hash_hex, const char *role,
                  const char *label, yogi_error *err) HOST_MUST_CHECK;

/* The hash and role of an active (not revoked) token; -1 when there is none. */
int tokens_find(store *s, const char *id, char hash_out[TOKEN_HASH_MAX],
                char role_out[TOKEN_ROLE_MAX]);

/* Tie a token to a user (users.h): it then acts as that user. */
int tokens_set_user(store *s, const char *id, int64_t user_id, yogi_error *err) HOST_MUST_CHECK;
/* The user a token belongs to, 0 for a token that belongs to nobody. */
int64_t tokens_user(store *s, const char *id);

/* [{"id","role","label","created","revoked","user"}...], oldest first; "user"
 * is the owner's name or null. Needs users_init(). New reference. */
json_t *tokens_list(store *s);

/* Revoke; TokenDoesNotExist when no active token has that id. */
int tokens_revoke(store *s, const char *id, yogi_error *err) HOST_MUST_CHECK;

/* Number of tokens ever created, revoked or not (0 on a fresh database). */
int tokens_count(store *s);

#endif
