/*
 * cmd_token.c — `yogi token`: manage API tokens.
 *
 *   yogi token create --role uploader|reviewer|admin|worker --data DIR [--label TEXT]
 *   yogi token list --data DIR
 *   yogi token revoke ID --data DIR
 *
 * It opens the database alone (store_open), not the engine, so no
 * execution is resumed, but it takes the data directory's lock
 * (DATA_DIR/yogi.lock) as the engine does: a second process writing to the
 * database beside a running service risks SQLite's WAL corruption (see
 * store.h), so while `yogi serve` runs, tokens are managed through the API
 * (POST/GET /v1/tokens, DELETE /v1/tokens/ID) instead.
 * The new token goes to stdout (and nowhere else) so a script can capture it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "commands.h"
#include "store.h"
#include "tokens.h"

static void token_usage(FILE *out)
{
    fprintf(out, "usage: yogi token create --role uploader|reviewer|admin|worker --data DIR "
                 "[--label TEXT]\n"
                 "       yogi token list --data DIR\n"
                 "       yogi token revoke ID --data DIR\n");
}

/* Hold DATA_DIR/yogi.lock until exit (the descriptor is never closed). */
static int lock_data_dir(const char *data_dir, yogi_error *err)
{
    char path[PATH_MAX];
    if (mkdir(data_dir, 0750) != 0 && errno != EEXIST) {
        yogi_fail(err, "Engine.DataDir", "cannot create %s: %s", data_dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/yogi.lock", data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        yogi_fail(err, "Engine.DataDir", "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        yogi_fail(err, "Engine.Busy",
                  "%s is in use by a running service; manage tokens through its API "
                  "(POST /v1/tokens, GET /v1/tokens, DELETE /v1/tokens/ID with an admin token) "
                  "or stop it first", data_dir);
        return -1;
    }
    return 0;
}

static store *open_tokens(const char *data_dir, yogi_error *err)
{
    if (lock_data_dir(data_dir, err) != 0) return NULL;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/yogi.db", data_dir);
    store_options so = {.path = path};
    store *s = store_open(&so, err);
    if (s && tokens_init(s, err) != 0) {
        store_close(s);
        return NULL;
    }
    return s;
}

static int do_create(store *s, const char *role, const char *label)
{
    char token[API_TOKEN_MAX], id[TOKEN_ID_MAX];
    yogi_error err = {{0}, {0}};
    if (!role) {
        fprintf(stderr, "yogi token create: --role is required\n");
        return YOGI_EXIT_USAGE;
    }
    if (api_token_create(s, role, label, token, id, &err) != 0) {
        fprintf(stderr, "yogi token create: %s: %s\n", err.name, err.cause);
        return !strcmp(err.name, "InvalidRole") ? YOGI_EXIT_USAGE : YOGI_EXIT_FAILED;
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
        {"label", required_argument, 0, 'l'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *role = NULL, *data = NULL, *label = NULL;
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
    yogi_error err = {{0}, {0}};
    store *s = open_tokens(data, &err);
    if (!s) {
        fprintf(stderr, "yogi token: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    int rc = !strcmp(verb, "create") ? do_create(s, role, label)
             : revoke                ? do_revoke(s, argv[optind])
                                     : do_list(s);
    store_close(s);
    return rc;
}
