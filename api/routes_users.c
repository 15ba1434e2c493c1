/*
 * routes_users.c — the admin's page of people: list, add, change a role or
 * a password, disable; and the audit log. Admins only (router.c).
 *
 * Passwords arrive in the JSON body and leave only as Argon2id hashes; no
 * reply or log line ever holds one. Every change is recorded in the audit
 * log with the acting user (or token id) and the user changed.
 */
#include <string.h>

#include "internal.h"
#include "password.h"

void users_list_h(api_request *r)
{
    json_t *list = users_list(r->a->s);
    if (!list) {
        reply_error(r, 503, "Engine.Storage", "cannot list users");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "users", list));
}

static const char *actor(api_request *r)
{
    return r->who.user[0] ? r->who.user : r->who.token_id[0] ? r->who.token_id : "-";
}

void users_create_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *password = json_string_value(json_object_get(body, "password"));
    char hash[PASSWORD_HASH_MAX];
    yogi_error err = {{0}, {0}};
    int64_t id = 0;
    if (!name || !role || !password)
        reply_error(r, 400, "InvalidRequest", "send {\"name\", \"role\", \"password\"}");
    else if (!users_name_valid(name) || !users_role_valid(role))
        reply_error(r, 400, users_name_valid(name) ? "InvalidRole" : "InvalidName",
                    "a name is 1-63 of A-Z a-z 0-9 . _ -; a role is teacher, reviewer or admin");
    else if (password_hash(password, hash, &err) != 0 ||
             users_add(r->a->s, name, role, hash, &id, &err) != 0)
        reply_yogi_error(r, &err);
    else {
        audit_record(r->a->s, actor(r), "user.create", name);
        reply_json(r, 201, json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)id, "name", name,
                                     "role", role, "disabled", 0));
    }
    json_decref(body);
}

void users_update_h(api_request *r)
{
    json_t *body;
    if (request_json(r, false, &body) != 0) return;
    const char *role = json_string_value(json_object_get(body, "role"));
    const char *password = json_string_value(json_object_get(body, "password"));
    json_t *dis = json_object_get(body, "disabled");
    char hash[PASSWORD_HASH_MAX];
    yogi_error err = {{0}, {0}};
    int disabled = json_is_boolean(dis) ? json_is_true(dis) : -1;
    if (disabled == 1 && !strcmp(r->params[0], r->who.user))
        reply_error(r, 409, "UserInUse", "you cannot disable yourself; ask another admin");
    else if ((password && password_hash(password, hash, &err) != 0) ||
             users_update(r->a->s, r->params[0], password ? hash : NULL, role, disabled, &err) != 0)
        reply_yogi_error(r, &err);
    else {
        audit_record(r->a->s, actor(r), disabled == 1 ? "user.disable" : "user.update",
                     r->params[0]);
        user u;
        users_find(r->a->s, r->params[0], &u);
        reply_json(r, 200, json_pack("{s:I,s:s,s:s,s:b}", "id", (json_int_t)u.id, "name", u.name,
                                     "role", u.role, "disabled", u.disabled));
    }
    json_decref(body);
}

void audit_list_h(api_request *r)
{
    long limit;
    if (!request_query_int(r, "limit", 1, 1000, 100, &limit)) return;
    json_t *list = audit_list(r->a->s, (int)limit);
    if (!list) {
        reply_error(r, 503, "Engine.Storage", "cannot read the audit log");
        return;
    }
    reply_json(r, 200, json_pack("{s:o}", "entries", list));
}
