/*
 * admin_db.c — the database as `yogi user` and `yogi token` open it.
 *
 * These commands write a row or two, often while `yogi serve` runs on the
 * same directory. They do not take the data directory's lock (the service
 * holds it); SQLite's WAL lets them write beside the service, waiting up to
 * the busy timeout for its write lock, and they never checkpoint, so the
 * service's connection stays the only checkpointer (store.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "host_error.h"
#include "store.h"
#include "tokens.h"

static struct store *open_admin_db(const char *data_dir, yogi_error *err)
{
    char path[PATH_MAX];
    if (mkdir(data_dir, 0750) != 0 && errno != EEXIST) {
        host_fail(err, "Engine.DataDir", "cannot create %s: %s", data_dir, strerror(errno));
        return NULL;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/yogi.db", data_dir) >= sizeof path) {
        host_fail(err, "Engine.DataDir", "the data directory's path is too long");
        return NULL;
    }
    store_options so = {.path = path, .no_checkpoint = true};
    store *s = store_open(&so, err);
    if (s && tokens_init(s, err) != 0) { /* users' tables too */
        store_close(s);
        return NULL;
    }
    return s;
}

struct store *cli_open_admin_db(const char *command, const char *data_dir)
{
    yogi_error err = {{0}, {0}};
    store *s = open_admin_db(data_dir, &err);
    if (!s) fprintf(stderr, "%s: %s: %s\n", command, err.name, err.cause);
    return s;
}
