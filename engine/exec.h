/*
 * exec.h — the engine's in-memory model of running executions, shared by
 * the interpreter (exec.c; Parallel and Map in exec_branches.c, JSONata
 * states in exec_jsonata.c, variables in exec_vars.c), the loop (engine.c),
 * the loader (engine_load.c) and the journal (store_journal.c). Not part of
 * the public API (engine.h).
 *
 * An execution is a tree of branches. The root branch runs the workflow's
 * top-level machine; a Parallel state gives its branch one child branch per
 * Branches entry, a Map state one child per item. A branch is always at one
 * state of its machine, in one phase:
 *
 *   ENTER     ready to enter `state` with `input` (on the run queue)
 *   TASK      a Task's plugin is dispatched; waiting for its result
 *   RETRY     a failed Task/Parallel/Map waits for its retry back-off timer
 *   WAIT      a Wait state waits for its timer
 *   CALLBACK  a .waitForTaskToken Task waits for success/failure/heartbeat
 *   CHILDREN  a Parallel/Map waits for its child branches
 *   PENDING   a Map iteration not started yet (MaxConcurrency)
 *   DONE      the machine ended; `input` holds its output
 *   FAILED    the machine failed; data.error / data.cause say why
 *   ABORTED   stopped because a sibling failed or the execution stopped
 *
 * Every field that must survive a restart is in the branches table; the
 * journal writes dirty branches and new events in the same transaction as
 * the execution row (see store_journal.c). task_id, timer_gen and in_runq
 * are in-memory only: they are rebuilt at load.
 */
#ifndef YOGI_EXEC_H
#define YOGI_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "yogi/plugin.h"

typedef enum branch_phase {
    PH_ENTER,
    PH_TASK,
    PH_RETRY,
    PH_WAIT,
    PH_CALLBACK,
    PH_CHILDREN,
    PH_PENDING,
    PH_DONE,
    PH_FAILED,
    PH_ABORTED,
} branch_phase;

struct execution;

/*
 * branch.data holds what the current phase must remember across a restart.
 * exec_step() replaces it on entering a state (vars_fresh_data), so every
 * key belongs to the state the branch is in. Its keys (all optional):
 *
 *   vars              object: variables this branch assigned (exec_vars.c)
 *   entered           Unix ms the state was entered (context, metrics)
 *   entered_event     id of the StateEntered event (history of this state)
 *   effective         the Task/Parallel/Map input after InputPath/Parameters
 *                     (JSONata: Arguments/Items), kept for retries
 *   attempt           retries made so far (Retry); retries: object, per
 *                     retrier index, how many times it matched
 *   retry_not_before  Unix ms a plugin asked to wait before the retry
 *   timeout_s, heartbeat_s    the Task's TimeoutSeconds, HeartbeatSeconds
 *   timeout_at, heartbeat_at  Unix ms deadlines of those two, 0 = none
 *   submitted         false when a task is dispatched; true once a
 *                     .waitForTaskToken plugin handed its token on (a
 *                     restart dispatches the task again unless true)
 *   token             the callback/activity task token
 *   activity          the activity name (an activity Task; activities.c)
 *   worker, files     the activity worker that took the task and the files
 *                     it may fetch (activities.c)
 *   total, done, failed, running, next, max, first
 *                     Parallel/Map children: counts, the next child to
 *                     start, MaxConcurrency, the first child's branch id
 *   has_tolerance, tolerated_count, tolerated_pct   Map ToleratedFailure*
 *   error, cause      why the branch FAILED
 */
typedef struct branch {
    struct execution *ex; /* owner */
    int64_t id;           /* 1-based, dense within the execution */
    int64_t parent;       /* parent branch id; 0 for the root */
    int64_t slot;         /* index in the parent's results (branch or item index) */
    char *scope;          /* JSON Pointer of this branch's machine in the definition */
    json_t *machine;      /* borrowed: the object at scope ({StartAt, States}) */
    char *state;          /* current state's name */
    branch_phase phase;
    json_t *input;        /* the current state's raw input; the output once DONE */
    json_t *data;         /* phase data, an object, written with the branch (see below) */
    int64_t timer_ms;     /* absolute Unix ms of the pending timer, 0 = none */
    uint64_t timer_gen;   /* in memory: invalidates superseded timer heap entries */
    uint64_t task_id;     /* in memory: the dispatched worker task, 0 = none */
    int64_t task_started_ms; /* in memory: when the task was submitted (metrics) */
    int task_metric;      /* in memory: index into the engine's per-plugin metrics */
    bool dirty;           /* must be written in the next commit */
    bool in_runq;         /* in memory: queued for exec_step */
} branch;

typedef struct execution {
    char id[64];          /* short, URL-safe, unique */
    char *name;           /* unique within the workflow */
    char *workflow;       /* workflow name */
    int version;          /* workflow version it runs */
    json_t *definition;   /* borrowed from the engine's definition cache */
    char status[16];      /* RUNNING SUCCEEDED FAILED TIMED_OUT ABORTED */
    json_t *input;        /* execution input */
    json_t *output;       /* when SUCCEEDED */
    char *error, *cause;  /* when FAILED/TIMED_OUT/ABORTED */
    int64_t started, stopped; /* Unix ms */
    int64_t deadline;     /* workflow TimeoutSeconds as absolute ms, 0 = none */
    int redrive_count;
    int64_t next_event;   /* id of the next history event */
    branch **branches;    /* by id - 1; NULL for deleted branches */
    size_t n_branches, cap_branches;
    json_t *new_events;   /* events appended since the last commit */
    int64_t *deleted;     /* branch ids deleted since the last commit */
    size_t n_deleted, cap_deleted;
    uint64_t timer_gen;   /* execution-deadline timer generation */
    bool dirty;           /* row must be written */
    bool is_new;          /* row must be inserted */
    bool status_changed;  /* notify listeners after commit */
} execution;

/* Phase names as stored; and back (-1 if unknown). */
const char *phase_name(branch_phase p);
int phase_from_name(const char *s);

#endif
