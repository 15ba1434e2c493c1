/*
 * store_internal.h — what engine/store*.c files share. Never include this
 * outside engine/store*.c: it is the only header that pulls in sqlite3.h.
 */
#ifndef YOGI_STORE_INTERNAL_H
#define YOGI_STORE_INTERNAL_H

#include <sqlite3.h>
#include <sys/types.h>

#include "host_error.h"
#include "store.h"

#define STORE_STMT_CACHE 96

struct store {
    sqlite3 *db;              /* the one writer connection */
    int depth;                /* store_begin nesting; 0 = no transaction */
    bool poisoned;            /* a statement failed: the transaction must roll back */
    char first_error[512];    /* the first failure in this transaction */
    uint64_t commits;         /* outermost commits that succeeded */
    int watch_fd;             /* the database file, held open to see it unlinked; -1 */
    dev_t dev, dir_dev;       /* identity of the file and its directory at open */
    ino_t ino, dir_ino;
    char path[4096];          /* as opened ("" for in-memory databases) */
    char dir[4096];
    bool probe_ready;         /* the benchmark table exists */
    int n_cached;
    struct {
        char *sql;
        sqlite3_stmt *stmt;
    } cache[STORE_STMT_CACHE];
};

/* A cached prepared statement for `sql` (NULL on a prepare error, which is
 * noted and poisons an open transaction). Reset it with store_reset() or
 * store_step_done() after use. */
sqlite3_stmt *store_stmt(store *s, const char *sql);
int store_step_done(store *s, sqlite3_stmt *stmt);
void store_reset(sqlite3_stmt *stmt);
void store_note_error(store *s, const char *what);
int store_exec(store *s, const char *sql, yogi_error *err) HOST_MUST_CHECK;

/* Bind a JSON value as compact text (NULL → SQL NULL); read one back. */
int store_bind_json(sqlite3_stmt *stmt, int idx, const json_t *v);
json_t *store_column_json(sqlite3_stmt *stmt, int col);

#endif
