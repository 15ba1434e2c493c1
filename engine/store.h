/*
 * store.h — the one SQLite database behind Yogi.
 *
 * Only files named engine/store*.c include sqlite3.h. The database runs in
 * WAL mode with one writer connection for the whole process (SQLite up to
 * 3.51.2 can corrupt a WAL database when several connections write or
 * checkpoint at once), BEGIN IMMEDIATE, synchronous=FULL unless configured
 * otherwise. The one exception is a short administrative process (`yogi
 * user`, `yogi token`) beside a running service: it opens with
 * no_checkpoint, writes a row or two under the busy timeout, and leaves every
 * checkpoint to the service, so there is still a single checkpointer.
 *
 * Transactions nest by count: store_begin() opens a transaction only at the
 * outermost level, store_commit() commits only there. The engine opens one
 * transaction per batch of transitions (group commit). A host call from a
 * plugin (documents.update, ...) runs while the engine collects worker
 * messages, before that batch's transaction opens, so its store_begin() is
 * the outermost one and it commits on its own.
 * store_rollback() at any depth marks the whole transaction for rollback.
 *
 * Modules with tables of their own (documents, API tokens) live in
 * engine/store_<module>.c, create their tables with store_migrate(), and
 * expose plain C functions; nobody outside those files sees SQL.
 */
#ifndef YOGI_STORE_H
#define YOGI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "host_error.h"
#include "yogi/plugin.h"

typedef struct store store;

typedef struct store_options {
    const char *path;        /* database file */
    bool synchronous_normal; /* default FULL */
    bool ephemeral;          /* deleted when the process ends: synchronous=OFF */
    bool no_checkpoint;      /* a short second writer beside the service: never
                                checkpoint (neither automatically nor at close),
                                leaving that to the service's connection */
} store_options;

store *store_open(const store_options *opts, yogi_error *err);
void store_close(store *s);

int store_begin(store *s, yogi_error *err) HOST_MUST_CHECK;
int store_commit(store *s, yogi_error *err) HOST_MUST_CHECK;
void store_rollback(store *s);

/* Apply `sql` (one or more statements) once for (module, version), inside a
 * transaction, recording it in schema_migrations. Idempotent. */
int store_migrate(store *s, const char *module, int version, const char *sql, yogi_error *err)
    HOST_MUST_CHECK;

/* PRAGMA integrity_check; true when "ok". */
bool store_integrity_ok(store *s, char *detail, size_t detail_len);

/* False (with the reason in why) when the database file or its directory
 * was deleted or replaced since the store was opened: writes would go to a
 * file nobody will ever open again. Checked before every commit (which then
 * fails) and by the server once a second. */
bool store_intact(store *s, char *why, size_t why_len);

/* Write a consistent copy of the whole database to `dest` (which must not
 * exist) with VACUUM INTO, through the one connection: safe while the
 * service runs. */
int store_backup(store *s, const char *dest, yogi_error *err) HOST_MUST_CHECK;

/* Insert one row into a scratch table in a transaction of its own: the raw
 * cost of a commit under the store's settings, for benchmarks. */
int store_probe_commit(store *s, yogi_error *err) HOST_MUST_CHECK;

/* Outermost commits so far (for metrics and benchmarks). */
uint64_t store_commit_count(store *s);

#endif
