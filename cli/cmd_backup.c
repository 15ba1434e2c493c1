/*
 * cmd_backup.c — `yogi backup --data DIR FILE`: a consistent copy of the
 * database, for a service that is stopped (a running `yogi serve` holds the
 * data directory; back it up through its API instead, or stop it first).
 * The copy is made with VACUUM INTO through the engine's own connection, so
 * it is a valid database even if the source was mid-write when the service
 * last stopped. Document files are plain files under DIR/documents/: copy
 * them with any tool (they are written before the rows that name them).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "engine.h"

static void backup_usage(FILE *out)
{
    fprintf(out, "usage: yogi backup --data DIR FILE\n\n"
                 "Writes a consistent copy of DIR/yogi.db to FILE (which must not exist).\n");
}

int cmd_backup(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd') data = optarg;
        else if (c == 'h') { backup_usage(stdout); return YOGI_EXIT_OK; }
        else { backup_usage(stderr); return YOGI_EXIT_USAGE; }
    }
    if (!data || optind != argc - 1) {
        backup_usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    engine_options o = {.data_dir = data, .plugin_dir = cli_default_plugin_dir(), .workers = 1};
    yogi_error err = {{0}, {0}};
    engine *e = engine_open(&o, &err);
    if (!e) {
        fprintf(stderr, "yogi backup: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    int rc = engine_backup(e, argv[optind], &err);
    engine_close(e);
    if (rc != 0) {
        fprintf(stderr, "yogi backup: %s: %s\n", err.name, err.cause);
        return YOGI_EXIT_FAILED;
    }
    printf("%s\n", argv[optind]);
    return YOGI_EXIT_OK;
}
