/*
 * cmd_token.c — `yogi token`: manage API tokens.
 *
 *   yogi token create --role uploader|reviewer|admin|worker --data DIR [--label TEXT]
 *   yogi token create --user NAME --data DIR [--label TEXT]
 *   yogi token list --data DIR
 *   yogi token revoke ID --data DIR
 *
 * It opens the database alone (cli_open_admin_db), not the engine, so no
 * execution is resumed, and works while `yogi serve` runs: it is a short
 * second writer that waits for the service's write lock and never
 * checkpoints (see store.h). --user NAME makes a token that acts as that
 * user, with the user's role.
 * The new token goes to stdout (and nowhere else) so a script can capture it.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "commands.h"
#include "store.h"
#include "tokens.h"
#include "users.h"

static void token_usage(FILE *out)
{
    fprintf(out, "usage: yogi token create --role uploader|reviewer|admin|worker --data DIR "
                 "[--label TEXT]\n"
                 "       yogi token create --user NAME --data DIR [--label TEXT]\n"
                 "       yogi token list --data DIR\n"
                 "       yogi token revoke ID --data DIR\n");
}

static int do_create(store *s, const char *role, const char *label, const char *username)
{
    char token[API_TOKEN_MAX], id[TOKEN_ID_MAX];
    yogi_error err = {{0}, {0}};
    user u = {0};
    if (username) {
        if (users_find(s, username, &u) != 0 || u.disabled) {
            fprintf(stderr, "yogi token create: no enabled user '%s'\n", username);
            return YOGI_EXIT_FAILED;
        }
        role = !strcmp(u.role, "teacher") ? "uploader" : u.role;
    }
    if (!role) {
        fprintf(stderr, "yogi token create: --role is required\n");
        return YOGI_EXIT_USAGE;
    }
    if (api_token_create(s, role, label, token, id, &err) != 0) {
        fprintf(stderr, "yogi token create: %s: %s\n", err.name, err.cause);
        return !strcmp(err.name, "InvalidRole") ? YOGI_EXIT_USAGE : YOGI_EXIT_FAILED;
    }
    if (u.id && tokens_set_user(s, id, u.id, &err) != 0) {
        fprintf(stderr, "yogi token create: %s: %s\n", err.name, err.cause);
        yogi_error rerr = {{0}, {0}};
        if (tokens_revoke(s, id, &rerr) != 0) /* a token of nobody's must not stay usable */
            fprintf(stderr, "yogi token create: token %s was created and could not be revoked:"
                    " %s: %s; revoke it with `yogi token revoke %s`\n", id, rerr.name,
                    rerr.cause, id);
        return YOGI_EXIT_FAILED;
    }
    printf("%s\n", token);
    fprintf(stderr, "yogi: created %s token %s (shown once)\n", role, id);
    return YOGI_EXIT_OK;
}

static int do_list(store *s)
{
    json_t *list = tokens_list(s);
    if (!list) return YOGI_EXIT_FAILED;
    printf("%-18s %-9s %-12s %-12s %s\n", "ID", "ROLE", "CREATED", "REVOKED", "LABEL");
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t) {
        json_t *rev = json_object_get(t, "revoked");
        char revoked[24] = "-";
        if (json_is_integer(rev)) snprintf(revoked, sizeof revoked, "%lld",
                                           (long long)json_integer_value(rev));
        const char *label = json_string_value(json_object_get(t, "label"));
        printf("%-18s %-9s %-12lld %-12s %s\n", json_string_value(json_object_get(t, "id")),
               json_string_value(json_object_get(t, "role")),
               (long long)json_integer_value(json_object_get(t, "created")), revoked,
               label ? label : "");
    }
    json_decref(list);
    return YOGI_EXIT_OK;
}

static int do_revoke(store *s, const char *id)
{
    yogi_error err = {{0}, {0}};
    if (tokens_revoke(s, id, &err) != 0) {
        fprintf(stderr, "yogi token revoke: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    fprintf(stderr, "yogi: revoked token %s\n", id);
    return YOGI_EXIT_OK;
}

int cmd_token(int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, 0, 'r'}, {"data", required_argument, 0, 'd'},
        {"label", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'},
        {"user", required_argument, 0, 'u'},  {0, 0, 0, 0},
    };
    const char *role = NULL, *data = NULL, *label = NULL, *username = NULL;
    if (argc < 2) {
        token_usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    const char *verb = argv[1];
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'r') role = optarg;
        else if (c == 'd') data = optarg;
        else if (c == 'l') label = optarg;
        else if (c == 'u') username = optarg;
        else if (c == 'h') {
            token_usage(stdout);
            return YOGI_EXIT_OK;
        } else {
            token_usage(stderr);
            return YOGI_EXIT_USAGE;
        }
    }
    bool revoke = !strcmp(verb, "revoke");
    if (!data || (revoke ? optind != argc - 1 : optind != argc) ||
        (strcmp(verb, "create") && strcmp(verb, "list") && !revoke)) {
        token_usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    store *s = cli_open_admin_db("yogi token", data);
    if (!s) return YOGI_EXIT_FAILED;
    int rc = !strcmp(verb, "create") ? do_create(s, role, label, username)
             : revoke                ? do_revoke(s, argv[optind])
                                     : do_list(s);
    store_close(s);
    return rc;
}
