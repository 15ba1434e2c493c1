/*
 * journal.h — the engine's tables (implemented in store_journal.c).
 * Row-shaped results are JSON objects (new references); see the schema at
 * the top of store_journal.c.
 */
#ifndef YOGI_JOURNAL_H
#define YOGI_JOURNAL_H

#include <stdint.h>

#include <jansson.h>

#include "exec.h"
#include "host_error.h"
#include "store.h"

int journal_init(store *s, yogi_error *err) HOST_MUST_CHECK;

/* Insert a new version unless `sha` equals the latest version's. */
int journal_put_workflow(store *s, const char *name, const char *source, const json_t *def,
                         const char *sha, int64_t now, int *version, yogi_error *err)
    HOST_MUST_CHECK;
json_t *journal_get_workflow(store *s, const char *name, int version); /* 0 = latest */
json_t *journal_list_workflows(store *s);

/* Write an execution's row (if dirty), new events, dirty branches and the
 * deletions in ex->deleted. Runs inside the caller's transaction. */
int journal_write(store *s, execution *ex);

json_t *journal_get_execution(store *s, const char *id);
json_t *journal_find_execution(store *s, const char *workflow, const char *name);
json_t *journal_list_executions(store *s, const char *status, const char *workflow, int limit,
                                const char *cursor);
/* {"RUNNING": n, "SUCCEEDED": n, ...} */
json_t *journal_count_by_status(store *s);
json_t *journal_history(store *s, const char *id, int64_t after, int limit);

typedef int (*journal_exec_fn)(void *ud, json_t *row);
int journal_each_running(store *s, journal_exec_fn fn, void *ud);

typedef struct journal_branch_row {
    int64_t id, parent, slot;
    const char *scope, *state, *phase;
    json_t *input, *data; /* borrowed for the callback */
    int64_t timer_ms;
} journal_branch_row;
typedef int (*journal_branch_fn)(void *ud, const journal_branch_row *row);
int journal_each_branch(store *s, const char *exec_id, journal_branch_fn fn, void *ud);

#endif
