/*
 * cmd_user.c — `yogi user`: the people who sign in to the web app.
 *
 *   yogi user add NAME --role teacher|reviewer|admin --data DIR
 *   yogi user list --data DIR
 *   yogi user passwd NAME --data DIR
 *   yogi user disable NAME --data DIR
 *
 * add and passwd read the password from standard input: typed twice without
 * echo on a terminal, or one line from a pipe (so a script never puts it on
 * a command line, where `ps` would show it). It works while `yogi serve`
 * runs (cli_open_admin_db: a short second writer). Disabling ends the
 * user's sessions and stops the user's tokens at once.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "audit.h"
#include "commands.h"
#include "password.h"
#include "store.h"
#include "users.h"

static void user_usage(FILE *out)
{
    fprintf(out, "usage: yogi user add NAME --role teacher|reviewer|admin --data DIR\n"
                 "       yogi user list --data DIR\n"
                 "       yogi user passwd NAME --data DIR\n"
                 "       yogi user disable NAME --data DIR\n"
                 "The password is read from standard input.\n");
}

/* One line from stdin without its newline; no echo on a terminal. */
static int read_line(const char *prompt, char *buf, size_t cap)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool got = fgets(buf, (int)cap, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!got) return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int read_password(char hash[PASSWORD_HASH_MAX])
{
    char pw[PASSWORD_MAX + 2], again[PASSWORD_MAX + 2];
    yogi_error err = {{0}, {0}};
    if (read_line("Password: ", pw, sizeof pw) != 0) {
        fprintf(stderr, "yogi user: no password on standard input\n");
        return -1;
    }
    if (isatty(STDIN_FILENO) &&
        (read_line("Again: ", again, sizeof again) != 0 || strcmp(pw, again) != 0)) {
        fprintf(stderr, "yogi user: the passwords differ\n");
        return -1;
    }
    int rc = password_hash(pw, hash, &err);
    memset(pw, 0, sizeof pw);
    if (rc != 0) fprintf(stderr, "yogi user: %s: %s\n", err.name, err.cause);
    return rc;
}

static int do_add(store *s, const char *name, const char *role)
{
    char hash[PASSWORD_HASH_MAX];
    yogi_error err = {{0}, {0}};
    if (!role || !users_role_valid(role) || !users_name_valid(name)) {
        fprintf(stderr, "yogi user add: %s\n", users_name_valid(name)
                            ? "--role is teacher, reviewer or admin"
                            : "a name is 1-63 of A-Z a-z 0-9 . _ -");
        return YOGI_EXIT_USAGE;
    }
    if (read_password(hash) != 0) return YOGI_EXIT_FAILED;
    if (users_add(s, name, role, hash, NULL, &err) != 0) {
        fprintf(stderr, "yogi user add: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    audit_record(s, "yogi user", "user.create", name);
    fprintf(stderr, "yogi: added %s %s\n", role, name);
    return YOGI_EXIT_OK;
}

static int do_list(store *s)
{
    json_t *list = users_list(s);
    if (!list) return YOGI_EXIT_FAILED;
    printf("%-24s %-9s %s\n", "NAME", "ROLE", "STATE");
    size_t i;
    json_t *u;
    json_array_foreach(list, i, u)
        printf("%-24s %-9s %s\n", json_string_value(json_object_get(u, "name")),
               json_string_value(json_object_get(u, "role")),
               json_is_true(json_object_get(u, "disabled")) ? "disabled" : "active");
    json_decref(list);
    return YOGI_EXIT_OK;
}

static int do_change(store *s, const char *verb, const char *name)
{
    char hash[PASSWORD_HASH_MAX];
    yogi_error err = {{0}, {0}};
    bool passwd = !strcmp(verb, "passwd");
    user u;
    if (users_find(s, name, &u) != 0) {
        fprintf(stderr, "yogi user %s: no user '%s'\n", verb, name);
        return YOGI_EXIT_FAILED;
    }
    if (passwd && read_password(hash) != 0) return YOGI_EXIT_FAILED;
    if (users_update(s, name, passwd ? hash : NULL, NULL, passwd ? -1 : 1, &err) != 0) {
        fprintf(stderr, "yogi user %s: %s: %s\n", verb, err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    audit_record(s, "yogi user", passwd ? "user.update" : "user.disable", name);
    fprintf(stderr, "yogi: %s %s\n", passwd ? "new password for" : "disabled", name);
    return YOGI_EXIT_OK;
}

int cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, 0, 'r'}, {"data", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    const char *role = NULL, *data = NULL;
    if (argc < 2) {
        user_usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    const char *verb = argv[1];
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'r') role = optarg;
        else if (c == 'd') data = optarg;
        else {
            user_usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? YOGI_EXIT_OK : YOGI_EXIT_USAGE;
        }
    }
    bool list = !strcmp(verb, "list");
    bool known = list || !strcmp(verb, "add") || !strcmp(verb, "passwd") || !strcmp(verb, "disable");
    if (!known || !data || optind != argc - (list ? 0 : 1)) {
        user_usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    store *s = cli_open_admin_db("yogi user", data);
    if (!s) return YOGI_EXIT_FAILED;
    int rc = list ? do_list(s)
             : !strcmp(verb, "add") ? do_add(s, argv[optind], role)
                                    : do_change(s, verb, argv[optind]);
    store_close(s);
    return rc;
}
