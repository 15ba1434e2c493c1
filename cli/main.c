/*
 * main.c — the yogi command line: dispatch to a subcommand.
 *
 * Nothing but wiring lives here; each command is its own file (cmd_*.c).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

struct command {
    const char *name;
    yogi_command *fn;
    const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run one execution of a workflow to its end"},
    {"serve", cmd_serve, "run the engine, REST API and web app as a service"},
    {"validate", cmd_validate, "check workflow files and report every problem"},
    {"extract", cmd_extract, "extract the timetable from documents"},
    {"invoke", cmd_invoke, "call one state plugin once (for plugin authors)"},
    {"token", cmd_token, "create or revoke API tokens"},
    {"user", cmd_user, "add, list, disable people and set their passwords"},
    {"backup", cmd_backup, "write a consistent copy of the database"},
    {"worker", cmd_worker, "serve activity tasks of an engine or AWS Step Functions"},
    {"export", cmd_export, "export a workflow to another platform (aws)"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: yogi COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].fn) fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nyogi COMMAND --help for a command's options; yogi --version.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return YOGI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return YOGI_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("yogi %s\n", YOGI_VERSION);
        return YOGI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0) continue;
        if (!commands[i].fn) {
            fprintf(stderr, "yogi: command '%s' is not built into this binary\n", argv[1]);
            return YOGI_EXIT_USAGE;
        }
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "yogi: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return YOGI_EXIT_USAGE;
}
