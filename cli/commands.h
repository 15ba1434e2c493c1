/*
 * commands.h — the yogi subcommands.
 *
 * Each command lives in cli/cmd_<name>.c and has the signature of
 * `yogi_command`. They are declared weak so that main.c's table can name
 * every command while the tree is being built up; a command whose file is
 * absent reports itself as unavailable instead of failing the link.
 *
 * Exit codes shared by all commands: 0 success, 1 the work ended badly
 * (execution failed, extraction failed), 2 usage or validation error.
 */
#ifndef YOGI_COMMANDS_H
#define YOGI_COMMANDS_H

typedef int yogi_command(int argc, char **argv);

#define YOGI_EXIT_OK 0
#define YOGI_EXIT_FAILED 1
#define YOGI_EXIT_USAGE 2

__attribute__((weak)) yogi_command cmd_run;
__attribute__((weak)) yogi_command cmd_serve;
__attribute__((weak)) yogi_command cmd_validate;
__attribute__((weak)) yogi_command cmd_extract;
__attribute__((weak)) yogi_command cmd_invoke;
__attribute__((weak)) yogi_command cmd_token;
__attribute__((weak)) yogi_command cmd_backup;
__attribute__((weak)) yogi_command cmd_user;
__attribute__((weak)) yogi_command cmd_worker;
__attribute__((weak)) yogi_command cmd_export;

/* Default paths, resolved relative to the executable when running from a
 * build tree (build/yogi → build/states, ./workflows), else the installed
 * locations. Returned strings are static. */
const char *cli_default_plugin_dir(void);
const char *cli_default_workflow_dir(void);

/* DATA_DIR/yogi.db opened as a short second writer (store.h no_checkpoint),
 * with the users and tokens tables: works whether or not a service runs.
 * NULL after printing "COMMAND: Error.Name: cause" on stderr. */
struct store;
struct store *cli_open_admin_db(const char *command, const char *data_dir);

#endif
