/*
 * activities.h — Task states served by remote workers, on the model of Step
 * Functions Activities (implemented in engine/activities.c).
 *
 * A Task whose Resource is "arn:aws:states:REGION:ACCOUNT:activity:NAME" or
 * "activity:NAME" (or whose resource-map entry names one) is not given to
 * the local worker pool: once its transition has committed it joins the
 * queue of activity NAME, where a remote worker takes it (GetActivityTask),
 * and it ends when the worker answers with the task token (SendTaskSuccess
 * / SendTaskFailure), or when HeartbeatSeconds / TimeoutSeconds pass
 * without a heartbeat / an answer — then the workflow's Retry and Catch
 * decide, as for any task failure.
 *
 * Invariants:
 *   - a task is queued only after the transition that scheduled it has
 *     committed, and handed to a worker only after its ActivityStarted
 *     event (with the worker's name) has committed;
 *   - every attempt gets a token of its own, so the answer of an attempt
 *     that timed out can never complete the retry: it is refused with
 *     TaskTimedOut (tokens of recent timeouts are remembered in memory;
 *     after a restart such an answer is TaskDoesNotExist — refused still);
 *   - after a restart, queued tasks are queued again; tasks a worker had
 *     taken stay with that worker (its answer, or its heartbeat timeout,
 *     decides).
 *
 * Documents travel with the task: at hand-out the engine lists the files
 * under its data directory that the input names (paths as strings), with
 * their SHA-256; the worker fetches them by hash with the task token
 * (engine_activity_file) and stores its outputs back the same way
 * (engine_activity_store, into DATA_DIR/blobs/<sha256>/<name>).
 */
#ifndef YOGI_ACTIVITIES_H
#define YOGI_ACTIVITIES_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "engine.h"
#include "host_error.h"

#define ACTIVITY_NAME_MAX 81 /* Step Functions names: 1-80 characters */

/* The activity named by a Resource string or activity ARN:
 * "arn:aws:states:REGION:ACCOUNT:activity:NAME" or "activity:NAME". */
bool activity_name_from(const char *resource, char name[ACTIVITY_NAME_MAX]);

/* True for a name Step Functions accepts: 1-80 of [A-Za-z0-9_-]. */
bool activity_name_valid(const char *name);

/* Called (after a commit) when activity `name` has a task waiting. The
 * callback must not call back into the engine: it should only schedule. */
typedef void (*engine_activity_fn)(void *ud, const char *name);
void engine_activity_on_ready(engine *e, engine_activity_fn fn, void *ud);

/* Hand the oldest waiting task of `name` to `worker`. Returns 1 with *task
 * {"taskToken","input" (JSON text),"files":[{"path","sha256","size"}],
 * "heartbeatSeconds" (the state's HeartbeatSeconds, 0 for none)},
 * 0 when none waits, -1 with err (Engine.Storage). The hand-out is not yet
 * committed: call engine_activity_commit() before the task leaves (one
 * commit may cover several hand-outs: group commit). */
int engine_activity_take(engine *e, const char *name, const char *worker, json_t **task,
                         yogi_error *err) HOST_MUST_CHECK;
void engine_activity_commit(engine *e);

/* Tasks waiting for a worker, per activity: {"NAME": n, ...}. New reference. */
json_t *engine_activity_queued(engine *e);

/* The path of the input file with this SHA-256 (hex) of the live task
 * `token`. TaskDoesNotExist / TaskTimedOut for a token that is not live,
 * FileDoesNotExist for a hash the task does not name. */
int engine_activity_file(engine *e, const char *token, const char *sha256, char *path,
                         size_t path_len, yogi_error *err) HOST_MUST_CHECK;

/* Store an output file of the live task `token` as
 * DATA_DIR/blobs/<sha256>/<name>; the bytes must hash to sha256
 * (DigestMismatch otherwise); name is [A-Za-z0-9._-]{1,128} without a
 * leading dot (InvalidName). Writes the stored path. */
int engine_activity_store(engine *e, const char *token, const char *sha256, const char *name,
                          const void *data, size_t len, char *path, size_t path_len,
                          yogi_error *err) HOST_MUST_CHECK;

#endif
